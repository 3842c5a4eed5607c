"""Many indicators on one wall: which tiles make which group, which groups go on
which page of the overview's turn, and the compact tile and tabs that show them."""

from __future__ import annotations

from pathlib import Path

from bench.many_indicators import profile_with_many_indicators
from city.profile import load_profile
from components.tile import compact_tile
from components.tile_groups import (
    ALL,
    GROUPED_ABOVE,
    PAGE_CELLS,
    GroupHeading,
    GroupPart,
    first_view,
    group_pages,
    group_tabs,
    groups_by_domain,
    is_grouped,
    parts_of,
    picked_group,
    rotation_views,
)
from kpis.values import KpiValue
from tests.components.test_tile import _texts
from tests.conftest import seoul_profile_copy
from tests.standard import KPIS_BY_ID, SEOUL


def _ids(domain: str, n: int) -> tuple[str, ...]:
    return tuple(f"{domain}_{i}" for i in range(n))


def _sixty(tmp_path: Path):
    base = seoul_profile_copy(tmp_path, 1)
    return load_profile(profile_with_many_indicators(base, tmp_path, n=60))


def test_the_standard_eight_stay_one_grid_and_sixty_are_grouped():
    assert not is_grouped(len(SEOUL.indicators))
    assert not is_grouped(GROUPED_ABOVE)
    assert is_grouped(GROUPED_ABOVE + 1)


def test_groups_follow_the_domains_order_and_leave_out_a_domain_without_tiles():
    indicators = [("a1", "air"), ("t1", "traffic"), ("a2", "air"), ("t2", "traffic")]
    assert groups_by_domain(indicators, ("traffic", "safety", "air")) == [
        ("traffic", ("t1", "t2")),
        ("air", ("a1", "a2")),
    ]


def test_a_group_larger_than_a_page_is_cut_into_even_parts_each_with_its_heading():
    parts = parts_of("complaints", _ids("c", 25), PAGE_CELLS)
    assert [len(p.kpi_ids) for p in parts] == [13, 12]
    assert [(p.part, p.parts) for p in parts] == [(1, 2), (2, 2)]
    assert [p.key for p in parts] == ["complaints-1", "complaints-2"]
    assert all(p.cells <= PAGE_CELLS for p in parts)
    # the tiles in order, none lost
    assert sum((p.kpi_ids for p in parts), ()) == _ids("c", 25)
    # a group that fits (its heading too) stays whole
    (whole,) = parts_of("safety", _ids("s", PAGE_CELLS - 1), PAGE_CELLS)
    assert (whole.key, whole.parts) == ("safety", 1)


def test_a_page_takes_groups_in_order_until_the_next_would_not_fit():
    groups = [
        ("traffic", _ids("t", 10)),  # 11 cells
        ("safety", _ids("s", 16)),  # 17
        ("disaster", _ids("d", 1)),  # 2
        ("complaints", _ids("c", 25)),  # 14 + 13
        ("air", _ids("a", 4)),  # 5
        ("mobility", _ids("m", 4)),  # 5
    ]
    pages = group_pages(groups, PAGE_CELLS)
    assert [[p.key for p in page] for page in pages] == [
        ["traffic"],
        ["safety", "disaster"],
        ["complaints-1"],
        ["complaints-2", "air", "mobility"],
    ]
    assert all(sum(p.cells for p in page) <= PAGE_CELLS for page in pages)


def test_few_groups_make_one_page_and_nothing_turns():
    pages = group_pages([("traffic", _ids("t", 8)), ("air", _ids("a", 6))])
    views = rotation_views(pages)
    assert len(views[ALL]) == 1
    assert first_view(views, ALL) == {"traffic", "air"}


def test_the_turn_shows_every_page_and_a_picked_group_its_own_parts():
    pages = group_pages([("complaints", _ids("c", 30)), ("air", _ids("a", 3))])
    views = rotation_views(pages)
    assert views[ALL] == [["complaints-1"], ["complaints-2", "air"]]
    assert views["complaints"] == [["complaints-1"], ["complaints-2"]]
    assert views["air"] == [["air"]]
    # an address names a group, or one the wall does not know (the turn, then)
    assert picked_group("air", pages) == "air"
    assert picked_group("ari", pages) == ALL
    assert picked_group(None, pages) == ALL


def test_sixty_indicators_of_the_benchmark_reach_every_domain_in_four_pages(
    tmp_path,
):
    profile = _sixty(tmp_path)
    pages = group_pages(
        groups_by_domain(
            ((k.id, k.domain) for k in profile.indicators),
            tuple(profile.domains_by_id),
        )
    )
    assert len(pages) == 4
    shown = [k for page in pages for part in page for k in part.kpi_ids]
    assert sorted(shown) == sorted(k.id for k in profile.indicators)
    assert {p.domain for page in pages for p in page} == set(profile.domains_by_id)


def test_the_compact_tile_says_name_number_and_status_in_words():
    kpi = KPIS_BY_ID["road_avg_speed"]
    tile = compact_tile(kpi, KpiValue(kpi.id, 18.25, 24.0, "alert", 25.0), "en")
    text = " ".join(_texts(tile))
    assert "18.2" in text and "km/h" in text and "◆ off target" in text
    assert "vs" not in text  # the change stays on the domain's page
    assert "kpi-tile-compact" in tile.className and "status-alert" in tile.className


def test_the_tabs_mark_the_picked_group_and_those_on_the_page():
    headings = [
        GroupHeading("traffic", "Traffic", "1.20", "good", "/?group=traffic"),
        GroupHeading("air", "Air", "0.70", "alert", "/?group=air"),
    ]
    nav = group_tabs(headings, "air", {"air"}, "All groups", "/", "Groups")
    classes = {tab.id["group"]: tab.className for tab in nav.children}
    assert classes == {
        ALL: "group-tab",
        "traffic": "group-tab",
        "air": "group-tab group-tab-picked group-tab-current",
    }
    assert [tab.href for tab in nav.children] == ["/", "/?group=traffic", "/?group=air"]
    assert "0.70" in _texts(nav)


def test_a_part_of_a_group_names_its_domain_in_its_key():
    part = GroupPart("complaints", ("a",), 2, 3)
    assert (part.key, part.cells) == ("complaints-2", 2)
