"""The table of the latest records on a domain page (dash-ag-grid: sort, filter,
page), in the viewer's language; a click on a row opens the record."""

from __future__ import annotations

from datetime import tzinfo

import dash_ag_grid as dag

from city import i18n
from city.i18n import t
from city.profile import CityProfile
from components.format import category, place, record_status

# AG Grid's own words (pager, filter menu) from our catalogs.
GRID_WORDS = (
    "page",
    "of",
    "to",
    "more",
    "firstPage",
    "previousPage",
    "nextPage",
    "lastPage",
    "pageSizeSelectorLabel",
    "noRowsToShow",
    "loadingOoo",
    "filterOoo",
    "contains",
    "notContains",
    "equals",
    "notEqual",
    "startsWith",
    "endsWith",
    "blank",
    "notBlank",
    "andCondition",
    "orCondition",
)
DARK = (
    "themeQuartz.withParams({backgroundColor: '#0f1a2b', foregroundColor: '#e6edf7',"
    " headerBackgroundColor: '#16233a', accentColor: '#56B4E9',"
    " browserColorScheme: 'dark', fontSize: 15})"
)


def record_rows(
    records: list[dict], profile: CityProfile, domain: str, lang: str
) -> list[dict]:
    """Rows as the grid shows them: local times, words in the viewer's language,
    and the ISO time kept for sorting."""
    zone: tzinfo = profile.timezone
    return [
        {
            # a string: AG Grid warns about numeric row ids (its warning #25);
            # a click hands it back as the row id, read with int()
            "id": str(r["id"]),
            "occurred": r["occurred_at"].isoformat(),
            "occurred_label": i18n.day_and_clock(r["occurred_at"], zone, lang),
            "category": category(domain, r["category"], lang),
            "title": i18n.record_title(lang, r["title"], r.get("title_key")),
            "status": record_status(r, lang),
            "severity": t(lang, f"severity.{r['severity']}") if r["severity"] else "",
            "place": place(profile, r["district_code"], lang),
        }
        for r in records
    ]


def record_grid(rows: list[dict], domain: str, lang: str) -> dag.AgGrid:
    columns = [
        {
            "field": "occurred",
            "headerName": t(lang, "records.time"),
            "valueFormatter": {"function": "params.data.occurred_label"},
            "sort": "desc",
            "width": 150,
        },
        {"field": "category", "headerName": t(lang, "records.category")},
        {"field": "title", "headerName": t(lang, "records.title"), "flex": 2},
        {"field": "status", "headerName": t(lang, "records.status")},
        {"field": "place", "headerName": t(lang, "records.place")},
    ]
    if domain == "disaster":
        columns.insert(
            4, {"field": "severity", "headerName": t(lang, "records.severity")}
        )
    return dag.AgGrid(
        id="record-grid",
        rowData=rows,
        columnDefs=columns,
        defaultColDef={"sortable": True, "filter": True, "resizable": True, "flex": 1},
        getRowId="params.data.id",
        dashGridOptions={
            "pagination": True,
            "paginationPageSize": 20,
            "paginationPageSizeSelector": [20, 50, 100],
            "theme": {"function": DARK},
            "localeText": {w: t(lang, f"grid.{w}") for w in GRID_WORDS},
            "animateRows": False,
        },
        style={"height": "640px"},
        className="record-grid",
    )
