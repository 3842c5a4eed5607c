"""The built-in login's accounts, wall-screen credentials and sign-in throttling,
kept in the store so that every worker sees the same.

Passwords are kept as werkzeug's salted scrypt hashes; wall-screen secrets (random,
256 bits) as SHA-256 digests, which is enough for a secret nobody can guess.

Sign-ins are throttled per account *and* client address together: a few failures
are free, then each attempt from there must wait twice as long as the last, up to
a cap. Nobody can lock an account for others, nor an address (a city hall's NAT,
a proxy) for everyone behind it. Each account has a session version, carried in
the signed session: signing out, a new password, a new role or disabling the
account raise it, and every session that holds an older one is void.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, insert, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from access.roles import Role
from store.schema import accounts, sign_in_failures, wall_devices

USERNAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
MIN_PASSWORD = 12
ENROLMENT_VALID = timedelta(days=1)

# Throttling, per (account, client address): this many failures are free; then
# the next attempt waits FIRST_DELAY, each later one twice the one before, at most
# MAX_DELAY. A quiet day from there forgets the failures.
FREE_FAILURES = 3
FIRST_DELAY = timedelta(seconds=5)
MAX_DELAY = timedelta(minutes=15)
FORGET_AFTER = timedelta(days=1)

# Checked when the account does not exist, so that both cases take the same time.
_NO_ACCOUNT_HASH = generate_password_hash(secrets.token_hex(16))


class AccountError(ValueError):
    """A request about accounts or devices that cannot be done; says why."""


class SignInLocked(Exception):
    """Too many failures of this account from this address: wait ``seconds``."""

    def __init__(self, until: datetime, now: datetime) -> None:
        self.until = until
        self.seconds = max(1, int((until - now).total_seconds() + 0.999))
        wait = (
            f"{self.seconds} seconds"
            if self.seconds < 120
            else f"{(self.seconds + 59) // 60} minutes"
        )
        super().__init__(f"too many failed sign-ins: try again in {wait}")


@dataclass(frozen=True)
class Account:
    username: str
    role: Role
    created_at: datetime
    disabled_at: datetime | None


@dataclass(frozen=True)
class Device:
    id: int
    label: str
    role: Role
    created_at: datetime
    enrolled_at: datetime | None
    last_seen_at: datetime | None
    revoked_at: datetime | None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# -- accounts ----------------------------------------------------------------------


def add_account(
    engine: Engine, username: str, password: str, role: Role, now: datetime
) -> None:
    if not USERNAME.match(username):
        raise AccountError(
            "a username is 1–64 letters, digits or . _ @ - (no spaces), "
            f"not {username!r}"
        )
    _check_password_strength(password)
    with engine.begin() as conn:
        if conn.execute(
            select(accounts.c.id).where(accounts.c.username == username)
        ).first():
            raise AccountError(f"an account named {username!r} exists already")
        conn.execute(
            insert(accounts).values(
                username=username,
                password_hash=generate_password_hash(password),
                role=role.label,
                created_at=now,
            )
        )


def set_password(engine: Engine, username: str, password: str) -> None:
    """A new password; every session of the account is signed out."""
    _check_password_strength(password)
    _update_account(engine, username, password_hash=generate_password_hash(password))


def set_role(engine: Engine, username: str, role: Role) -> None:
    """A new role; every session of the account is signed out."""
    _update_account(engine, username, role=role.label)


def disable_account(engine: Engine, username: str, now: datetime) -> None:
    _update_account(engine, username, disabled_at=now)


def sign_out_everywhere(engine: Engine, username: str) -> None:
    """Every session of the account void (the copied cookie of one too)."""
    _update_account(engine, username)


def _update_account(engine: Engine, username: str, **values) -> None:
    """Change an account; any change signs out its sessions."""
    with engine.begin() as conn:
        done = conn.execute(
            update(accounts)
            .where(accounts.c.username == username)
            .values(session_version=accounts.c.session_version + 1, **values)
        ).rowcount
    if not done:
        raise AccountError(f"no account named {username!r}")


def list_accounts(engine: Engine) -> list[Account]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                accounts.c.username,
                accounts.c.role,
                accounts.c.created_at,
                accounts.c.disabled_at,
            ).order_by(accounts.c.username)
        ).all()
    return [Account(r[0], Role.parse(r[1]), r[2], r[3]) for r in rows]


def account_role(engine: Engine, username: str) -> Role | None:
    """The role of an enabled account (a proxy-signed user without a role header)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(accounts.c.role).where(
                accounts.c.username == username, accounts.c.disabled_at.is_(None)
            )
        ).first()
    return Role.parse(row[0]) if row else None


def session_of(engine: Engine, username: str) -> tuple[Role, int] | None:
    """An enabled account's role and session version (what a session must hold)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(accounts.c.role, accounts.c.session_version).where(
                accounts.c.username == username, accounts.c.disabled_at.is_(None)
            )
        ).first()
    return (Role.parse(row[0]), row[1]) if row else None


def has_accounts(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(conn.execute(select(func.count()).select_from(accounts)).scalar())


def _check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")


# -- signing in, throttled ---------------------------------------------------------


@dataclass(frozen=True)
class SignedIn:
    role: Role
    session_version: int


def sign_in(
    engine: Engine,
    username: str,
    password: str,
    client: str,
    now: datetime,
    salt: str,
) -> SignedIn | None:
    """The account's role and session version if the password is right; None if
    not. Raises SignInLocked while this account has failed too often from this
    client address (the person's own, behind a trusted proxy: see
    ``web.transport``)."""
    key = _throttle_key(salt, username.lower(), client)
    with engine.begin() as conn:
        wait = conn.execute(
            select(sign_in_failures.c.locked_until).where(
                sign_in_failures.c.key_hash == key
            )
        ).scalar()
        if wait is not None and wait > now:
            raise SignInLocked(wait, now)
        row = conn.execute(
            select(
                accounts.c.password_hash, accounts.c.role, accounts.c.session_version
            ).where(accounts.c.username == username, accounts.c.disabled_at.is_(None))
        ).first()
        stored = row[0] if row else _NO_ACCOUNT_HASH
        if check_password_hash(stored, password) and row is not None:
            conn.execute(
                delete(sign_in_failures).where(sign_in_failures.c.key_hash == key)
            )
            return SignedIn(Role.parse(row[1]), row[2])
        _count_failure(conn, key, now)
    return None


def delay_after(failures: int) -> timedelta | None:
    """How long the next attempt waits after this many failures in a row."""
    if failures <= FREE_FAILURES:
        return None
    doublings = min(failures - FREE_FAILURES - 1, 32)
    return min(FIRST_DELAY * 2**doublings, MAX_DELAY)


def _throttle_key(salt: str, username: str, client: str) -> str:
    # salted: the table never holds a client's address or a guessable name
    return hmac.new(
        salt.encode(), f"pair:{username}\n{client}".encode(), "sha256"
    ).hexdigest()


def _count_failure(conn, key: str, now: datetime) -> None:
    table = sign_in_failures
    # the failures of a quiet day are forgotten (and the table stays small)
    conn.execute(
        delete(table).where(
            func.coalesce(table.c.locked_until, table.c.first_at) < now - FORGET_AFTER
        )
    )
    failures = conn.execute(
        select(table.c.failures).where(table.c.key_hash == key)
    ).scalar()
    if failures is None:
        conn.execute(insert(table).values(key_hash=key, failures=1, first_at=now))
        return
    failures += 1
    wait = delay_after(failures)
    conn.execute(
        update(table)
        .where(table.c.key_hash == key)
        .values(failures=failures, locked_until=now + wait if wait else None)
    )


# -- wall screens ------------------------------------------------------------------


ENROL_ROUTE = "_citywall/enrol/"


def enrol_link(prefix: str, code: str) -> str:
    """The address a new wall screen opens once (the CLI prints it, the admin
    page shows it); the web floor serves it."""
    return f"{prefix}{ENROL_ROUTE}{code}"


def add_device(
    engine: Engine, label: str, now: datetime, role: Role = Role.VIEWER
) -> str:
    """A new wall screen; returns its one-time enrolment code (valid for a day)."""
    label = label.strip()
    if not label or len(label) > 100:
        raise AccountError("a screen's label is 1–100 characters, e.g. 'lobby-wall'")
    if role > Role.VIEWER:
        raise AccountError("a wall screen sees the wall: its role is at most viewer")
    code = secrets.token_urlsafe(24)
    with engine.begin() as conn:
        if conn.execute(
            select(wall_devices.c.id).where(wall_devices.c.label == label)
        ).first():
            raise AccountError(f"a screen labelled {label!r} exists already")
        conn.execute(
            insert(wall_devices).values(
                label=label,
                role=role.label,
                enrol_hash=digest(code),
                enrol_until=now + ENROLMENT_VALID,
                created_at=now,
            )
        )
    return code


def renew_enrolment(engine: Engine, label: str, now: datetime) -> str:
    """A new enrolment code for a screen (replaced hardware, a cleared browser); the
    screen's current secret stops working."""
    code = secrets.token_urlsafe(24)
    with engine.begin() as conn:
        done = conn.execute(
            update(wall_devices)
            .where(wall_devices.c.label == label)
            .values(
                enrol_hash=digest(code),
                enrol_until=now + ENROLMENT_VALID,
                secret_hash=None,
                revoked_at=None,
            )
        ).rowcount
    if not done:
        raise AccountError(f"no screen labelled {label!r}")
    return code


def enrol(engine: Engine, code: str, now: datetime) -> str | None:
    """Trade a one-time enrolment code for the screen's long-lived secret."""
    secret = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        done = conn.execute(
            update(wall_devices)
            .where(
                wall_devices.c.enrol_hash == digest(code),
                wall_devices.c.enrol_until > now,
                wall_devices.c.revoked_at.is_(None),
            )
            .values(
                enrol_hash=None,
                enrol_until=None,
                secret_hash=digest(secret),
                enrolled_at=now,
                last_seen_at=now,
            )
        ).rowcount
    return secret if done else None


def device_for(engine: Engine, secret: str) -> tuple[str, Role] | None:
    """The label and role of the screen holding this secret, unless revoked."""
    with engine.connect() as conn:
        row = conn.execute(
            select(wall_devices.c.label, wall_devices.c.role).where(
                wall_devices.c.secret_hash == digest(secret),
                wall_devices.c.revoked_at.is_(None),
            )
        ).first()
    return (row[0], Role.parse(row[1])) if row else None


def seen(engine: Engine, label: str, now: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(wall_devices)
            .where(wall_devices.c.label == label)
            .values(last_seen_at=now)
        )


def revoke_device(engine: Engine, label: str, now: datetime) -> None:
    with engine.begin() as conn:
        done = conn.execute(
            update(wall_devices)
            .where(wall_devices.c.label == label)
            .values(revoked_at=now, enrol_hash=None, enrol_until=None)
        ).rowcount
    if not done:
        raise AccountError(f"no screen labelled {label!r}")


def list_devices(engine: Engine) -> list[Device]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                wall_devices.c.id,
                wall_devices.c.label,
                wall_devices.c.role,
                wall_devices.c.created_at,
                wall_devices.c.enrolled_at,
                wall_devices.c.last_seen_at,
                wall_devices.c.revoked_at,
            ).order_by(wall_devices.c.label)
        ).all()
    return [Device(r[0], r[1], Role.parse(r[2]), *r[3:]) for r in rows]
