"""KPI tiles as every page shows them: values from the KPI layer, linked to the
KPI's domain page and to its CSV."""

from __future__ import annotations

from components.links import href
from components.tile import kpi_tile
from kpis.definitions import DOMAINS_BY_ID, KPIS_BY_ID, Kpi
from pages._services import services


def kpi_tiles(
    lang: str,
    district: str | None = None,
    only: tuple[Kpi, ...] = (),
    full_width: bool = False,
):
    service = services().kpis()
    values = service.tiles(district)
    history = service.history(district)
    wanted = {k.id for k in only}
    return [
        kpi_tile(
            KPIS_BY_ID[v.kpi_id],
            v,
            lang,
            services().profile().timezone,
            history=history.get(v.kpi_id),
            href=href(
                DOMAINS_BY_ID[KPIS_BY_ID[v.kpi_id].domain].path,
                lang,
                district=district,
            ),
            csv_href=href(f"/csv/tile/{v.kpi_id}", lang, district=district),
            new_tab=full_width,
            full_width=full_width,
        )
        for v in values
        if not wanted or v.kpi_id in wanted
    ]
