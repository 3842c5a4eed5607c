"""A refresh sends only what changed since the last one it sent."""

from __future__ import annotations

import dash
from dash import Patch, html

from pages._changed import only_changed


def _patch(z: list[int]) -> Patch:
    patch = Patch()
    patch["data"][0]["z"] = z
    return patch


def test_only_what_changed_goes_out_again():
    first = (html.Div("776"), _patch([1, 2]), "overview")
    shown, sent = only_changed(first, None)
    assert shown == list(first)  # nothing sent before: everything goes
    same = (html.Div("776"), _patch([1, 2]), "overview")
    shown, again = only_changed(same, sent)
    assert again == sent and all(v is dash.no_update for v in shown)
    moved = (html.Div("777"), _patch([1, 3]), "overview")
    shown, _ = only_changed(moved, sent)
    assert shown[0] is moved[0] and shown[1] is moved[1]
    assert shown[2] is dash.no_update
    # a new metric's figure goes out even if it looks the same
    shown, _ = only_changed(same, sent, always=(1,))
    assert shown[1] is same[1] and shown[0] is dash.no_update
