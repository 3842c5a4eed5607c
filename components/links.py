"""Links inside the wall: under the path prefix, with the view's filters and language.

Every link goes through ``href`` so that a page served behind the intranet's proxy
(``/intranet/citywall/...``) links to its own prefix, and so that a chosen language
follows the viewer from page to page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import parse_qsl, quote, unquote, urlencode

import dash

# what the links drawn inside ``keeping`` carry (a past moment's ``at``), and to
# which paths
_KEPT: ContextVar[tuple[dict[str, str], Callable[[str], bool]] | None] = ContextVar(
    "citywall_links_keep", default=None
)


@contextmanager
def keeping(params: dict[str, str], where: Callable[[str], bool]) -> Iterator[None]:
    """Every link made inside to a path ``where`` accepts carries ``params``
    (unless it names them itself)."""
    token = _KEPT.set((params, where) if params else None)
    try:
        yield
    finally:
        _KEPT.reset(token)


def href(path: str, lang: str | None = None, **params: str | int | None) -> str:
    """A link to ``path`` under the prefix, with ``params`` (a None drops one
    that the link would keep) and the language."""
    kept = _KEPT.get()
    if kept is not None and kept[1](path):
        params = {**kept[0], **params}
    query = {k: v for k, v in params.items() if v not in (None, "")}
    if lang:
        query["lang"] = lang
    relative = dash.get_relative_path(path)
    return relative + ("?" + urlencode(query) if query else "")


def with_query(pathname: str | None, search: str | None, **changes: str | None) -> str:
    """The address the browser shows (``pathname``: with its prefix), its query
    kept but for ``changes`` (a None drops a word), changed words last."""
    query = [
        (k, v) for k, v in parse_qsl((search or "").lstrip("?")) if k not in changes
    ]
    query += [(k, v) for k, v in changes.items() if v is not None]
    return (pathname or "/") + ("?" + urlencode(query) if query else "")


def district_path(code: str) -> str:
    """The path of a district's page. Quoted, though a wall code needs none
    (``city.district_codes``): a code from an older profile still makes a link
    that reaches its page, never a broken one."""
    return f"/district/{quote(code, safe='')}"


def district_code_in(segment: str) -> str:
    """The code a path's segment names: the browser sends it quoted (as
    ``district_path`` wrote it), the server's router unquoted; either way the
    same code."""
    return unquote(segment)


def hotspot_path(code: str) -> str:
    """The path of a hotspot's page (its code quoted, as a district's)."""
    return f"/hotspot/{quote(code, safe='')}"
