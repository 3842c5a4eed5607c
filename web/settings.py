"""Every knob in one list: explicit argument > environment variable > default.

Secrets and URLs come from the environment by reference, never from a file in the
repository.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from city.district_codes import is_wall_code, slug
from city.records import ACCESS_LEVELS
from store.private_files import check_key_file, private_folder
from store.writes import QUARANTINE_KEEP_DAYS, QUARANTINE_KEEP_ROWS, Retention

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CITY = "{city}"  # in CITYWALL_DATA_DIR: the profile's city id
STORE_FILE = "citywall.db"
KEY_FILE = "secret.key"  # the demo's signing key, in its data folder


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
        "CITYWALL_DATA_DIR",
        f"data/{CITY}",
        f"Folder of the city's embedded SQLite store and its other files; {CITY} "
        "stands for the profile's [city] id, so each city has a folder of its own.",
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
        "CITYWALL_SECRET_KEY",
        "",
        "Signs sessions and embed tokens, the same on every instance; empty means "
        "a random key made once and kept in the store (on the demo's embedded "
        "store: in <data_dir>/secret.key).",
    ),
    "public_kpis": Setting(
        "CITYWALL_PUBLIC_KPIS",
        "",
        "KPIs anyone may see without signing in (ids, space-separated); empty "
        "keeps anonymous access off.",
    ),
    "proxy_user_header": Setting(
        "CITYWALL_PROXY_USER_HEADER",
        "",
        "Header in which the intranet's reverse proxy names the signed-in user, "
        "e.g. X-Remote-User; empty: no proxy sign-in.",
    ),
    "proxy_role_header": Setting(
        "CITYWALL_PROXY_ROLE_HEADER",
        "",
        "Header in which the proxy gives the user's role (viewer, staff, admin); "
        "empty: the role of the account of that name, else viewer.",
    ),
    "trusted_proxies": Setting(
        "CITYWALL_TRUSTED_PROXIES",
        "",
        "Addresses or networks of the reverse proxies whose headers are believed "
        "(user, role, X-Forwarded-For, X-Forwarded-Proto), space-separated "
        "(e.g. 10.0.0.5 10.1.0.0/24).",
    ),
    "secure_cookies": Setting(
        "CITYWALL_SECURE_COOKIES",
        "auto",
        "Mark cookies Secure: true, false, or auto (a trusted proxy's "
        "X-Forwarded-Proto decides; else always but over plain HTTP from a browser "
        "on this machine, as in the demo).",
    ),
    "session_hours": Setting("CITYWALL_SESSION_HOURS", "12", "Hours a sign-in lasts."),
    "quarantine_days": Setting(
        "CITYWALL_QUARANTINE_DAYS",
        str(QUARANTINE_KEEP_DAYS),
        "Days a rejected record stays in the quarantine.",
    ),
    "quarantine_rows": Setting(
        "CITYWALL_QUARANTINE_ROWS",
        str(QUARANTINE_KEEP_ROWS),
        "Rejected records kept in the quarantine per source (the newest).",
    ),
    "metrics_from": Setting(
        "CITYWALL_METRICS_FROM",
        "127.0.0.1 ::1",
        "Client addresses allowed to read /metrics without signing in (the "
        "Prometheus scraper; through a trusted proxy, the address it forwards); "
        "admins always may.",
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
    data_dir: Path  # the city's own folder
    database_url: str
    cache: str
    redis_url: str
    secret_key: str = field(repr=False)
    url_prefix: str = "/"
    proxy_strips_prefix: bool = False
    frame_ancestors: tuple[str, ...] = ()
    camera_access: str = "public"
    public_kpis: tuple[str, ...] = ()
    proxy_user_header: str = ""
    proxy_role_header: str = ""
    trusted_proxies: tuple[str, ...] = ()
    secure_cookies: str = "auto"
    session_hours: float = 12.0
    metrics_from: tuple[str, ...] = ("127.0.0.1", "::1")
    quarantine_days: float = QUARANTINE_KEEP_DAYS
    quarantine_rows: int = QUARANTINE_KEEP_ROWS
    # where the data folder was before each city had its own (data/ for
    # data/{city}): None when CITYWALL_DATA_DIR names one folder
    shared_data_dir: Path | None = None

    @classmethod
    def from_env(cls, **overrides: str) -> Settings:
        raw = {
            key: overrides.get(key) or os.environ.get(s.env) or s.default
            for key, s in SETTINGS.items()
        }
        profile_path = _resolve(raw["profile"])
        data_dir = _folder(raw["data_dir"].replace(CITY, city_id(profile_path)))
        database_url = raw["database_url"] or f"sqlite:///{data_dir / STORE_FILE}"
        return cls(
            profile_path=profile_path,
            data_dir=data_dir,
            shared_data_dir=_folder(raw["data_dir"].removesuffix(CITY))
            if raw["data_dir"].endswith(f"/{CITY}")
            else None,
            database_url=database_url,
            cache=raw["cache"],
            redis_url=raw["redis_url"],
            secret_key=raw["secret_key"],
            url_prefix=_prefix(raw["url_prefix"]),
            proxy_strips_prefix=raw["proxy_strips_prefix"].lower()
            in ("1", "true", "yes"),
            frame_ancestors=tuple(raw["frame_ancestors"].split()),
            camera_access=_access(raw["camera_access"]),
            public_kpis=tuple(raw["public_kpis"].split()),
            proxy_user_header=raw["proxy_user_header"].strip(),
            proxy_role_header=raw["proxy_role_header"].strip(),
            trusted_proxies=_networks(
                raw["trusted_proxies"], "CITYWALL_TRUSTED_PROXIES"
            ),
            secure_cookies=_choice(
                raw["secure_cookies"],
                ("true", "false", "auto"),
                "CITYWALL_SECURE_COOKIES",
            ),
            session_hours=float(raw["session_hours"]),
            metrics_from=_networks(raw["metrics_from"], "CITYWALL_METRICS_FROM"),
            quarantine_days=float(raw["quarantine_days"]),
            quarantine_rows=int(raw["quarantine_rows"]),
        )

    @property
    def quarantine_retention(self) -> Retention:
        """What the ingest keeps of each source's quarantine."""
        return Retention(self.quarantine_days, self.quarantine_rows)

    @property
    def embedded_store(self) -> bool:
        """The default SQLite file in the data folder (the demo), not a configured
        database."""
        return self.database_url == f"sqlite:///{self.data_dir / STORE_FILE}"

    def signing_key(self) -> str:
        """The configured secret key, else one made once and kept in the data folder
        (every worker of this machine reads the same file). Instances on a
        configured database share the store's instead: ``web.signing``."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / KEY_FILE
        private_folder(self.data_dir)
        if not path.exists():
            # written aside and renamed: a worker never reads half a key
            part = path.with_suffix(f".{os.getpid()}")
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(48))
            try:
                os.link(part, path)  # the first writer's key wins
            except FileExistsError:
                pass
            part.unlink()
        check_key_file(path)
        return path.read_text().strip()


def city_id(profile_path: Path) -> str:
    """The profile's ``[city] id`` as a folder name, read without loading the
    profile (a broken one is reported where it is loaded): the file's name when
    the id cannot be read or is no safe folder name (``../x``)."""
    try:
        found = tomllib.loads(profile_path.read_text(encoding="utf-8"))["city"]["id"]
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError):
        found = None
    if isinstance(found, str) and is_wall_code(found):
        return found
    return slug(profile_path.stem) or "city"


def _folder(path: str) -> Path:
    return Path(path).expanduser().resolve()


def _networks(raw: str, name: str) -> tuple[str, ...]:
    found = tuple(raw.split())
    for item in found:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ValueError(
                f"{name}: {item!r} is not an address or network like 10.0.0.5 "
                "or 10.1.0.0/24"
            ) from None
    return found


def _choice(raw: str, allowed: tuple[str, ...], name: str) -> str:
    value = raw.strip().lower()
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {raw!r}")
    return value


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
