"""What decides the cookies' ``Secure`` flag and who may read ``/metrics`` without
signing in: the settings and a trusted proxy's headers, never the ``Host`` a client
sends nor the loopback address every client has behind a proxy on the same host."""

from __future__ import annotations

import pytest

from access.roles import Role
from tests.web import test_access
from tests.web.test_access import client_as

wall = test_access.wall  # the demo wall on SQLite, made again for this module


@pytest.fixture
def configure(wall, monkeypatch):
    """Set settings for one test: ``configure(CITYWALL_…="…")``."""
    from web import runtime

    def set_(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        runtime.settings.cache_clear()

    yield set_
    monkeypatch.undo()
    runtime.settings.cache_clear()


def _cookie_of(app, peer: str, base_url: str = "http://localhost", **headers) -> str:
    """The session cookie the login page sets for a client at ``peer``."""
    client = app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = peer
    answer = client.get("/login", base_url=base_url, headers=headers)
    (cookie,) = [c for c in answer.headers.getlist("Set-Cookie") if "session" in c]
    return cookie


def _secure(app, peer: str, base_url: str = "http://localhost", **headers) -> bool:
    return "; Secure" in _cookie_of(app, peer, base_url, **headers)


def test_the_secure_flag_never_follows_the_host_a_client_names(wall, configure):
    # the demo: plain HTTP from a browser on this machine
    assert not _secure(wall, "127.0.0.1")
    # a client elsewhere naming this machine as the host: Secure all the same
    assert _secure(wall, "203.0.113.7")
    assert _secure(wall, "203.0.113.7", "http://127.0.0.1:8050")
    # a proxy on this machine, not listed as trusted, serving the world
    forwarded = {"X-Forwarded-For": "203.0.113.7"}
    assert _secure(wall, "127.0.0.1", "http://127.0.0.1:8050", **forwarded)
    # a client's own word that it came over plain HTTP is not believed
    assert _secure(wall, "203.0.113.7", **{"X-Forwarded-Proto": "http"})


def test_a_trusted_proxy_says_whether_the_client_came_over_https(wall, configure):
    configure(CITYWALL_TRUSTED_PROXIES="10.0.0.5")
    https, http = {"X-Forwarded-Proto": "https"}, {"X-Forwarded-Proto": "http"}
    assert _secure(wall, "10.0.0.5", "http://localhost", **https)
    assert not _secure(wall, "10.0.0.5", "http://wall.city.example", **http)
    assert _secure(wall, "10.0.0.5")  # it said nothing: Secure
    configure(CITYWALL_SECURE_COOKIES="false")
    assert not _secure(wall, "10.0.0.5", **https)
    configure(CITYWALL_SECURE_COOKIES="true")
    assert _secure(wall, "127.0.0.1")


def _metrics(app, peer: str, **headers) -> bool:
    """Whether an anonymous client at ``peer`` reads the metrics (else it is
    refused, or sent to sign in)."""
    client = app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = peer
    answer = client.get("/metrics", headers=headers)
    assert answer.status_code in (200, 302, 401), answer.status_code
    return answer.status_code == 200


def test_metrics_are_not_open_to_everyone_behind_a_proxy(wall, configure):
    assert _metrics(wall, "127.0.0.1")  # a scraper on this machine
    assert not _metrics(wall, "10.9.9.9")
    # a proxy on this machine forwarding someone: not the scraper
    assert not _metrics(wall, "127.0.0.1", **{"X-Forwarded-For": "203.0.113.7"})
    assert not _metrics(wall, "127.0.0.1", **{"X-Real-IP": "203.0.113.7"})
    # a client claiming to be this machine
    assert not _metrics(wall, "10.9.9.9", **{"X-Forwarded-For": "127.0.0.1"})


def test_metrics_through_a_trusted_proxy_judge_the_client_it_forwards(wall, configure):
    configure(CITYWALL_TRUSTED_PROXIES="127.0.0.1", CITYWALL_METRICS_FROM="10.1.0.0/24")
    assert _metrics(wall, "127.0.0.1", **{"X-Forwarded-For": "10.1.0.20"})
    assert not _metrics(wall, "127.0.0.1", **{"X-Forwarded-For": "203.0.113.7"})
    # what a client wrote in front of the proxy's own entry is not read
    spoofed = {"X-Forwarded-For": "10.1.0.20, 203.0.113.7"}
    assert not _metrics(wall, "127.0.0.1", **spoofed)
    # the proxy itself is not in the list: no direct scrape from it
    assert not _metrics(wall, "127.0.0.1")


def test_an_admin_reads_metrics_from_anywhere(wall, configure):
    admin = client_as(wall, Role.ADMIN)
    admin.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    assert admin.get("/metrics").status_code == 200
    staff = client_as(wall, Role.STAFF)
    staff.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    assert staff.get("/metrics").status_code == 403
