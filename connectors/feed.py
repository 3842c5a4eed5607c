"""What the HTTP connectors share: options, the HTTP client, the city's zone and a
JSON cursor."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from city.profile import CityProfile
from connectors.base import PayloadRejected
from connectors.errors import secret_values
from connectors.http import HttpClient, HttpSettings


class SourceOptionsError(ValueError):
    """The source's options in the profile cannot work; says which and why."""


class FeedConnector:
    """Base of the connectors that read a feed over HTTP."""

    protocol = "feed"
    secret_options: tuple[str, ...] = ()  # option names whose values stay hidden

    def __init__(self, profile: CityProfile, options: Mapping[str, Any]) -> None:
        self.profile = profile
        self.options = dict(options)
        self.zone = (
            ZoneInfo(options["timezone"]) if "timezone" in options else profile.timezone
        )
        try:
            settings = HttpSettings.from_options(options)
        except (TypeError, ValueError) as exc:  # a word where a number goes
            raise SourceOptionsError(f"the {self.protocol} connector: {exc}") from None
        self.http = HttpClient(
            settings,
            secrets=secret_values(options, self.secret_options),
            network=profile.network,
        )

    def require(self, name: str) -> Any:
        value = self.options.get(name)
        if value in (None, ""):
            raise SourceOptionsError(
                f"the {self.protocol} connector needs option `{name}`"
            )
        return value


def load_json(body: bytes | str, what: str) -> Any:
    """The JSON a source sent; anything else is a ``PayloadRejected`` naming
    ``what`` was expected (garbage, a wrong encoding, nesting no feed needs)."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeError
        problem = "nested too deeply" if isinstance(exc, RecursionError) else exc
        raise PayloadRejected(f"{what} is not JSON: {problem}") from None


def load_cursor(cursor: str | None) -> dict[str, Any]:
    if not cursor:
        return {}
    try:
        loaded = json.loads(cursor)
    except json.JSONDecodeError:
        return {}  # a cursor from another connector version: start afresh
    return loaded if isinstance(loaded, dict) else {}


def dump_cursor(state: Mapping[str, Any]) -> str:
    return json.dumps(state, sort_keys=True, separators=(",", ":"))
