"""``citywall db …``: the store's schema, from the server's shell. ``upgrade``
brings it to this code's revision (``serve`` and ``ingest`` do the same before
they write, a web worker never does), ``current`` and ``history`` say where it is
and what there is, ``revision`` writes a new migration for a developer."""

from __future__ import annotations

import argparse
import sys

from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError

from store import errors as store_errors
from store import migrations, versions


def add_parsers(sub) -> None:
    db = sub.add_parser("db", help="the store's schema: upgrade it, show its revision")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser(
        "upgrade", help="bring the store's schema to this code's (before the workers)"
    )
    db_sub.add_parser("current", help="the store's revision, or none")
    db_sub.add_parser("history", help="the migrations, newest first")
    revision = db_sub.add_parser(
        "revision", help="write a new, empty migration in store/migrations/versions"
    )
    revision.add_argument("-m", "--message", required=True, help="what it changes")


def run(args: argparse.Namespace) -> int:
    if args.db_command == "history":
        head = migrations.head()
        for revision, doc in migrations.history():
            print(f"{revision}  {doc}{'  (head)' if revision == head else ''}")
        return 0
    if args.db_command == "revision":
        print(f"wrote {migrations.new_revision(args.message)}")
        return 0
    from web import runtime

    try:
        with runtime.engine().connect() as conn:  # never another city's store
            versions.check_city(conn, runtime.profile().id)
        if args.db_command == "upgrade":
            before, after = migrations.upgrade(runtime.engine())
            if before == after:
                print(f"store schema at {after}: nothing to do")
            else:
                print(f"store schema upgraded from {before or 'none'} to {after}")
            return 0
        status = migrations.status(runtime.engine())
    except (OperationalError, InterfaceError) as exc:  # the store did not open
        url = runtime.settings().database_url
        print(f"citywall db: {store_errors.setup_problem(exc, url)}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(f"citywall db: {store_errors.describe(exc)}", file=sys.stderr)
        return 1
    print(status.current or "none")
    if not status.ok:
        print(status.reason, file=sys.stderr)
    return 0
