"""Every knob in one list: explicit argument > environment variable > default.

Secrets and URLs come from the environment by reference, never from a file in the
repository.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from connectors.base import ACCESS_LEVELS

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Setting:
    env: str
    default: str
    help: str


SETTINGS: dict[str, Setting] = {
    "profile": Setting(
        "CITYWALL_PROFILE", "cities/seoul.toml", "Path of the city profile (TOML)."
    ),
    "data_dir": Setting(
        "CITYWALL_DATA_DIR", "data", "Folder for the embedded SQLite store and caches."
    ),
    "database_url": Setting(
        "CITYWALL_DATABASE_URL",
        "",
        "SQLAlchemy URL; empty means SQLite at <data_dir>/citywall.db.",
    ),
    "cache": Setting(
        "CITYWALL_CACHE", "simple", "KPI cache: simple, filesystem, redis or null."
    ),
    "redis_url": Setting(
        "CITYWALL_REDIS_URL", "", "Redis URL for CITYWALL_CACHE=redis."
    ),
    "url_prefix": Setting(
        "CITYWALL_URL_PREFIX",
        "/",
        "Path the wall is published under, e.g. /intranet/citywall/.",
    ),
    "proxy_strips_prefix": Setting(
        "CITYWALL_PROXY_STRIPS_PREFIX",
        "false",
        "true when the reverse proxy removes the prefix before passing requests on.",
    ),
    "frame_ancestors": Setting(
        "CITYWALL_FRAME_ANCESTORS",
        "",
        "Origins allowed to embed the wall in an iframe, space-separated "
        "(e.g. https://intranet.city.example); the wall's own origin always is.",
    ),
    "camera_access": Setting(
        "CITYWALL_CAMERA_ACCESS",
        "public",
        "Widest camera access level this wall shows: public, staff or restricted.",
    ),
    "secret_key": Setting(
        "CITYWALL_SECRET_KEY", "", "Flask secret key; set it when several workers run."
    ),
}


def _resolve(path: str) -> Path:
    """A relative path means the working folder first, then the project folder."""
    candidate = Path(path).expanduser()
    if candidate.is_absolute() or candidate.exists():
        return candidate.resolve()
    return (PROJECT_ROOT / candidate).resolve()


@dataclass(frozen=True)
class Settings:
    profile_path: Path
    data_dir: Path
    database_url: str
    cache: str
    redis_url: str
    secret_key: str = field(repr=False)
    url_prefix: str = "/"
    proxy_strips_prefix: bool = False
    frame_ancestors: tuple[str, ...] = ()
    camera_access: str = "public"

    @classmethod
    def from_env(cls, **overrides: str) -> "Settings":
        raw = {
            key: overrides.get(key) or os.environ.get(s.env) or s.default
            for key, s in SETTINGS.items()
        }
        data_dir = Path(raw["data_dir"]).expanduser().resolve()
        database_url = raw["database_url"] or f"sqlite:///{data_dir / 'citywall.db'}"
        return cls(
            profile_path=_resolve(raw["profile"]),
            data_dir=data_dir,
            database_url=database_url,
            cache=raw["cache"],
            redis_url=raw["redis_url"],
            secret_key=raw["secret_key"],
            url_prefix=_prefix(raw["url_prefix"]),
            proxy_strips_prefix=raw["proxy_strips_prefix"].lower()
            in ("1", "true", "yes"),
            frame_ancestors=tuple(raw["frame_ancestors"].split()),
            camera_access=_access(raw["camera_access"]),
        )


def _access(level: str) -> str:
    level = level.strip().lower()
    if level not in ACCESS_LEVELS:
        raise ValueError(
            f"CITYWALL_CAMERA_ACCESS must be one of {', '.join(ACCESS_LEVELS)}, "
            f"not {level!r}"
        )
    return level


def _prefix(path: str) -> str:
    """A prefix as Dash wants it: one leading and one trailing slash."""
    inner = path.strip().strip("/")
    return f"/{inner}/" if inner else "/"
