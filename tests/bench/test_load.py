"""The load bench against the real server: its requests are the ones the pages
send, and a short run of a few walls and staff sessions answers every one."""

from __future__ import annotations

import requests

from bench.load import (
    Request,
    answer_error,
    answered_outputs,
    plan,
    post,
    run_load,
    serving,
    signed_in,
)


def test_a_wall_refresh_brings_every_tile_the_overview_shows(redis_url, demo_store):
    database_url, profile = demo_store
    with serving(database_url, str(profile), redis_url, workers=1) as server:
        url = server.url
        wall, *staff = plan(url, str(profile), walls=1, staff=5)
        assert {"tiles.children", "city-map.figure", "event-feed.children"} <= (
            wall.expected
        )
        with signed_in() as session:
            for request in (wall, *staff):
                answer = post(session, url, request.body(1))
                assert answer.status_code == 200
                assert answered_outputs(answer.json()) == request.expected
                if request is wall:
                    tiles = answer.json()["response"]["tiles"]["children"]
                    assert len(tiles) >= 4  # at least one per domain
    kinds = [r.kind for r in staff]
    assert kinds == [
        "staff:district",
        "staff:traffic",
        "staff:safety",
        "staff:disaster",
        "staff:complaints",
    ]
    assert staff[0].path.startswith("/district/")


def test_walls_and_staff_refresh_without_error(redis_url, demo_store):
    database_url, profile = demo_store
    result = run_load(
        database_url,
        str(profile),
        redis_url,
        walls=2,
        staff=3,
        every=1,
        seconds=4,
        workers=2,
    )
    assert result.errors == 0, result.error_samples
    # five clients ticking about once a second for four seconds: each at least
    # twice, even on a busy machine
    assert result.requests >= 5 * 2
    assert 0 < result.p50_ms <= result.p95_ms <= result.max_ms


def _answer(status: int, body: bytes) -> requests.Response:
    response = requests.Response()
    response.status_code, response._content = status, body
    return response


def test_only_a_dash_answer_with_every_output_counts_as_answered():
    request = Request("wall", "/", {}, 0, frozenset({"tiles.children", "a.b"}))
    good = b'{"multi": true, "response": {"tiles": {"children": []}, "a": {"b": 1}}}'
    assert answer_error(_answer(200, good), request) is None
    for status, body in [
        (500, b"Internal Server Error"),
        (204, b""),
        (200, b"<html>login</html>"),
        (200, b'{"multi": true, "response": {"tiles": {"children": []}}}'),
        (200, b"[1, 2]"),
    ]:
        assert answer_error(_answer(status, body), request), (status, body)
