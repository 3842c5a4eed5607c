"""Another page's layout by its path: what the embeds and the kiosk rotation show."""

from __future__ import annotations

import dash


def page_layout(path: str, **query: str):
    """The layout of the page at ``path`` ("/", "/complaints", "/district/11680")
    with ``query`` as its address's query; None for an unknown path. The path's
    own variable wins over a query argument of the same name."""
    first, _, rest = path.strip("/").partition("/")
    wanted = "/" if first in ("", "overview") else f"/{first}"
    for page in dash.page_registry.values():
        if page["module"] in ("pages.embed", "pages.kiosk"):
            continue
        if first == "district" and page.get("path_template") == "/district/<code>":
            return page["layout"](**{**query, "code": rest}) if rest else None
        if page.get("path") == wanted and not rest:
            return page["layout"](**query)
    return None
