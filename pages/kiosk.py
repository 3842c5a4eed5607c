"""The kiosk: the wall screen itself, at its own route (/wall), with no header.

It shows the profile's rotation of pages, each for its own time and with its own
filters, with a discreet countdown, the clock in the city's zone and the time of
the newest data. The operator steps with the keyboard: → or N next, ← or P
previous, space or K pause and resume (assets/20-kiosk.js presses the strip's
buttons). The countdown runs in the browser; the server is asked only when the page
changes, for that page's layout.

The strip shows the city's disaster stage, unless the page below shows it in its
own band (the overview): the stage shows once, and both change at the same refresh.
Nothing on the pages takes a click or the keyboard's focus (assets/20-kiosk.js and
the kiosk's styles): no click leaves the rotation, on a wall screen least of all;
the strip's buttons and the keys stay the operator's. From the ladder's `layout_from`
up the rotation holds on the overview in its disaster layout until the stage comes
down (the operator can still step away with the keys).
"""

from __future__ import annotations

import dash
from dash import (
    ALL,
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    dcc,
    html,
)

from access import current
from city.i18n import t
from city.profile import RotationStep
from components.format import domain_name
from components.freshness import freshness_strip
from components.links import district_code_in, href
from components.moment_banner import replay_banner, replay_problem, replay_text
from components.shell import refresh_id, refresh_timer
from components.stage_banner import stage_text, text_colour_on
from kpis.stages import DisasterView
from pages._moment import (
    AskedMoment,
    asked_moment,
    at_in,
    at_moment,
    at_text,
    moment_clock,
    moment_notice,
)
from pages._not_found import not_found
from pages._replay import Playing, asked_replay, asks_replay
from pages._routes import page_layout
from pages._services import services
from pages._titles import titled

dash.register_page(
    __name__,
    path="/wall",
    title=titled(None),
    name="Wall",
    access="viewer",
    moment=True,  # draws a past moment (?at=, pages._moment)
)


def _title(step: RotationStep, lang: str) -> str:
    profile = services().profile()
    first, _, rest = step.page.strip("/").partition("/")
    shown = profile.districts_by_code.get(district_code_in(rest))
    if first == "district" and shown:
        name = shown.name(lang)
    elif first in ("", "overview"):
        name = t(lang, "nav.overview")
    else:
        domain = next((d for d in profile.domains if d.path == "/" + first), None)
        name = domain_name(domain, lang) if domain else first
    district = profile.districts_by_code.get(step.query.get("district", ""))
    # the overview holding one group of its indicators says which
    group = profile.domains_by_id.get(step.query.get("group", ""))
    if first in ("", "overview") and group:
        name = f"{name} · {domain_name(group, lang)}"
    return f"{name} · {district.name(lang)}" if district else name


def layout(
    lang: str | None = None,
    at: str = "",
    replay: str | None = None,
    to: str | None = None,
    minutes: str | None = None,
    **_query: str,
) -> html.Div:
    asked = asked_moment(at)
    if asks_replay(replay, to, minutes):
        return _replay_layout(lang, at, asked, replay, to, minutes)
    with at_moment(asked):
        return _layout(lang, asked)


def _replay_layout(
    lang: str | None,
    at: str,
    asked: AskedMoment,
    start: str | None,
    end: str | None,
    minutes: str | None,
) -> html.Div:
    """A frame of a replay: the wall at its moment, with the replay's banner and
    a timer to the next frame. Its first address (no ``at``) goes to the first
    frame straight away, so that every part of the wall reads the moment from
    the address. Words that make no replay: the wall as asked, and why."""
    profile = services().profile()
    lang = profile.language(lang)
    found = asked_replay(start or "", end or "", minutes or "", profile.refresh_seconds)
    replay = found.replay
    if replay is None:
        assert found.problem is not None
        with at_moment(asked):
            return _layout(
                lang, asked, [replay_problem(found.problem, found.values, lang)]
            )
    words = {"replay": start, "to": end, "minutes": minutes}
    if not at:
        first = at_text(replay.start, profile.timezone)
        return _going_to(href("/wall", lang, **words, at=first))
    frame = replay.frame_of(asked.at) if asked.at is not None else None
    if frame is None:  # a bad or outside moment: that moment alone, or live
        notes = (
            [replay_problem("replay_outside", {"time": at.replace("T", " ")}, lang)]
            if asked.past
            else []
        )
        with at_moment(asked):
            return _layout(lang, asked, notes)
    last = frame == replay.frames - 1
    following = at_text(replay.moment(frame + 1), profile.timezone)
    playing = Playing(
        replay, frame, None if last else href("/wall", lang, **words, at=following)
    )
    with at_moment(asked):
        return _layout(lang, asked, playing=playing)


def _going_to(address: str) -> html.Div:
    """A wall that goes to ``address`` at once (the replay's first frame)."""
    return html.Div(
        [
            dcc.Store(id="replay-next", data=address),
            dcc.Interval(id="replay-timer", interval=50, max_intervals=1),
        ],
        id="kiosk",
        className="kiosk",
    )


def _replay_parts(
    playing: Playing | None, asked: AskedMoment, lang: str
) -> tuple[str | None, list]:
    """During a replay: where it stands (its banner's words), and its banner and
    timer to the next frame."""
    if playing is None or asked.at is None:
        return None, []
    replay = playing.replay
    zone = services().profile().timezone
    text = replay_text(
        replay.start,
        replay.end,
        asked.at,
        playing.frame + 1,
        replay.frames,
        zone,
        lang,
    )
    return text, [
        replay_banner(text, lang),
        dcc.Store(id="replay-next", data=playing.next_href),
        dcc.Interval(
            id="replay-timer",
            interval=replay.frame_seconds * 1000,
            max_intervals=1,
            disabled=playing.next_href is None,  # the last: it holds there
        ),
    ]


def _layout(
    lang: str | None,
    asked: AskedMoment,
    notes: list | None = None,
    playing: Playing | None = None,
) -> html.Div:
    """At a past moment the wall holds still: no rotation, no refresh, its clock
    stopped at the moment, every page drawn as it was then (during a replay, a
    timer goes to the next moment's address)."""
    profile = services().profile()
    lang = profile.language(lang)
    replaying, replay_parts = _replay_parts(playing, asked, lang)
    # a wall screen (a viewer) turns through the pages it may open, not through
    # "no such page" where a district's page is for staff
    rotation = [s for s in profile.rotation if current.may_open(s.page)]
    steps = [
        {
            "page": s.page,
            "seconds": s.seconds,
            "query": s.query,
            "title": _title(s, lang),
        }
        for s in rotation or profile.rotation
    ]
    words = {
        "next": t(lang, "kiosk.next", seconds="{s}"),
        # held at a past moment: the countdown names the moment, not a next page
        "paused": replaying
        or (
            t(lang, "moment.as_of", time=moment_clock(asked, lang))
            if asked.past
            else t(lang, "kiosk.paused")
        ),
    }
    view = services().kpis().disaster()
    alarm = _alarm(view, lang)
    # in a disaster the wall holds on the disaster layout (index -1)
    first = -1 if alarm else 0
    return html.Div(
        [
            dcc.Store(id="kiosk-steps", data=steps),
            dcc.Store(id="kiosk-words", data=words),
            dcc.Store(id="kiosk-alarm", data=alarm),
            dcc.Store(
                id="kiosk-state",
                data={
                    "index": first,
                    "remaining": steps[0]["seconds"],
                    "paused": asked.past,
                    "alarm": alarm is not None,
                },
            ),
            dcc.Store(id="kiosk-index", data=first),
            dcc.Store(id="kiosk-beat"),
            html.Div(
                [
                    html.Span(profile.name(lang), className="kiosk-city"),
                    html.Span(
                        moment_clock(asked, lang) if asked.past else None,
                        id="kiosk-clock",
                        className="kiosk-clock",
                        # no zone: the browser's clock leaves the moment's alone
                        **{
                            "data-timezone": ""
                            if asked.past
                            else str(profile.timezone),
                            "data-lang": lang,
                        },
                    ),
                    html.Span(str(profile.timezone), className="kiosk-zone"),
                    html.Span(
                        id="kiosk-freshness",
                        className="kiosk-freshness",
                        children=_freshness(lang),
                    ),
                    html.Span(id="kiosk-stage-slot", children=_stage_badge(view, lang)),
                    html.Span(id="kiosk-countdown", className="kiosk-countdown"),
                    html.Button("‹", id="kiosk-prev", title=t(lang, "kiosk.prev")),
                    html.Button("Ⅱ", id="kiosk-pause", title=t(lang, "kiosk.pause")),
                    html.Button("›", id="kiosk-next", title=t(lang, "kiosk.next_now")),
                ],
                className="kiosk-strip",
            ),
            # nothing on the wall is clicked: the banner names the moment only
            *(replay_parts or moment_notice(asked, lang, live_href=None)),
            *(notes or []),
            html.Div(
                id="kiosk-stage",
                children=_stage(_step(steps, first), lang, asked.text),
            ),
            dcc.Interval(id="kiosk-tick", interval=1000, disabled=asked.past),
            refresh_timer("kiosk", profile.refresh_seconds, live=not asked.past),
        ],
        id="kiosk",
        className="kiosk",
    )


DISASTER_STEP = {"page": "/", "seconds": 0, "query": {}, "title": ""}


def _step(steps: list[dict], index: int) -> dict:
    return DISASTER_STEP if index < 0 else steps[index % len(steps)]


def _alarm(view: DisasterView, lang: str) -> dict | None:
    """Set while the stage is at or above the ladder's disaster layout."""
    if not view.layout:
        return None
    return {
        "level": view.state.level,
        "text": t(lang, "stage.held", level=view.state.level),
    }


def _stage_badge(view: DisasterView, lang: str) -> html.Span:
    return html.Span(
        stage_text(view, lang),
        id="kiosk-stage-badge",
        className="kiosk-stage-badge",
        style={
            "backgroundColor": view.stage.colour,
            "color": text_colour_on(view.stage.colour),
        },
        **{"data-level": str(view.state.level)},
    )


def _stage(step: dict, lang: str, at: str = ""):
    # the steps come from the browser: a page above the caller's role is not drawn,
    # nor one whose address is not a path and a query of words
    page, query = step.get("page"), step.get("query") or {}
    allowed = (
        isinstance(page, str)
        and isinstance(query, dict)
        and all(isinstance(v, str) for v in query.values())
        and current.may_open(page)
    )
    # a step's own language (``query = { lang = "en" }``) wins over the wall's
    # and the wall's moment, at a past one
    moment = {"at": at} if at else {}
    shown = page_layout(page, **{"lang": lang, **query, **moment}) if allowed else None
    if shown is None:
        return not_found(t(lang, "not_found.no_page"), lang)
    return html.Div(shown, className="kiosk-page", **{"data-page": step["page"]})


def _freshness(lang: str) -> list:
    service = services().kpis()
    return freshness_strip(
        service.newest_data(),
        service.source_health(),
        services().profile(),
        service.clock(),  # a past moment's own time: its data was fresh then
        lang,
        sources_href=None,  # nothing on the wall opens another page
    )


# The rotation runs in the browser: a tick, the operator's keys (as button presses)
# and the state {index, remaining, deadline, paused}; the index store changes only
# on a new page.
clientside_callback(
    """
    function(_tick, _next, _prev, _pause, alarm, state, steps, words) {
        const fired = (dash_clientside.callback_context.triggered || [])
            .map(t => t.prop_id.split('.')[0]);
        const n = steps.length;
        const s = Object.assign({}, state);
        // the time runs against the clock, not by counting ticks: a tick held
        // back while the strip's refresh is out (a busy server) loses no time
        const now = Date.now();
        const go = (i) => {
            s.index = (i + n) % n;
            s.remaining = steps[s.index].seconds;
            s.deadline = now + s.remaining * 1000;
        };
        if (!s.deadline) { s.deadline = now + s.remaining * 1000; }
        if (fired.includes('kiosk-alarm')) {
            // a disaster holds the wall on its layout (-1); its end resumes the rotation
            if (alarm && !s.alarm) { s.index = -1; }
            else if (!alarm && s.alarm && s.index < 0) { go(0); }
            s.alarm = !!alarm;
        }
        else if (fired.includes('kiosk-pause')) {
            s.paused = !s.paused;
            if (!s.paused) { s.deadline = now + s.remaining * 1000; }
        }
        else if (fired.includes('kiosk-next')) { go(s.index < 0 ? 0 : s.index + 1); }
        else if (fired.includes('kiosk-prev')) { go(s.index < 0 ? n - 1 : s.index - 1); }
        else if (!s.paused && !s.alarm) {
            s.remaining = (s.deadline - now) / 1000;
            if (s.remaining <= 0.05) { go(s.index + 1); }
        }
        let text;
        if (s.index < 0) { text = alarm ? alarm.text : ''; }
        else {
            const where = `${s.index + 1}/${n} · ${steps[s.index].title}`;
            const next = steps[(s.index + 1) % n].title;
            text = s.paused ? `${where} · ${words.paused}`
                : s.alarm && alarm ? `${where} · ${alarm.text}`
                : `${where} · ${next} ${words.next.replace('{s}', Math.ceil(s.remaining))}`;
        }
        return [s, s.index === state.index ? dash_clientside.no_update : s.index, text];
    }
    """,
    Output("kiosk-state", "data"),
    Output("kiosk-index", "data"),
    Output("kiosk-countdown", "children"),
    Input("kiosk-tick", "n_intervals"),
    Input("kiosk-next", "n_clicks"),
    Input("kiosk-prev", "n_clicks"),
    Input("kiosk-pause", "n_clicks"),
    Input("kiosk-alarm", "data"),
    State("kiosk-state", "data"),
    State("kiosk-steps", "data"),
    State("kiosk-words", "data"),
)

# A replay's next frame: its address, made by the server, when its time is up.
clientside_callback(
    """
    function(n, next) {
        return n && next ? next : window.dash_clientside.no_update;
    }
    """,
    Output("nav", "href", allow_duplicate=True),
    Input("replay-timer", "n_intervals"),
    State("replay-next", "data"),
    prevent_initial_call=True,
)

clientside_callback(
    """
    function(_n, zone, lang) {
        if (!zone) { return window.dash_clientside.no_update; }
        return new Intl.DateTimeFormat(lang || 'en', {
            timeZone: zone, hour: '2-digit', minute: '2-digit', second: '2-digit',
            weekday: 'short', day: 'numeric', month: 'short', hourCycle: 'h23'
        }).format(new Date());
    }
    """,
    Output("kiosk-clock", "children"),
    Input("kiosk-tick", "n_intervals"),
    State("kiosk-clock", "data-timezone"),
    State("kiosk-clock", "data-lang"),
)


@callback(
    Output("kiosk-stage", "children"),
    Input("kiosk-index", "data"),
    State("kiosk-steps", "data"),
    State("nav", "search"),
    prevent_initial_call=True,
)
def show_page(index: int, steps: list[dict], search: str | None):
    lang = services().profile().language_of(search)
    asked = asked_moment(at_in(search))
    with at_moment(asked):
        return _stage(_step(steps, index), lang, asked.text)


# One wall, one stage: the strip refreshes on the page's own timer when the page
# has one (the overview's band and panel, a domain page), so the strip's stage and
# the page's change at the same refresh; on its own timer only for a page without.
# Decided in the browser: one request a beat, as the rotation waits for the strip
# (its alarm) while one is out.
clientside_callback(
    """
    function(_ticks, timers) {
        const fired = (dash_clientside.callback_context.triggered || [])
            .map(t => t.prop_id);
        const own = fired.some(p => p.includes('"page":"kiosk"'));
        const pageHasTimer = timers.some(t => t.page !== 'kiosk');
        return own === pageHasTimer ? dash_clientside.no_update : Date.now();
    }
    """,
    Output("kiosk-beat", "data"),
    Input({"type": "refresh", "page": ALL}, "n_intervals"),
    State({"type": "refresh", "page": ALL}, "id"),
    prevent_initial_call=True,
)


@callback(
    Output("kiosk-freshness", "children"),
    Output("kiosk-stage-slot", "children"),
    Output("kiosk-alarm", "data"),
    Input("kiosk-beat", "data"),
    State("nav", "search"),
    State("kiosk-alarm", "data"),
    running=[(Output(refresh_id("kiosk"), "disabled"), True, False)],
    prevent_initial_call=True,
)
def refresh_strip(_beat, search: str | None, alarm: dict | None):
    lang = services().profile().language_of(search)
    with at_moment(asked_moment(at_in(search))):
        view = services().kpis().disaster()
        now = _alarm(view, lang)
        badge = _stage_badge(view, lang)
        return _freshness(lang), badge, dash.no_update if now == alarm else now
