"""What the city's platform asks of each instance: is it alive, may it take traffic,
how is it doing. ``/healthz``, ``/readyz`` and ``/metrics`` (Prometheus text).

Readiness is the database, answering and with its schema at the revision this code
expects: a worker never migrates, so a store behind the code (``citywall db upgrade``
not run) is "unready" with that said, and the pages answer a plain 503. A source
whose feed is late (a city's CAP server down, a transit API in maintenance) is
listed in ``/readyz``'s body, with since when, but does not make the instance
unready: every instance reads the same store, so a load balancer would take all of
them out at once and the wall would go dark when it is most useful, showing the last
good data with its "data delayed" badges. A monitor
that wants a failing check for late feeds asks ``/readyz?strict=1`` (503 when a
source is stale too) or alerts on ``citywall_source_stale`` in ``/metrics``.

The live ingest that ``citywall serve`` runs and restarts (``ingest.supervisor``)
is the check ``ingest``: ok while it runs, failing while it is down, with its
restarts and how it last ended. For the same reason it does not make the instance
unready (taking the wall out of the balancer would not bring the ingest back, and
the wall's last data with its "delayed" badges is worth more than a dark screen);
``?strict=1`` fails on it too. A server started with ``--no-ingest`` has no such
check: its ingest is some other process's business.

Metrics with several gunicorn workers: request counts and latencies live in the
worker that served the request, so they are kept in prometheus_client's multiprocess
mode when PROMETHEUS_MULTIPROC_DIR is set (``citywall serve`` sets it up, see
``web.serving``) and summed over every worker at each scrape,
whichever worker answers it. What the store knows (source freshness, records stored,
quarantine, the disaster stage, the database reachable) is read from the store at
scrape time instead: every worker then answers the same, with no per-process gauge
to go stale. No label carries a raw path, an id, a record or an error message: route
kinds, status codes and the profile's source names only.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import flask
from flask import Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select, text

from ingest.supervisor import read_state
from store import migrations
from web import runtime

OPEN_PATHS = ("healthz", "readyz")  # the access guard leaves these open
METRICS_PATH = "metrics"  # the access guard decides who may read this
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
READY_TIMEOUT_SECONDS = 2.0  # an unreachable database answers in this, not hangs
METRICS_TIMEOUT_SECONDS = 5.0
# Dash's own routes and ours, by the first segment of the route (below the prefix):
# a bounded set of labels however many pages, districts or components there are.
ROUTE_KINDS = {
    "_dash-update-component": "callback",
    "_dash-layout": "dash",
    "_dash-dependencies": "dash",
    "_dash-component-suites": "dash",
    "_reload-hash": "dash",
    "_favicon.ico": "asset",
    "assets": "asset",
    "csv": "csv",
    "_citywall": "citywall",
    "healthz": "healthz",
    "readyz": "readyz",
    "metrics": "metrics",
}
QUIET_KINDS = ("healthz", "readyz", "metrics")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
STATE_KEY = "web.operations"
T = TypeVar("T")


class CheckTimeout(Exception):
    """A check did not answer within its deadline (the database hangs)."""


@dataclass
class _Deadlines:
    """Runs a check in a daemon thread and waits for it at most a deadline. One
    check of a kind at a time: a hung database holds one thread per kind, not one
    per probe."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    running: dict[str, tuple[threading.Event, dict]] = field(default_factory=dict)

    def run(self, kind: str, check: Callable[[], T], seconds: float) -> T:
        with self.lock:
            pending = self.running.get(kind)
            if pending is None or pending[0].is_set():
                pending = (threading.Event(), {})
                self.running[kind] = pending
                threading.Thread(
                    target=_run_into,
                    args=(check, *pending),
                    name=f"citywall-{kind}",
                    daemon=True,
                ).start()
        done, box = pending
        if not done.wait(seconds):
            raise CheckTimeout(f"no answer within {seconds:g} s")
        if "error" in box:
            raise box["error"]
        return box["value"]


def _run_into(check: Callable[[], Any], done: threading.Event, box: dict) -> None:
    try:
        box["value"] = check()
    except Exception as exc:  # handed to the waiting request
        box["error"] = exc
    finally:
        done.set()


@dataclass
class _State:
    routes: str
    registry: CollectorRegistry
    requests: Counter
    latency: Histogram
    deadlines: _Deadlines = field(default_factory=_Deadlines)


def add_operations_routes(server: flask.Flask, routes: str) -> None:
    """``{routes}healthz``, ``{routes}readyz`` and ``{routes}metrics`` on ``server``,
    and the request hooks that count and time every request and log it with its
    request id. Call it once per app, with the prefix the app's routes have."""
    state = _new_state(routes)
    server.extensions[STATE_KEY] = state
    _add_request_hooks(server, state)

    @server.route(f"{routes}healthz")
    def healthz() -> Response:
        # alive is all it says: no database, no cache, nothing that can hang
        return _json({"status": "ok"}, 200)

    @server.route(f"{routes}readyz")
    def readyz() -> Response:
        strict = request.args.get("strict", "") not in ("", "0", "false")
        body, ready = readiness(state.deadlines, strict)
        return _json(body, 200 if ready else 503)

    @server.route(f"{routes}{METRICS_PATH}")
    def metrics() -> Response:
        registry = _scrape_registry(state)
        return Response(
            generate_latest(registry),
            mimetype=CONTENT_TYPE_LATEST.split(";")[0],
            headers={"Cache-Control": "no-store", "Content-Type": CONTENT_TYPE_LATEST},
        )


# -- readiness -----------------------------------------------------------------------


def readiness(deadlines: _Deadlines, strict: bool = False) -> tuple[dict, bool]:
    """(the body of /readyz, ready or not): the database answers within the
    deadline, its schema at this code's revision; the sources are listed with the
    stale ones and since when (they fail the check only when ``strict``)."""
    database = _database_check(deadlines)
    checks: dict[str, Any] = {"database": database}
    reasons = [] if database["ok"] else [f"database: {database['error']}"]
    if database["ok"]:
        schema = migrations.Status(database.pop("schema"), migrations.head())
        checks["schema"] = {
            "ok": schema.ok,
            "at": schema.current,
            "expects": schema.head,
        }
        if not schema.ok:
            reasons.append(f"schema: {schema.reason}")
    if database["ok"] and not reasons:
        sources = _sources_check(deadlines)
        checks["sources"] = sources
        if strict and not sources["ok"]:
            reasons.extend(_stale_reasons(sources))
    ingest = _ingest_check()
    if ingest is not None:
        checks["ingest"] = ingest
        if strict and not ingest["ok"]:
            reasons.append(f"ingest: {ingest['state']}")
    body = {
        "status": "ready" if not reasons else "unready",
        "stale_sources_fail": strict,
        "checks": checks,
    }
    if reasons:
        body["reasons"] = reasons
    return body, not reasons


def readiness_here(strict: bool = False) -> tuple[dict, bool]:
    """``readiness`` of the app serving this request, with the deadlines its
    ``/readyz`` uses: the admin page shows the same answer, a hung database
    holding no more threads."""
    return readiness(flask.current_app.extensions[STATE_KEY].deadlines, strict)


def _database_check(deadlines: _Deadlines) -> dict:
    started = time.perf_counter()
    try:
        at = deadlines.run("database", _store_revision, READY_TIMEOUT_SECONDS)
    except Exception as exc:  # any failure is "not ready"; its class says which
        return {"ok": False, "error": _error_class(exc)}
    seconds = round(time.perf_counter() - started, 4)
    return {"ok": True, "seconds": seconds, "schema": at}


def _store_revision() -> str | None:
    """The store's schema revision, read, never changed: the database answers."""
    with runtime.engine().connect() as conn:
        conn.execute(text("SELECT 1"))
        return migrations.current(conn)


def _sources_check(deadlines: _Deadlines) -> dict:
    try:
        health = deadlines.run(
            "sources",
            lambda: runtime.kpi_service().source_health(),
            READY_TIMEOUT_SECONDS,
        )
    except Exception as exc:  # the database answered but this did not: say so
        return {"ok": False, "error": _error_class(exc), "stale": []}
    stale = [
        {
            "source": s.name,
            "since": _iso(s.last_success_at),  # None: never delivered
            "failing": s.failing,
        }
        for s in health
        if s.stale
    ]
    return {"ok": not stale, "count": len(health), "stale": stale}


def _ingest_check() -> dict | None:
    """The supervised ingest as its state file says (None: not run by this
    server); a file, read by every worker alike, never the database."""
    state = read_state(runtime.settings().data_dir)
    if state is None:
        return None
    ended = state.last_exit
    return {
        "ok": state.running,
        "state": state.state,
        "restarts": state.restarts,
        "running_since": _iso(state.started_at) if state.running else None,
        "down_since": _iso(state.down_since),
        "next_start": _iso(state.next_start_at),
        "last_exit": ended.words() if ended else None,
        "last_exit_at": _iso(ended.at) if ended else None,
    }


def _stale_reasons(sources: dict) -> list[str]:
    if "error" in sources:
        return [f"sources: {sources['error']}"]
    return [
        f"source {s['source']} stale since {s['since'] or 'it never delivered'}"
        for s in sources["stale"]
    ]


def _error_class(exc: BaseException) -> str:
    """The error's class and its driver's, never its message: messages carry
    host names, users and URLs."""
    if isinstance(exc, CheckTimeout):
        return "timeout"
    orig = getattr(exc, "orig", None)  # the DBAPI error SQLAlchemy wraps
    name = type(exc).__name__
    return f"{name} ({type(orig).__name__})" if orig is not None else name


# -- request metrics and the access log -------------------------------------------


def _new_state(routes: str) -> _State:
    # An app's own registry: a second app in the same process (tests) starts at
    # zero. In multiprocess mode the values go to files whatever the registry.
    registry = CollectorRegistry(auto_describe=True)
    return _State(
        routes=routes,
        registry=registry,
        requests=Counter(
            "citywall_http_requests",
            "HTTP requests answered, by route kind and status code.",
            ("route", "status"),
            registry=registry,
        ),
        latency=Histogram(
            "citywall_http_request_duration_seconds",
            "Time to answer an HTTP request, by route kind.",
            ("route",),
            buckets=LATENCY_BUCKETS,
            registry=registry,
        ),
    )


def route_kind(rule: str | None, routes: str) -> str:
    """A bounded label for the route that served a request: Dash's callbacks, its
    other routes, assets, pages, CSV downloads, ours; never the path itself."""
    if rule is None:
        return "unmatched"  # a 404 before any route: its path is anyone's
    inner = rule[len(routes) :] if rule.startswith(routes) else rule.lstrip("/")
    first = inner.split("/", 1)[0]
    if first in ROUTE_KINDS:
        return ROUTE_KINDS[first]
    if first == "" or first.startswith("<"):
        return "page"  # Dash's catch-all: every page and path variable
    return "other"


def _add_request_hooks(server: flask.Flask, state: _State) -> None:
    log = logging.getLogger("citywall.requests")

    # Signals, not before/after_request: they fire around every request, even one a
    # before_request hook (the access guard) answers early.
    def started(_sender: flask.Flask, **_: Any) -> None:
        g.request_started = time.perf_counter()
        offered = request.headers.get("X-Request-ID", "")
        g.request_id = offered if REQUEST_ID.match(offered) else uuid.uuid4().hex

    def finished(_sender: flask.Flask, response: Response, **_: Any) -> None:
        seconds = time.perf_counter() - g.get("request_started", time.perf_counter())
        kind = route_kind(
            request.url_rule.rule if request.url_rule else None, state.routes
        )
        state.requests.labels(kind, str(response.status_code)).inc()
        state.latency.labels(kind).observe(seconds)
        response.headers.setdefault("X-Request-ID", g.get("request_id", ""))
        method = request.method[:10]
        log.log(
            # a load balancer probes every few seconds: its lines only when asked
            logging.DEBUG if kind in QUIET_KINDS else logging.INFO,
            "%s %s %s",
            method,
            kind,
            response.status_code,
            extra={
                "method": method,
                "path": request.path[:200],  # no query string: it may hold tokens
                "route": kind,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 1),
            },
        )

    flask.request_started.connect(started, server, weak=False)
    flask.request_finished.connect(finished, server, weak=False)


# -- the scrape --------------------------------------------------------------------


def _scrape_registry(state: _State) -> CollectorRegistry:
    """The registry one scrape reads: every worker's request metrics (from the
    multiprocess files, or this process's own), plus the store read now."""
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Forward(state.registry))
    registry.register(StoreCollector(state.deadlines))
    registry.register(IngestCollector())
    return registry


class IngestCollector(Collector):
    """The live ingest ``citywall serve`` supervises (nothing without one): up or
    not, and how often it was started again."""

    def collect(self) -> Iterator:
        state = read_state(runtime.settings().data_dir)
        if state is None:
            return
        up = GaugeMetricFamily(
            "citywall_ingest_up", "1 while the supervised live ingest runs."
        )
        up.add_metric([], int(state.running))
        restarts = CounterMetricFamily(
            "citywall_ingest_restarts",
            "Times the supervised live ingest was started again after it exited.",
        )
        restarts.add_metric([], state.restarts)
        yield from (up, restarts)


class _Forward(Collector):
    """This process's request metrics inside the scrape's registry."""

    def __init__(self, source: CollectorRegistry) -> None:
        self.source = source

    def collect(self) -> Iterable:
        return self.source.collect()


@dataclass(frozen=True)
class StoreFacts:
    """What the store says at one moment, for the metrics."""

    now: datetime
    sources: list  # kpis.values.SourceHealth
    stored_totals: dict[str, int]
    stage_level: int


def read_store() -> StoreFacts:
    from store.schema import source_runs

    service = runtime.kpi_service()
    sources = service.source_health()

    def totals() -> dict[str, int]:
        # every record a source's runs wrote (an update counts again): a counter
        with service.engine.connect() as conn:
            rows = conn.execute(
                select(source_runs.c.source, func.sum(source_runs.c.stored)).group_by(
                    source_runs.c.source
                )
            ).all()
        return {source: int(total or 0) for source, total in rows}

    # the sum reads every run ever made: once per moment, shared by the workers
    stored = runtime.render_cache().rendered("metrics:stored_totals", totals)
    return StoreFacts(service.clock(), sources, stored, service.stage().level)


class StoreCollector(Collector):
    """Source freshness, records, quarantine, the stage and the database reachable,
    read from the store at scrape time (the same answer from every worker)."""

    def __init__(self, deadlines: _Deadlines) -> None:
        self.deadlines = deadlines

    def collect(self) -> Iterator:
        up = GaugeMetricFamily(
            "citywall_database_up", "1 when the store answered this scrape."
        )
        try:
            facts = self.deadlines.run("store", read_store, METRICS_TIMEOUT_SECONDS)
        except Exception:  # the scrape still answers: the database is down
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from _source_families(facts)
        stage = GaugeMetricFamily(
            "citywall_disaster_stage_level", "The disaster stage the wall shows now."
        )
        stage.add_metric([], facts.stage_level)
        yield stage


def _source_families(facts: StoreFacts) -> Iterator:
    labels = ["source"]
    age = GaugeMetricFamily(
        "citywall_source_last_success_age_seconds",
        "Seconds since the source last delivered (absent: it never did).",
        labels=labels,
    )
    stale = GaugeMetricFamily(
        "citywall_source_stale",
        "1 when the source has not delivered within three of its intervals.",
        labels=labels,
    )
    failing = GaugeMetricFamily(
        "citywall_source_last_error",
        "1 when the source's last attempt failed.",
        labels=labels,
    )
    quarantined = GaugeMetricFamily(
        "citywall_source_quarantined_24h",
        "Records of the source rejected into quarantine in the last 24 hours.",
        labels=labels,
    )
    stored = CounterMetricFamily(
        "citywall_source_records_stored",
        "Records the source's ingest runs wrote to the store.",
        labels=labels,
    )
    for s in facts.sources:
        if s.last_success_at is not None:
            age.add_metric(
                [s.name], max(0.0, (facts.now - s.last_success_at).total_seconds())
            )
        stale.add_metric([s.name], int(s.stale))
        failing.add_metric([s.name], int(s.failing))
        quarantined.add_metric([s.name], s.quarantined_24h)
        stored.add_metric([s.name], facts.stored_totals.get(s.name, 0))
    yield from (age, stale, failing, quarantined, stored)


# -- helpers -----------------------------------------------------------------------


def _json(body: dict, status: int) -> Response:
    response = flask.jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None
