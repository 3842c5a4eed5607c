"""The sources' table: what an operator reads of each source, its quarantine too."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from components.source_table import source_table
from kpis.values import SourceHealth

NOW = datetime(2026, 3, 18, 2, 0, tzinfo=UTC)


def test_each_row_shows_the_last_days_rejects_and_all_the_quarantine_keeps():
    kma = SourceHealth(
        name="kma",
        last_success_at=NOW,
        last_error_at=None,
        last_error=None,
        stale=False,
        connector="cap",
        interval_seconds=60,
        quarantined_24h=3,
        quarantine_size=1234,
    )
    table = source_table([kma], ZoneInfo("Asia/Seoul"), NOW, "en")
    (row,) = table.children[1].children
    cell = row.children[4]  # the "quarantined" column
    assert cell.children[0].children == "3"
    assert cell.children[1].children == "1,234 kept"
    korean = source_table([kma], ZoneInfo("Asia/Seoul"), NOW, "ko")
    assert "보관 1,234건" in str(korean)


def test_a_source_waiting_for_its_key_is_off_and_says_what_turns_it_on(seoul):
    from kpis.health import sources_off

    off = {h.name: h for h in sources_off(seoul)}
    assert set(off) == {"citydata", "air"}  # Seoul's own data, without a key
    assert not off["citydata"].stale and off["citydata"].connector == "seoul_citydata"
    table = source_table([off["citydata"]], ZoneInfo("Asia/Seoul"), NOW, "en")
    (row,) = table.children[1].children
    state, error = row.children[1].children, row.children[5]
    assert (state.children, state.className) == ("off", "source-badge source-off")
    assert error.children == (
        "off until the server's environment sets SEOUL_OPENAPI_KEY"
    )
