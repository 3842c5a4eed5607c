"""``citywall account …``, ``citywall screen …`` and ``citywall embed-token``: an
admin's hands on who may see the wall, from the server's shell."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from access import accounts, embed_tokens
from access.accounts import AccountError, enrol_link
from access.embed_tokens import EmbedTokenError
from access.roles import Role

ROLES = [r.label for r in Role if r > Role.PUBLIC]


def add_parsers(sub) -> None:
    account = sub.add_parser("account", help="built-in login accounts")
    acc = account.add_subparsers(dest="account_command", required=True)
    add = acc.add_parser("add", help="add an account (asks for the password)")
    add.add_argument("username")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    pw = acc.add_parser("password", help="set an account's password")
    pw.add_argument("username")
    pw.add_argument("--password-stdin", action="store_true")
    role = acc.add_parser("role", help="change an account's role")
    role.add_argument("username")
    role.add_argument("role", choices=ROLES)
    acc.add_parser("disable", help="disable an account").add_argument("username")
    acc.add_parser("list", help="list the accounts")

    screen = sub.add_parser("screen", help="wall screens' long-lived credentials")
    scr = screen.add_subparsers(dest="screen_command", required=True)
    scr.add_parser(
        "add", help="add a screen; prints its one-time enrolment link"
    ).add_argument("label")
    scr.add_parser("renew", help="a new enrolment link for a screen").add_argument(
        "label"
    )
    scr.add_parser("revoke", help="revoke a screen's credential").add_argument("label")
    scr.add_parser("list", help="list the screens")

    embed = sub.add_parser(
        "embed-token",
        help="a signed, expiring address for an intranet iframe; "
        "`embed-token list`, `embed-token revoke ID`",
    )
    embed.add_argument(
        "target",
        help="tile/<kpi> or a page: complaints, overview …; or list, or revoke",
    )
    embed.add_argument("token_id", nargs="?", type=int, help="with revoke: its id")
    embed.add_argument("--district", help="only this district")
    embed.add_argument(
        "--days", type=float, default=90.0, help="valid for (default 90)"
    )
    embed.add_argument(
        "--base-url",
        default="",
        help="the wall's address, e.g. https://wall.city.example",
    )


def run(args: argparse.Namespace) -> int:
    from ingest.runner import prepare_store
    from web import runtime
    from web.signing import shared_key

    now = datetime.now(UTC)
    prefix = runtime.settings().url_prefix
    try:
        # an address for nothing a token can show is refused before the store is
        # touched: nothing issued, nothing recorded
        target = _embed_target(args) if args.command == "embed-token" else None
        engine = runtime.engine()
        prepare_store(engine, runtime.profile())
        if args.command == "account":
            return _account(engine, args, now)
        if args.command == "screen":
            return _screen(engine, args, now, prefix)
        if target is None:
            return _embed_tokens(engine, args, now)
        token = embed_tokens.issue(
            engine,
            shared_key(runtime.settings(), engine),
            target,
            args.district,
            timedelta(days=args.days),
            now,
        )
    except (AccountError, EmbedTokenError) as exc:
        print(f"citywall {args.command}: {exc}", file=sys.stderr)
        return 2
    district = f"{urlencode({'district': args.district})}&" if args.district else ""
    print(f"{args.base_url.rstrip('/')}{prefix}embed/{target}?{district}token={token}")
    return 0


def _embed_target(args: argparse.Namespace) -> str | None:
    """The target of the token asked for; None for `list` and `revoke`."""
    if args.target in EMBED_COMMANDS or args.token_id is not None:
        return None
    from web import runtime

    profile = runtime.profile()
    return embed_tokens.checked_target(args.target, args.district, profile)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise AccountError("the two passwords differ")
    return first


def _account(engine, args, now: datetime) -> int:
    cmd = args.account_command
    if cmd == "add":
        password = _password(args.password_stdin)
        accounts.add_account(
            engine, args.username, password, Role.parse(args.role), now
        )
        print(f"account {args.username} ({args.role}) added")
    elif cmd == "password":
        accounts.set_password(engine, args.username, _password(args.password_stdin))
        print(f"password of {args.username} set")
    elif cmd == "role":
        accounts.set_role(engine, args.username, Role.parse(args.role))
        print(f"{args.username} is now {args.role}")
    elif cmd == "disable":
        accounts.disable_account(engine, args.username, now)
        print(f"account {args.username} disabled")
    else:
        for a in accounts.list_accounts(engine):
            state = f"disabled {a.disabled_at:%Y-%m-%d}" if a.disabled_at else "active"
            print(f"{a.username}\t{a.role.label}\t{state}")
    return 0


def _screen(engine, args, now: datetime, prefix: str) -> int:
    cmd = args.screen_command
    if cmd in ("add", "renew"):
        make = accounts.add_device if cmd == "add" else accounts.renew_enrolment
        code = make(engine, args.label, now)
        print(
            f"open this once on the screen '{args.label}' within 24 hours:\n"
            f"  {enrol_link(prefix, code)}"
        )
    elif cmd == "revoke":
        accounts.revoke_device(engine, args.label, now)
        print(f"screen {args.label} revoked: it is refused from its next refresh")
    else:
        for d in accounts.list_devices(engine):
            state = (
                f"revoked {d.revoked_at:%Y-%m-%d %H:%M}"
                if d.revoked_at
                else f"last seen {d.last_seen_at:%Y-%m-%d %H:%M}"
                if d.last_seen_at
                else "not enrolled yet"
            )
            print(f"{d.label}\t{d.role.label}\t{state}")
    return 0


EMBED_COMMANDS = ("list", "revoke")


def _embed_tokens(engine, args, now: datetime) -> int:
    """``embed-token list`` and ``embed-token revoke ID``."""
    if args.target == "revoke" and args.token_id is not None:
        embed_tokens.revoke(engine, args.token_id, now)
        print(f"embed token {args.token_id} revoked: refused within 10 seconds")
    elif args.target == "list" and args.token_id is None:
        for tok in embed_tokens.list_tokens(engine):
            state = (
                f"revoked {tok.revoked_at:%Y-%m-%d %H:%M}"
                if tok.revoked_at
                else f"expired {tok.expires_at:%Y-%m-%d}"
                if tok.expires_at <= now
                else f"valid until {tok.expires_at:%Y-%m-%d}"
            )
            place = f"\tdistrict {tok.district}" if tok.district else ""
            print(f"{tok.id}\t{tok.target}{place}\t{state}")
    else:
        raise EmbedTokenError("say `embed-token list` or `embed-token revoke ID`")
    return 0
