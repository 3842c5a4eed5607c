"""Signed, expiring tokens that let an intranet iframe show one page or one tile.

A token names its scope — the embed target (``tile/complaints.backlog``,
``complaints``) and, optionally, one district — and when it expires. It is signed
with the server's secret key, so it cannot be widened or extended, and it gives at
most the viewer role: aggregates, never record rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "citywall-embed"
TARGET = re.compile(r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)?$")
MAX_VALID = timedelta(days=366)


class EmbedTokenError(ValueError):
    pass


@dataclass(frozen=True)
class EmbedScope:
    target: str  # what follows /embed/: "tile/<kpi>" or a page ("complaints")
    district: str | None
    expires: datetime

    def allows(self, target: str, district: str | None) -> bool:
        if target != self.target:
            return False
        return self.district is None or district == self.district


def issue(
    secret_key: str,
    target: str,
    district: str | None,
    valid: timedelta,
    now: datetime,
) -> str:
    target = target.strip("/").removeprefix("embed/")
    if not TARGET.match(target):
        raise EmbedTokenError(
            f"an embed target looks like tile/<kpi> or <page>, not {target!r}"
        )
    if not timedelta(0) < valid <= MAX_VALID:
        raise EmbedTokenError("an embed token is valid for a moment up to a year")
    payload = {"t": target, "d": district, "e": int((now + valid).timestamp())}
    return URLSafeSerializer(secret_key, salt=SALT).dumps(payload)


def read(secret_key: str, token: str, now: datetime) -> EmbedScope | None:
    """The token's scope, or None if it is forged, damaged or expired."""
    try:
        payload = URLSafeSerializer(secret_key, salt=SALT).loads(token)
        scope = EmbedScope(
            target=str(payload["t"]),
            district=payload["d"],
            expires=datetime.fromtimestamp(int(payload["e"]), tz=now.tzinfo),
        )
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    return scope if scope.expires > now else None
