"""The HTTP layer every connector shares, against a real local server."""

from __future__ import annotations

import pytest

from connectors.http import FetchError, HttpClient, HttpSettings, PayloadTooLarge
from tests.connectors.feedserver import Reply


def client(**settings) -> tuple[HttpClient, list[float]]:
    naps: list[float] = []
    options = {"timeout_seconds": 0.5, "retries": 2, "backoff_seconds": 0.01}
    return (
        HttpClient(HttpSettings.from_options(options | settings), sleep=naps.append),
        naps,
    )


def test_a_500_then_success_is_retried_with_backoff(feed_server):
    url = feed_server.route(
        "/feed", Reply("oops", 500), Reply("oops", 503), '{"ok": 1}'
    )
    http, naps = client()
    assert http.get(url).body == b'{"ok": 1}'
    assert len(feed_server.hits("/feed")) == 3
    assert naps == [0.01, 0.02]  # exponential


def test_retry_after_is_honoured(feed_server):
    url = feed_server.route(
        "/feed", Reply("busy", 429, headers={"Retry-After": "3"}), "{}"
    )
    http, naps = client()
    http.get(url)
    assert naps == [3.0]


def test_persistent_failure_says_what_and_where_without_the_query(feed_server):
    url = feed_server.route("/feed", Reply("down", 502))
    http, _ = client()
    with pytest.raises(FetchError) as failed:
        http.get(url, params={"api_key": "s3cret"})
    assert "HTTP 502" in str(failed.value) and "3 attempts" in str(failed.value)
    assert "s3cret" not in str(failed.value)


def test_a_client_error_is_not_retried(feed_server):
    url = feed_server.route("/feed", Reply("no such dataset", 404))
    http, naps = client()
    with pytest.raises(FetchError, match="HTTP 404.*no such dataset"):
        http.get(url)
    assert naps == [] and len(feed_server.hits("/feed")) == 1


def test_a_time_out_then_success(feed_server):
    url = feed_server.route("/feed", Reply("{}", delay=1.5), Reply('{"late": false}'))
    http, naps = client()
    assert http.get(url).body == b'{"late": false}'
    assert len(naps) == 1


def test_a_server_that_never_answers_fails_in_bounded_time(feed_server):
    url = feed_server.route("/feed", Reply("{}", delay=1.0))
    http, _ = client(retries=1, timeout_seconds=0.3)
    with pytest.raises(FetchError, match="time-out"):
        http.get(url)


def test_a_truncated_body_is_retried_and_never_returned(feed_server):
    body = '{"rows": [' + ",".join(['{"a": 1}'] * 200) + "]}"
    url = feed_server.route("/feed", Reply(body, truncate_to=100), Reply(body))
    http, naps = client()
    assert http.get(url).body == body.encode()
    assert len(naps) == 1

    feed_server.route("/feed", Reply(body, truncate_to=100))
    with pytest.raises(FetchError, match="incomplete response"):
        http.get(url)


def test_a_payload_over_the_limit_is_refused(feed_server):
    ten_mb = b"[" + b"0," * (5 * 2**20) + b"0]"
    url = feed_server.route("/big", Reply(ten_mb))
    http, _ = client(max_payload_mb=1)
    with pytest.raises(PayloadTooLarge, match="exceeds 1 MB"):
        http.get(url)
    # without a Content-Length the limit holds while streaming
    chunked = feed_server.route("/chunks", Reply(ten_mb, truncate_to=None))
    assert len(client()[0].get(chunked).body) == len(ten_mb)  # default limit: 32 MB


def test_conditional_requests_get_not_modified(feed_server):
    url = feed_server.route("/feed", Reply('{"v": 1}', etag='"v1"'))
    http, _ = client()
    first = http.get(url)
    assert first.validators.etag == '"v1"' and not first.not_modified
    second = http.get(url, validators=first.validators)
    assert second.not_modified and second.body == b""
    assert feed_server.hits("/feed")[1].headers["If-None-Match"] == '"v1"'

    lm = "Wed, 25 Nov 2026 08:00:00 GMT"
    url = feed_server.route("/lm", Reply("{}", last_modified=lm))
    assert http.get(url, validators=http.get(url).validators).not_modified


def test_secrets_in_the_path_are_hidden(feed_server):
    url = feed_server.route("/KEY123/json/x", Reply("gone", 410))
    http = HttpClient(HttpSettings(retries=0), secrets=("KEY123",))
    with pytest.raises(FetchError) as failed:
        http.get(url)
    assert "KEY123" not in str(failed.value) and "/***/json/x" in str(failed.value)
