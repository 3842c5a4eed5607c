"""The time bar under a staff page's header: a slider over the past week, live
at its right end, and a day and time for an older moment. Choosing one goes to
the same page with ``?at=`` (every other word of the address kept); the page
checks the moment as it checks any address (``pages._moment``).

Everything happens in the browser: the server lays out the moments each
position stands for and the address to go to, the clientside callbacks below
only pick one and navigate (no server callback: no new door to guard).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from city import i18n
from city.i18n import t
from components.links import with_query

STEP = timedelta(hours=1)
SPAN = timedelta(days=7)
AT_SLOT = "__AT__"  # where the browser writes the chosen moment into the address


@dataclass(frozen=True)
class SliderMoments:
    """The slider's past positions, oldest first (position ``len(texts)`` is live)."""

    moments: tuple[datetime, ...]  # UTC
    texts: tuple[str, ...]  # each as ``?at=`` carries it, the city's clock
    value: int  # the position of the moment shown

    @property
    def live(self) -> int:
        return len(self.moments)


def slider_moments(
    now: datetime, zone: tzinfo, shown: datetime | None, step: timedelta = STEP
) -> SliderMoments:
    """Every ``step`` of the city's clock over the week before ``now``, the last
    the latest whole step already past; ``shown`` (None: live) sits on the step
    at or before it (an older one on the first)."""
    local = (now - timedelta(microseconds=1)).astimezone(zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    steps_today = (local - midnight) // step
    latest = (midnight + steps_today * step).astimezone(now.tzinfo)
    count = SPAN // step
    moments = tuple(latest - (count - 1 - i) * step for i in range(count))
    texts = tuple(m.astimezone(zone).strftime("%Y-%m-%dT%H:%M") for m in moments)
    if shown is None:
        value = count
    else:
        value = max((i for i, m in enumerate(moments) if m <= shown), default=0)
    return SliderMoments(moments, texts, value)


def moment_bar(
    found: SliderMoments,
    zone: tzinfo,
    lang: str,
    pathname: str,
    search: str,
    shown: datetime | None,
) -> html.Div:
    """The bar for the page at ``pathname`` + ``search`` (the browser's address),
    showing ``shown`` (None: live)."""
    labels = [i18n.day_and_clock(m, zone, lang) for m in found.moments]
    live_word = t(lang, "moment.slider_live")
    marks = {
        i: i18n.day(m, zone, lang)
        for i, m in enumerate(found.moments)
        if m.astimezone(zone).hour == 0 and m.astimezone(zone).minute == 0
    }
    marks[found.live] = live_word
    where = (
        t(lang, "moment.slider_showing", time=i18n.day_and_clock(shown, zone, lang))
        if shown
        else t(lang, "moment.slider_showing_live")
    )
    local = shown.astimezone(zone) if shown else None
    today = found.moments[-1].astimezone(zone).date().isoformat()
    return html.Div(
        [
            html.Span(t(lang, "moment.slider"), className="moment-bar-title"),
            html.Div(
                dcc.Slider(
                    id="moment-slider",
                    min=0,
                    max=found.live,
                    step=1,
                    value=found.value,
                    marks=marks,
                    included=False,
                    allow_direct_input=False,
                    updatemode="mouseup",
                ),
                className="moment-bar-slider",
                title=t(lang, "moment.slider_hint"),
            ),
            html.Span(where, id="moment-picked", className="moment-picked"),
            html.Div(
                [
                    html.Span(t(lang, "moment.slider_older"), className="moment-older"),
                    dcc.DatePickerSingle(
                        id="moment-day",
                        date=local.date().isoformat() if local else None,
                        max_date_allowed=today,
                        display_format="YYYY-MM-DD",
                        placeholder="YYYY-MM-DD",  # the shape to type, any language
                        className="moment-day",
                    ),
                    dbc.Input(
                        id="moment-time",
                        type="time",
                        value=local.strftime("%H:%M") if local else None,
                        size="sm",
                        className="moment-time",
                    ),
                    dbc.Button(
                        t(lang, "moment.slider_go"),
                        id="moment-go",
                        size="sm",
                        color="secondary",
                        n_clicks=0,
                    ),
                ],
                className="moment-bar-older",
            ),
            dcc.Store(
                id="moment-bar-data",
                data={
                    "texts": list(found.texts),
                    "labels": labels,
                    "value": found.value,
                    "where": where,
                    "live_label": live_word,
                    "template": with_query(pathname, search, at=AT_SLOT),
                    "live": with_query(pathname, search, at=None),
                },
            ),
        ],
        className="moment-bar" + (" moment-bar-past" if shown else ""),
        id="moment-bar",
    )


def add_moment_bar_callbacks(app: dash.Dash) -> None:
    """The bar's callbacks, in the browser, on ``app`` (by its factory)."""
    # A position let go of, or an older moment's button: the same page at it.
    # The bar is drawn anew with each page: its first value is where it stands.
    app.clientside_callback(
        f"""
        function(value, go, day, time, data) {{
            const nu = window.dash_clientside.no_update;
            const fired = (window.dash_clientside.callback_context.triggered || [])
                .map(t => t.prop_id);
            if (!data) {{ return nu; }}
            const at = (text) => data.template.replace(
                '{AT_SLOT}', encodeURIComponent(text));
            if (fired.includes('moment-go.n_clicks')) {{
                // a bar drawn anew (its day and time filled in) is not a press
                if (!go || !day || !time) {{ return nu; }}
                return at(String(day).slice(0, 10) + 'T' + String(time).slice(0, 5));
            }}
            if (!fired.includes('moment-slider.value') || value === data.value
                || value === null || value === undefined) {{ return nu; }}
            return value >= data.texts.length ? data.live : at(data.texts[value]);
        }}
        """,
        dash.Output("nav", "href", allow_duplicate=True),
        dash.Input("moment-slider", "value"),
        dash.Input("moment-go", "n_clicks"),
        dash.State("moment-day", "date"),
        dash.State("moment-time", "value"),
        dash.State("moment-bar-data", "data"),
        prevent_initial_call=True,
    )
    # While dragging: the moment under the handle (back where it stands: the
    # moment shown, which may lie between two positions).
    app.clientside_callback(
        """
        function(value, data) {
            if (!data || value === null || value === undefined) {
                return window.dash_clientside.no_update;
            }
            if (value === data.value) { return data.where; }
            return value >= data.labels.length ? data.live_label : data.labels[value];
        }
        """,
        dash.Output("moment-picked", "children"),
        dash.Input("moment-slider", "drag_value"),
        dash.State("moment-bar-data", "data"),
        prevent_initial_call=True,
    )
