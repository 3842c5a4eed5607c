"""What a source's failure may say once it is stored: a run's error, a source's
last error, a quarantine reason.

These texts reach the sources page, the logs and the metrics. They may name what
failed and where, never a key or token (a source's secret options, its headers,
``api_key=`` in a URL, credentials before a host), nor what a server answered
beyond a short excerpt made printable: an internal service's page is not the
wall's to repeat. One place for the rule, used by the HTTP client when it words
an error and by the ingest before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from city.privacy import scrub_text

ERROR_LIMIT = 300  # characters of a stored error
EXCERPT_LIMIT = 80  # characters of a server's answer quoted in an error
MIN_SECRET = 3  # shorter option values are not hidden (they would mask letters)

# option names whose values are credentials, whatever the connector declares
SECRET_NAME = re.compile(
    r"key|token|secret|passw|pwd|auth|credential|signature|cookie", re.IGNORECASE
)
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"<>]+", re.IGNORECASE)
_CREDENTIAL = re.compile(
    r"""(?ix)
    (\b(?:[\w-]*(?:api[_-]?key|apikey|token|secret|password|passwd|pwd|signature)
        |authorization|x-api-key|access[_-]key)
     ["']?\s*[=:]\s*["']?(?:bearer\s+|basic\s+|token\s+)?)
    [^\s&"',;<>]+
    """
)
_TAG = re.compile(r"<[^>]{0,200}>")
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e]+")


def secret_values(
    options: Mapping[str, Any], declared: Iterable[str] = ()
) -> tuple[str, ...]:
    """The values of a source's options that must never be repeated: the options
    its connector declares secret, any whose name says key, token, password…,
    and every extra header's value."""
    names = set(declared)
    found = [
        str(v)
        for k, v in options.items()
        if (k in names or SECRET_NAME.search(k)) and isinstance(v, str | int)
    ]
    headers = options.get("headers")
    if isinstance(headers, Mapping):
        found += [str(v) for v in headers.values()]
    # longest first: a secret that holds another is hidden whole
    return tuple(sorted({s for s in found if len(s) >= MIN_SECRET}, key=len)[::-1])


def redact_url(url: str, secrets: Iterable[str] = ()) -> str:
    """The URL without credentials, query or fragment, and without the secrets
    some APIs keep in the path."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # not a URL after all (a bad port): keep no part of it
        return "<url>"
    host = f"[{host}]" if ":" in host else host
    shown = urlunsplit((parts.scheme, host + port, parts.path, "", ""))
    return hide(shown, secrets)


def hide(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def redacted(text: str, secrets: Iterable[str] = (), limit: int = ERROR_LIMIT) -> str:
    """``text`` with its secrets, credentials and URL queries hidden, on one
    line, at most ``limit`` characters."""
    secrets = tuple(secrets)
    text = hide(text, secrets)
    text = _URL.sub(lambda m: redact_url(m.group(0), secrets), text)
    text = _CREDENTIAL.sub(lambda m: m.group(1) + "***", text)
    text = " ".join(_UNPRINTABLE.sub(" ", text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def stored_error(text: str, secrets: Iterable[str] = ()) -> str:
    """An error as it may be stored and shown to the wall's admins."""
    return redacted(scrub_text(redacted(text, secrets, 4 * ERROR_LIMIT)) or "", ())


def body_excerpt(
    body: bytes, secrets: Iterable[str] = (), limit: int = EXCERPT_LIMIT
) -> str:
    """A few printable words of what a server answered (an error page's title,
    an API's message), without markup, secrets or personal data."""
    text = body[: 8 * limit].decode("utf-8", "replace")
    text = _TAG.sub(" ", text)
    text = scrub_text(text) or ""
    return redacted(text, secrets, limit)
