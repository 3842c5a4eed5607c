"""A refresh sends only what changed since the last one it sent.

Most refreshes of a wall find the same numbers (the store moves every minute or
so, the timer ticks every few seconds). Sending them again would make the browser
rebuild the same elements and redraw the same map thousands of times a day, and
plotly keeps a little of every redraw. Each refresh keeps a digest of every output
in a store on the page and answers ``no_update`` where the digest is unchanged.

``rendered`` makes a refresh's outputs once per moment (data version and time
bucket, see ``web.render_cache``) as the JSON Dash would send, with
their digests: every other screen refreshing in that moment, on any worker, gets
them from the cache without rendering anything.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any

import dash
import orjson
from dash.development.base_component import Component
from plotly.utils import PlotlyJSONEncoder

from pages._services import services

# Keys sorted: the digest of equal outputs is equal whichever way they were built.
# Not a string key or NaN: as plotly's own orjson engine (Dash's, with orjson
# installed) sends them.
_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def encoded(value: Any) -> str:
    """What Dash would send, as JSON: components, figures and patches alike.

    orjson writes the text a refresh is made of about ten times faster than the
    json module with plotly's encoder (which calls back into Python for every
    component and figure): an eighth of a 60-indicator overview's refresh."""
    return orjson.dumps(value, default=_plain, option=_OPTIONS).decode()


_PLOTLY = PlotlyJSONEncoder()


def _plain(value: Any) -> Any:
    """What orjson cannot write itself, as plotly's encoder makes it: a component
    or a figure (``to_plotly_json``), a pandas or numpy value, a date..."""
    if hasattr(value, "to_plotly_json"):
        return value.to_plotly_json()
    return _PLOTLY.default(value)


def as_sent(value: Any) -> Any:
    """A component tree as the JSON Dash sends it (dicts, lists, text): kept and
    sent again, it costs neither the components' building nor their encoding."""
    if isinstance(value, Component):
        sent = value.to_plotly_json()
        return {**sent, "props": {k: as_sent(v) for k, v in sent["props"].items()}}
    if isinstance(value, list | tuple):
        return [as_sent(v) for v in value]
    return value


def digest(value: Any) -> str:
    return _digest(encoded(value))


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


Rendered = tuple[list[str], list[str]]  # each output's JSON, and its digest


def rendered(name: str, build: Callable[[], Sequence[Any]]) -> Rendered:
    """``build()``'s outputs, encoded, made once per moment for every screen that
    shows ``name`` (which must say everything the outputs depend on but the
    store and the time: the page, its language, its filters)."""

    def encode() -> Rendered:
        texts = [encoded(v) for v in build()]
        return texts, [_digest(t) for t in texts]

    return services().rendered(name, encode)


def view_key(view: Any) -> str:
    """A short name for a page's view (its filters, language...), for ``rendered``."""
    return _digest(json.dumps(view, sort_keys=True, default=str))


# An output's JSON made a value again for each refresh that sends it: the same few
# texts over and over within a moment (a refresh of a wall sends every output
# whose digest it lacks), so the last ones decoded are kept. Dash only reads what
# a callback returns: one decoded value serves every request.
_decoded = functools.lru_cache(maxsize=256)(orjson.loads)


def changed_outputs(
    made: Rendered, sent: list[str] | None, always: Sequence[int] = ()
) -> list[Any]:
    """The rendered outputs with ``no_update`` for each one sent unchanged last
    time (the positions in ``always`` go out regardless)."""
    texts, digests = made
    before = sent if sent and len(sent) == len(digests) else [None] * len(digests)
    return [
        _decoded(text) if i in always or d != before[i] else dash.no_update
        for i, (text, d) in enumerate(zip(texts, digests))
    ]


def outputs(made: Rendered) -> list[Any]:
    """Every rendered output, for a page that keeps no digests."""
    return [_decoded(text) for text in made[0]]
