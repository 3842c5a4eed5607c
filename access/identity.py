"""Who a request comes from, in the order a city's intranet expects:

1. the reverse proxy's user header — believed only from a trusted proxy address;
2. the built-in login's session cookie;
3. a wall screen's credential cookie;
4. an embed token (the ``token`` query argument of an embed page, then the
   bearer token its requests carry), or a CSV link's download credential;
5. anonymous: the public role when the city opened public KPIs, else nobody.

Account, screen and embed-token lookups are remembered for a few seconds per
process, so a wall's refreshes do not each ask the database; a revoked screen or
embed token, a disabled account or a session signed out elsewhere is refused
within that time (at once by the process that signed it out).
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError

from access import accounts, embed_tokens
from access.embed_tokens import EmbedScope
from access.roles import Role

SESSION_USER = "user"
SESSION_VERSION = "v"  # the account's session version when it signed in
SCREEN_COOKIE = "citywall_screen"
LOOKUP_SECONDS = 10.0


@dataclass(frozen=True)
class Identity:
    role: Role
    name: str  # the account, the screen's label, "embed" or "public"
    via: str  # proxy, login, screen, embed, public
    scopes: tuple[EmbedScope, ...] = field(default=())

    @property
    def scoped(self) -> bool:
        """An embed identity sees only what its tokens name."""
        return self.via == "embed"


T = TypeVar("T")


class _Remembered:
    """A few seconds' memory of lookups (per process, bounded)."""

    def __init__(self, seconds: float = LOOKUP_SECONDS, size: int = 1024) -> None:
        self.seconds, self.size = seconds, size
        self._found: dict[str, tuple[float, object]] = {}

    def get(self, key: str, look_up: Callable[[], T]) -> T:
        now = time.monotonic()
        hit = self._found.get(key)
        if hit is not None and now - hit[0] < self.seconds:
            return hit[1]  # type: ignore[return-value]
        try:
            value = look_up()
        except SQLAlchemyError:
            if hit is None:
                raise
            # the database is down: who was let in a moment ago still is, so an
            # open wall keeps its last view and can say that data is delayed
            return hit[1]  # type: ignore[return-value]
        if len(self._found) >= self.size:
            self._found.clear()
        self._found[key] = (now, value)
        return value

    def forget(self, key: str) -> None:
        self._found.pop(key, None)

    def clear(self) -> None:
        self._found.clear()


remembered = _Remembered()


def trusted(address: str | None, networks: tuple[str, ...]) -> bool:
    if not address or not networks:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(n, strict=False) for n in networks)


def from_proxy(
    engine, headers: Mapping[str, str], user_header: str, role_header: str
) -> Identity | None:
    user = (headers.get(user_header) or "").strip()
    if not user:
        return None
    role: Role | None = None
    if role_header and headers.get(role_header):
        try:
            role = Role.parse(headers[role_header])
        except ValueError:
            role = None  # an unknown group name gives the least, not an error
    if role is None:
        role = remembered.get(
            f"account:{user}", lambda: accounts.account_role(engine, user)
        )
    return Identity(role or Role.VIEWER, user, "proxy")


def session_key(user: str) -> str:
    """The lookup of an account's role and session version (forget it when it
    changes)."""
    return f"session:{user}"


def from_session(engine, session: Mapping) -> Identity | None:
    user = session.get(SESSION_USER)
    if not user:
        return None
    # the account now: disabled, signed out or given another role since this
    # session began, and the session is void
    key, version = session_key(user), session.get(SESSION_VERSION)
    found = remembered.get(key, lambda: accounts.session_of(engine, user))
    if found is not None and isinstance(version, int) and version > found[1]:
        # signed in again since this process looked (versions only rise)
        remembered.forget(key)
        found = remembered.get(key, lambda: accounts.session_of(engine, user))
    if found is None or version != found[1]:
        return None
    return Identity(found[0], user, "login")


def from_screen(engine, cookies: Mapping[str, str]) -> Identity | None:
    secret = cookies.get(SCREEN_COOKIE)
    if not secret:
        return None
    found = remembered.get(
        f"screen:{accounts.digest(secret)}", lambda: _screen_seen(engine, secret)
    )
    return Identity(found[1], found[0], "screen") if found else None


def _screen_seen(engine, secret: str) -> tuple[str, Role] | None:
    found = accounts.device_for(engine, secret)
    if found:  # at most once per lookup period: the admin sees when a screen was up
        accounts.seen(engine, found[0], datetime.now(UTC))
    return found


def embed_scopes(
    engine, secret_key: str, token: str | None, download: str | None = None
) -> tuple[EmbedScope, ...]:
    """The scopes of the token and of the download credential (a CSV link in an
    embed) the request carries, but for any forged, expired or revoked (whose
    token is revoked)."""
    now = datetime.now(UTC)
    found = (
        embed_tokens.read(secret_key, token, now) if token else None,
        embed_tokens.read_download(secret_key, download, now) if download else None,
    )
    return tuple(
        scope
        for scope in found
        if scope is not None
        and remembered.get(
            # token ids count from 1 in every store: the key names the store too
            f"embed:{engine.url}:{scope.token_id}",
            lambda scope=scope: embed_tokens.is_live(engine, scope.token_id),
        )
    )
