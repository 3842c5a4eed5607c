"""How a request reached the wall: the client's own address and whether it came
over HTTPS, decided from the configuration and from what a trusted proxy says,
never from what the client says of itself.

- A request from an address in ``CITYWALL_TRUSTED_PROXIES`` is the proxy's: its
  ``X-Forwarded-For`` names the client (the nearest address that is not one of the
  trusted proxies) and its ``X-Forwarded-Proto`` the scheme. The proxy must set
  both, replacing what clients send.
- Any other request is judged by its own connection: the peer's address, and TLS
  if the server itself terminates it. ``Host`` is never looked at.

Used for the sign-in throttle (whose address failed), the ``Secure`` flag of the
cookies, and the addresses that may read ``/metrics`` without signing in.
"""

from __future__ import annotations

import ipaddress

from flask import request

from access.identity import trusted
from web.settings import Settings

# Headers a proxy adds; a client gains nothing by sending them (see below).
FORWARDING_HEADERS = ("X-Forwarded-For", "X-Forwarded-Proto", "Forwarded", "X-Real-IP")


def via_trusted_proxy(settings: Settings) -> bool:
    return trusted(request.remote_addr, settings.trusted_proxies)


def client_address(settings: Settings) -> str:
    """The client's address: the peer's, or, from a trusted proxy, the one it
    forwards (client-written entries to the left of it are never read)."""
    peer = request.remote_addr or ""
    if not via_trusted_proxy(settings):
        return peer
    hops = [
        hop.strip()
        for line in request.headers.getlist("X-Forwarded-For")
        for hop in line.split(",")
        if hop.strip()
    ]
    for hop in reversed(hops):
        if not trusted(hop, settings.trusted_proxies):
            return _normal(hop)
    return _normal(hops[0]) if hops else peer


def _normal(address: str) -> str:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return address[:64]  # not an address: still one client's key, never trusted


def _forwarded() -> bool:
    return any(h in request.headers for h in FORWARDING_HEADERS)


def _proxied_by_stranger(settings: Settings) -> bool:
    """A request with a proxy's headers from a peer that is not a trusted proxy:
    the peer's address (often loopback, for a proxy on the same machine) says
    nothing of the client behind it."""
    return _forwarded() and not via_trusted_proxy(settings)


def over_https(settings: Settings) -> bool | None:
    """Whether the client's connection is HTTPS: a trusted proxy's word, else the
    server's own TLS; None when plain HTTP to this server says nothing of the
    client's (``cookie_secure`` decides then)."""
    if via_trusted_proxy(settings):
        said = request.headers.get("X-Forwarded-Proto", "").split(",")[0]
        if said.strip():
            return said.strip().lower() == "https"
    if request.environ.get("wsgi.url_scheme") == "https":
        return True
    return None


def cookie_secure(settings: Settings) -> bool:
    """``CITYWALL_SECURE_COOKIES``; in ``auto``, what a trusted proxy says of the
    scheme, else Secure unless the request is the demo's: plain HTTP from a
    browser on this machine (a loopback peer and no proxy's headers). A client
    can only make its own cookie Secure by what it sends, never the reverse."""
    if settings.secure_cookies != "auto":
        return settings.secure_cookies == "true"
    https = over_https(settings)
    if https is not None:
        return https
    return not (_loopback(request.remote_addr) and not _forwarded())


def _loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False


def metrics_allowed(settings: Settings) -> bool:
    """Whether the client may read ``/metrics`` without signing in: its own
    address (through a trusted proxy, the forwarded one) is in
    ``CITYWALL_METRICS_FROM``, and it did not come through a proxy the wall does
    not trust (behind which every client has the proxy's address)."""
    if _proxied_by_stranger(settings):
        return False
    return trusted(client_address(settings), settings.metrics_from)
