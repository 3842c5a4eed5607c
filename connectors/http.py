"""HTTP for every connector: time-outs, retries with backoff, conditional requests and
a payload size limit, so no source can hang, flood or silently truncate an ingest.

Conditional-request validators (ETag, Last-Modified) travel in the source's cursor:
they only count once the batch they produced is committed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

log = logging.getLogger(__name__)

USER_AGENT = "CityWall/0.1 (city operations wall; +https://github.com/citywall)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_SECONDS = 60.0


class FetchError(RuntimeError):
    """The source could not be read; the message says what happened, never a key."""


class PayloadTooLarge(FetchError):
    pass


@dataclass(frozen=True)
class HttpSettings:
    timeout_seconds: float = 20.0
    retries: int = 3
    backoff_seconds: float = 1.0
    max_bytes: int = 32 * 1024 * 1024
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> HttpSettings:
        """The profile's per-source options: ``timeout_seconds``, ``retries``,
        ``backoff_seconds``, ``max_payload_mb`` and extra ``headers``."""
        default = cls()
        return cls(
            timeout_seconds=float(
                options.get("timeout_seconds", default.timeout_seconds)
            ),
            retries=int(options.get("retries", default.retries)),
            backoff_seconds=float(
                options.get("backoff_seconds", default.backoff_seconds)
            ),
            max_bytes=int(
                float(options.get("max_payload_mb", default.max_bytes / 2**20)) * 2**20
            ),
            headers=dict(options.get("headers", {})),
        )


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
    ) -> None:
        self.settings = settings
        self.secrets = tuple(s for s in secrets if s)  # keys that sit in URL paths
        self.session = requests.Session()
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
            except PayloadTooLarge:
                raise
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
        with self.session.get(
            url, params=params, headers=headers, timeout=timeout, stream=True
        ) as r:
            declared = r.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise PayloadTooLarge(self._too_large(url, limit))
            chunks, size = [], 0
            deadline = time.monotonic() + timeout * 4  # a trickling server ends too
            for chunk in r.iter_content(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLarge(self._too_large(url, limit))
                if time.monotonic() > deadline:
                    raise requests.Timeout("the body took too long to arrive")
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
        snippet = response.body[:200].decode("utf-8", "replace").strip()
        raise FetchError(f"HTTP {response.status} from {self.redacted(url)}: {snippet}")

    def _too_large(self, url: str, limit: int) -> str:
        return (
            f"payload from {self.redacted(url)} exceeds {limit / 2**20:g} MB "
            "(raise max_payload_mb in the source options if this is expected)"
        )

    def redacted(self, url: str) -> str:
        """The URL without its query and secrets, which may hold API keys."""
        parts = urlsplit(url)
        shown = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        for secret in self.secrets:
            shown = shown.replace(secret, "***")
        return shown


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
