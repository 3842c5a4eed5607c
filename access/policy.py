"""The role each request needs: pages by their registered ``access``, Dash callbacks
by the page module that defines them (or a ``needs`` mark on the function), the
server's own routes by name. Anything not listed needs an admin: a new route or
callback is closed until someone decides who may use it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import dash
from dash import _pages

from access.callbacks import Values
from access.roles import Role
from city.profile import CityProfile

ROUTER = "_pages_location"
EMBED_MODULE = "pages.embed"  # its layout draws other pages: its need is theirs
SHELL_MODULE = "web.shell"  # the shell around every page (its callbacks by name)


@dataclass(frozen=True)
class Need:
    role: Role | None  # None: open to anyone, signed in or not
    embed: tuple[str, str | None] | None = None  # the embed target and district served
    kpi: str | None = None  # the one KPI shown, when only one is (public access)


OPEN = Need(None)
ANY_IDENTITY = Need(Role.PUBLIC)
DENY = Need(Role.ADMIN)

F = TypeVar("F", bound=Callable[..., Any])


def needs(role: Role) -> Callable[[F], F]:
    """Mark a callback as needing more than its page (put it under ``@callback``)."""

    def mark(func: F) -> F:
        func.citywall_role = role  # type: ignore[attr-defined]
        return func

    return mark


# -- pages -------------------------------------------------------------------------


def page_need(path: str, search: str = "") -> Need:
    """What the page at ``path`` (without the URL prefix) needs when drawn with the
    query ``search`` ("?district=11680"), decided on the very arguments Dash's
    router will hand its layout."""
    page, arguments = page_arguments(path, search)
    if arguments is None:
        return DENY
    if page is None:  # the not-found page: anyone who may see something
        return ANY_IDENTITY
    return layout_need(page, arguments)


def page_arguments(path: str, search: str = "") -> tuple[dict | None, dict | None]:
    """The registered page at ``path`` and the arguments its layout gets, as Dash's
    router finds them: its own matching and query parsing, so the guard cannot
    disagree with it. The arguments are None when the address is refused: a query
    argument named like a path variable (the router would let it replace the
    variable the guard decided on) or one given twice (the layout would get a list)."""
    page, variables = _pages._path_to_page(path.strip("/"))
    query = _pages._parse_query_string(search if search.startswith("?") else "")
    variables = variables or {}
    if set(query) & set(variables) or any(isinstance(v, list) for v in query.values()):
        return page or None, None
    return page or None, {**variables, **query}


def layout_need(page: dict, arguments: dict) -> Need:
    """What drawing ``page`` with ``arguments`` needs: the rule both the guard (from
    the request) and the layout itself (from what it was called with) apply."""
    if page["module"].rsplit(".", 1)[-1] == "not_found_404":  # Dash's not-found page
        return ANY_IDENTITY
    if page["module"] == EMBED_MODULE:
        return _embed_need(
            str(arguments.get("target") or "overview"), arguments.get("district")
        )
    return Need(Role.parse(page.get("access", "admin")))


def embeddable_pages(profile: CityProfile) -> tuple[str, ...]:
    """The pages an embed token can show, by the target its token names: those
    whose refreshes know the embed they serve (``callback_need`` below)."""
    return ("overview", *(d.path.strip("/") for d in profile.domains))


def _embed_need(target: str, district: Any) -> Need:
    """An embed needs what its page needs; a tile, a viewer (or its public KPI)."""
    district = _district({"district": district})
    if target.startswith("tile/"):
        kpi = target.removeprefix("tile/")
        return Need(Role.VIEWER, embed=(target, district), kpi=kpi)
    inner = page_need("/" + ("" if target == "overview" else target))
    role = inner.role if inner.role is not None else Role.PUBLIC
    return Need(max(role, Role.VIEWER), embed=(target or "overview", district))


# -- callbacks ---------------------------------------------------------------------


def callback_need(entry: dict, values: Values, relative: Callable[[str], str]) -> Need:
    """What running the callback of ``entry`` on ``values`` needs (the values by
    declared id and property, see ``access.callbacks``); ``relative`` turns the
    browser's pathname into the app's (the URL prefix taken off)."""
    func = entry.get("callback")
    if func is None:  # not a server callback: Dash answers it with an error anyway
        return DENY
    marked = getattr(func, "citywall_role", None)
    module = getattr(func, "__module__", None)
    if module == "dash.dash":  # the page router: what the page asked for needs
        try:
            path = relative(str(values.get((ROUTER, "pathname")) or "/"))
        except Exception:  # noqa: BLE001 - a path outside the prefix: no page of ours
            return DENY
        return page_need(path, str(values.get((ROUTER, "search")) or ""))
    if module == SHELL_MODULE:  # the header (names of pages), the delay banner
        return ANY_IDENTITY
    if module == EMBED_MODULE:
        view = _view(values, "embed-tile-view")
        kpi = str(view.get("kpi"))
        return Need(Role.VIEWER, embed=(f"tile/{kpi}", _district(view)), kpi=kpi)
    if module == "pages._domain":
        view = _view(values, "domain-view")
        page = next(
            (p for p in dash.page_registry.values() if p.get("domain") is not None
             and p.get("domain") == view.get("domain")),
            None,
        )  # fmt: skip
        target = page["path"].strip("/") if page else "?"
        return Need(marked or Role.VIEWER, embed=(target, _district(view)))
    if module == "pages.overview":
        return Need(marked or Role.VIEWER, embed=("overview", None))
    page = next((p for p in dash.page_registry.values() if p["module"] == module), None)
    if page is None:
        return DENY
    return Need(marked or Role.parse(page.get("access", "admin")))


def _district(view: dict) -> str | None:
    """The district a view names; anything but a code or none names no district
    a token could allow."""
    district = view.get("district")
    return district if district is None or isinstance(district, str) else "?"


def _view(values: Values, store_id: str) -> dict:
    view = values.get((store_id, "data"))
    return view if isinstance(view, dict) else {}


# -- the decision ------------------------------------------------------------------


def allows(identity, need: Need, public_kpis: tuple[str, ...]) -> bool:
    if need.role is None:
        return True
    if identity is None:
        return False
    if need == ANY_IDENTITY:
        return True
    if identity.scoped:  # an embed token: only what it names, as a viewer
        return (
            need.embed is not None
            and need.role <= Role.VIEWER
            and any(s.allows(*need.embed) for s in identity.scopes)
        )
    if identity.role == Role.PUBLIC and need.role > Role.PUBLIC:
        return need.kpi is not None and need.kpi in public_kpis
    return identity.role >= need.role
