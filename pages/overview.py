"""The wall overview: every domain's KPIs, the district map, alerts, freshness."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import (
    ALL,
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    ctx,
    dcc,
    html,
)

from access.current import camera_level, role, sees_records, view_tag
from access.roles import Role
from city.i18n import t
from city.indicators import Indicator
from city.profile import CityProfile
from components.city_map import (
    city_map_figure,
    city_map_patch,
    map_config,
    outline_districts,
)
from components.disaster_panel import disaster_panel
from components.event_feed import event_feed
from components.format import label
from components.freshness import freshness_strip
from components.links import district_path, href
from components.score_card import score_card, score_explanation
from components.shell import refresh_id, refresh_timer
from components.stage_banner import stage_banner
from components.ticker import alert_ticker
from components.tile_groups import Page, picked_group, rotation_views
from components.unusual_panel import unusual_heading, unusual_panel
from kpis.score import Score, scores_for
from kpis.stages import DisasterView
from pages._changed import Rendered, changed_outputs, rendered, view_key
from pages._embedding import Embedding, drawn_for
from pages._moment import AskedMoment, asked_moment, at_in, at_moment, moment_notice
from pages._services import services
from pages._tiles import grouped_tiles, grouped_tiles_patch, kpi_tiles, tile_pages
from pages._titles import titled

dash.register_page(
    __name__,
    path="/",
    title=titled("nav.overview"),
    name="Overview",
    access="viewer",
    moment=True,  # draws a past moment (?at=, pages._moment)
    nav="nav.overview",  # in the header, first
    order=0,
)

DISASTER_CAMERAS = 4  # live pictures from the districts concerned
# what is unusual changes over minutes, and reads hours and weeks: on a timer of its
# own, so the tiles' refresh after each batch never waits for it
UNUSUAL_SECONDS = 30


def layout(
    metric: str = "",
    lang: str | None = None,
    group: str = "",
    at: str = "",
    **_query: str,
) -> html.Div:
    asked = asked_moment(at)
    with at_moment(asked):
        return _layout(metric, lang, group, asked)


def _layout(metric: str, lang: str | None, group: str, asked: AskedMoment) -> html.Div:
    profile = services().profile()
    lang = profile.language(lang)
    pages = tile_pages(profile)
    kpi = _map_indicator(profile, metric)
    metric = kpi.id
    service = services().kpis()
    disaster = service.disaster()
    embedding = drawn_for()
    figure = outline_districts(
        city_map_figure(profile, kpi, service.map_values(metric), lang),
        profile,
        disaster.affected,
        disaster.stage.colour,
    )
    return html.Div(
        [
            *moment_notice(
                asked,
                lang,
                # the same view live: an embed's own address, else the overview
                embedding.address("/", lang, at=None)
                if embedding
                else href("/", lang, at=None, metric=metric),
            ),
            html.Div(id="stage-banner", children=stage_banner(disaster, profile, lang)),
            html.Div(
                [
                    html.Div(
                        id="freshness",
                        className="freshness",
                        children=freshness(lang, embedding),
                    ),
                    html.Div(
                        id="alert-ticker",
                        className="ticker",
                        children=alert_ticker(service.active_alerts(), profile, lang),
                    ),
                ],
                className="overview-strip",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.Div(
                                id="disaster-panel",
                                className="disaster-panel",
                                children=_panel(disaster, lang, embedding),
                            ),
                            html.Button(
                                html.Div(id="city-score", children=_score_card(lang)),
                                id="score-card",
                                className="score-card",
                                title=t(lang, "score.hint"),
                            ),
                            *_tiles(profile, lang, pages, group, embedding),
                            html.Div(
                                id="unusual-panel",
                                className="unusual-panel",
                                # its own callback fills it once the page is
                                # drawn: the page never waits for the weeks
                                children=unusual_heading(lang),
                            ),
                            html.Div(
                                [
                                    html.H2(
                                        t(lang, "overview.just_happened"),
                                        className="feed-heading",
                                    ),
                                    html.Div(
                                        id="event-feed",
                                        children=event_feed(
                                            _latest_events(),
                                            profile,
                                            lang,
                                            linked=embedding is None,
                                        ),
                                    ),
                                ],
                                className="feed-block",
                            ),
                        ],
                        xl=7,
                        className="tiles-col",
                    ),
                    dbc.Col(
                        [
                            dcc.Dropdown(
                                id="map-metric",
                                options=[
                                    {"label": label(k, lang), "value": k.id}
                                    for k in profile.indicators
                                    if k.on_map
                                ],
                                value=metric,
                                clearable=False,
                                className="map-metric",
                            ),
                            dcc.Graph(
                                id="city-map",
                                figure=figure,
                                config=map_config(scrollZoom=False),
                                className="city-map",
                            ),
                            # an embed stays an embed: a district's page is not
                            # in it
                            html.Div(
                                t(lang, "overview.map_hint"),
                                className="map-hint",
                            )
                            if embedding is None
                            else None,
                        ],
                        xl=5,
                        className="map-col",
                    ),
                ],
                className="g-3 overview-main",
            ),
            dbc.Offcanvas(
                id="score-panel",
                title=t(lang, "score.title"),
                placement="end",
                style={"width": "min(640px, 100vw)"},
            ),
            # a past moment does not change: nothing to refresh
            refresh_timer("overview", profile.refresh_seconds, live=not asked.past),
            refresh_timer(
                "unusual",
                max(profile.refresh_seconds, UNUSUAL_SECONDS),
                live=not asked.past,
            ),
            dcc.Store(id="overview-sent"),
            dcc.Store(
                id="overview-embed", data=embedding.as_view() if embedding else None
            ),
        ],
        id="overview",
        className=_root_class(disaster),
    )


def _tiles(
    profile: CityProfile,
    lang: str,
    pages: tuple[Page, ...],
    asked: str,
    embedding: Embedding | None,
) -> list:
    """The KPI tiles: one grid of them all; or, for a city with many, grouped by
    domain, a page of groups at a time (``group`` picks one and stays there)."""
    if not pages:
        # a second row on the wall: its tiles lighter, so the map keeps its room
        rows = "g-3" if len(profile.indicators) <= TILES_A_ROW else "g-3 two-rows"
        return [
            dbc.Row(
                id="tiles",
                children=kpi_tiles(lang, embedding=embedding),
                className=rows,
            )
        ]
    picked = picked_group(asked, pages)
    views = rotation_views(pages)
    return [
        html.Div(
            id="tiles",
            children=grouped_tiles(lang, pages, picked, embedding),
            className="tile-groups",
        ),
        dcc.Store(
            id="groups-views",
            data={"views": views, "picked": picked, "seconds": profile.group_seconds},
        ),
        # where the turn stands, kept for the tab: the kiosk comes back to the
        # overview at the page after the one it showed last
        dcc.Store(id="groups-turn", storage_type="session"),
        dcc.Interval(
            id="groups-timer",
            interval=profile.group_seconds * 1000,
            disabled=len(views[picked]) < 2,
        ),
    ]


TILES_A_ROW = 8  # the wall's row of tiles (assets/10-wall.css, #kiosk #tiles)


def _latest_events() -> list:
    """What just happened. Viewers (the wall screens) get no record rows: only the
    authorities' alerts, which are public broadcasts."""
    rows = services().kpis().latest_events()
    return rows if sees_records() else [r for r in rows if r.domain == "disaster"]


def _root_class(disaster: DisasterView) -> str:
    """Above the ladder's threshold the overview turns to its disaster layout."""
    return "overview disaster-layout" if disaster.layout else "overview"


def _panel(disaster: DisasterView, lang: str, embedding: Embedding | None) -> list:
    if not disaster.layout:
        return []
    # an embed shows no camera: a picture's request carries no token (an <img>
    # sends no Authorization header, a frame of another site may get no cookie),
    # and a token in the picture's address would leak into logs and Referers
    cameras = (
        []
        if embedding is not None
        else services()
        .kpis()
        .cameras_in(disaster.affected, DISASTER_CAMERAS, widest=camera_level())
    )
    return disaster_panel(
        disaster.alerts,
        services().profile(),
        lang,
        cameras,
        linked=embedding is None,
    )


def _scores(district: str | None = None) -> tuple[Score, dict[str, Score]]:
    values = services().kpis().tiles(district)
    profile = services().profile()
    domains = tuple(profile.domains_by_id)
    return scores_for(profile.indicators_by_id, values, domains)


def _score_card(lang: str) -> list:
    city, domains = _scores()
    profile = services().profile()
    # with the tiles grouped, each group's tab shows its domain's score
    shown = {} if tile_pages(profile) else domains
    return score_card(city, shown, lang, profile)


def _map_indicator(profile: CityProfile, asked: str | None) -> Indicator:
    """The indicator the map shows: the one asked for when it is on the map,
    else the profile's first."""
    found = profile.indicators_by_id.get(asked or "")
    if found is None or not found.on_map:
        found = profile.indicators_by_id[profile.map_indicator]
    return found


def freshness(lang: str, embedding: Embedding | None = None) -> list:
    service = services().kpis()
    return freshness_strip(
        service.newest_data(),
        service.source_health(),
        services().profile(),
        service.clock(),  # a past moment's own time: its data was fresh then
        lang,
        # inside an embed, the badges link nowhere: its token shows no sources
        sources_href=href("/sources", lang) if embedding is None else None,
        show_errors=sees_errors(),
    )


def sees_errors() -> bool:
    """Sources' errors are for admins, as the sources page is: they may quote
    what a feed's server answered."""
    return role() >= Role.ADMIN


@callback(
    Output("tiles", "children"),
    Output("city-map", "figure"),
    Output("alert-ticker", "children"),
    Output("freshness", "children"),
    Output("event-feed", "children"),
    Output("city-score", "children"),
    Output("stage-banner", "children"),
    Output("disaster-panel", "children"),
    Output("overview", "className"),
    Output("overview-sent", "data"),
    Input(refresh_id("overview"), "n_intervals"),
    Input("map-metric", "value"),
    State("nav", "search"),
    State("overview-sent", "data"),
    State("overview-embed", "data"),
    # The timer stops while a refresh runs, so refreshes can never pile up.
    running=[(Output(refresh_id("overview"), "disabled"), True, False)],
    prevent_initial_call=True,
)
def refresh(
    _n: int | None,
    metric: str,
    search: str | None,
    sent: list | None,
    embed: dict | None,
):
    profile = services().profile()
    lang = profile.language_of(search)
    kpi = _map_indicator(profile, metric)
    # a new metric's figure always goes out whole: the one on the page is another
    # KPI's; a timer's refresh patches the numbers only
    new_metric = ctx.triggered_id == "map-metric"
    embedding = Embedding.from_view({"embed": embed})
    with at_moment(asked_moment(at_in(search))):
        made = _rendered(profile, kpi, lang, new_metric, embedding, embed)
    return (*changed_outputs(made, sent, always=(1,) if new_metric else ()), made[1])


def _rendered(
    profile: CityProfile,
    kpi: Indicator,
    lang: str,
    new_metric: bool,
    embedding: Embedding | None,
    embed: dict | None,
) -> Rendered:
    """The refresh's outputs, made once per moment (the live one, or the
    past moment ``at_moment`` set: its renders are its own)."""
    return rendered(
        f"overview:{lang}:{kpi.id}:{'figure' if new_metric else 'patch'}:"
        f"{view_tag()}:{'errors' if sees_errors() else 'stale'}:{view_key(embed)}",
        lambda: _outputs(profile, kpi, lang, new_metric, embedding),
    )


def _outputs(
    profile, kpi, lang: str, new_metric: bool, embedding: Embedding | None
) -> tuple:
    service = services().kpis()
    values = service.map_values(kpi.id)
    disaster = service.disaster()
    if new_metric:
        figure = city_map_figure(profile, kpi, values, lang)
    else:
        figure = city_map_patch(profile, kpi, values, lang)
    figure = outline_districts(
        figure, profile, disaster.affected, disaster.stage.colour
    )
    ticker = alert_ticker(service.active_alerts(), profile, lang)
    feed = event_feed(_latest_events(), profile, lang, linked=embedding is None)
    pages = tile_pages(profile)
    return (
        grouped_tiles_patch(lang, pages, embedding)
        if pages
        else kpi_tiles(lang, embedding=embedding),
        figure,
        ticker,
        freshness(lang, embedding),
        feed,
        _score_card(lang),
        stage_banner(disaster, profile, lang),
        _panel(disaster, lang, embedding),
        _root_class(disaster),
    )


@callback(
    Output("unusual-panel", "children"),
    Input(refresh_id("unusual"), "n_intervals"),
    State("nav", "search"),
    State("overview-embed", "data"),
    running=[(Output(refresh_id("unusual"), "disabled"), True, False)],
)
def refresh_unusual(_n: int | None, search: str | None, embed: dict | None) -> list:
    profile = services().profile()
    lang = profile.language_of(search)
    with at_moment(asked_moment(at_in(search))):  # as it was then, at a moment
        found = services().kpis().unusual()
        return unusual_panel(found, profile, lang, linked=embed is None)


@callback(
    Output("score-panel", "is_open"),
    Output("score-panel", "children"),
    Input("score-card", "n_clicks"),
    State("nav", "search"),
    prevent_initial_call=True,
)
def explain_score(_clicks: int | None, search: str | None):
    """A click on the score shows every KPI's score, worst first."""
    lang = services().profile().language_of(search)
    with at_moment(asked_moment(at_in(search))):
        city, _ = _scores()
    return True, score_explanation(city, lang, services().profile())


@callback(
    Output("nav", "href", allow_duplicate=True),
    Input("city-map", "clickData"),
    State("nav", "search"),
    State("overview-embed", "data"),
    prevent_initial_call=True,
)
def open_district(click: dict | None, search: str | None, embed: dict | None):
    """A click on a district goes to its page (drill-down by link); not inside an
    embed, which stays an embed."""
    if not click or not click.get("points") or embed:
        return dash.no_update
    code = click["points"][0].get("customdata") or click["points"][0].get("location")
    if code not in services().profile().districts_by_code:
        return dash.no_update
    lang = services().profile().language_of(search)
    with at_moment(asked_moment(at_in(search))):  # the district at the same moment
        return href(district_path(code), lang)


# The groups' turn runs in the browser: on the timer, the next page of groups (or
# of the picked group's parts); on the page's arrival, the page after the one shown
# last in this tab when that was a turn ago (the kiosk coming back), else the same.
clientside_callback(
    """
    function(_n, turn, seen, blocks, tabs) {
        const fired = (dash_clientside.callback_context.triggered || [])
            .map(t => t.prop_id.split('.')[0]);
        const views = seen.views[seen.picked];
        const now = Date.now();
        const kept = (turn && turn[seen.picked]) || null;
        let index = kept ? kept.index : 0;
        let moved = fired.includes('groups-timer') ||
            (kept && now - kept.at > seen.seconds * 1000);
        if (moved && kept) { index += 1; }
        index = ((index % views.length) + views.length) % views.length;
        const shown = new Set(views[index]);
        const domains = new Set([...shown].map(k => k.split('-')[0]));
        const next = moved || !kept
            ? Object.assign({}, turn || {}, {[seen.picked]: {index: index, at: now}})
            : dash_clientside.no_update;
        return [
            next,
            blocks.map(b => 'tile-group' + (shown.has(b.part) ? ' tile-group-shown' : '')),
            tabs.map(t => 'group-tab' + (t.group === seen.picked ? ' group-tab-picked' : '')
                + (domains.has(t.group) ? ' group-tab-current' : '')),
        ];
    }
    """,
    Output("groups-turn", "data"),
    Output({"type": "tile-group", "part": ALL}, "className"),
    Output({"type": "group-tab", "group": ALL}, "className"),
    Input("groups-timer", "n_intervals"),
    Input("groups-turn", "data"),
    State("groups-views", "data"),
    State({"type": "tile-group", "part": ALL}, "id"),
    State({"type": "group-tab", "group": ALL}, "id"),
)
