"""The numbers behind a tile or a table, as CSV: what is shown is what is downloaded.

Both come from the KPI layer with the same arguments the page used, so a tile's CSV
holds the tile's value (unrounded) and a table's CSV every record of its filter.

Every text cell is written so that a spreadsheet cannot take it for a formula: a
complaint titled ``=HYPERLINK(…)`` reaches staff as text (OWASP, "CSV Injection").
Numbers the app holds as numbers (a coordinate, a falling change) stay numbers.

Times are the city's local time with its offset (ISO 8601: 2026-12-05T14:03:00+09:00):
the clock the screen shows, and still one exact instant for any program that reads it.
Titles are as shown, in the download's language. A district is given by the wall's
code, the city's own (``official_code``, the same where the profile gives none) and
its name.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime, tzinfo
from numbers import Number

from city import i18n
from city.profile import CityProfile
from components.format import label as kpi_label
from components.format import unit as kpi_unit
from components.plan_chart import plan_rows
from kpis.records import RecordFilter
from kpis.service import KpiService

TILE_COLUMNS = (
    "kpi",
    "label",
    "district",
    "district_official_code",
    "district_name",
    "value",
    "unit",
    "previous",
    "change",
    "status",
    "target",
    "stale",
    "stale_since",
)
RECORD_COLUMNS = (
    "id",
    "occurred_at",
    "category",
    "title",
    "status",
    "severity",
    "district_code",
    "district_official_code",
    "district_name",
    "closed_at",
    "lat",
    "lon",
)
MAX_RECORDS = 100_000  # a month of a big city's complaints; more is an export job


# What makes a spreadsheet read a cell as a formula: = + - @, and a tab or carriage
# return, after which some programs look again (OWASP). The full-width forms an
# East Asian IME types (＝ ＋ － ＠) cost nothing to cover.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def _write(
    header: Iterable[str], rows: Iterable[Iterable[object]], zone: tzinfo
) -> str:
    out = io.StringIO()
    # CRLF, as RFC 4180 has it: the writer then quotes a CR inside a cell as well,
    # which left bare would start a new row there, one a formula could begin
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    # one row at a time
    writer.writerows([_cell(v, zone) for v in row] for row in rows)
    return out.getvalue()


def _cell(value: object, zone: tzinfo) -> object:
    """A cell as it may be written: ISO times in the city's zone with their offset;
    an empty cell for no value (never the string "None"); numbers as they are
    (-79.88 is a longitude, no formula); any text, a feed's above all, neutralised."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(zone).isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, Number):
        return value  # bool included: True / False start no formula
    return neutralised(str(value))


def neutralised(text: str) -> str:
    """``text`` behind a single quote when it starts with a formula character, or
    its first character after blanks does (" =1+1"); as it is otherwise."""
    if text.startswith(FORMULA_STARTS) or text.lstrip().startswith(FORMULA_STARTS):
        return "'" + text
    return text


def tile_csv(
    service: KpiService,
    profile: CityProfile,
    kpi_id: str,
    district: str | None,
    lang: str,
) -> str:
    kpi = profile.indicators_by_id[kpi_id]
    if kpi.period:  # a periodic indicator's tile: its periods against the plan
        return plan_csv(service, profile, kpi_id, district, lang)
    value = next(v for v in service.tiles(district) if v.kpi_id == kpi_id)
    shown = profile.districts_by_code[district] if district else None
    row = (
        kpi.id,
        kpi_label(kpi, lang),
        district or "",
        shown.shown_code if shown else "",
        shown.name(lang) if shown else profile.name(lang),
        # a share is downloaded as shown on the tile: a percentage
        value.value * 100 if kpi.percent and value.value is not None else value.value,
        kpi_unit(kpi, lang),
        value.previous * 100
        if kpi.percent and value.previous is not None
        else value.previous,
        value.change,
        value.status,
        value.target * 100
        if kpi.percent and value.target is not None
        else value.target,
        value.stale,
        value.stale_since,
    )
    return _write(TILE_COLUMNS, [row], profile.timezone)


PLAN_COLUMNS = (
    "kpi", "label", "district", "district_name", "unit", "period", "period_label",
    "start", "end", "achieved", "planned", "percent_of_plan", "complete",
)  # fmt: skip


def plan_csv(
    service: KpiService,
    profile: CityProfile,
    kpi_id: str,
    district: str | None,
    lang: str,
) -> str:
    """A periodic indicator's periods, oldest first: achieved against planned."""
    kpi = profile.indicators_by_id[kpi_id]
    shown = profile.districts_by_code[district] if district else None
    head = (
        kpi.id,
        kpi_label(kpi, lang),
        district or "",
        shown.name(lang) if shown else profile.name(lang),
        kpi_unit(kpi, lang),
    )
    rows = [
        (*head, *row.values())
        for row in plan_rows(service.periods(kpi_id, district), lang)
    ]
    return _write(PLAN_COLUMNS, rows, profile.timezone)


def records_csv(
    service: KpiService, profile: CityProfile, f: RecordFilter, lang: str
) -> str:
    rows = service.records(f, limit=MAX_RECORDS)
    names = {d.code: d.name(lang) for d in profile.districts}
    official = {d.code: d.shown_code for d in profile.districts}
    shown = {
        "district_official_code": lambda r: official.get(r["district_code"]),
        "district_name": lambda r: names.get(r["district_code"]),
        "title": lambda r: i18n.record_title(lang, r["title"], r.get("title_key")),
    }
    return _write(
        RECORD_COLUMNS,
        (
            [shown[c](r) if c in shown else r.get(c) for c in RECORD_COLUMNS]
            for r in rows
        ),
        profile.timezone,
    )
