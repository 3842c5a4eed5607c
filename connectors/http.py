"""HTTP for every connector: time-outs, retries with backoff, conditional requests and
a payload size limit, so no source can hang, flood or silently truncate an ingest.

Conditional-request validators (ETag, Last-Modified) travel in the source's cursor:
they only count once the batch they produced is committed.

What a feed (or a camera) may make the server reach is decided here too, for the
wall's camera pictures as well as for the connectors:

- every connection goes to an address the profile's ``[network]`` policy checked
  (``city.network``): the host is resolved once, each address it resolves to
  is checked, and the socket connects to the checked address, so a name that
  resolves elsewhere a moment later (DNS rebinding) is never asked;
- a redirect is followed only within its origin (scheme, host and port), so a
  feed cannot send the server, with the source's headers and tokens, to another
  host; a source with ``follow_redirects = false`` follows none;
- no proxy, ``.netrc`` or other credentials come from the environment;
- a fetch has a deadline for the whole of it, connecting to the last byte
  (``Deadline``): a server that sends a byte a second is cut off on time.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Self
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from city.network import OPEN_INTERNET, HostRefused, NetworkPolicy
from connectors.errors import body_excerpt, redact_url
from connectors.options import Option, read_options

log = logging.getLogger(__name__)

USER_AGENT = "CityWall/0.1 (city operations wall; +https://github.com/citywall)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_SECONDS = 60.0
MAX_REDIRECTS = 5
DEFAULT_PORTS = {"http": 80, "https": 443}


class FetchError(RuntimeError):
    """The source could not be read; the message says what happened, never a key."""


class PayloadTooLarge(FetchError):
    pass


class RedirectRefused(FetchError):
    """A redirect to another origin, or any redirect where a source follows none."""


# every HTTP connector takes these, declared once and composed into each one's OPTIONS
HTTP_OPTIONS = (
    Option(
        "timeout_seconds",
        float,
        20.0,
        "seconds to connect and for each read; a whole fetch gets four times this",
    ),
    Option(
        "retries",
        int,
        3,
        "tries again after a time-out, a 429 or a 5xx (honouring `Retry-After`)",
    ),
    Option(
        "backoff_seconds",
        float,
        1.0,
        "the first wait before trying again, doubled each time",
    ),
    Option("max_payload_mb", float, 32.0, "the largest answer read, in MB"),
    Option(
        "headers",
        dict,
        None,
        "extra request headers",
        items=str,
        secret=True,
    ),
    Option(
        "follow_redirects",
        bool,
        True,
        "follow redirects within the same origin (never to another); false: none",
    ),
)


@dataclass(frozen=True)
class HttpSettings:
    timeout_seconds: float = 20.0
    retries: int = 3
    backoff_seconds: float = 1.0
    max_bytes: int = 32 * 1024 * 1024
    headers: Mapping[str, str] = field(default_factory=dict)
    follow_redirects: bool = True  # within the same origin only, whatever this says

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> HttpSettings:
        """From a source's options as read against ``HTTP_OPTIONS``."""
        return cls(
            timeout_seconds=settings["timeout_seconds"],
            retries=settings["retries"],
            backoff_seconds=settings["backoff_seconds"],
            max_bytes=int(settings["max_payload_mb"] * 2**20),
            headers=dict(settings["headers"] or {}),
            follow_redirects=settings["follow_redirects"],
        )

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> HttpSettings:
        """From HTTP options alone; a wrong one is a ``SourceOptionsError``."""
        return cls.from_settings(read_options(HTTP_OPTIONS, options, "HTTP"))


@dataclass(frozen=True)
class Validators:
    """What a server said identifies its current version of a resource."""

    etag: str | None = None
    last_modified: str | None = None

    def request_headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers

    def to_json(self) -> dict[str, str]:
        return {k: v for k, v in (("etag", self.etag), ("lm", self.last_modified)) if v}

    @classmethod
    def from_json(cls, data: Mapping[str, str] | None) -> Validators:
        data = data or {}
        return cls(data.get("etag"), data.get("lm"))


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: Mapping[str, str]
    validators: Validators
    not_modified: bool = False


class HttpClient:
    """GET with bounded time, size and retries. One per connector instance."""

    def __init__(
        self,
        settings: HttpSettings,
        secrets: tuple[str, ...] = (),
        sleep: Callable[[float], None] = time.sleep,
        network: NetworkPolicy | None = None,
    ) -> None:
        self.settings = settings
        self.secrets = tuple(s for s in secrets if s)  # keys, tokens, header values
        # without a profile's policy: internal addresses refused, as by default
        self.session = guarded_session(network or OPEN_INTERNET)
        self.session.headers.update({"User-Agent": USER_AGENT, **settings.headers})
        self.sleep = sleep

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        validators: Validators | None = None,
    ) -> Response:
        request_headers = dict(headers or {})
        if validators:
            request_headers.update(validators.request_headers())
        attempts = self.settings.retries + 1
        for attempt in range(1, attempts + 1):
            try:
                response = self._get_once(url, params, request_headers)
            except FetchError:  # too large, a redirect refused: trying again won't do
                raise
            except HostRefused as exc:
                raise FetchError(f"{self.redacted(url)} refused: {exc}") from None
            except requests.RequestException as exc:  # time-out, refused, truncated
                problem = f"{_kind(exc)} from {self.redacted(url)}"
                retry_after = None
            else:
                if response.status not in RETRY_STATUSES:
                    return self._checked(response, url)
                problem = f"HTTP {response.status} from {self.redacted(url)}"
                retry_after = _retry_after(response.headers)
            if attempt == attempts:
                raise FetchError(f"{problem} (after {attempts} attempts)")
            delay = retry_after or self.settings.backoff_seconds * 2 ** (attempt - 1)
            log.info("%s; retrying in %.1f s", problem, delay)
            self.sleep(delay)
        raise AssertionError("unreachable")

    def _get_once(
        self, url: str, params: Mapping[str, Any] | None, headers: dict[str, str]
    ) -> Response:
        limit = self.settings.max_bytes
        timeout = self.settings.timeout_seconds
        with (
            Deadline(timeout * 4) as deadline,  # a trickling server ends too
            on_time(deadline),
            open_url(
                self.session,
                url,
                params=params,
                headers=headers,
                timeout=timeout,
                follow_redirects=self.settings.follow_redirects,
                shown=self.redacted,
            ) as r,
        ):
            declared = r.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise PayloadTooLarge(self._too_large(url, limit))
            chunks, size = [], 0
            for chunk in r.iter_content(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLarge(self._too_large(url, limit))
                chunks.append(chunk)
            received = r.raw.tell()  # bytes on the wire, before any gzip decoding
            if declared and declared.isdigit() and received != int(declared):
                # urllib3 1.x does not check this itself
                raise requests.exceptions.ChunkedEncodingError(
                    f"body ended after {received} of {declared} bytes"
                )
            return Response(
                status=r.status_code,
                body=b"".join(chunks),
                headers=dict(r.headers),
                validators=Validators(
                    r.headers.get("ETag"), r.headers.get("Last-Modified")
                ),
                not_modified=r.status_code == 304,
            )

    def _checked(self, response: Response, url: str) -> Response:
        if response.status == 304 or 200 <= response.status < 300:
            return response
        # a few printable words of the answer: enough to tell a wrong key from a
        # missing dataset, never an internal service's page
        snippet = body_excerpt(response.body, self.secrets)
        raise FetchError(f"HTTP {response.status} from {self.redacted(url)}: {snippet}")

    def _too_large(self, url: str, limit: int) -> str:
        return (
            f"payload from {self.redacted(url)} exceeds {limit / 2**20:g} MB "
            "(raise max_payload_mb in the source options if this is expected)"
        )

    def redacted(self, url: str) -> str:
        """The URL without its query, credentials and secrets (API keys)."""
        return redact_url(url, self.secrets)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After", "")
    try:
        return min(float(value), MAX_RETRY_AFTER_SECONDS)
    except ValueError:
        return None


def _kind(exc: Exception) -> str:
    if isinstance(exc, requests.Timeout):
        return "time-out"
    if isinstance(exc, requests.ConnectionError):
        return "connection failed"
    return f"incomplete response ({type(exc).__name__})"


# -- where the server may connect, and for how long ---------------------------------


class Deadline:
    """The whole of a fetch's time, from connecting to the last byte.

    A socket's time-out limits each read, so a server that sends one byte a second
    never trips it. Within ``with Deadline(s):`` every socket a guarded session
    reads from is noted, and when the time is up a timer shuts them down: the read
    that waits on them returns at once, and ``expired`` says why.
    """

    _current = threading.local()

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._done = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Self:
        self._outer = getattr(Deadline._current, "value", None)
        Deadline._current.value = self
        self._timer.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._timer.cancel()
        Deadline._current.value = self._outer
        with self._lock:
            self._done = True
            self._sockets.clear()

    @classmethod
    def watch(cls, sock: socket.socket | None) -> None:
        """Cut ``sock`` off when the current fetch's deadline passes."""
        current = getattr(cls._current, "value", None)
        if current is None or sock is None:
            return
        with current._lock:
            if not current.expired:
                current._sockets.append(sock)
                return
        _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:  # the plain socket's shutdown, also under TLS: the reader sees the end
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # closed already


@contextmanager
def on_time(deadline: Deadline) -> Iterator[None]:
    """What a fetch cut off by its deadline raised (an incomplete read, a closed
    connection), or a body that merely stopped, said as the time-out it is."""
    try:
        yield
    except requests.RequestException:
        if deadline.expired:
            raise requests.Timeout(
                f"no whole answer within {deadline.seconds:g} s"
            ) from None
        raise
    if deadline.expired:
        raise requests.Timeout(f"no whole answer within {deadline.seconds:g} s")


class _Guarded:
    """urllib3's connections, connecting only to addresses the policy checked."""

    network: NetworkPolicy

    def _new_conn(self) -> socket.socket:
        try:
            found = self.network.resolve(self._dns_host, self.port)
        except OSError as exc:  # the name does not resolve
            raise NewConnectionError(self, f"cannot resolve the host: {exc}") from None
        problem: OSError | None = None
        for family, kind, proto, _, address in found:
            sock = socket.socket(family, kind, proto)
            try:
                for option in self.socket_options or ():
                    sock.setsockopt(*option)
                if isinstance(self.timeout, int | float):  # else the default
                    sock.settimeout(self.timeout)
                if self.source_address:
                    sock.bind(self.source_address)
                sock.connect(address)
            except OSError as exc:
                sock.close()
                problem = exc
                continue
            Deadline.watch(sock)
            return sock
        if isinstance(problem, TimeoutError):
            raise ConnectTimeoutError(self, f"connecting timed out: {problem}")
        raise NewConnectionError(self, f"cannot connect: {problem}")

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        Deadline.watch(self.sock)  # a kept-alive connection, or the TLS socket
        return super().getresponse(*args, **kwargs)


class GuardedAdapter(HTTPAdapter):
    """Requests' adapter whose connections go only where ``network`` allows."""

    def __init__(self, network: NetworkPolicy, **kwargs: Any) -> None:
        self.network = network
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        pools = {}
        for scheme, pool, connection in (
            ("http", HTTPConnectionPool, HTTPConnection),
            ("https", HTTPSConnectionPool, HTTPSConnection),
        ):
            guarded = type(
                f"Guarded{connection.__name__}",
                (_Guarded, connection),
                {"network": self.network},
            )
            pools[scheme] = type(
                f"Guarded{pool.__name__}", (pool,), {"ConnectionCls": guarded}
            )
        self.poolmanager.pool_classes_by_scheme = pools


def guarded_session(network: NetworkPolicy) -> requests.Session:
    """A session for fetching what a profile names: feeds and cameras."""
    session = requests.Session()
    # no proxy (it would reach hosts this policy never sees), no .netrc
    # credentials; a CA bundle the environment names still counts
    session.trust_env = False
    session.verify = (
        os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    )
    adapter = GuardedAdapter(network)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def open_url(
    session: requests.Session,
    url: str,
    *,
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float,
    follow_redirects: bool = True,
    shown: Callable[[str], str] = redact_url,
) -> requests.Response:
    """GET ``url`` as a stream, following redirects within its origin only (none
    at all without ``follow_redirects``): the source's headers and tokens never
    travel to another host. ``shown`` words a URL for an error."""
    response = session.get(
        url,
        params=params,
        headers=headers,
        timeout=timeout,
        stream=True,
        allow_redirects=False,
    )
    for _ in range(MAX_REDIRECTS):
        if not response.is_redirect:
            return response
        here = response.url
        target = urljoin(here, response.headers["Location"])
        response.close()
        if not follow_redirects:
            raise RedirectRefused(
                f"{shown(here)} redirects to {_origin_text(target)}; this source "
                "follows no redirect (follow_redirects = false)"
            )
        if _origin(target) != _origin(here):
            raise RedirectRefused(
                f"{shown(here)} redirects to another origin, {_origin_text(target)}: "
                "refused (point the source's URL at where the data is)"
            )
        response = session.get(
            target, headers=headers, timeout=timeout, stream=True, allow_redirects=False
        )
    if response.is_redirect:
        response.close()
        raise RedirectRefused(f"{shown(url)}: more than {MAX_REDIRECTS} redirects")
    return response


def _origin(url: str) -> tuple[str, str, int | None]:
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        return scheme, parts.hostname or "", parts.port or DEFAULT_PORTS.get(scheme)
    except ValueError:  # a bad port: an origin of its own
        return "?", url, None


def _origin_text(url: str) -> str:
    scheme, host, port = _origin(url)
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}:{port}" if scheme != "?" else "a malformed address"
