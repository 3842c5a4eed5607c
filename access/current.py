"""The role of the request being served, for pages that show less to lower roles."""

from __future__ import annotations

from flask import g, has_request_context

from access.roles import Role


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
    from web import runtime

    if not has_request_context():  # the CLI, a test drawing a layout: all is shown
        return True
    return policy.allows(
        identity(), policy.page_need(path), runtime.settings().public_kpis
    )


def sees_records() -> bool:
    """Record rows are for staff: viewers, walls and embeds get aggregates only."""
    return role() >= Role.STAFF


def camera_level() -> str:
    """The widest camera access level shown: the wall's setting, narrowed to what
    the caller's role may see."""
    from access.roles import CAMERA_LEVEL_FOR
    from kpis.cameras import allowed
    from web import runtime

    wall, mine = runtime.settings().camera_access, CAMERA_LEVEL_FOR[role()]
    return wall if allowed(wall, mine) else mine


def view_tag() -> str:
    """What of a page differs by role, for the keys of cached renders."""
    return f"{'rows' if sees_records() else 'aggregates'}-{camera_level()}"
