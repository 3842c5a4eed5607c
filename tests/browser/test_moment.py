"""The wall at a past moment, in a browser: an operator opens `/wall?at=` of a
moment when the city stood at stage 4 and sees stage 4, the alert in force then
and the banner saying it is not live; the live `/wall` shows none of it. A real
`citywall serve` with its own store."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from city import i18n
from city.profile import load_profile
from city.records import Event
from store import stages as stage_store
from store import versions, writes
from tests.browser.servers import signed_in_wall
from tests.conftest import seoul_profile_copy

HEADLINE = "Typhoon warning for the Han river banks"
BADGE_LEVEL = "return document.getElementById('kiosk-stage-badge').dataset.level"
BANNERS = (
    "return [...document.querySelectorAll('.moment-banner')]"
    ".filter(b => b.offsetParent !== null)"
    ".map(b => b.querySelector('.moment-when').innerText)"
)


def _typhoon(at: datetime) -> Event:
    """Severe and Immediate (stage 4 of Rio's ladder), in force around ``at``
    only: expired long before now."""
    return Event(
        source_id="kma-typhoon-moment",
        domain="disaster",
        category="typhoon",
        occurred_at=at - timedelta(minutes=30),
        title=HEADLINE,
        severity="Severe",
        district_code="11440",
        expires_at=at + timedelta(minutes=30),
        attrs={"urgency": "Immediate", "instruction": "Keep away from the river."},
    )


@contextmanager
def _quiet_wall(dash_duo, tmp_path) -> Iterator[tuple[str, Any, ZoneInfo]]:
    """A wall of its own, signed in, refreshing every 2 s, with no simulated
    alerts (only a test's own alert moves a stage): (its URL, an engine on its
    store, the city's zone)."""
    profile = seoul_profile_copy(tmp_path, 1, refresh_seconds=2, alerts_per_day=0)
    zone = load_profile(profile).timezone
    with signed_in_wall(dash_duo.driver, profile, tmp_path) as (url, engine):
        yield url, engine, zone


def _wait(dash_duo, script: str, expected, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = dash_duo.driver.execute_script(script)
        if found == expected:
            return found
        time.sleep(0.25)
    raise AssertionError(f"{script!r} gave {found!r}, not {expected!r}")


def test_the_wall_at_a_night_of_stage_4_shows_it_and_says_it_is_not_live(
    dash_duo, tmp_path
):
    driver = dash_duo.driver
    with _quiet_wall(dash_duo, tmp_path) as (url, engine, zone):
        driver.get(url + "/wall?lang=en")
        dash_duo.wait_for_element("#kiosk-stage .kpi-tile .tile-value", timeout=60)
        assert driver.execute_script(BANNERS) == []

        local = (datetime.now(UTC) - timedelta(hours=2)).astimezone(zone)
        local = local.replace(second=0, microsecond=0)
        at = local.astimezone(UTC)
        with engine.begin() as conn:  # as the feed and the stage watcher did then
            writes.upsert_events(conn, "kma-cap", [_typhoon(at)], at)
            stage_store.log_change(conn, 4, False, HEADLINE, at - timedelta(minutes=29))
            stage_store.log_change(
                conn, 1, False, "no rule matches", at + timedelta(minutes=31)
            )
            versions.bump_data_version(conn)

        driver.get(url + f"/wall?lang=en&at={local:%Y-%m-%dT%H:%M}")
        dash_duo.wait_for_element("#kiosk-stage .alert-card", timeout=60)
        assert _wait(dash_duo, BADGE_LEVEL, "4")
        (banner,) = driver.execute_script(BANNERS)
        when = i18n.day_and_clock(at, zone, "en")
        assert banner == f"As of {when} — not live"
        cards = dash_duo.find_element("#kiosk-stage .alert-card").text
        assert HEADLINE in cards and "Keep away from the river." in cards
        stage = dash_duo.find_element("#kiosk-stage .stage-banner").text
        assert "STAGE 4 of 5 · Alert" in stage
        # held still: the clock shows the moment, nothing refreshes it away, and
        # the countdown says the wall holds on its disaster layout, as it did then
        countdown = dash_duo.find_element("#kiosk-countdown").text
        assert countdown == i18n.t("en", "stage.held", level=4)
        time.sleep(5)
        assert dash_duo.find_element("#kiosk-clock").text == when
        assert driver.execute_script(BADGE_LEVEL) == "4"
        assert len(driver.execute_script(BANNERS)) == 1

        driver.get(url + "/wall?lang=en")
        dash_duo.wait_for_element("#kiosk-stage .kpi-tile .tile-value", timeout=60)
        assert _wait(dash_duo, BADGE_LEVEL, "1")
        assert driver.execute_script(BANNERS) == []
        assert HEADLINE not in dash_duo.find_element("#kiosk-stage").text
        assert dash_duo.get_logs() == []


WHERE = "return document.getElementById('moment-picked').innerText"
REPLAY_BANNER = (
    "const b = document.querySelector('#kiosk .moment-replay .moment-when');"
    "return b ? b.innerText : null"
)


def test_staff_slide_back_to_the_hour_and_replay_a_night_on_the_wall(
    dash_duo, tmp_path
):
    """The time bar's handle moved one step left from live goes to the same view
    at the latest whole hour (its words kept), the bar standing there; a
    replay of an hour in a minute steps the kiosk from one moment to the next by
    itself, its banner saying where it stands."""
    from urllib.parse import parse_qs, urlsplit

    from selenium.webdriver.common.keys import Keys

    driver = dash_duo.driver
    with _quiet_wall(dash_duo, tmp_path) as (url, _engine, zone):
        driver.get(url + "/complaints?lang=en&period=7d")
        dash_duo.wait_for_element("#moment-slider .dash-slider-thumb", timeout=60)
        assert driver.execute_script(WHERE) == "Showing live"
        assert driver.execute_script(BANNERS) == []
        thumb = dash_duo.find_element("#moment-slider .dash-slider-thumb")
        thumb.send_keys(Keys.ARROW_LEFT)
        _wait(dash_duo, "return window.location.search.includes('at=')", True)
        query = parse_qs(urlsplit(driver.current_url).query)
        assert query["lang"] == ["en"] and query["period"] == ["7d"]
        (at_text,) = query["at"]
        local = datetime.fromisoformat(at_text).replace(tzinfo=zone)
        now = datetime.now(UTC).astimezone(zone)
        # the latest whole hour (a minute's grace: the hour may turn meanwhile)
        assert local.minute == 0
        assert timedelta(0) < now - local < timedelta(hours=1, minutes=1)
        when = i18n.day_and_clock(local, zone, "en")
        dash_duo.wait_for_element("#records-then", timeout=30)
        assert _wait(dash_duo, BANNERS, [f"As of {when} — not live"])
        assert _wait(dash_duo, WHERE, f"Showing {when}")
        # an older moment by its day and time (set as a person's typing sets them)
        older = (now - timedelta(hours=20)).replace(minute=30, second=0, microsecond=0)
        driver.execute_script(
            "window.dash_clientside.set_props('moment-day', {date: arguments[0]});"
            "window.dash_clientside.set_props('moment-time', {value: arguments[1]});",
            f"{older:%Y-%m-%d}",
            f"{older:%H:%M}",
        )
        dash_duo.find_element("#moment-go").click()
        _wait(
            dash_duo,
            "return window.location.search",
            f"?lang=en&period=7d&at={older:%Y-%m-%dT%H}%3A30",
        )
        older_when = i18n.day_and_clock(older, zone, "en")
        assert _wait(dash_duo, BANNERS, [f"As of {older_when} — not live"])
        assert _wait(dash_duo, WHERE, f"Showing {older_when}")

        start = (now - timedelta(hours=3)).replace(second=0, microsecond=0)
        end = start + timedelta(hours=1)
        driver.get(
            url + f"/wall?lang=en&replay={start:%Y-%m-%dT%H:%M}"
            f"&to={end:%Y-%m-%dT%H:%M}&minutes=1"
        )
        # an hour in a minute at 2 s a refresh: 31 moments, 2 minutes apart
        first = _wait(
            dash_duo,
            REPLAY_BANNER,
            i18n.t(
                "en",
                "moment.replay",
                start=i18n.day_and_clock(start, zone, "en"),
                end=i18n.day_and_clock(end, zone, "en"),
                time=i18n.day_and_clock(start, zone, "en"),
                frame=1,
                frames=31,
            ),
        )
        seen = {first}
        deadline = time.monotonic() + 20
        while len(seen) < 3 and time.monotonic() < deadline:
            shown = driver.execute_script(REPLAY_BANNER)
            if shown:
                seen.add(shown)
            time.sleep(0.2)
        assert len(seen) >= 3, seen  # it stepped by itself, twice at least
        later = i18n.day_and_clock(start + timedelta(minutes=2), zone, "en")
        assert any(f": {later} · 2/31" in s for s in seen), seen
        assert "at=" in driver.current_url and at_text not in driver.current_url
        assert dash_duo.get_logs() == []
