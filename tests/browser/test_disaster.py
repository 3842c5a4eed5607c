"""A disaster on the wall: a severe alert arrives through the store, the stage rises,
the kiosk holds on the disaster layout (the stage and its guidance, the alerts'
headlines and instructions, issued and expiry times, the districts outlined on the
map); the alert is cancelled and the wall returns to normal and to its rotation.
Every change is in the stage log. A real `citywall serve` with its own store, at
1920×1080 and 3840×2160."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from city.records import Event
from store import stages as stage_store
from store import versions, writes
from tests.browser.conftest import SCREENSHOTS
from tests.browser.contrast import CONTRAST_FAILURES
from tests.browser.servers import screen, signed_in_wall
from tests.conftest import seoul_profile_copy

GANGNAM, SEOCHO, GWANAK = "11680", "11650", "11620"


def _flood_warning(now: datetime, status: str = "active") -> Event:
    return Event(
        source_id="kma-heavy-rain-20261125-1",
        domain="disaster",
        category="heavy_rain",
        occurred_at=now - timedelta(minutes=5),
        title="Heavy rain warning for southern Seoul",
        status=status,
        severity="Severe",
        district_code=GANGNAM,
        expires_at=now + timedelta(hours=6),
        attrs={
            "urgency": "Immediate",
            "instruction": "Stay away from streams and underpasses.",
        },
        areas=(SEOCHO, GWANAK),
    )


def _store(engine, event: Event) -> None:
    with engine.begin() as conn:
        writes.upsert_events(conn, "kma-cap", [event], datetime.now(UTC))
        versions.bump_data_version(conn)


def _js(dash_duo, script: str):
    return dash_duo.driver.execute_script(script)


def _wait(dash_duo, script: str, expected, timeout: float = 30):
    """Poll a script until it returns ``expected``; its last value otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = _js(dash_duo, script)
        if found == expected:
            return found
        time.sleep(0.25)
    raise AssertionError(f"{script!r} gave {found!r}, not {expected!r}")


def _logged(engine, timeout: float = 60.0) -> list:
    """The stage log, once it holds an entry."""
    stop = time.monotonic() + timeout
    while time.monotonic() < stop:
        with engine.connect() as conn:
            found = stage_store.history(conn)
        if found:
            return found
        time.sleep(0.25)
    raise AssertionError(f"the stage watch logged nothing in {timeout:g} s")


BADGE_LEVEL = "return document.getElementById('kiosk-stage-badge').dataset.level"
LAYOUT = (
    "const o = document.querySelector('#kiosk-stage #overview');"
    "return o ? o.classList.contains('disaster-layout') : null"
)
# the choropleth's outline widths, district by district, as plotly drew them (in
# px that follow the screen: an outlined district's line is wider than the others)
OUTLINES = (
    "const g = document.querySelector('#city-map .js-plotly-plot');"
    "const d = g && g.data && g.data[0];"
    "if (!d) return null;"
    "const w = d.marker.line.width;"
    "const thin = Array.isArray(w) ? Math.min(...w) : w;"
    "return d.locations.filter((c, i) => Array.isArray(w) && w[i] > thin).sort().join()"
)


def test_a_severe_alert_turns_the_wall_to_its_disaster_layout_and_back(
    dash_duo, tmp_path
):
    # no simulated alerts here: only the test's own alert moves the stage
    profile = seoul_profile_copy(tmp_path, 8, refresh_seconds=2, alerts_per_day=0)
    driver = dash_duo.driver
    # the operator's side: the same store the server writes
    with signed_in_wall(driver, profile, tmp_path) as (url, engine):
        driver.get(url + "/wall")
        dash_duo.wait_for_element("#kiosk-stage .kpi-tile .tile-value", timeout=60)
        assert _js(dash_duo, BADGE_LEVEL) == "1"
        assert _js(dash_duo, LAYOUT) is False
        assert dash_duo.find_element("#kiosk-countdown").text.startswith("1/7 ")

        # the stage watch has logged the stage the wall opened on (on a loaded
        # machine it may start after the page has drawn)
        assert [r.level for r in _logged(engine)] == [1]
        now = datetime.now(UTC)
        _store(engine, _flood_warning(now))
        # Severe + Immediate: stage 4 of Rio's ladder, above its layout_from (3)
        _wait(dash_duo, BADGE_LEVEL, "4")
        _wait(dash_duo, LAYOUT, True)
        # read at once: the overview redraws its banner and cards on every refresh
        banner, level, card = _js(
            dash_duo,
            "const b = document.querySelector('#kiosk-stage .stage-banner');"
            "const c = document.querySelector('#kiosk-stage .alert-card');"
            "return [b.innerText, b.dataset.level, c.innerText]",
        )
        assert level == "4"
        assert "STAGE 4 of 5 · Alert" in banner
        assert "avoid travel" in banner  # the stage's public guidance
        assert "Gwanak-gu, Seocho-gu, Gangnam-gu" in banner
        assert "Heavy rain warning for southern Seoul" in card
        assert "Stay away from streams and underpasses." in card
        assert "issued" in card and "until" in card
        assert _wait(dash_duo, OUTLINES, ",".join(sorted((GANGNAM, SEOCHO, GWANAK))))
        assert "rotation held" in dash_duo.find_element("#kiosk-countdown").text
        time.sleep(3)  # held: the rotation does not move on
        assert _js(dash_duo, LAYOUT) is True
        driver.save_screenshot(str(SCREENSHOTS / "wall-disaster-1920x1080.png"))
        # the stage, its guidance and the alerts' cards with their cameras: readable
        assert _js(dash_duo, CONTRAST_FAILURES) == []

        screen(driver, 3840, 2160)
        time.sleep(1)
        # the banner scales with the screen (rem sizes follow the viewport)
        big = _js(
            dash_duo,
            "return parseFloat(getComputedStyle("
            "document.querySelector('.stage-disaster .stage-name')).fontSize)",
        )
        assert big >= 2 * 2.4 * 14
        driver.save_screenshot(str(SCREENSHOTS / "wall-disaster-3840x2160.png"))

        # the alert is cancelled: back to normal and to the rotation
        _store(engine, _flood_warning(now, status="cancelled"))
        _wait(dash_duo, BADGE_LEVEL, "1")
        _wait(
            dash_duo,
            "return document.getElementById('kiosk-countdown').textContent"
            ".startsWith('1/7 ')",
            True,
        )
        _wait(dash_duo, LAYOUT, False)
        _wait(dash_duo, OUTLINES, "")
        # read while the server still runs (the page asks for builds after it stops)
        assert dash_duo.get_logs() == []

    with engine.connect() as conn:
        log = list(reversed(stage_store.history(conn)))
    assert [(r.level, r.previous) for r in log] == [(1, None), (4, 1), (1, 4)]
    assert log[1].cause == "Heavy rain warning for southern Seoul"
