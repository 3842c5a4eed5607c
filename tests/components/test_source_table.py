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
