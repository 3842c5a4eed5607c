"""What is unusual, on a served wall with three weeks of the demo city's history:
a burst of noise complaints in one district arrives through the store and appears
in the overview's panel within a refresh, in Korean, English and Spanish; a click
on it opens the complaints page filtered to that district and category."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from city import i18n
from city.records import Event
from store import versions, writes
from tests.browser.servers import signed_in_wall
from tests.conftest import seoul_profile_copy

MAPO = "11440"
FACTS = (
    "return [...document.querySelectorAll('#unusual-panel .unusual-fact')]"
    ".map(e => e.innerText)"
)
NAMED = {  # how the burst's sentence names it in each language
    "en": "Noise, Mapo-gu: ",
    "ko": "소음, 마포구: ",
    "es": "Ruido, Mapo-gu: ",
}


def _tells_the_burst(fact: str, lang: str) -> bool:
    """Whether ``fact`` is the burst's sentence: its name and one of its windows.
    The last hour comes first by day; in the city's first hours "today so far"
    is as unusual and may (a run at 04:00 in Seoul found it first)."""
    windows = [i18n.t(lang, f"unusual.window_{w}") for w in ("1h", "3h", "today")]
    return NAMED[lang] in fact and any(w in fact for w in windows)


def _burst(n: int) -> list[Event]:
    now = datetime.now(UTC)
    rng = random.Random(5)
    return [
        Event(
            f"burst-{i}",
            "complaints",
            "noise",
            now - timedelta(seconds=rng.uniform(5, 50 * 60)),
            title="Noise",
            district_code=MAPO,
        )
        for i in range(n)
    ]


def _panel_says(dash_duo, words: str, timeout: float = 120) -> None:
    """Until the panel says ``words`` (the history's backfill takes a while)."""
    deadline = time.monotonic() + timeout
    said = ""
    while time.monotonic() < deadline:
        said = dash_duo.driver.execute_script(
            "const p = document.getElementById('unusual-panel');"
            "return p ? p.innerText : ''"
        )
        if words in said:
            return
        time.sleep(0.5)
    raise AssertionError(f"the panel never said {words!r}: {said!r}")


def _facts(dash_duo, has: str, timeout: float = 60) -> list[str]:
    deadline = time.monotonic() + timeout
    facts: list[str] = []
    while time.monotonic() < deadline:
        facts = dash_duo.driver.execute_script(FACTS)
        if any(has in f for f in facts):
            return facts
        time.sleep(0.5)
    raise AssertionError(f"no fact says {has!r}: {facts}")


def test_a_burst_appears_in_the_panel_in_every_language_and_opens_its_records(
    dash_duo, tmp_path
):
    # three weeks and a day of history: enough to say what is usual
    profile = seoul_profile_copy(tmp_path, 22, refresh_seconds=2, alerts_per_day=0)
    driver = dash_duo.driver
    with signed_in_wall(driver, profile, tmp_path) as (url, engine):
        driver.get(url + "/?lang=en")
        _panel_says(dash_duo, "past 3 weeks")
        assert not any("Mapo-gu" in f for f in driver.execute_script(FACTS))

        with engine.begin() as conn:
            writes.upsert_events(conn, "city-hotline", _burst(40), datetime.now(UTC))
            versions.bump_data_version(conn)
        # at the panel's next refresh (30 s), with no reload: its first fact
        facts = _facts(dash_duo, "Mapo-gu", timeout=75)
        assert _tells_the_burst(facts[0], "en"), facts
        assert facts[0].startswith("▲")

        for lang in ("ko", "es"):
            driver.get(f"{url}/?lang={lang}")
            facts = _facts(dash_duo, NAMED[lang])
            assert _tells_the_burst(facts[0], lang), facts

        dash_duo.find_element("#unusual-panel .unusual-fact a").click()
        deadline = time.monotonic() + 30
        while "/complaints" not in driver.current_url:
            assert time.monotonic() < deadline, driver.current_url
            time.sleep(0.2)
        assert "district=11440" in driver.current_url
        assert "category=noise" in driver.current_url
        # the page drawn for that district and category, in the wall's language
        dash_duo.wait_for_contains_text("#filter-district", "Mapo-gu", timeout=60)
        assert "Ruido" in dash_duo.find_element("#filter-category").text
        assert dash_duo.get_logs() == []
