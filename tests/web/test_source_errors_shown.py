"""A source's last error is the admins' to read: it may quote what a feed's
server answered. The overview's freshness strip, drawn and refreshed through the
real app as the browser asks for it, tells viewers that a source is stale and
since when, and admins what failed too; a render kept for one never serves the
other."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from components.shell import refresh_id
from store import writes
from tests.conftest import (
    PROXY_ADMIN,
    PROXY_SIGN_IN,
    PROXY_STAFF,
    PROXY_VIEWER,
    build_wall,
    router_body,
    wall_environment,
)

ERROR = "HTTP 500 from http://10.0.0.5/status: svc-db01 inventory"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from web import runtime

    folder = tmp_path_factory.mktemp("errors")
    # renders kept, as a served wall keeps them: one role's never serves another
    with wall_environment(folder, CITYWALL_CACHE="simple", **PROXY_SIGN_IN):
        with runtime.engine().begin() as conn:
            writes.record_failure(conn, "demo", ERROR, datetime.now(UTC))
        yield build_wall().server.test_client()


def _drawn(client, headers: dict) -> str:
    """The overview as Dash's router callback draws it."""
    body = router_body("/")
    response = client.post("/_dash-update-component", json=body, headers=headers)
    assert response.status_code == 200, response.text[:300]
    return json.dumps(response.get_json())


def _refreshed(client, headers: dict) -> str:
    """The freshness the overview's timer refresh sends."""
    return json.dumps(_refresh(client, headers)["freshness"])


def _refresh(client, headers: dict) -> dict:
    """The overview's timer refresh, every output sent whole."""
    timer = refresh_id("overview")
    outputs = [
        ("tiles", "children"), ("city-map", "figure"), ("alert-ticker", "children"),
        ("freshness", "children"), ("event-feed", "children"),
        ("city-score", "children"), ("stage-banner", "children"),
        ("disaster-panel", "children"), ("overview", "className"),
        ("overview-sent", "data"),
    ]  # fmt: skip
    body = {
        "output": ".." + "...".join(f"{c}.{p}" for c, p in outputs) + "..",
        "outputs": [{"id": c, "property": p} for c, p in outputs],
        "inputs": [
            {"id": timer, "property": "n_intervals", "value": 1},
            {"id": "map-metric", "property": "value", "value": "complaints_open"},
        ],
        "state": [
            {"id": "nav", "property": "search", "value": ""},
            {"id": "overview-sent", "property": "data", "value": None},
            {"id": "overview-embed", "property": "data", "value": None},
        ],
        "changedPropIds": [
            json.dumps(timer, sort_keys=True, separators=(",", ":")) + ".n_intervals"
        ],
    }
    response = client.post("/_dash-update-component", json=body, headers=headers)
    assert response.status_code == 200, response.text[:300]
    return response.get_json()["response"]


def test_viewers_see_a_source_stale_and_admins_see_why(client):
    for caller in (PROXY_VIEWER, PROXY_STAFF):
        for seen in (_drawn(client, caller), _refreshed(client, caller)):
            assert "demo never loaded" in seen
            assert "svc-db01" not in seen and "10.0.0.5" not in seen
    for seen in (_drawn(client, PROXY_ADMIN), _refreshed(client, PROXY_ADMIN)):
        assert "svc-db01 inventory" in seen
    # staff's render again, after the admin's (the same records, the same
    # cameras): each kept for its own
    assert "svc-db01" not in _refreshed(client, PROXY_STAFF)


def test_outputs_decoded_once_are_sent_again_unchanged(client):
    """A moment's outputs are decoded once for every refresh that sends them
    (``pages._changed``): serving them leaves them as they were, refresh after
    refresh."""
    from pages._changed import _decoded

    first = _refresh(client, PROXY_STAFF)
    hits = _decoded.cache_info().hits
    assert _refresh(client, PROXY_STAFF) == first
    assert _refresh(client, PROXY_STAFF) == first
    decoded = len(first) - 1  # all but the digests, which go out as made
    assert _decoded.cache_info().hits >= hits + 2 * decoded
