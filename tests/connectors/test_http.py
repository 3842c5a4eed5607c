"""The HTTP layer every connector shares, against a real local server."""

from __future__ import annotations

import socket
import time

import pytest

from city.network import allowing
from connectors.http import FetchError, HttpClient, HttpSettings, PayloadTooLarge
from connectors.options import SourceOptionsError
from tests.connectors.feedserver import Reply

# the feed server listens on the loopback address, which a profile must allow
LOCAL = allowing(["127.0.0.1"])


def client(**settings) -> tuple[HttpClient, list[float]]:
    naps: list[float] = []
    options = {"timeout_seconds": 0.5, "retries": 2, "backoff_seconds": 0.01}
    return (
        HttpClient(
            HttpSettings.from_options(options | settings),
            sleep=naps.append,
            network=LOCAL,
        ),
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
    http = HttpClient(HttpSettings(retries=0), secrets=("KEY123",), network=LOCAL)
    with pytest.raises(FetchError) as failed:
        http.get(url)
    assert "KEY123" not in str(failed.value) and "/***/json/x" in str(failed.value)


# -- where a feed may send the server ---------------------------------------------


def test_an_internal_address_is_refused_unless_the_profile_allows_it(feed_server):
    url = feed_server.route("/feed", '{"ok": 1}')
    strict = HttpClient(HttpSettings(retries=2, backoff_seconds=0))  # no [network]
    with pytest.raises(FetchError, match="internal address.*allow_hosts"):
        strict.get(url)
    assert feed_server.hits("/feed") == []  # never connected, nor tried again
    assert client()[0].get(url).body == b'{"ok": 1}'  # allowed: 127.0.0.1


def test_every_address_of_a_name_is_checked_and_connected_to(feed_server, monkeypatch):
    url = feed_server.route("/feed", "{}")
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    # a name for the loopback address is refused like the address itself
    with pytest.raises(FetchError, match="localhost resolves to 127.0.0.1"):
        HttpClient(HttpSettings(retries=0)).get(url.replace("127.0.0.1", "localhost"))

    # DNS rebinding: a name that answers a public address when it is checked and
    # the feed server's address next; the server connects to what it checked
    asked: list[str] = []
    real = socket.getaddrinfo

    def rebinding(host, *args, **kwargs):
        if host != "rebind.example":
            return real(host, *args, **kwargs)
        asked.append(host)
        address = "192.88.99.1" if len(asked) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    http = HttpClient(HttpSettings(retries=0, timeout_seconds=0.3))
    with pytest.raises(FetchError):  # the public address does not answer here
        http.get(f"http://rebind.example:{port}/feed")
    assert asked == ["rebind.example"]  # resolved once, for the check and the socket
    assert feed_server.hits("/feed") == []

    # a name with an internal address among its public ones is refused whole
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *a, **k: [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.88.99.1", port)),
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::ffff:127.0.0.1", port, 0, 0)),
        ],
    )  # fmt: skip
    with pytest.raises(FetchError, match="resolves to ::ffff:7f00:1 = 127.0.0.1"):
        http.get(f"http://mixed.example:{port}/feed")


def test_a_redirect_within_the_origin_is_followed_with_the_token(feed_server):
    url = feed_server.route("/old", Reply("", 301, headers={"Location": "/new"}))
    feed_server.route("/new", '{"moved": true}')
    http, _ = client()
    assert http.get(url, headers={"X-App-Token": "tok-1"}).body == b'{"moved": true}'
    assert feed_server.hits("/new")[0].headers["X-App-Token"] == "tok-1"


def test_a_redirect_to_another_origin_is_refused_and_the_token_never_reaches_it(
    feed_server, elsewhere
):
    there = elsewhere.route("/collect", "[]")
    url = feed_server.route("/feed", Reply("", 302, headers={"Location": there}))
    http, naps = client()
    with pytest.raises(FetchError, match="redirects to another origin") as refused:
        http.get(url, headers={"X-App-Token": "tok-s3cret"})
    assert elsewhere.requests == []  # neither the token nor anything else got there
    assert naps == [] and "tok-s3cret" not in str(refused.value)
    # the same host on another port is another origin too
    assert there.startswith("http://127.0.0.1:") and there != url


def test_a_source_may_follow_no_redirect_at_all(feed_server):
    url = feed_server.route("/old", Reply("", 307, headers={"Location": "/new"}))
    feed_server.route("/new", "{}")
    http, _ = client(follow_redirects=False)
    with pytest.raises(FetchError, match="follows no redirect"):
        http.get(url)
    assert feed_server.hits("/new") == []
    with pytest.raises(
        SourceOptionsError, match="follow_redirects` must be true or false"
    ):
        HttpSettings.from_options({"follow_redirects": "no"})


def test_a_server_trickling_its_answer_is_cut_off_at_the_deadline(feed_server):
    """A byte every 50 ms never trips the 0.5 s read time-out; the fetch as a
    whole ends at four times it."""
    url = feed_server.route("/slow", Reply('{"rows": []}' * 20, trickle=0.05))
    http, _ = client(retries=0)
    started = time.monotonic()
    with pytest.raises(FetchError, match="time-out"):
        http.get(url)
    assert time.monotonic() - started < 3.0  # 2 s and a little


def test_an_error_page_is_quoted_short_and_without_what_it_holds(feed_server):
    page = (
        "<html><head><title>401 Unauthorized</title></head><body>"
        "<p>token tok-s3cret-123 is not valid for this dataset</p>"
        + "<p>internal: db01.corp password=hunter2 row data</p>" * 50
        + "</body></html>"
    )
    url = feed_server.route("/feed", Reply(page, 401, "text/html"))
    http = HttpClient(
        HttpSettings(retries=0), secrets=("tok-s3cret-123",), network=LOCAL
    )
    with pytest.raises(FetchError) as failed:
        http.get(url)
    said = str(failed.value)
    assert said.startswith("HTTP 401 from http://127.0.0.1:")
    assert "401 Unauthorized" in said  # enough to tell what went wrong
    assert "tok-s3cret-123" not in said and "hunter2" not in said
    assert "<" not in said and len(said) < 200
