"""The role each request needs: pages by their registered ``access``, Dash callbacks
by the page module that defines them (or a ``needs`` mark on the function), the
server's own routes by name. Anything not listed needs an admin: a new route or
callback is closed until someone decides who may use it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qs

import dash

from access.roles import Role
from kpis.definitions import DOMAINS_BY_ID

ROUTER = "_pages_location"


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


def page_need(path: str, query: str = "") -> Need:
    """What the page at ``path`` (without the URL prefix) needs."""
    args = {k: v[0] for k, v in parse_qs(query.lstrip("?")).items()}
    first, _, rest = path.strip("/").partition("/")
    if first == "embed":
        return _embed_need(rest, args.get("district"))
    page = _registered_page(path)
    if page is None:  # the not-found page: anyone who may see something
        return ANY_IDENTITY
    return Need(Role.parse(page.get("access", "admin")))


def _registered_page(path: str) -> dict | None:
    wanted = "/" + path.strip("/")
    first = wanted.split("/")[1]
    for page in dash.page_registry.values():
        template = page.get("path_template")
        if (
            template
            and template.split("/")[1] == first
            and template.count("/") == wanted.count("/")
        ):
            return page
        if page.get("path") == wanted:
            return page
    return None


def _embed_need(target: str, district: str | None) -> Need:
    """An embed needs what its page needs; a tile, a viewer (or its public KPI)."""
    if target.startswith("tile/"):
        kpi = target.removeprefix("tile/")
        return Need(Role.VIEWER, embed=(target, district), kpi=kpi)
    inner = page_need("/" + ("" if target == "overview" else target))
    role = inner.role if inner.role is not None else Role.PUBLIC
    return Need(max(role, Role.VIEWER), embed=(target or "overview", district))


# -- callbacks ---------------------------------------------------------------------


def callback_need(callback_map: dict, body: dict) -> Need:
    """What a ``_dash-update-component`` request needs, from the callback it runs."""
    entry = callback_map.get(body.get("output", ""))
    func = entry.get("callback") if entry else None
    if func is None:  # not a server callback: Dash answers it with an error anyway
        return DENY
    marked = getattr(func, "citywall_role", None)
    module = func.__module__
    if module == "dash.dash":  # the page router: what the page asked for needs
        return page_need(
            str(_value(body, ROUTER, "pathname") or "/"),
            str(_value(body, ROUTER, "search") or ""),
        )
    if module == "app":  # the shell's header: nothing but names of pages
        return ANY_IDENTITY
    if module == "pages.embed":
        view = _value(body, "embed-tile-view", "data") or {}
        kpi = str(view.get("kpi"))
        return Need(Role.VIEWER, embed=(f"tile/{kpi}", view.get("district")), kpi=kpi)
    if module == "pages._domain":
        view = _value(body, "domain-view", "data") or {}
        domain = DOMAINS_BY_ID.get(view.get("domain"))
        target = domain.path.strip("/") if domain else "?"
        return Need(marked or Role.VIEWER, embed=(target, view.get("district")))
    if module == "pages.overview":
        return Need(marked or Role.VIEWER, embed=("overview", None))
    page = next((p for p in dash.page_registry.values() if p["module"] == module), None)
    if page is None:
        return DENY
    return Need(marked or Role.parse(page.get("access", "admin")))


def _value(body: dict, component_id: str, prop: str) -> Any:
    for group in ("inputs", "state"):
        for item in body.get(group) or []:
            items = item if isinstance(item, list) else [item]
            for one in items:
                if one.get("id") == component_id and one.get("property") == prop:
                    return one.get("value")
    return None


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
