"""Another page's layout by its path: what the embeds and the kiosk rotation show,
and whether a path names a page at all (the 404 of an unknown address)."""

from __future__ import annotations

import dash

from city.indicators import Domain

# What a kiosk rotation may name, known without building the app (``citywall city
# check`` holds a profile to it): every page but the embed, the kiosk itself and
# the not-found page, each domain's page, and a district's page by the city's
# codes. tests/test_registries.py keeps it equal to the page registry.
FIXED_PAGES = ("/", "/cameras", "/sources", "/admin", "/public")


def shown_pages(domains: tuple[Domain, ...]) -> tuple[str, ...]:
    return (FIXED_PAGES[0], *(d.path for d in domains), *FIXED_PAGES[1:])


DISTRICT_PAGE = "/district/<code>"
HOTSPOT_PAGE = "/hotspot/<code>"
OVERVIEW_ALIAS = "/overview"  # _page_at takes it for "/"


def page_layout(path: str, **query: str):
    """The layout of the page at ``path`` ("/", "/complaints", "/district/11680")
    with ``query`` as its address's query; None for an unknown path. The path's
    own variable wins over a query argument of the same name."""
    found = _page_at(path)
    if found is None:
        return None
    page, variables = found
    return page["layout"](**{**query, **variables})


def page_exists(path: str, **query: str) -> bool:
    """Whether ``path`` shows a page rather than "not found": a known page, and
    for a page with path variables, ones its ``exists`` accepts (a district's
    code). Cheap: no layout is drawn."""
    found = _page_at(path)
    if found is None:
        return False
    page, variables = found
    exists = page.get("exists")
    return exists(**{**query, **variables}) if callable(exists) else True


def registered_at(path: str) -> dict | None:
    """The registration of the page at ``path`` (as ``_page_at`` finds it)."""
    found = _page_at(path)
    return found[0] if found else None


def _page_at(path: str) -> tuple[dict, dict] | None:
    """The page an embed or the kiosk means by ``path``, with its path variables."""
    first, _, rest = path.strip("/").partition("/")
    wanted = "/" if first in ("", "overview") else f"/{first}"
    for page in dash.page_registry.values():
        if page["module"] in ("pages.embed", "pages.kiosk"):
            continue
        # a district's page, a hotspot's: the one path variable, its code
        if page.get("path_template") == f"/{first}/<code>":
            return (page, {"code": rest}) if rest else None
        if page.get("path") == wanted and not rest:
            return page, {}
    return None
