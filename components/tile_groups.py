"""Many indicators on one wall: the overview's tiles grouped by domain, a page of
groups at a time.

Seoul's office showed 32 indicators in 5 themes on its wall, and 61 under 5
policies to citizens; one grid of 60 tiles reads from nowhere. Above
``GROUPED_ABOVE`` tiles the overview shows each domain as a group (its name, its
score, its tiles in a compact form) and, when the groups need more than a page,
turns from one page of groups to the next. A page holds ``PAGE_CELLS`` cells (three
rows of eight across a wall, six of four on a desk), a group's heading taking one;
a group larger than a page is cut into even parts, each with its heading. Groups
keep the profile's order of domains, their tiles the order of indicators.

The pages are data (``rotation_views``) the browser turns through; the layout
factories here are pure, as every component is.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dash import dcc, html

# Measured on the kiosk at 1920x1080 (bench/many_indicators.py with 12 and 16):
# 9 to 16 full tiles take two rows of eight, the map keeps a third of the height
# and half its district labels, the feed three rows; a third row (17 and more)
# leaves the map and the feed no room. Grouped, three rows of compact cells hold
# 24 (tests/browser/test_many_indicators.py measures them at 1920 and 3840).
GROUPED_ABOVE = 12
PAGE_CELLS = 24
ALL = ""  # the rotation through every group (no group picked)


@dataclass(frozen=True)
class GroupPart:
    """A domain's group of tiles, or one part of it when it is larger than a page."""

    domain: str
    kpi_ids: tuple[str, ...]
    part: int = 1
    parts: int = 1

    @property
    def key(self) -> str:
        """Unique on the page: a domain id has no "-" (city.indicators)."""
        return self.domain if self.parts == 1 else f"{self.domain}-{self.part}"

    @property
    def cells(self) -> int:
        return len(self.kpi_ids) + 1  # its heading takes a cell


Page = tuple[GroupPart, ...]


def is_grouped(tiles: int) -> bool:
    """Whether the overview groups its tiles: up to ``GROUPED_ABOVE`` it shows
    them as it always has."""
    return tiles > GROUPED_ABOVE


def groups_by_domain(
    indicators: Iterable[tuple[str, str]], domains: Sequence[str]
) -> list[tuple[str, tuple[str, ...]]]:
    """(domain, its indicator ids) in the domains' order, for each domain with
    indicators; ``indicators`` are (id, domain) in the profile's order."""
    listed = list(indicators)
    found = [(d, tuple(k for k, of in listed if of == d)) for d in domains]
    return [(d, ids) for d, ids in found if ids]


def parts_of(
    domain: str, kpi_ids: tuple[str, ...], cells: int
) -> tuple[GroupPart, ...]:
    """The group of ``domain``, cut into as few even parts as fit a page each."""
    count = max(1, math.ceil(len(kpi_ids) / (cells - 1)))
    size = math.ceil(len(kpi_ids) / count)
    return tuple(
        GroupPart(domain, kpi_ids[i * size : (i + 1) * size], i + 1, count)
        for i in range(count)
    )


def group_pages(
    groups: Sequence[tuple[str, tuple[str, ...]]], cells: int = PAGE_CELLS
) -> tuple[Page, ...]:
    """The groups on pages of ``cells`` each, in order: a page takes groups until
    the next would not fit."""
    pages: list[list[GroupPart]] = []
    used = cells  # start a page at the first part
    for domain, ids in groups:
        for part in parts_of(domain, ids, cells):
            if used + part.cells > cells:
                pages.append([])
                used = 0
            pages[-1].append(part)
            used += part.cells
    return tuple(tuple(p) for p in pages)


def rotation_views(pages: Sequence[Page]) -> dict[str, list[list[str]]]:
    """What the browser turns through: under ``ALL`` every page (each a list of
    its parts' keys); under a domain's id, that group's parts one at a time."""
    views: dict[str, list[list[str]]] = {ALL: [[p.key for p in page] for page in pages]}
    for page in pages:
        for part in page:
            views.setdefault(part.domain, []).append([part.key])
    return views


def picked_group(asked: str | None, pages: Sequence[Page]) -> str:
    """The group an address asks for (``/?group=air``) when there is one; else
    ``ALL``."""
    domains = {p.domain for page in pages for p in page}
    return asked if asked in domains else ALL


def first_view(views: dict[str, list[list[str]]], picked: str) -> set[str]:
    """The parts shown before the browser turns any page."""
    return set(views[picked][0])


# -- layout ------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupHeading:
    """What a group's heading and its tab say."""

    domain: str
    name: str
    score: str  # the domain's score, as the score card writes it
    band: str  # good | watch | alert | nodata (components.score_card.score_band)
    href: str | None  # the address that picks the group (None: nowhere to go)


def group_tab(heading: GroupHeading) -> list:
    """A tab's inside: the domain's name and its score."""
    return [
        html.Span(heading.name, className="group-tab-name"),
        html.B(heading.score, className=f"group-tab-score score-{heading.band}"),
    ]


def group_tabs(
    headings: Sequence[GroupHeading],
    picked: str,
    shown: set[str],
    all_label: str,
    all_href: str | None,
    label: str,
) -> html.Nav:
    """The groups' tabs: each picks its group and stays there; the first turns
    through them all again. The tabs of the groups on the page are marked."""
    tabs = [
        _tab_link(
            [html.Span(all_label, className="group-tab-name")],
            all_href,
            {"type": "group-tab", "group": ALL},
            tab_class(ALL, picked, current=False),
        )
    ]
    for heading in headings:
        current = heading.domain in {key.partition("-")[0] for key in shown}
        tabs.append(
            _tab_link(
                group_tab(heading),
                heading.href,
                {"type": "group-tab", "group": heading.domain},
                tab_class(heading.domain, picked, current),
            )
        )
    return html.Nav(
        tabs, className="group-tabs", id="group-tabs", **{"aria-label": label}
    )


def tab_class(group: str, picked: str, current: bool) -> str:
    """A tab's classes: the picked one, and those of the groups on the page.
    (the overview's turn sets the same classes in the browser: pages/overview.py)"""
    return (
        "group-tab"
        + (" group-tab-picked" if group == picked else "")
        + (" group-tab-current" if current else "")
    )


def _tab_link(children: list, address: str | None, id_: dict, class_name: str):
    inside = html.Span(children, className="group-tab-inside")
    if address is None:
        return html.Span(inside, id=id_, className=class_name)
    return dcc.Link(inside, href=address, id=id_, className=class_name)


def group_heading(heading: GroupHeading, part: GroupPart, part_text: str) -> html.Div:
    """The group's first cell: its name, its score, and which part of it this is."""
    return html.Div(
        [
            html.Div(heading.name, className="group-name"),
            html.Div(heading.score, className=f"group-score score-{heading.band}"),
            html.Div(part_text, className="group-part") if part.parts > 1 else None,
        ],
        className="group-heading",
    )


def group_block(part: GroupPart, cells: list, shown: bool) -> html.Section:
    """One group (or part) on the page; ``cells`` are its heading and tiles."""
    return html.Section(
        cells,
        id={"type": "tile-group", "part": part.key},
        className=block_class(shown),
        **{"data-domain": part.domain},
    )


def block_class(shown: bool) -> str:
    return "tile-group" + (" tile-group-shown" if shown else "")
