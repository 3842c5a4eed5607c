"""KPI tiles as every page shows them: values from the KPI layer, linked to the
KPI's domain page and to its CSV (inside an embed, as the embed links)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dash import Patch

from city.i18n import t
from city.indicators import Indicator
from city.profile import CityProfile
from components.format import domain_name
from components.links import href
from components.score_card import score_band, score_number
from components.tile import compact_tile, kpi_tile
from components.tile_groups import (
    ALL,
    GroupHeading,
    Page,
    first_view,
    group_block,
    group_heading,
    group_pages,
    group_tab,
    group_tabs,
    groups_by_domain,
    is_grouped,
    rotation_views,
)
from kpis.score import scores_for
from pages._changed import as_sent
from pages._embedding import Embedding
from pages._services import services


def kpi_tiles(
    lang: str,
    district: str | None = None,
    only: tuple[Indicator, ...] = (),
    full_width: bool = False,
    embedding: Embedding | None = None,
):
    service = services().kpis()
    indicators = services().profile().indicators_by_id
    values = service.tiles(district)
    history = service.history(district)
    wanted = {k.id for k in only}
    return [
        kpi_tile(
            indicators[v.kpi_id],
            v,
            lang,
            services().profile().timezone,
            history=history.get(v.kpi_id),
            href=_page_link(v.kpi_id, lang, district, embedding),
            csv_href=embedding.tile_csv(v.kpi_id, district, lang)
            if embedding
            else href(f"/csv/tile/{v.kpi_id}", lang, district=district),
            full_width=full_width,
        )
        for v in values
        if not wanted or v.kpi_id in wanted
    ]


def _page_link(
    kpi_id: str, lang: str, district: str | None, embedding: Embedding | None
) -> str | None:
    """The KPI's domain page, filtered like the tile; inside an embed, that page
    inside it if its token opens it, else no link."""
    profile = services().profile()
    path = profile.domains_by_id[profile.indicators_by_id[kpi_id].domain].path
    if embedding:
        return embedding.address(path, lang, district=district)
    return href(path, lang, district=district)


# -- many indicators: the overview's groups (components.tile_groups) ---------------


def tile_pages(profile: CityProfile) -> tuple[Page, ...]:
    """The overview's pages of indicator groups; none when it shows its tiles as
    one grid (few indicators)."""
    if not is_grouped(len(profile.indicators)):
        return ()
    return group_pages(
        groups_by_domain(
            ((k.id, k.domain) for k in profile.indicators),
            tuple(profile.domains_by_id),
        )
    )


def grouped_tiles(
    lang: str,
    pages: tuple[Page, ...],
    picked: str,
    embedding: Embedding | None = None,
) -> list:
    """The children of the overview's tiles when they are grouped: the groups'
    tabs, then every group's block (those of the first page in view shown)."""
    views = rotation_views(pages)
    shown = first_view(views, picked)
    headings, blocks = _group_contents(lang, pages, embedding)
    return [
        group_tabs(
            headings,
            picked,
            shown,
            t(lang, "groups.all"),
            _overview_link(lang, ALL, embedding),
            t(lang, "groups.tabs"),
        ),
        *(
            group_block(part, cells, part.key in shown)
            for part, cells in zip((p for page in pages for p in page), blocks)
        ),
    ]


def grouped_tiles_patch(
    lang: str, pages: tuple[Page, ...], embedding: Embedding | None = None
) -> Patch:
    """A refresh of the grouped tiles: the tabs' scores and the blocks' cells,
    leaving which of them the browser shows as it is."""
    patch = Patch()
    headings, blocks = _group_contents(lang, pages, embedding, _kept_tiles)
    for i, heading in enumerate(headings, start=1):  # after the "all" tab
        patch[0]["props"]["children"][i]["props"]["children"]["props"]["children"] = (
            group_tab(heading)
        )
    for i, cells in enumerate(blocks, start=1):
        patch[i]["props"]["children"] = cells
    return patch


TILES_KEPT = 5000  # compact tiles kept as sent: sixty a page, in each language


class _KeptTiles:
    """Compact tiles as Dash sends them, by everything they show, for one profile.

    After a batch most of sixty tiles show what they showed before: building and
    encoding them again was a sixth of the refresh that reads the batch."""

    def __init__(self) -> None:
        self.profile: CityProfile | None = None
        self.tiles: dict[tuple, dict] = {}

    def __call__(self, profile: CityProfile, key: tuple) -> dict:
        """``key``: (indicator id, its value, language, link)."""
        if profile is not self.profile:  # another city: its own indicators
            self.profile, self.tiles = profile, {}
        found = self.tiles.get(key)
        if found is None:
            found = as_sent(_built_tile(profile, key))
            if len(self.tiles) >= TILES_KEPT:  # values of long ago: start again
                self.tiles = {}
            self.tiles[key] = found
        return found


def _built_tile(profile: CityProfile, key: tuple) -> Any:
    """A compact tile as a component, for a page's layout."""
    kpi, value, lang, link = key
    return compact_tile(profile.indicators_by_id[kpi], value, lang, href=link)


_kept_tiles = _KeptTiles()


def _group_contents(
    lang: str,
    pages: tuple[Page, ...],
    embedding: Embedding | None,
    made: Callable[[CityProfile, tuple], Any] = _built_tile,
) -> tuple[list[GroupHeading], list[list]]:
    """Each group's heading (in the domains' order) and each part's cells, their
    tiles from ``made`` (a refresh's: as sent, kept from one to the next)."""
    service = services().kpis()
    profile = services().profile()
    values = service.tiles()
    by_id = {v.kpi_id: v for v in values}
    _, scores = scores_for(
        profile.indicators_by_id, values, tuple(profile.domains_by_id)
    )
    headings: dict[str, GroupHeading] = {}
    for domain in dict.fromkeys(p.domain for page in pages for p in page):
        score = scores[domain].value
        headings[domain] = GroupHeading(
            domain,
            domain_name(profile.domains_by_id[domain], lang),
            score_number(score, lang),
            score_band(score),
            _overview_link(lang, domain, embedding),
        )
    blocks = [
        [
            group_heading(
                headings[part.domain],
                part,
                t(lang, "groups.part", part=part.part, parts=part.parts),
            ),
            *(
                made(
                    profile,
                    (kpi, by_id[kpi], lang, _page_link(kpi, lang, None, embedding)),
                )
                for kpi in part.kpi_ids
                if kpi in by_id
            ),
        ]
        for page in pages
        for part in page
    ]
    return list(headings.values()), blocks


def _overview_link(lang: str, group: str, embedding: Embedding | None) -> str | None:
    """The overview showing ``group`` (``ALL``: turning through them all)."""
    if embedding:
        return embedding.address("/", lang, group=group or None)
    return href("/", lang, group=group or None)
