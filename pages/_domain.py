"""A domain page: one for each domain the profile declares (``[[domains]]``),
registered when the app is built (``register_domain_pages``).

Everything a staff member picks (district, category, period, language) lives in the
address: changing a filter navigates to the new address and the page is drawn from
it, so a bookmark or a shared link shows exactly the same view. The page refreshes
its numbers on the wall's timer; the map is patched, never re-created.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate

from access.current import camera_level, sees_records, view_tag
from access.policy import needs
from access.roles import Role
from city import i18n
from city.i18n import t
from city.indicators import Domain
from city.profile import CityProfile
from components.breadcrumbs import breadcrumbs
from components.chart_locale import chart_config
from components.charts import (
    breakdown_figure,
    category_styles,
    series_figure,
    timeline_figure,
)
from components.city_map import (
    COUNT_INSET,
    COUNT_RECORDS,
    city_map_figure,
    city_map_patch,
    counts_map_figure,
    counts_map_patch,
    map_config,
)
from components.format import category, domain_name, label, unit
from components.hotspot_map import (
    hotspot_curves,
    hotspot_map_figure,
    hotspot_map_patch,
    level_colours,
)
from components.links import district_path, hotspot_path, href
from components.plan_chart import plan_figure, plan_summary
from components.record_detail import record_detail
from components.record_table import record_grid, record_rows
from components.shell import refresh_id, refresh_timer
from components.stage_banner import level_word
from kpis.records import DEFAULT_PERIOD, PERIODS, RecordFilter
from pages._changed import outputs, rendered, view_key
from pages._embedding import Embedding, drawn_for
from pages._moment import (
    AskedMoment,
    asked_moment,
    at_moment,
    moment_clock,
    moment_notice,
)
from pages._services import services
from pages._tiles import kpi_tiles
from pages._titles import tab_titled

TABLE_ROWS = 1000  # newest first; the CSV holds all of them


MODULE_PREFIX = "pages.domain."  # a domain page's module name: this and its id


def register_domain_pages(profile: CityProfile) -> None:
    """A page for each of the profile's domains, in their order, in the header;
    another profile's domain pages (an earlier app of the process) are dropped."""
    for name in [m for m in dash.page_registry if m.startswith(MODULE_PREFIX)]:
        del dash.page_registry[name]
    for order, domain in enumerate(profile.domains, start=1):
        dash.register_page(
            MODULE_PREFIX + domain.id,
            path=domain.path,
            title=tab_titled(lambda lang, d=domain: domain_name(d, lang)),
            name=domain.id,
            access="viewer",  # record rows only for staff (see domain_layout)
            moment=True,  # draws a past moment (?at=, pages._moment)
            nav=lambda lang, d=domain: domain_name(d, lang),  # in the header
            order=order,
            domain=domain.id,
            layout=_layout_of(domain),
        )


def _layout_of(domain: Domain):
    return lambda **query: domain_layout(domain, **query)


def _domain(view: dict) -> Domain:
    return services().profile().domains_by_id[view["domain"]]


VIEW_WORDS = ("district", "category", "period", "lang", "at")


def _declared(view: Any) -> dict:
    """The view a page's store sent, its words as the page writes them; a view
    naming no declared domain (crafted, or a screen's page from before the
    profile dropped it) changes nothing, rather than fail."""
    profile = services().profile()
    domain = view.get("domain") if isinstance(view, dict) else None
    if not isinstance(domain, str) or domain not in profile.domains_by_id:
        raise PreventUpdate
    words = {k: v if isinstance(v := view.get(k), str) else None for k in VIEW_WORDS}
    return {**view, **words, "lang": profile.language(words["lang"])}


def _indicators(domain: Domain):
    return services().profile().indicators_of(domain.id)


def _lang(asked: str | None) -> str:
    return services().profile().language(asked)


def filter_from(domain: Domain, query: dict) -> RecordFilter:
    """The view the address asks for; anything unknown falls back to the default."""
    profile = services().profile()
    district = query.get("district")
    period = query.get("period")
    return RecordFilter(
        domain=domain.id,
        district=district if district in profile.districts_by_code else None,
        category=query.get("category") or None,
        period=period if period in PERIODS else DEFAULT_PERIOD,
    )


def domain_layout(
    domain: Domain, lang: str | None = None, at: str = "", **query: str
) -> html.Div:
    asked = asked_moment(at)
    with at_moment(asked):
        return _domain_layout(domain, lang, asked, **query)


def _domain_layout(
    domain: Domain, lang: str | None, asked: AskedMoment, **query: str
) -> html.Div:
    profile = services().profile()
    lang = _lang(lang)
    f = filter_from(domain, query)
    service = services().kpis()
    record = _record_arg(query.get("record"), domain) if sees_records() else None
    rows = service.records(f, TABLE_ROWS) if sees_records() else []
    name = domain_name(domain, lang)
    embedding = drawn_for()
    trail = [(t(lang, "nav.overview"), _link("/", lang, embedding))]
    here = name
    if f.district:
        district = profile.districts_by_code[f.district]
        trail.append(
            (district.name(lang), _link(district_path(f.district), lang, embedding))
        )
    return html.Div(
        [
            *moment_notice(asked, lang, _live_address(domain, f, lang, embedding)),
            dcc.Store(id="domain-view", data=_view(f, lang, embedding, asked)),
            # this page's own navigation (filters, drill-down): drawn with the
            # page, so its callbacks do not run when the page appears
            dcc.Location(id="domain-nav", refresh="callback-nav"),
            breadcrumbs(trail, here),
            html.H2(
                [
                    name,
                    html.Span(
                        profile.districts_by_code[f.district].name(lang)
                        if f.district
                        else profile.name(lang),
                        className="page-scope",
                    ),
                ],
                className="page-title",
            ),
            _filters(domain, f, lang, embedding),
            _tiles_note(f, lang),
            dbc.Row(
                id="domain-tiles",
                children=kpi_tiles(
                    lang, f.district, _indicators(domain), embedding=embedding
                ),
                className="g-3 mb-3",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.H3(
                                _map_title(domain, lang), className="section-title"
                            ),
                            dcc.Graph(
                                id="domain-map",
                                figure=_map_figure(domain, f, rows, lang),
                                config=map_config(scrollZoom=False),
                                className="domain-map",
                            ),
                            # what a click opens (a district's page, a record) is
                            # for staff
                            html.Div(t(lang, "domain.map_hint"), className="map-hint")
                            if sees_records() and embedding is None
                            else None,
                            html.Div(
                                hotspot_list(domain, lang, embedding),
                                id="domain-hotspots",
                            ),
                        ],
                        xl=5,
                    ),
                    dbc.Col(
                        [
                            html.H3(
                                t(lang, f"period.title_{f.period}"),
                                className="section-title",
                            ),
                            dcc.Graph(
                                id="domain-timeline",
                                figure=_timeline(domain, f, lang),
                                config=chart_config(lang),
                            ),
                            *(_series_block(domain, f, lang) if domain.events else []),
                        ],
                        xl=4,
                        className=_records_only(domain),
                    ),
                    dbc.Col(
                        [
                            html.H3(
                                t(lang, "domain.by_category"),
                                className="section-title",
                            ),
                            dcc.Graph(
                                id="domain-breakdown",
                                figure=_breakdown(domain, f, lang),
                                config=chart_config(lang),
                            ),
                        ],
                        xl=3,
                        className=_records_only(domain),
                    ),
                    dbc.Col(_series_block(domain, f, lang), xl=7)
                    if not domain.events
                    else None,
                ],
                className="g-3",
            ),
            *_plan_blocks(domain, f, lang, embedding),
            html.Div(
                [
                    html.H3(t(lang, "domain.latest"), className="section-title"),
                    html.Span(
                        id="record-count",
                        children=_count_text(service.record_total(f), lang),
                        className="record-count",
                    ),
                    _csv_link(domain, f, lang)
                    if sees_records()
                    else html.Span(
                        t(lang, "domain.rows_for_staff"), className="rows-note"
                    ),
                ],
                className="records-head " + _records_only(domain),
            ),
            _records_then(asked, lang, domain) if sees_records() else None,
            html.Div(
                record_grid(
                    record_rows(rows, profile, domain.id, lang),
                    domain.id,
                    lang,
                ),
                className=_records_only(domain),
            ),
            dbc.Offcanvas(
                _detail(record, lang) if record else None,
                id="record-panel",
                title=t(lang, "records.detail"),
                is_open=record is not None,
                placement="end",
                style={"width": "min(560px, 100vw)"},
            ),
            # a past moment does not change: nothing to refresh
            refresh_timer("domain", profile.refresh_seconds, live=not asked.past),
        ],
        className=f"domain-page domain-{domain.id}",
        id="domain-page",
        style={"--domain-colour": domain.colour} if domain.colour else None,
    )


def _records_then(asked: AskedMoment, lang: str, domain: Domain) -> html.P | None:
    """At a past moment, what the table shows of then and what it cannot."""
    if not asked.past:
        return None
    return html.P(
        t(lang, "moment.records_then", time=moment_clock(asked, lang)),
        id="records-then",
        className="records-then " + _records_only(domain),
    )


HOTSPOTS_LISTED = 8


def hotspot_list(domain: Domain, lang: str, embedding: Embedding | None) -> list:
    """Under a hotspot map: what its colours mean, and the hotspots at the
    highest levels now, each a link to its page (text inside an embed)."""
    view = domain.hotspots
    if view is None:
        return []
    profile = services().profile()
    colours = level_colours(view.levels)
    legend = html.Div(
        [
            html.Span(
                [
                    html.Span(className="level-dot", style={"background": colour}),
                    level_word(view.level, level, lang),
                ],
                className="level-key",
            )
            for level, colour in enumerate(colours, start=1)
        ],
        className="hotspot-legend",
    )
    now = services().kpis().hotspots_now(domain.id)
    busiest = sorted(
        (s for s in now.values() if s.code in profile.hotspots_by_code),
        key=lambda s: (-s.level, -(s.people or 0), s.code),
    )[:HOTSPOTS_LISTED]
    items = []
    for state in busiest:
        spot = profile.hotspots_by_code[state.code]
        level = min(max(state.level, 1), view.levels)
        words = [
            html.Span(className="level-dot", style={"background": colours[level - 1]}),
            spot.name(lang),
            html.Span(
                level_word(view.level, state.level, lang), className="level-word"
            ),
        ]
        link = None if embedding else href(hotspot_path(spot.code), lang)
        items.append(
            html.Li(
                dcc.Link(words, href=link) if link else words,
                className=f"hotspot-item level-{level}",
                id={"type": "hotspot-item", "code": spot.code},
            )
        )
    return [
        legend,
        html.H4(t(lang, "hotspot.busiest"), className="hotspot-list-title"),
        html.Ol(items, className="hotspot-list")
        if items
        else html.P(t(lang, "hotspot.none_now"), className="hotspot-none"),
    ]


def _plan_blocks(
    domain: Domain, f: RecordFilter, lang: str, embedding: Embedding | None
) -> list:
    """Each periodic indicator of the domain: what was achieved per period against
    what was planned, with the trend over the past periods and its CSV."""
    service = services().kpis()
    blocks = []
    for kpi in _indicators(domain):
        if not kpi.period:
            continue
        periods = service.periods(kpi.id, f.district)
        csv = (
            embedding.tile_csv(kpi.id, f.district, lang)
            if embedding
            else href(f"/csv/tile/{kpi.id}", lang, district=f.district)
        )
        blocks.append(
            html.Div(
                [
                    html.H3(
                        t(lang, "plan.title", name=label(kpi, lang)),
                        className="section-title",
                    ),
                    html.P(
                        plan_summary(periods, lang, kpi.higher_is_better),
                        className="plan-summary",
                    ),
                    dcc.Graph(
                        id={"type": "plan-chart", "kpi": kpi.id},
                        figure=plan_figure(
                            periods,
                            unit(kpi, lang),
                            kpi.decimals,
                            lang,
                            kpi.higher_is_better,
                            kpi.percent,
                        ),
                        config=chart_config(lang),
                    ),
                    html.A(
                        t(lang, "domain.download_csv"),
                        href=csv,
                        className="plan-csv",
                        download=f"{kpi.id}.csv",
                    )
                    if csv
                    else None,
                ],
                className="plan-block mb-3",
                id={"type": "plan-block", "kpi": kpi.id},
            )
        )
    return blocks


def _records_only(domain: Domain) -> str:
    """A part about the domain's records: hidden on a page of series only (its
    outputs stay, so the refresh fills the same parts on every domain page)."""
    return "" if domain.events else "d-none"


def _map_title(domain: Domain, lang: str) -> str:
    kpi = _map_indicator(domain)
    if kpi is None:
        return t(lang, "domain.map")
    return t(lang, "domain.map_of", name=label(kpi, lang))


def _map_indicator(domain: Domain):
    """The indicator a series-only domain maps (its chart's), else None."""
    if domain.events:
        return None
    return services().profile().indicators_by_id.get(domain.series_kpi or "")


def _map_figure(domain: Domain, f: RecordFilter, rows: list, lang: str):
    """Records per district (a click opens a district or a record), or for a
    domain of series only, its chart indicator by district."""
    profile = services().profile()
    service = services().kpis()
    kpi = _map_indicator(domain)
    if kpi is not None and domain.hotspots is not None:
        return hotspot_map_figure(
            *_hotspot_map(domain, kpi, lang), highlight=f.district
        )
    if kpi is not None:
        return city_map_figure(
            profile, kpi, service.map_values(kpi.id), lang, highlight=f.district
        )
    return _clickable_for_staff(
        counts_map_figure(
            profile,
            service.by_district(f),
            rows,
            lang,
            t(lang, "domain.records_unit"),
            highlight=f.district,
        )
    )


def _hotspot_map(domain: Domain, kpi, lang: str) -> tuple:
    """What a hotspot map draws: the indicator by district, the hotspots' levels."""
    service = services().kpis()
    assert domain.hotspots is not None
    return (
        services().profile(),
        kpi,
        service.map_values(kpi.id),
        domain.hotspots,
        service.hotspots_now(domain.id),
        lang,
    )


def _tiles_note(f: RecordFilter, lang: str) -> html.Div | None:
    """The tiles are the KPIs of the district (or city), of every category: with a
    category chosen, say so rather than let them pass for the category's."""
    if not f.category:
        return None
    return html.Div(
        t(lang, "domain.tiles_all_categories"),
        id="tiles-note",
        className="tiles-note",
    )


def _styles(domain: Domain) -> dict:
    """Each category's colour, by every category of the domain (not of this view's
    filter or period): the same on every page and refresh."""
    return category_styles(services().kpis().categories(domain.id))


def _timeline(domain: Domain, f: RecordFilter, lang: str):
    service = services().kpis()
    return timeline_figure(
        service.counts_over_time(f),
        service.period(f),
        domain.id,
        _styles(domain),
        services().profile().timezone,
        lang,
    )


def _breakdown(domain: Domain, f: RecordFilter, lang: str):
    counts = services().kpis().by_category(f)
    return breakdown_figure(counts, domain.id, _styles(domain), lang)


def _clickable_for_staff(figure):
    """What a click on the map opens (a district's page, a record) is for staff:
    for anyone else, an embed above all, the map answers no click (a click would
    ask for what their role may not see, and be refused)."""
    return figure if sees_records() else figure.update_layout(clickmode="none")


def _csv_link(domain: Domain, f: RecordFilter, lang: str) -> html.A:
    return html.A(
        t(lang, "domain.download_csv"),
        id="records-csv",
        href=href(
            f"/csv/records/{domain.id}",
            lang,
            district=f.district,
            category=f.category,
            period=f.period,
        ),
        download=f"{domain.id}-{f.period}.csv",
        className="btn btn-sm btn-outline-light",
    )


NEAREST_CAMERAS = 4


def _detail(record: dict, lang: str) -> html.Div:
    """A record's panel: with the nearest cameras when it has a place."""
    cameras = None
    if record.get("lat") is not None and record.get("lon") is not None:
        cameras = (
            services()
            .kpis()
            .nearest_cameras(
                record["lon"],
                record["lat"],
                NEAREST_CAMERAS,
                widest=camera_level(),
            )
        )
    return record_detail(record, services().profile(), lang, cameras)


def _view(
    f: RecordFilter, lang: str, embedding: Embedding | None, asked: AskedMoment
) -> dict:
    return {
        "domain": f.domain,
        "district": f.district,
        "category": f.category,
        "period": f.period,
        "lang": lang,
        "embed": embedding.as_view() if embedding else None,
        "at": asked.text or None,  # checked again by each callback
    }


def _live_address(
    domain: Domain, f: RecordFilter, lang: str, embedding: Embedding | None
) -> str | None:
    """The same view live (inside an embed, the same embed)."""
    filters = {"district": f.district, "category": f.category, "period": f.period}
    if embedding:
        return embedding.address(domain.path, lang, at=None, **filters)
    return href(domain.path, lang, at=None, **filters)


def _link(path: str, lang: str, embedding: Embedding | None) -> str | None:
    """A page's address; inside an embed, inside it or none (see _embedding)."""
    return embedding.address(path, lang) if embedding else href(path, lang)


def _record_arg(raw: str | None, domain: Domain) -> dict | None:
    """The record a link asks to open (``?record=123``), if it is this domain's."""
    # isascii: "²" and "١" are digits to str.isdigit but not to int()
    if not raw or not raw.isascii() or not raw.isdigit():
        return None
    record = services().kpis().record(int(raw))
    return record if record and record["domain"] == domain.id else None


def _count_text(total: int, lang: str) -> str:
    shown = min(total, TABLE_ROWS)
    return t(
        lang,
        "domain.count",
        shown=i18n.number(shown, lang),
        total=i18n.number(total, lang),
    )


def _filters(
    domain: Domain, f: RecordFilter, lang: str, embedding: Embedding | None
) -> dbc.Row:
    profile = services().profile()
    categories = services().kpis().categories(domain.id)
    if f.category and f.category not in categories:
        categories = [*categories, f.category]
    # an embed whose token shows one district: the district is not a choice (the
    # title names it); the callback still gets the value
    fixed = embedding is not None and embedding.district is not None
    return dbc.Row(
        [
            dbc.Col(
                dcc.Dropdown(
                    id="filter-district",
                    options=[
                        {"label": d.name(lang), "value": d.code}
                        for d in sorted(profile.districts, key=lambda d: d.name(lang))
                    ],
                    value=f.district,
                    placeholder=t(lang, "filters.all_districts"),
                ),
                md=4,
                style={"display": "none"} if fixed else None,
            ),
            dbc.Col(
                dcc.Dropdown(
                    id="filter-category",
                    options=[
                        {"label": category(domain.id, c, lang), "value": c}
                        for c in categories
                    ],
                    value=f.category,
                    placeholder=t(lang, "filters.all_categories"),
                ),
                md=4,
                className=_records_only(domain),  # a category is a record's
            ),
            dbc.Col(
                dbc.RadioItems(
                    id="filter-period",
                    options=[
                        {"label": t(lang, f"period.{p}"), "value": p} for p in PERIODS
                    ],
                    value=f.period,
                    inline=True,
                    className="period-switch",
                ),
                md=4,
            ),
        ],
        className="filters g-2 mb-3",
    )


def _series_block(domain: Domain, f: RecordFilter, lang: str) -> list:
    if not domain.series:
        return []
    kpi = services().profile().indicators_by_id.get(domain.series_kpi or "")
    # the chart indicator's name when it measures this series (else the map's
    # indicator counts something else: the series' own name)
    name = (
        label(kpi, lang)
        if kpi and kpi.series == domain.series
        else i18n.t_or(lang, f"series_name.{domain.series}", domain.series)
    )
    return [
        html.H3(t(lang, "domain.series_title", name=name), className="section-title"),
        dcc.Graph(
            id="domain-series",
            figure=series_figure(
                services().kpis().series_over_time(domain.series, f),
                services().kpis().period(f),
                name,
                services().profile().timezone,
                lang,
            ),
            config=chart_config(lang),
        ),
    ]


def apply_filters(district, category_, period, bar_click, view):
    """A new filter is a new address: bookmarkable, shareable, reloadable (at
    the page's moment, if past)."""
    view = _declared(view)
    with at_moment(asked_moment(view["at"])):
        return _filtered_address(district, category_, period, bar_click, view)


def _filtered_address(district, category_, period, bar_click, view: dict):
    if ctx.triggered_id == "domain-breakdown":
        points = (bar_click or {}).get("points") or [{}]
        category_ = points[0].get("customdata") or category_
    wanted = {"district": district, "category": category_, "period": period}
    if all(wanted[k] == view.get(k) for k in wanted):
        return dash.no_update
    domain = _domain(view)
    embedding = Embedding.from_view(view)
    if embedding is None:
        return href(domain.path, view["lang"], **wanted)
    # inside an embed, the same embed with the new filters and its token
    return embedding.address(domain.path, view["lang"], **wanted) or dash.no_update


# Dash calls a callback whose outputs lie outside a new chunk of layout as soon as
# the chunk comes (a page swapped in by the kiosk or the router), prevent_initial_call
# or not: both callbacks below keep their outputs on the page (the record panel, the
# page's own `domain-nav`), so they run for a click only (a viewer's wall screen or an
# embed would otherwise get a refusal, a 403, on every domain page).
@needs(Role.STAFF)  # a record's detail is a row: for staff only
def open_record(cell, map_click, view):
    """A row or a record's point on the map opens the record."""
    view = _declared(view)
    with at_moment(asked_moment(view["at"])):
        return _opened_record(cell, map_click, view)


def _opened_record(cell, map_click, view: dict):
    lang = view["lang"]
    record_id = None
    if ctx.triggered_id == "record-grid" and cell:
        record_id = cell.get("rowId")
    elif ctx.triggered_id == "domain-map" and map_click and _domain(view).events:
        point = (map_click.get("points") or [{}])[0]
        if point.get("curveNumber") == COUNT_RECORDS:  # not a district
            record_id = point.get("customdata")
    # a record's id, a number (a hotspot's code or a crafted value is not one)
    if isinstance(record_id, str) and record_id.isascii() and record_id.isdigit():
        record_id = int(record_id)
    if not isinstance(record_id, int) or isinstance(record_id, bool):
        return dash.no_update, dash.no_update
    record = services().kpis().record(record_id)
    if record is None:
        return True, html.P(t(lang, "records.gone"))
    return True, _detail(record, lang)


def open_district(map_click, view):
    """A district on the map opens its page, a hotspot its own (an embed stays
    an embed), at the page's moment."""
    view = _declared(view)
    with at_moment(asked_moment(view["at"])):
        return _district_address(map_click, view)


def _district_address(map_click, view: dict):
    point = ((map_click or {}).get("points") or [{}])[0]
    code = point.get("customdata")
    if (
        _domain(view).hotspots is not None
        and point.get("curveNumber") in hotspot_curves(services().profile())
        and code in services().profile().hotspots_by_code
        and Embedding.from_view(view) is None
    ):
        return href(hotspot_path(code), view["lang"])
    if (
        point.get("curveNumber") not in (0, COUNT_INSET)  # the map or its inset
        or code not in services().profile().districts_by_code
        or Embedding.from_view(view) is not None
    ):
        return dash.no_update
    return href(district_path(code), view["lang"])


def refresh(_n, view):
    view = _declared(view)
    with at_moment(asked_moment(view["at"])):
        made = rendered(f"domain:{view_key(view)}:{view_tag()}", lambda: _outputs(view))
    return outputs(made)


def _outputs(view: dict) -> tuple:
    profile = services().profile()
    service = services().kpis()
    domain = _domain(view)
    lang = view["lang"]
    f = filter_from(domain, view)
    records = service.records(f, TABLE_ROWS) if sees_records() else []
    kpi = _map_indicator(domain)
    if kpi is not None and domain.hotspots is not None:
        patch = hotspot_map_patch(*_hotspot_map(domain, kpi, lang))
    elif kpi is not None:
        patch = city_map_patch(profile, kpi, service.map_values(kpi.id), lang)
    else:  # numbers, points
        patch = counts_map_patch(profile, service.by_district(f), records, lang)
    return (
        kpi_tiles(
            lang, f.district, _indicators(domain), embedding=Embedding.from_view(view)
        ),
        patch,
        _timeline(domain, f, lang),
        _breakdown(domain, f, lang),
        record_rows(records, profile, domain.id, lang),
        _count_text(service.record_total(f), lang),
        hotspot_list(domain, lang, Embedding.from_view(view)),
    )


def add_domain_callbacks(app: dash.Dash) -> None:
    """The four domain pages' callbacks, on ``app`` (the factory calls this): a
    module's ``dash.callback`` would reach only the first app of a process."""
    app.callback(
        Output("domain-nav", "href", allow_duplicate=True),
        Input("filter-district", "value"),
        Input("filter-category", "value"),
        Input("filter-period", "value"),
        Input("domain-breakdown", "clickData"),
        State("domain-view", "data"),
        prevent_initial_call=True,
    )(apply_filters)
    app.callback(
        Output("record-panel", "is_open"),
        Output("record-panel", "children"),
        Input("record-grid", "cellClicked"),
        Input("domain-map", "clickData"),
        State("domain-view", "data"),
        prevent_initial_call=True,
    )(open_record)
    app.callback(
        Output("domain-nav", "href", allow_duplicate=True),
        Input("domain-map", "clickData"),
        State("domain-view", "data"),
        prevent_initial_call=True,
    )(open_district)
    app.callback(
        Output("domain-tiles", "children"),
        Output("domain-map", "figure"),
        Output("domain-timeline", "figure"),
        Output("domain-breakdown", "figure"),
        Output("record-grid", "rowData"),
        Output("record-count", "children"),
        Output("domain-hotspots", "children"),
        Input(refresh_id("domain"), "n_intervals"),
        State("domain-view", "data"),
        running=[(Output(refresh_id("domain"), "disabled"), True, False)],
        prevent_initial_call=True,
    )(refresh)
