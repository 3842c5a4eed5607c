"""One record in full: what, where, when, its lifecycle and what the feed added."""

from __future__ import annotations

from datetime import datetime

from dash import html

from city import i18n
from city.i18n import t
from city.profile import CityProfile
from city.records import TITLE_KEY
from components.camera_grid import nearest_cameras_block
from components.format import category, place, record_status, status_word
from kpis.cameras import CameraRow

# attributes shown as their own rows, in this order; other keys follow as they come
KNOWN_ATTRS = (
    "agency",
    "address",
    "service_code",
    "magnitude",
    "depth_km",
    "urgency",
    "certainty",
    "instruction",
    "description",
    "status_notes",
)
HIDDEN_ATTRS = {"lifecycle", "languages", TITLE_KEY}


def record_detail(
    record: dict,
    profile: CityProfile,
    lang: str,
    cameras: list[CameraRow] | None = None,
) -> html.Div:
    """The record; with ``cameras``, the nearest ones' live pictures below."""
    zone = profile.timezone

    def when(key: str) -> str:
        return i18n.day_and_clock(record.get(key), zone, lang)

    rows = [
        ("records.category", category(record["domain"], record["category"], lang)),
        ("records.status", record_status(record, lang)),
        ("records.place", place(profile, record["district_code"], lang)),
    ]
    if record.get("areas"):
        rows.append(
            (
                "records.areas",
                ", ".join(place(profile, code, lang) for code in record["areas"]),
            )
        )
    if record.get("severity"):
        rows.append(("records.severity", t(lang, f"severity.{record['severity']}")))
    rows += [
        ("records.occurred", when("occurred_at")),
        ("records.updated", when("updated_at")),
    ]
    if record.get("closed_at"):
        rows.append(("records.closed", when("closed_at")))
    if record.get("expires_at"):
        rows.append(("records.expires", when("expires_at")))
    if record.get("lat") is not None:
        rows.append(
            (
                "records.position",
                f"{i18n.number(record['lat'], lang, 5)}, {i18n.number(record['lon'], lang, 5)}",
            )
        )
    rows.append(("records.source", f"{record['source']} · {record['source_id']}"))
    attrs = record.get("attrs") or {}
    extra = [k for k in KNOWN_ATTRS if k in attrs] + [
        k for k in attrs if k not in KNOWN_ATTRS and k not in HIDDEN_ATTRS
    ]
    table = [
        html.Tr([html.Th(t(lang, key)), html.Td(value)]) for key, value in rows
    ] + [
        html.Tr(
            [
                html.Th(i18n.t_or(lang, f"attrs.{k}", k.replace("_", " "))),
                html.Td(str(attrs[k])),
            ]
        )
        for k in extra
        if attrs[k] not in (None, "", [], {})
    ]
    lifecycle = _lifecycle(attrs.get("lifecycle"), profile, lang)
    # at a past moment (``kpis.then``), what the store does not keep of then
    unknown = (
        [
            html.P(
                t(
                    lang,
                    "moment.record_changed",
                    status=status_word(record["status_now"], lang),
                ),
                className="record-then",
            )
        ]
        if record.get("status_known") is False
        else []
    )
    return html.Div(
        [
            html.H3(
                i18n.record_title(
                    lang, record["title"], (record.get("attrs") or {}).get(TITLE_KEY)
                ),
                className="record-title",
            ),
            *unknown,
            html.Table(html.Tbody(table), className="table table-sm record-table"),
            *lifecycle,
            *(
                nearest_cameras_block(cameras, profile, lang)
                if cameras is not None
                else []
            ),
        ],
        id="record-detail",
        **{"data-record": str(record["id"])},
    )


def _lifecycle(steps, profile: CityProfile, lang: str) -> list:
    """The record's stages with their times, as the feed reported them."""
    if not isinstance(steps, list) or not steps:
        return []
    items = []
    for step in steps:
        try:
            status, at = step[0], datetime.fromisoformat(step[1])
        except (TypeError, ValueError, IndexError):
            continue
        items.append(
            html.Li(
                [
                    html.Span(
                        i18n.day_and_clock(at, profile.timezone, lang),
                        className="step-time",
                    ),
                    " ",
                    html.Span(status_word(status, lang), className="step-status"),
                ]
            )
        )
    return [
        html.H4(t(lang, "records.lifecycle")),
        html.Ol(items, className="lifecycle"),
    ]
