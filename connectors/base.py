"""The contract every connector keeps: payload in, normalised records out.

A connector turns what a source sends into the records of ``city.records``
(events, measurements, cameras of a registry, rejects with their reason). It does no I/O
beyond its own fetch and keeps no state beyond the cursor the ingest hands it, so
the ingest alone decides what is committed and when the cursor moves.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar, Protocol

from city.privacy import drop_personal_fields, scrub_text
from city.records import Batch
from connectors.options import Option


class PayloadRejected(ValueError):
    """A whole payload is not what the protocol sends (not JSON, not a list, not a
    CAP document): the run fails with this reason and the other sources go on.
    Single bad records never raise it; they become ``Rejected``."""


class Connector(Protocol):
    """A source protocol. Instances are built from a profile's source options,
    which the class declares (``connectors.options``) and reads through
    ``read_options``; ``EXAMPLE`` is a source's options that work (shown by
    ``citywall connectors show``, and what the fuzz tests build it from)."""

    protocol: ClassVar[str]
    OPTIONS: ClassVar[tuple[Option, ...]]
    EXAMPLE: ClassVar[dict[str, Any]]

    def pull(self, cursor: str | None, now: datetime) -> Batch:
        """Return the records after ``cursor`` up to ``now``."""
        ...


def excerpt(raw: object, limit: int = 500) -> str:
    """A bounded, printable excerpt of a raw record for the quarantine table:
    objects as JSON without their personal fields, text scrubbed before it is cut
    (a cut e-mail address no longer looks like one)."""
    if isinstance(raw, str):
        text = raw
    elif isinstance(raw, (Mapping, list, tuple)):
        text = json.dumps(drop_personal_fields(raw), ensure_ascii=False, default=str)
    else:
        text = repr(raw)
    text = scrub_text(text) or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"
