"""What the HTTP connectors share: their common options, the HTTP client, the
city's zone and a JSON cursor."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from city.profile import CityProfile
from connectors.base import PayloadRejected
from connectors.errors import secret_values
from connectors.http import HTTP_OPTIONS, HttpClient, HttpSettings
from connectors.options import Option, SourceOptionsError, declare, read_options

FEED_OPTIONS = declare(
    (
        Option(
            "timezone",
            str,
            None,
            "IANA zone of the feed's times that carry no offset (default: the city's)",
        ),
    ),
    HTTP_OPTIONS,
)


class FeedConnector:
    """Base of the connectors that read a feed over HTTP. A subclass names its
    ``protocol`` and declares its ``OPTIONS`` (``declare(FEED_OPTIONS, …)``); its
    ``__init__`` finds them read, with their defaults, in ``self.options``."""

    protocol: ClassVar[str]
    OPTIONS: ClassVar[tuple[Option, ...]] = FEED_OPTIONS
    # the declared secret options' names, for the ingest's redaction
    secret_options: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.secret_options = tuple(o.name for o in cls.OPTIONS if o.secret)

    def __init__(self, profile: CityProfile, options: Mapping[str, Any]) -> None:
        self.profile = profile
        self.options = read_options(self.OPTIONS, options, self.protocol)
        self.zone = profile.timezone
        if self.options.timezone is not None:
            try:
                self.zone = ZoneInfo(self.options.timezone)
            except (ValueError, ZoneInfoNotFoundError):
                raise SourceOptionsError(
                    f"the {self.protocol} connector: option `timezone` "
                    f"{self.options.timezone!r} is not an IANA zone (e.g. Asia/Seoul)"
                ) from None
        self.http = HttpClient(
            HttpSettings.from_settings(self.options),
            secrets=secret_values(options, self.secret_options),
            network=profile.network,
        )


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
