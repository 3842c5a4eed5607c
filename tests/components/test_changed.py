"""A refresh sends only what changed since the last one it sent."""

from __future__ import annotations

import json

import dash
from dash import Patch, html

from pages._changed import changed_outputs, digest, encoded


def _patch(z: list[int]) -> Patch:
    patch = Patch()
    patch["data"][0]["z"] = z
    return patch


def _made(outputs: tuple) -> tuple[list[str], list[str]]:
    """Outputs as ``rendered`` keeps them: encoded, with their digests."""
    return [encoded(v) for v in outputs], [digest(v) for v in outputs]


def test_only_what_changed_goes_out_again():
    first = (html.Div("776"), _patch([1, 2]), "overview")
    made = _made(first)
    shown = changed_outputs(made, None)
    assert shown == [json.loads(text) for text in made[0]]  # nothing sent: all go
    sent = made[1]
    same = _made((html.Div("776"), _patch([1, 2]), "overview"))
    assert all(v is dash.no_update for v in changed_outputs(same, sent))
    moved = _made((html.Div("777"), _patch([1, 3]), "overview"))
    shown = changed_outputs(moved, sent)
    assert shown[0] == json.loads(moved[0][0]) and shown[1] == json.loads(moved[0][1])
    assert shown[2] is dash.no_update
    # a new metric's figure goes out even if it looks the same
    shown = changed_outputs(same, sent, always=(1,))
    assert shown[1] == json.loads(same[0][1]) and shown[0] is dash.no_update
