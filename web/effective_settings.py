"""The settings a running wall uses, as its admin page shows them: each value,
where it came from (the environment or the default), and no secret — the secret
key never, a URL's password masked wherever it stands."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from components.settings_table import ShownSetting
from web.settings import SETTINGS, Settings

HIDDEN = "••••••"
SECRET = ("secret_key",)  # never shown, not even in part
URLS = ("database_url", "redis_url")  # shown without their passwords
# query arguments of a URL that may carry a credential (psycopg's ?password=)
SECRET_ARGS = ("pass", "pwd", "secret", "token", "key", "auth")
FIELDS = {"profile": "profile_path"}  # a setting's name when its field differs


def shown_settings(
    settings: Settings, environ: Mapping[str, str] | None = None
) -> list[ShownSetting]:
    """Every setting of ``web.settings.SETTINGS`` as ``settings`` holds it."""
    environ = os.environ if environ is None else environ
    return [
        ShownSetting(
            name=name,
            env=s.env,
            value=_shown(name, getattr(settings, FIELDS.get(name, name))),
            # as Settings.from_env reads it: an empty variable is the default
            from_env=bool(environ.get(s.env)),
            help=s.help,
        )
        for name, s in SETTINGS.items()
    ]


def _shown(name: str, value: object) -> str:
    if name in SECRET:
        return HIDDEN if value else ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, tuple):
        text = " ".join(map(str, value))
    elif isinstance(value, float):
        text = f"{value:g}"
    else:
        text = str(value) if isinstance(value, str | Path | int) else repr(value)
    return masked_url(text) if name in URLS else text


def masked_url(url: str) -> str:
    """``url`` with its password (and any credential in its query) replaced; a
    text that does not parse as a URL is hidden whole rather than guessed at."""
    if not url:
        return url
    try:
        parts = urlsplit(url)
        password = parts.password
        _ = parts.port  # raises on a malformed netloc
    except ValueError:
        return HIDDEN
    masked = url
    if password is not None:  # user:password@host → user:••••••@host
        user, _, host = parts.netloc.rpartition("@")
        hidden = f"{user.partition(':')[0]}:{HIDDEN}@{host}"
        masked = masked.replace(parts.netloc, hidden, 1)
    if parts.query:
        query = "&".join(_masked_arg(arg) for arg in parts.query.split("&"))
        masked = masked.replace(f"?{parts.query}", f"?{query}", 1)
    return masked


def _masked_arg(arg: str) -> str:
    key, equals, _value = arg.partition("=")
    secret = equals and any(word in key.lower() for word in SECRET_ARGS)
    return f"{key}={HIDDEN}" if secret else arg
