"""The `citywall` command: serve the wall, ingest the sources."""

from __future__ import annotations

import argparse
import atexit
import logging
import signal
import subprocess
import sys
import threading

from citywall import runtime
from citywall.profile import ProfileError
from connectors import UnknownConnector
from connectors.feed import SourceOptionsError
from ingest.runner import UnknownSource

# What a user fixes in the profile: told plainly, without a traceback.
ConfigurationError = (ProfileError, SourceOptionsError, UnknownConnector, UnknownSource)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="citywall", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the wall (gunicorn) with live ingest")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8050)
    serve.add_argument("--workers", type=int, default=2)
    serve.add_argument(
        "--no-ingest",
        action="store_true",
        help="serve only; run `citywall ingest --loop` as its own process",
    )

    ingest = sub.add_parser("ingest", help="pull the profile's sources into the store")
    mode = ingest.add_mutually_exclusive_group()
    mode.add_argument(
        "--once", action="store_true", help="pull each source until caught up (default)"
    )
    mode.add_argument(
        "--loop", action="store_true", help="keep pulling, each source on its interval"
    )
    ingest.add_argument(
        "--source", action="append", help="only this source (repeatable)"
    )

    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        if args.command == "ingest":
            return ingest_command(args.source, loop=args.loop)
        return serve_command(args)
    except ConfigurationError as exc:
        print(f"citywall: {exc}", file=sys.stderr)
        return 2


def ingest_command(sources: list[str] | None, loop: bool = False) -> int:
    from ingest.runner import (
        prepare_store,
        run_forever,
        run_until_caught_up,
        runners_for,
    )

    engine, profile = runtime.engine(), runtime.profile()
    prepare_store(engine, profile)
    runners = runners_for(engine, profile, sources)
    if loop:
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            run_forever(runners, stop)
        except KeyboardInterrupt:
            stop.set()
        return 0
    failed = False
    for runner in runners:
        summary = run_until_caught_up(
            runner, on_batch=lambda s: print(f"  … {s.line()}", file=sys.stderr)
        )
        print(summary.line())
        failed |= summary.error is not None
    return 1 if failed else 0


def serve_command(args: argparse.Namespace) -> int:
    from gunicorn.app.base import BaseApplication

    if not args.no_ingest:
        # One pull per source fills the wall (the newest day comes first); the
        # child process then backfills the history and keeps the feeds live, so the
        # web workers stay stateless.
        from ingest.runner import prepare_store, runners_for

        engine, profile = runtime.engine(), runtime.profile()
        prepare_store(engine, profile)
        for runner in runners_for(engine, profile):
            print(runner.run().line(), flush=True)
        feeder = subprocess.Popen(
            [sys.executable, "-m", "citywall.cli", "ingest", "--loop"]
        )
        atexit.register(feeder.terminate)

    class Wall(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{args.host}:{args.port}")
            self.cfg.set("workers", args.workers)
            self.cfg.set("timeout", 60)

        def load(self):
            from app import server

            return server

    print(f"CityWall is on http://{args.host}:{args.port}", flush=True)
    Wall().run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
