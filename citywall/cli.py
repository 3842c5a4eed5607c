"""The `citywall` command: serve the wall, ingest the sources."""

from __future__ import annotations

import argparse
import atexit
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.exc import InterfaceError, OperationalError

from city import i18n
from city.profile import ProfileError
from citywall import access_commands as access_commands
from citywall import connector_commands, db_commands, profile_commands
from connectors import UnknownConnector
from connectors.feed import SourceOptionsError
from ingest.leases import (
    Lease,
    LeaseLost,
    holding,
    new_holder,
    process_holder,
    source_lease,
)
from ingest.runner import STOP_GRACE_SECONDS, UnknownSource
from ingest.supervisor import STOP_SECONDS, forget_state
from kpis.service import KpiService
from store import errors as store_errors
from store.private_files import UnsafeFile
from web import runtime
from web.logs import configure_logging

# What a user fixes in the profile: told plainly, without a traceback.
ConfigurationError = (
    ProfileError,
    SourceOptionsError,
    UnknownConnector,
    UnknownSource,
    UnsafeFile,
)


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
    mode.add_argument(
        "--backfill",
        action="store_true",
        help="like --once, with a progress bar per source (for long histories)",
    )
    ingest.add_argument(
        "--source", action="append", help="only this source (repeatable)"
    )
    ingest.add_argument(
        "--force",
        action="store_true",
        help="--once/--backfill: pull a source even while another process "
        "(an `ingest --loop`, a `serve`) holds it",
    )

    connector_commands.add_parsers(sub)
    sub.add_parser(
        "bench",
        help="run the benchmark (see bench/run.py; --help after it for its options)",
        add_help=False,
    )
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["bench"]:  # its own options, passed through whole
        from bench.run import main as bench_main

        return bench_main(argv[1:])

    city = sub.add_parser("city", help="set up a new city: init a profile, check one")
    city_sub = city.add_subparsers(dest="city_command", required=True)
    init = city_sub.add_parser(
        "init",
        help="write a profile from a district boundary file",
        description="Write cities/<id>.toml and cities/<id>/districts.geojson from "
        "a GeoJSON or TopoJSON of the districts, e.g. one city out of a national "
        "file: citywall city init N03.geojson --id tokyo --name Tokyo --timezone "
        "Asia/Tokyo --language ja --where 'N03_007=131*' --code-property N03_007 "
        "--name-property N03_004",
        formatter_class=_DefaultsShown,
    )
    init.add_argument(
        "boundaries", type=Path, help="GeoJSON or TopoJSON of the districts"
    )
    init.add_argument(
        "--id",
        required=True,
        help="short id: lowercase letters, digits, - and _ (e.g. guayaquil)",
    )
    init.add_argument("--name", required=True, help="the city's name")
    init.add_argument(
        "--timezone", required=True, help="IANA zone, e.g. America/Guayaquil"
    )
    init.add_argument(
        "--language",
        default="en",
        help="display language: a catalog in city/locales/ "
        f"({', '.join(i18n.shipped_languages())}) or in locales/ beside the profile "
        "(default: %(default)s)",
    )
    init.add_argument("--code-property", default="code", help="property with the code")
    init.add_argument("--name-property", default="name", help="property with the name")
    init.add_argument(
        "--population-property",
        help="property with the population (default: none, populations 0)",
    )
    init.add_argument(
        "--crs",
        help="the file's CRS if not WGS84, e.g. EPSG:32717 (default: the file's "
        "`crs` member, else WGS84 lon/lat)",
    )
    init.add_argument(
        "--where",
        action="append",
        metavar="KEY=GLOB",
        help="keep only features whose property KEY matches GLOB, e.g. "
        "N03_007=131* (repeatable; all must match) (default: keep all)",
    )
    init.add_argument(
        "--population-file",
        type=Path,
        help="CSV with a population per district code (default: none)",
    )
    init.add_argument(
        "--population-code-column",
        default="code",
        help="--population-file's column with the district code",
    )
    init.add_argument(
        "--population-column",
        default="population",
        help="--population-file's column with the population",
    )
    init.add_argument(
        "--fix-encoding",
        action="store_true",
        help="repair names saved as UTF-8 read as Latin-1 (UsaquÃ©n → Usaquén)",
    )
    init.add_argument(
        "--simplify", type=float, default=20.0, help="simplify edges by metres (0: off)"
    )
    init.add_argument(
        "--out", type=Path, default=Path("cities"), help="profiles folder"
    )
    areas = city_sub.add_parser(
        "hotspot-areas",
        help="write the hotspots' areas beside a profile from a GIS file",
        description="Write <id>/hotspot_areas.geojson beside the profile from a "
        "GeoJSON or TopoJSON of the hotspots' outlines, e.g. Seoul's: citywall "
        "city hotspot-areas areas.geojson --profile cities/seoul.toml "
        "--code-property AREA_CD --crs EPSG:5186",
        formatter_class=_DefaultsShown,
    )
    areas.add_argument("areas", type=Path, help="GeoJSON or TopoJSON of the areas")
    areas.add_argument("--profile", type=Path, required=True, help="the profile")
    areas.add_argument(
        "--code-property", default="code", help="property with the hotspot's code"
    )
    areas.add_argument(
        "--crs",
        help="the file's CRS if not WGS84, e.g. EPSG:5186 (default: the file's "
        "`crs` member, else WGS84 lon/lat)",
    )
    areas.add_argument(
        "--where",
        action="append",
        metavar="KEY=GLOB",
        help="keep only features whose property KEY matches GLOB (repeatable)",
    )
    check = city_sub.add_parser("check", help="list everything wrong with a profile")
    check.add_argument("profile", type=Path)
    profile_commands.add_parser(city_sub)

    stage = sub.add_parser(
        "stage", help="the disaster stage: show it, set it by hand, hand it back"
    )
    stage_sub = stage.add_subparsers(dest="stage_command", required=True)
    stage_sub.add_parser("show", help="the stage now, why, and its recent changes")
    stage_set = stage_sub.add_parser(
        "set", help="set the stage by hand (it wins over the rules until `auto`)"
    )
    stage_set.add_argument("level", type=int)
    stage_set.add_argument("--reason", required=True, help="shown on the wall")
    stage_set.add_argument(
        "--hours", type=float, help="hand it back to the rules after this long"
    )
    stage_sub.add_parser("auto", help="hand the stage back to the rules")

    access_commands.add_parsers(sub)
    db_commands.add_parsers(sub)

    args = parser.parse_args(argv)
    # the long-running processes: text on a terminal, JSON lines for a collector
    # (see web.logs); the one-off commands talk to a person
    configure_logging(
        logging.INFO, None if args.command in ("serve", "ingest") else "text"
    )
    try:
        if args.command == "connectors":
            return connector_commands.run(args)
        if args.command == "ingest":
            return ingest_command(
                args.source, loop=args.loop, backfill=args.backfill, force=args.force
            )
        if args.command == "city":
            return city_command(args)
        if args.command == "stage":
            return stage_command(args)
        if args.command in ("account", "screen", "embed-token"):
            return access_commands.run(args)
        if args.command == "db":
            return db_commands.run(args)
        return serve_command(args)
    except ConfigurationError as exc:
        print(f"citywall: {exc}", file=sys.stderr)
        return 2
    except store_errors.StoreSetupError as exc:
        print(f"citywall: {exc}", file=sys.stderr)
        return 2
    except (OperationalError, InterfaceError) as exc:  # the store did not open
        url = runtime.settings().database_url
        print(f"citywall: {store_errors.setup_problem(exc, url)}", file=sys.stderr)
        return 2


def ingest_command(
    sources: list[str] | None,
    loop: bool = False,
    backfill: bool = False,
    force: bool = False,
) -> int:
    from ingest.runner import prepare_store, run_forever, runners_for

    engine, profile = runtime.engine(), runtime.profile()
    prepare_store(engine, profile)
    keep = runtime.settings().quarantine_retention
    runners = runners_for(engine, profile, sources, retention=keep)
    if not loop:
        return _pull_once(runners, backfill, force)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    holder = process_holder()
    stage = Lease(
        engine, STAGE_LEASE, holder, STAGE_LEASE_SECONDS, "the stage watch", "kept"
    )
    watcher = threading.Thread(
        target=watch_stage,
        args=(stop,),
        kwargs={"lease": stage},
        name="stage",
        daemon=True,
    )
    watcher.start()
    try:
        run_forever(runners, stop, holder=holder)
    except KeyboardInterrupt:
        stop.set()
    watcher.join(timeout=STOP_GRACE_SECONDS)  # it lets go of the stage's lease
    return 0


def _pull_once(runners: list, backfill: bool, force: bool) -> int:
    """Each source until it is caught up, one line each; a source another process
    holds (an ``ingest --loop`` keeping it current) is left to it, unless
    ``force``. Non-zero when a source failed or was left."""
    from ingest.runner import run_until_caught_up

    holder, failed = new_holder(), False
    for runner in runners:
        lease = None
        if not force:
            lease = source_lease(runner.engine, runner.source, holder, say=False)
        if lease is not None and not lease.ask():
            print(
                f"citywall ingest: {lease.elsewhere()} (a running `ingest --loop` "
                "or `serve`); --force pulls it here too",
                file=sys.stderr,
            )
            failed = True
            continue
        try:
            if backfill:
                summary = _with_progress_bar(runner, run_until_caught_up, lease)
            else:
                summary = run_until_caught_up(
                    runner,
                    on_batch=lambda s: print(f"  … {s.line()}", file=sys.stderr),
                    lease=lease,
                )
        except LeaseLost as exc:
            print(f"citywall ingest: {exc}; stopped here", file=sys.stderr)
            failed = True
            continue
        finally:
            if lease is not None:
                lease.release()
        print(summary.line())
        failed |= summary.error is not None
    return 1 if failed else 0


STAGE_CHECK_SECONDS = 30  # the stage is logged at least this often (expiries)
STAGE_POLL_SECONDS = 2  # and within this of a new batch, from any writer
STAGE_LEASE = "stage"
# one process watches the stage; another takes over within this and a poll of
# its death (it renews every other poll or so)
STAGE_LEASE_SECONDS = 10


def watch_stage(
    stop: threading.Event,
    every: float = STAGE_CHECK_SECONDS,
    poll: float = STAGE_POLL_SECONDS,
    kpis: Callable[[], KpiService] | None = None,
    lease: Lease | None = None,
) -> None:
    """Log every change of the disaster stage when it happens, with or without a
    wall open (walls only read it): within ``poll`` seconds of a batch that moves
    it (the data version is one small query), and every ``every`` seconds for the
    changes time alone makes (an alert that expires). ``kpis``: the KPI layer of
    the store it watches (the process's own by default). With a ``lease``, only
    while this process holds it (one watcher across processes: the others stand
    by), let go when it stops."""
    kpis = kpis or runtime.kpi_service
    try:
        _watch_stage(stop, every, poll, kpis, lease)
    finally:
        if lease is not None:
            lease.release()


def _watch_stage(
    stop: threading.Event,
    every: float,
    poll: float,
    kpis: Callable[[], KpiService],
    lease: Lease | None,
) -> None:
    log = logging.getLogger("citywall.stage")
    seen, checked, down = None, float("-inf"), False
    while not stop.is_set():
        if lease is not None and not lease.hold():
            seen = None  # taken over later: log at once what the stage is
            stop.wait(poll)
            continue
        try:
            service = kpis()
            version = service.data_version()
            if version != seen or time.monotonic() - checked >= every:
                service.log_stage()
                seen, checked = version, time.monotonic()
        except Exception as exc:  # the store is down: the next round tries again
            if store_errors.is_unreachable(exc):
                if not down:  # said once per outage, plainly: no traceback
                    log.warning("stage check: %s", store_errors.describe(exc))
                down = True
            else:
                log.exception("stage check failed")
        else:
            down = False
        stop.wait(min(poll, every))


def _with_progress_bar(runner, run_until_caught_up, lease=None):
    """Records per second and running totals while a long history comes in."""
    from tqdm import tqdm

    with tqdm(
        desc=runner.source.name, unit=" records", file=sys.stderr, dynamic_ncols=True
    ) as bar:
        totals = {"stored": 0, "rejected": 0}

        def on_batch(summary) -> None:
            totals["stored"] += summary.stored
            totals["rejected"] += summary.rejected
            bar.update(summary.fetched)
            bar.set_postfix(totals, refresh=False)

        return run_until_caught_up(runner, on_batch=on_batch, lease=lease)


class _DefaultsShown(argparse.ArgumentDefaultsHelpFormatter):
    """Every option's default in its help; a required option or an off switch has
    none to show, and an option without one says in its help what happens."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.required or action.default in (None, False):
            return action.help
        return super()._get_help_string(action)


def _hotspot_areas(args: argparse.Namespace) -> int:
    from city.profile import ProfileError
    from citywall.city_files import OnboardingError
    from citywall.hotspot_areas import import_hotspot_areas

    try:
        done = import_hotspot_areas(
            args.areas, args.profile, args.code_property, args.crs, args.where
        )
    except (OnboardingError, ProfileError) as exc:
        print(f"citywall city hotspot-areas: {exc}", file=sys.stderr)
        return 2
    for note in done.notes:
        print(f"  {note}")
    print(f"wrote {done.written} area(s) to {done.path}")
    if done.profile_line:
        print(f"add to [city] in {args.profile}: {done.profile_line}")
    return 0


def city_command(args: argparse.Namespace) -> int:
    from citywall.onboarding import (
        InitOptions,
        OnboardingError,
        Report,
        check_city,
        init_city,
    )

    if args.city_command == "keys":
        return profile_commands.run(args)
    if args.city_command == "hotspot-areas":
        return _hotspot_areas(args)
    if args.city_command == "check":
        report = check_city(args.profile)
        for note in report.notes:
            print(f"  {note}")
        for problem in report.problems:
            print(f"  problem: {problem}", file=sys.stderr)
        print(
            f"{args.profile}: ok"
            if report.ok
            else f"{args.profile}: {len(report.problems)} problem(s)"
        )
        return 0 if report.ok else 1
    report = Report()
    try:
        path = init_city(
            InitOptions(
                boundaries=args.boundaries,
                city_id=args.id,
                name=args.name,
                timezone=args.timezone,
                language=args.language,
                code_property=args.code_property,
                name_property=args.name_property,
                population_property=args.population_property,
                crs=args.crs,
                simplify_metres=args.simplify,
                output_dir=args.out,
                where=args.where or [],
                population_file=args.population_file,
                population_code_column=args.population_code_column,
                population_column=args.population_column,
                fix_encoding=args.fix_encoding,
            ),
            report,
        )
    except (OnboardingError, OSError, json.JSONDecodeError) as exc:
        print(f"citywall city init: {exc}", file=sys.stderr)
        return 2
    for note in report.notes:
        print(f"  {note}")
    print(f"wrote {path}; next: citywall city check {path}")
    return 0


def stage_command(args: argparse.Namespace) -> int:
    """An operator's hand on the stage; every change lands in the stage log."""
    from ingest.runner import prepare_store
    from kpis.stages import StageChangeError

    engine, profile = runtime.engine(), runtime.profile()
    prepare_store(engine, profile)
    service = runtime.kpi_service()
    try:
        if args.stage_command == "set":
            view = service.set_stage(args.level, args.reason, args.hours)
        elif args.stage_command == "auto":
            view = service.hand_back_stage()
        else:
            service.log_stage()  # what the watcher would log at its next round
            view = service.disaster()
    except StageChangeError as exc:
        print(f"citywall stage set: {exc}", file=sys.stderr)
        return 2
    stage = view.stage
    print(
        f"stage {view.state.level} of {view.stages} ({stage.name('en')}), "
        f"since {_local(view.state.since, profile)}: {view.state.summary()}"
    )
    if view.layout:
        print(
            f"  the wall shows its disaster layout (from stage {profile.ladder.layout_from})"
        )
    if args.stage_command == "show":
        print("recent changes:")
        for row in service.stage_history(10):
            before = "—" if row.previous is None else row.previous
            print(f"  {_local(row.at, profile)}  {before} → {row.level}  {row.cause}")
    return 0


def _local(at, profile) -> str:
    return at.astimezone(profile.timezone).strftime("%Y-%m-%d %H:%M %Z") if at else "—"


def serve_command(args: argparse.Namespace) -> int:
    from gunicorn.app.base import BaseApplication

    from ingest.runner import prepare_store, runners_for
    from web.serving import gunicorn_settings, port_problem
    from web.signing import shared_key

    # before anything is pulled or printed: a second wall on the same port
    problem = port_problem(args.host, args.port)
    if problem:
        print(f"citywall serve: {problem}", file=sys.stderr)
        return 2
    settings = runtime.settings()
    engine, profile = runtime.engine(), runtime.profile()
    prepare_store(engine, profile)
    sign_in = demo_sign_in(engine, settings, shown_to_a_person=sys.stdout.isatty())
    forget_state(settings.data_dir)  # an earlier server's supervisor, if it was killed
    if not args.no_ingest:
        # One pull per source fills the wall (the newest day comes first); the
        # supervised child then backfills the history and keeps the feeds live,
        # so the web workers stay stateless.
        _first_pulls(
            runners_for(engine, profile, retention=settings.quarantine_retention)
        )
        supervisor = subprocess.Popen(
            [sys.executable, "-m", "citywall.ingest_supervisor"]
        )
        atexit.register(_stop_supervisor, os.getpid(), supervisor)
    # read (or made) once here: the workers are forked with it, so a worker
    # started while the database does not answer still knows its key
    key = shared_key(settings, engine)
    routes = "/" if settings.proxy_strips_prefix else settings.url_prefix
    greeting = f"CityWall is on http://{args.host}:{args.port}{settings.url_prefix}"

    class Wall(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{args.host}:{args.port}")
            self.cfg.set("workers", args.workers)
            self.cfg.set("timeout", 60)
            for key, value in gunicorn_settings().items():  # logs, metrics
                self.cfg.set(key, value)
            # said last, once the wall answers: the start-up lines above it
            self.cfg.set(
                "when_ready",
                lambda _server: _say_when_serving(
                    args.host, args.port, routes, f"{greeting}\n{sign_in}"
                ),
            )

        def load(self):
            from app import server

            server.secret_key = key
            return server

    engine.dispose()  # the master reads the store no more; each worker opens its own
    Wall().run()
    return 0


def _first_pulls(runners: list) -> None:
    """One pull per source, a line each; a source another process holds (another
    instance's ingest keeps it current) is left to it."""
    holder = new_holder()
    for runner in runners:
        lease = source_lease(runner.engine, runner.source, holder, say=False)
        with holding(lease) as held:
            try:
                line = runner.run(lease).line() if held else lease.elsewhere()
            except LeaseLost as exc:
                line = str(exc)
        print(line, flush=True)


def _stop_supervisor(master: int, supervisor: subprocess.Popen) -> None:
    # gunicorn's workers inherit this hook: only the master stops the supervisor,
    # and waits for it, so that no ingest outlives the server
    if os.getpid() != master:
        return
    supervisor.terminate()
    try:
        supervisor.wait(timeout=STOP_SECONDS + 5)
    except subprocess.TimeoutExpired:
        supervisor.kill()


READY_WAIT_SECONDS = 120  # a first start imports the app in every worker


def _say_when_serving(host: str, port: int, routes: str, text: str) -> None:
    """Print ``text`` once ``/healthz`` answers (from a thread of gunicorn's
    master): after gunicorn's and the workers' start-up lines, not among them."""
    from web.serving import local_address

    url = f"http://{local_address(host)}:{port}{routes}healthz"

    def wait_then_say() -> None:
        import urllib.request

        deadline = time.monotonic() + READY_WAIT_SECONDS
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=5):
                    break
            except OSError:  # not answering yet
                time.sleep(0.3)
        print(text, flush=True)

    threading.Thread(target=wait_then_say, name="greeting", daemon=True).start()


DEMO_ADMIN = "admin"


def demo_sign_in(engine, settings, shown_to_a_person: bool = False) -> str:
    """How to sign in. The embedded demo store gets an admin with a random password
    on its first start (kept in the data folder, readable by its owner only). The
    password itself is shown only to a person at a terminal: the output of a
    server run by a service manager goes to logs that are kept. A configured
    database never gets an account it was not given."""
    import secrets
    from datetime import UTC, datetime

    from access import accounts
    from access.roles import Role
    from store.private_files import private_folder

    kept = settings.data_dir / "demo-admin.txt"
    if not accounts.has_accounts(engine):
        if not settings.embedded_store:
            return (
                "No accounts yet: add one with `citywall account add NAME --role admin`"
            )
        password = secrets.token_urlsafe(12)
        accounts.add_account(
            engine, DEMO_ADMIN, password, Role.ADMIN, datetime.now(UTC)
        )
        private_folder(settings.data_dir)
        fd = os.open(kept, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(f"username: {DEMO_ADMIN}\npassword: {password}\n")
    if settings.embedded_store and kept.exists():
        password = _kept_password(kept) if shown_to_a_person else None
        if password:
            return (
                f"Demo sign-in: username: {DEMO_ADMIN}, password: {password} "
                f"(kept in {kept})"
            )
        return (
            f"Demo sign-in: username: {DEMO_ADMIN}, the password is in {kept} "
            "(readable by you only)"
        )
    return "Sign in with your account (`citywall account list` shows them)"


def _kept_password(kept: Path) -> str | None:
    for line in kept.read_text(encoding="utf-8").splitlines():
        if line.startswith("password: "):
            return line.removeprefix("password: ").strip()
    return None


if __name__ == "__main__":
    sys.exit(main())
