"""The KPI tile says its status in words and marks, and its change honestly."""

from __future__ import annotations

from datetime import UTC

from components.format import change, number, trend_arrow
from components.tile import kpi_tile
from kpis.values import KpiValue
from tests.standard import KPIS_BY_ID


def _texts(component) -> list[str]:
    """Every string in a Dash component tree."""
    if isinstance(component, str):
        return [component]
    children = getattr(component, "children", None)
    if children is None:
        return []
    if not isinstance(children, list):
        children = [children]
    return [t for child in children for t in _texts(child)]


def test_tile_shows_value_unit_change_and_status_in_words():
    kpi = KPIS_BY_ID["road_avg_speed"]
    tile = kpi_tile(kpi, KpiValue(kpi.id, 18.25, 24.0, "alert", 25.0), "en", UTC)
    text = " ".join(_texts(tile))
    assert "18.2" in text and "km/h" in text
    assert "↓ -24% vs same time yesterday" in text
    assert "◆ off target" in text  # not by colour alone
    assert "status-alert" in tile.children.className


def test_the_tile_speaks_the_viewers_language():
    kpi = KPIS_BY_ID["complaints_open"]
    value = KpiValue(kpi.id, 12345.0, 12000.0, "watch", 2500.0)
    korean = " ".join(_texts(kpi_tile(kpi, value, "ko", UTC)))
    spanish = " ".join(_texts(kpi_tile(kpi, value, "es", UTC)))
    assert "미처리 민원" in korean and "12,345" in korean and "▲ 주의" in korean
    assert "Reclamos pendientes" in spanish and "12.345" in spanish
    assert "+3% vs. hace 24 h" in spanish and "▲ vigilar" in spanish


def test_share_kpis_show_percent_and_missing_values_show_a_dash():
    share = KPIS_BY_ID["road_congested_share"]
    assert number(share, 0.1234) == "12.3"
    assert number(share, None) == "—"
    assert number(KPIS_BY_ID["complaints_open"], 12345.0) == "12,345"
    assert number(share, 0.1234, "es") == "12,3"  # the language's decimal mark


def test_changes_round_honestly():
    assert change(KpiValue("x", 100.2, 100.0, "good", None)) == "±0%"
    assert trend_arrow(KpiValue("x", 100.2, 100.0, "good", None)) == "→"
    assert change(KpiValue("x", 3.0, 0.0, "good", None)) == "+3"  # no % of zero
    assert change(KpiValue("x", None, 1.0, "nodata", None)) == "no comparison"
    assert trend_arrow(KpiValue("x", 80.0, 100.0, "good", None)) == "↓"


def test_a_count_so_far_today_says_its_pace_and_both_targets():
    kpi = KPIS_BY_ID["complaints_today"]
    value = KpiValue(kpi.id, 118.0, 130.0, "good", 900.0, pace_target=120.4)
    text = " ".join(_texts(kpi_tile(kpi, value, "en", UTC)))
    assert "● on pace" in text and "on target" not in text
    assert "target 900 by day's end · 120 by now" in text
    spanish = " ".join(_texts(kpi_tile(kpi, value, "es", UTC)))
    assert "meta 900 al final del día · 120 a esta hora" in spanish
    other = KPIS_BY_ID["complaints_open"]
    plain = " ".join(
        _texts(kpi_tile(other, KpiValue(other.id, 1, 1, "good", 9), "en", UTC))
    )
    assert "● on target" in plain and "by now" not in plain
