"""Signed, expiring tokens that let an intranet iframe show one page or one tile.

A token names its scope — the embed target (``tile/complaints.backlog``,
``complaints``) and, optionally, one district — and when it expires. It is signed
with the server's secret key, so it cannot be widened or extended, and it gives at
most the viewer role: aggregates, never record rows.

Each token issued is recorded in the store (never the token itself) and carries
its record's id: an admin lists them and revokes one (``/admin``, ``citywall
embed-token revoke ID``), and a token without an id, or with a revoked one, opens
nothing.

A CSV link inside an embed is a plain link (the browser downloads it without the
frame's scripts, so without the token they send): it carries a download credential
of its own, for that one tile's CSV in that district, with its token's id and
expiry, so it is refused when the token is revoked or expires.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Engine, insert, select, update

from access.policy import embeddable_pages
from city.profile import CityProfile
from store.schema import embed_tokens as issued

SALT = "citywall-embed"
DOWNLOAD_SALT = "citywall-embed-download"  # a credential never passes for a token
DOWNLOAD_ARG = "credential"  # the query argument of a CSV link that carries one
TARGET = re.compile(r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)?$")
MAX_VALID = timedelta(days=366)


class EmbedTokenError(ValueError):
    pass


@dataclass(frozen=True)
class EmbedScope:
    target: str  # what follows /embed/: "tile/<kpi>" or a page ("complaints")
    district: str | None
    expires: datetime
    token_id: int | None = None  # its record in the store

    def allows(self, target: str, district: str | None) -> bool:
        if target != self.target:
            return False
        return self.district is None or district == self.district


@dataclass(frozen=True)
class IssuedToken:
    id: int
    target: str
    district: str | None
    issued_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


def checked_target(target: str, district: str | None, profile: CityProfile) -> str:
    """``target`` as a token names it ("tile/complaints_open", "complaints"), if
    a token can show it, in ``district`` if one of the city's; else
    EmbedTokenError, in one line with the valid choices."""
    target = target.strip("/").removeprefix("embed/")
    districts = {d.code: d.name("en") for d in profile.districts}
    city = profile.name("en")
    if target.startswith("tile/"):
        kpi = target.removeprefix("tile/")
        if kpi not in profile.indicators_by_id:
            tiles = ", ".join(f"tile/{k}" for k in sorted(profile.indicators_by_id))
            raise EmbedTokenError(f"no KPI {kpi!r} has a tile; the tiles: {tiles}")
    elif target not in embeddable_pages(profile):
        pages = ", ".join(embeddable_pages(profile))
        raise EmbedTokenError(
            f"a token cannot show the page {target!r}; "
            f"the pages: {pages}, or tile/<kpi>"
        )
    if district is not None and district not in districts:
        known = ", ".join(
            f"{code} ({name})" for code, name in sorted(districts.items())
        )
        raise EmbedTokenError(
            f"{city} has no district {district!r}; the districts: {known}"
        )
    return target


def issue(
    engine: Engine,
    secret_key: str,
    target: str,
    district: str | None,
    valid: timedelta,
    now: datetime,
) -> str:
    """A new token, recorded in ``engine``'s store so that it can be revoked."""
    target = target.strip("/").removeprefix("embed/")
    if not TARGET.match(target):
        raise EmbedTokenError(
            f"an embed target looks like tile/<kpi> or <page>, not {target!r}"
        )
    if not timedelta(0) < valid <= MAX_VALID:
        raise EmbedTokenError("an embed token is valid for a moment up to a year")
    expires = int((now + valid).timestamp())
    with engine.begin() as conn:
        token_id = conn.execute(
            insert(issued).values(
                target=target,
                district=district,
                issued_at=now,
                expires_at=datetime.fromtimestamp(expires, tz=now.tzinfo),
            )
        ).inserted_primary_key[0]
    payload = {"i": token_id, "t": target, "d": district, "e": expires}
    return URLSafeSerializer(secret_key, salt=SALT).dumps(payload)


def read(secret_key: str, token: str, now: datetime) -> EmbedScope | None:
    """The token's scope, or None if it is forged, damaged, expired or has no id
    (made before tokens could be revoked). Whether it is revoked: ``is_live``."""
    return _read(URLSafeSerializer(secret_key, salt=SALT), token, now)


def download_credential(
    secret_key: str, token: EmbedScope, kpi: str, district: str | None
) -> str:
    """A credential for the CSV of the tile of ``kpi`` in ``district``, shown in an
    embed of ``token``: it lives as long as the token does (its id, its expiry)."""
    payload = {
        "i": token.token_id,
        "t": f"tile/{kpi}",
        "d": district,
        "e": int(token.expires.timestamp()),
    }
    return URLSafeSerializer(secret_key, salt=DOWNLOAD_SALT).dumps(payload)


def read_download(secret_key: str, credential: str, now: datetime) -> EmbedScope | None:
    """The scope of a download credential (its tile and district), as ``read``."""
    return _read(URLSafeSerializer(secret_key, salt=DOWNLOAD_SALT), credential, now)


def _read(
    serializer: URLSafeSerializer, token: str, now: datetime
) -> EmbedScope | None:
    try:
        payload = serializer.loads(token)
        scope = EmbedScope(
            target=str(payload["t"]),
            district=payload["d"],
            expires=datetime.fromtimestamp(int(payload["e"]), tz=now.tzinfo),
            token_id=int(payload["i"]),
        )
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    return scope if scope.expires > now else None


def is_live(engine: Engine, token_id: int | None) -> bool:
    """Whether the token of this id was issued here and is not revoked."""
    if token_id is None:
        return False
    with engine.connect() as conn:
        return (
            conn.execute(
                select(issued.c.id).where(
                    issued.c.id == token_id, issued.c.revoked_at.is_(None)
                )
            ).first()
            is not None
        )


def revoke(engine: Engine, token_id: int, now: datetime) -> None:
    """The token refused from now on (a revoked one keeps its first revocation)."""
    with engine.begin() as conn:
        found = conn.execute(
            select(issued.c.revoked_at).where(issued.c.id == token_id)
        ).first()
        if found is None:
            raise EmbedTokenError(f"no embed token with id {token_id}")
        if found[0] is None:
            conn.execute(
                update(issued).where(issued.c.id == token_id).values(revoked_at=now)
            )


def list_tokens(engine: Engine) -> list[IssuedToken]:
    """Every token issued, the newest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                issued.c.id,
                issued.c.target,
                issued.c.district,
                issued.c.issued_at,
                issued.c.expires_at,
                issued.c.revoked_at,
            ).order_by(issued.c.id.desc())
        ).all()
    return [IssuedToken(*r) for r in rows]
