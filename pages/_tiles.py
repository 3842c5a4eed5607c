"""KPI tiles as every page shows them: values from the KPI layer, linked to the
KPI's domain page and to its CSV (inside an embed, as the embed links)."""

from __future__ import annotations

from city.indicators import Indicator
from components.links import href
from components.tile import kpi_tile
from pages._embedding import Embedding
from pages._services import services


def kpi_tiles(
    lang: str,
    district: str | None = None,
    only: tuple[Indicator, ...] = (),
    full_width: bool = False,
    embedding: Embedding | None = None,
):
    service = services().kpis()
    indicators = services().profile().indicators_by_id
    values = service.tiles(district)
    history = service.history(district)
    wanted = {k.id for k in only}
    return [
        kpi_tile(
            indicators[v.kpi_id],
            v,
            lang,
            services().profile().timezone,
            history=history.get(v.kpi_id),
            href=_page_link(v.kpi_id, lang, district, embedding),
            csv_href=embedding.tile_csv(v.kpi_id, district, lang)
            if embedding
            else href(f"/csv/tile/{v.kpi_id}", lang, district=district),
            full_width=full_width,
        )
        for v in values
        if not wanted or v.kpi_id in wanted
    ]


def _page_link(
    kpi_id: str, lang: str, district: str | None, embedding: Embedding | None
) -> str | None:
    """The KPI's domain page, filtered like the tile; inside an embed, that page
    inside it if its token opens it, else no link."""
    profile = services().profile()
    path = profile.domains_by_id[profile.indicators_by_id[kpi_id].domain].path
    if embedding:
        return embedding.address(path, lang, district=district)
    return href(path, lang, district=district)
