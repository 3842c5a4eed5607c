"""The numbers behind a tile or a table, as CSV: what is shown is what is downloaded.

Both come from the KPI layer with the same arguments the page used, so a tile's CSV
holds the tile's value (unrounded) and a table's CSV every record of its filter.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from citywall import i18n
from citywall.profile import CityProfile
from kpis.definitions import KPIS_BY_ID
from kpis.records import RecordFilter
from kpis.service import KpiService

TILE_COLUMNS = (
    "kpi",
    "label",
    "district",
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
    "district_name",
    "closed_at",
    "lat",
    "lon",
)
MAX_RECORDS = 100_000  # a month of a big city's complaints; more is an export job


def _write(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _text(value: object) -> object:
    """ISO times; empty cells for no value (never the string "None")."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def tile_csv(
    service: KpiService,
    profile: CityProfile,
    kpi_id: str,
    district: str | None,
    lang: str,
) -> str:
    kpi = KPIS_BY_ID[kpi_id]
    value = next(v for v in service.tiles(district) if v.kpi_id == kpi_id)
    row = (
        kpi.id,
        i18n.pick(lang, kpi.labels),
        district or "",
        profile.districts_by_code[district].name(lang)
        if district
        else profile.name(lang),
        # a share is downloaded as shown on the tile: a percentage
        value.value * 100 if kpi.percent and value.value is not None else value.value,
        i18n.pick(lang, kpi.unit),
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
    return _write(TILE_COLUMNS, [[_text(v) for v in row]])


def records_csv(
    service: KpiService, profile: CityProfile, f: RecordFilter, lang: str
) -> str:
    rows = service.records(f, limit=MAX_RECORDS)
    names = {d.code: d.name(lang) for d in profile.districts}
    return _write(
        RECORD_COLUMNS,
        (
            [
                _text(
                    r.get(c) if c != "district_name" else names.get(r["district_code"])
                )
                for c in RECORD_COLUMNS
            ]
            for r in rows
        ),
    )
