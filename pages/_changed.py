"""A refresh sends only what changed since the last one it sent.

Most refreshes of a wall find the same numbers (the store moves every minute or
so, the timer ticks every few seconds). Sending them again would make the browser
rebuild the same elements and redraw the same map thousands of times a day, and
plotly keeps a little of every redraw. Each refresh keeps a digest of every output
in a store on the page and answers ``no_update`` where the digest is unchanged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import dash
from plotly.utils import PlotlyJSONEncoder


def digest(value: Any) -> str:
    """Of what Dash would send: components, figures and patches alike."""
    text = json.dumps(value, cls=PlotlyJSONEncoder, sort_keys=True)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def only_changed(
    outputs: Sequence[Any], sent: list[str] | None, always: Sequence[int] = ()
) -> tuple[list[Any], list[str]]:
    """``outputs`` with ``no_update`` for each one sent unchanged last time (the
    positions in ``always`` go out regardless), and the digests to keep."""
    digests = [digest(v) for v in outputs]
    before = sent if sent and len(sent) == len(digests) else [None] * len(digests)
    shown = [
        v if i in always or d != before[i] else dash.no_update
        for i, (v, d) in enumerate(zip(outputs, digests))
    ]
    return shown, digests
