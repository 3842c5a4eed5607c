"""The role of the request being served, for pages that show less to lower roles.

The guard puts the caller and the wall's access settings on ``flask.g`` for each
request (``serve``); this floor reads them from there and never reaches up to the
web floor's settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, has_request_context

from access.roles import Role


@dataclass(frozen=True)
class WallAccess:
    """What the wall's settings say of access: the KPIs open to anyone and the
    widest camera level shown."""

    public_kpis: tuple[str, ...] = ()
    camera_access: str = "public"


def serve(caller, wall: WallAccess) -> None:
    """Who the request is from and the wall's access settings, for this request."""
    g.identity = caller
    g.wall_access = wall


def _wall() -> WallAccess:
    """This request's access settings; outside a request (the CLI, a test drawing
    a layout) the defaults."""
    return (g.get("wall_access") if has_request_context() else None) or WallAccess()


def identity():
    """The caller's identity (``access.identity.Identity``), None if anonymous."""
    return g.get("identity") if has_request_context() else None


def role() -> Role:
    """The caller's role; outside a web request (the CLI, the ingest) all is shown."""
    if not has_request_context():
        return Role.ADMIN
    identity = g.get("identity")
    return identity.role if identity is not None else Role.PUBLIC


def may_open(path: str) -> bool:
    """Whether the caller's role may open the page at ``path``: what the header
    links to, and what the kiosk agrees to show (its steps come from the browser)."""
    from access import policy

    if not has_request_context():  # the CLI, a test drawing a layout: all is shown
        return True
    return policy.allows(identity(), policy.page_need(path), _wall().public_kpis)


def sees_records() -> bool:
    """Record rows are for staff: viewers, walls and embeds get aggregates only."""
    return role() >= Role.STAFF


def camera_level() -> str:
    """The widest camera access level shown: the wall's setting, narrowed to what
    the caller's role may see."""
    from access.roles import CAMERA_LEVEL_FOR
    from kpis.cameras import allowed

    wall, mine = _wall().camera_access, CAMERA_LEVEL_FOR[role()]
    return wall if allowed(wall, mine) else mine


def view_tag() -> str:
    """What of a page differs by role, for the keys of cached renders."""
    return f"{'rows' if sees_records() else 'aggregates'}-{camera_level()}"
