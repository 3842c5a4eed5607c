"""/healthz, /readyz, /metrics and the JSON log lines, as a city's platform sees
them: a load balancer probing, Prometheus scraping, a collector reading stderr."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import flask
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import inspect, update

from ingest.runner import prepare_store, runners_for
from store import migrations, schema
from store.schema import source_state
from tests.conftest import (
    PROJECT_ROOT,
    PROXY_SIGN_IN,
    router_body,
    seoul_profile_copy,
)
from web import logs, operations, runtime, serving

PREFIX = "/intranet/citywall/"
UNREACHABLE = "postgresql+psycopg://wall:s3cret-pw@127.0.0.1:1/citywall"


@pytest.fixture
def city(tmp_path, monkeypatch) -> dict[str, str]:
    """runtime pointed at a Seoul profile (one day of history) and an empty SQLite
    store of this test's own, with no cache between calls."""
    env = {
        "CITYWALL_PROFILE": str(seoul_profile_copy(tmp_path, backfill_days=1)),
        "CITYWALL_DATA_DIR": str(tmp_path / "data"),
        "CITYWALL_CACHE": "null",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for key in ("CITYWALL_DATABASE_URL", "PROMETHEUS_MULTIPROC_DIR"):
        monkeypatch.delenv(key, raising=False)
    runtime.reset()
    yield env
    runtime.reset()


@pytest.fixture
def ingested(city) -> int:
    """One run of the demo source: the records it stored."""
    engine, profile = runtime.engine(), runtime.profile()
    prepare_store(engine, profile)
    (runner,) = runners_for(engine, profile)
    summary = runner.run()
    assert summary.error is None and summary.stored > 0
    return summary.stored


def make_app(routes: str = PREFIX) -> flask.Flask:
    server = flask.Flask(__name__)
    operations.add_operations_routes(server, routes)

    # stand-ins for Dash's routes, to see how requests are labelled
    @server.route(f"{routes}_dash-update-component", methods=["POST"])
    def callback() -> str:
        return "{}"

    @server.route(f"{routes}district/<code>")
    def district(code: str) -> str:
        logging.getLogger("citywall.test").info("district page", extra={"code": code})
        return code

    return server


def metrics(client) -> dict:
    """{(sample name, frozenset of labels): value} of one scrape."""
    response = client.get(f"{PREFIX}metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for s in family.samples
    }


def source(name: str = "demo") -> frozenset:
    return frozenset({("source", name)})


# -- /healthz -------------------------------------------------------------------------


def test_healthz_answers_ok_without_touching_the_database(city, monkeypatch):
    monkeypatch.setenv("CITYWALL_DATABASE_URL", UNREACHABLE)
    runtime.reset()
    response = make_app().test_client().get(f"{PREFIX}healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert not runtime.engine.made  # no engine was even built


# -- /readyz --------------------------------------------------------------------------


def test_readyz_is_ready_with_the_database_up_and_the_source_fresh(ingested):
    response = make_app().test_client().get(f"{PREFIX}readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready" and "reasons" not in body
    assert body["checks"]["database"]["ok"] is True
    head = migrations.head()
    assert body["checks"]["schema"] == {"ok": True, "at": head, "expects": head}
    assert body["checks"]["sources"] == {"ok": True, "count": 1, "stale": []}


def stale_since(hours: float) -> datetime:
    then = datetime.now(UTC) - timedelta(hours=hours)
    with runtime.engine().begin() as conn:
        conn.execute(
            update(source_state)
            .where(source_state.c.source == "demo")
            .values(last_success_at=then)
        )
    return then


def test_a_stale_source_is_reported_but_leaves_the_instance_ready(ingested):
    then = stale_since(2)
    client = make_app().test_client()
    response = client.get(f"{PREFIX}readyz")
    assert response.status_code == 200  # the load balancer keeps the wall up
    sources = response.get_json()["checks"]["sources"]
    assert sources["ok"] is False
    assert sources["stale"] == [
        {"source": "demo", "since": then.isoformat(), "failing": False}
    ]
    # a monitor that wants late feeds to fail the check asks for it
    strict = client.get(f"{PREFIX}readyz?strict=1")
    assert strict.status_code == 503
    assert strict.get_json()["reasons"] == [
        f"source demo stale since {then.isoformat()}"
    ]


def test_a_source_that_never_delivered_is_stale_since_never(city):
    prepare_store(runtime.engine(), runtime.profile())
    response = make_app().test_client().get(f"{PREFIX}readyz?strict=1")
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"]["sources"]["stale"][0]["since"] is None
    assert body["reasons"] == ["source demo stale since it never delivered"]


def test_a_store_behind_the_code_is_unready_and_no_worker_migrates_it(city):
    """Tables as a CityWall from before the migrations left them, no revision: the
    worker says what to run and runs nothing."""
    schema.metadata.create_all(runtime.engine())
    client = make_app().test_client()
    for _ in range(2):
        response = client.get(f"{PREFIX}readyz")
        assert response.status_code == 503
    body = response.get_json()
    head = migrations.head()
    assert body["checks"]["schema"] == {"ok": False, "at": None, "expects": head}
    assert body["reasons"] == [
        f"schema: store schema at none, code expects {head}: run `citywall db upgrade`"
    ]
    assert "sources" not in body["checks"]
    assert migrations.VERSION_TABLE not in inspect(runtime.engine()).get_table_names()


def test_the_wall_on_a_store_never_upgraded_makes_no_table_and_shows_no_traceback(
    city, monkeypatch
):
    from web.factory import create_app

    for name, value in PROXY_SIGN_IN.items():
        monkeypatch.setenv(name, value)
    runtime.reset()
    client = create_app(runtime.settings()).server.test_client()
    staff = {"X-Remote-User": "sam", "X-Remote-Role": "staff"}
    page = client.post("/_dash-update-component", json=router_body("/"), headers=staff)
    assert page.status_code == 503
    assert page.get_data(as_text=True).startswith("Data delayed")
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert "run `citywall db upgrade`" in ready.get_json()["reasons"][0]
    assert inspect(runtime.engine()).get_table_names() == []


def test_readyz_fails_fast_when_the_database_is_unreachable(city, monkeypatch):
    monkeypatch.setenv("CITYWALL_DATABASE_URL", UNREACHABLE)
    runtime.reset()
    started = time.monotonic()
    response = make_app().test_client().get(f"{PREFIX}readyz")
    assert time.monotonic() - started < 3
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unready"
    assert body["reasons"] == ["database: OperationalError (OperationalError)"]
    text = response.get_data(as_text=True)
    assert "s3cret" not in text and "127.0.0.1" not in text and "wall" not in text


def test_readyz_gives_up_on_a_database_that_hangs(city, monkeypatch):
    """A database that accepts and never answers (a dropped route, a full pool)
    answers "not ready" at the deadline; probes meanwhile start no new threads."""
    release = threading.Event()
    calls = []

    def hang() -> None:
        calls.append(1)
        release.wait(30)

    monkeypatch.setattr(operations, "_store_revision", hang)
    monkeypatch.setattr(operations, "READY_TIMEOUT_SECONDS", 0.5)
    client = make_app().test_client()
    try:
        for _ in range(3):
            started = time.monotonic()
            response = client.get(f"{PREFIX}readyz")
            assert time.monotonic() - started < 1.5
            assert response.status_code == 503
            assert response.get_json()["reasons"] == ["database: timeout"]
        assert len(calls) == 1  # the one hung check, not one per probe
    finally:
        release.set()


# -- /metrics -------------------------------------------------------------------------


def test_metrics_count_requests_by_route_kind_and_status(city):
    client = make_app().test_client()
    for _ in range(3):
        client.get(f"{PREFIX}healthz")
    client.post(f"{PREFIX}_dash-update-component", json={})
    client.get(f"{PREFIX}district/11680")
    client.get(f"{PREFIX}no/such/page/4711")
    found = metrics(client)
    requests = "citywall_http_requests_total"
    assert found[(requests, frozenset({("route", "healthz"), ("status", "200")}))] == 3
    assert found[(requests, frozenset({("route", "callback"), ("status", "200")}))] == 1
    assert found[(requests, frozenset({("route", "other"), ("status", "200")}))] == 1
    assert (
        found[(requests, frozenset({("route", "unmatched"), ("status", "404")}))] == 1
    )
    latency = "citywall_http_request_duration_seconds_count"
    assert found[(latency, frozenset({("route", "healthz")}))] == 3
    # no path, id or district code in any label
    values = {v for _, labels in found for _, v in labels}
    assert not any("/" in v or "11680" in v or "4711" in v for v in values)


def test_metrics_report_each_source_from_the_store(ingested):
    client = make_app().test_client()
    found = metrics(client)
    assert found[("citywall_database_up", frozenset())] == 1
    assert found[("citywall_source_records_stored_total", source())] == ingested
    assert found[("citywall_source_stale", source())] == 0
    assert found[("citywall_source_last_error", source())] == 0
    assert found[("citywall_source_quarantined_24h", source())] == 0
    assert 0 <= found[("citywall_source_last_success_age_seconds", source())] < 60
    assert ("citywall_disaster_stage_level", frozenset()) in found
    stale_since(2)
    found = metrics(client)
    assert found[("citywall_source_stale", source())] == 1
    age = found[("citywall_source_last_success_age_seconds", source())]
    assert 7190 < age < 7300


def test_metrics_still_answer_with_the_database_down(city, monkeypatch):
    monkeypatch.setenv("CITYWALL_DATABASE_URL", UNREACHABLE)
    runtime.reset()
    found = metrics(make_app().test_client())
    assert found[("citywall_database_up", frozenset())] == 0


WORKER = """
import sys
from tests.web.test_operations import PREFIX, make_app
client = make_app().test_client()
for _ in range(int(sys.argv[1])):
    client.get(PREFIX + "healthz")
if sys.argv[2] == "scrape":
    sys.stdout.write(client.get(PREFIX + "metrics").get_data(as_text=True))
"""


def test_metrics_sum_the_requests_of_every_worker(city, tmp_path):
    """gunicorn's workers are processes: a scrape answered by any one of them
    counts the requests all of them served."""
    folder = tmp_path / "prometheus"
    folder.mkdir()
    env = os.environ | city | {"PROMETHEUS_MULTIPROC_DIR": str(folder)}

    def worker(requests: int, then: str = "") -> str:
        done = subprocess.run(
            [sys.executable, "-c", WORKER, str(requests), then],
            env=env,
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    worker(2)
    worker(3)
    scraped = worker(1, "scrape")
    counts = {
        s.labels["route"]: s.value
        for family in text_string_to_metric_families(scraped)
        for s in family.samples
        if s.name == "citywall_http_requests_total"
    }
    assert counts["healthz"] == 6


def test_route_kinds_are_bounded_under_any_prefix():
    kind = operations.route_kind
    assert kind("/_dash-update-component", "/") == "callback"
    assert kind(f"{PREFIX}_dash-layout", PREFIX) == "dash"
    assert kind(f"{PREFIX}_dash-component-suites/<string:a>/<path:b>", PREFIX) == (
        "dash"
    )
    assert kind(f"{PREFIX}assets/<path:filename>", PREFIX) == "asset"
    assert kind(PREFIX, PREFIX) == "page"
    assert kind(f"{PREFIX}<path:path>", PREFIX) == "page"
    assert kind(f"{PREFIX}csv/tile/<kpi_id>", PREFIX) == "csv"
    assert kind(f"{PREFIX}_citywall/camera/<int:camera_id>.jpg", PREFIX) == "citywall"
    assert kind(None, PREFIX) == "unmatched"


# -- logs -----------------------------------------------------------------------------


@pytest.fixture
def root_logging():
    """The root logger as it was, after the test reconfigures it."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    root.handlers[:] = handlers
    root.setLevel(level)


def lines_of(handler_stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in handler_stream.getvalue().splitlines()]


def capture(root: logging.Logger) -> io.StringIO:
    stream = io.StringIO()
    root.handlers[0].setStream(stream)
    return stream


def test_log_lines_are_json_with_their_extras(root_logging, monkeypatch):
    monkeypatch.delenv("CITYWALL_LOG_FORMAT", raising=False)
    logs.configure_logging(logging.INFO)
    stream = capture(root_logging)
    logging.getLogger("ingest.runner").info(
        "demo: stored 12", extra={"source": "demo", "stored": 12, "rejected": 1}
    )
    (line,) = lines_of(stream)
    assert line["level"] == "INFO" and line["logger"] == "ingest.runner"
    assert line["message"] == "demo: stored 12"
    assert (line["source"], line["stored"], line["rejected"]) == ("demo", 12, 1)
    assert datetime.fromisoformat(line["time"]).tzinfo is not None


def test_each_request_logs_a_line_and_its_lines_carry_its_id(
    city, root_logging, monkeypatch
):
    monkeypatch.delenv("CITYWALL_LOG_FORMAT", raising=False)
    logs.configure_logging(logging.INFO)
    stream = capture(root_logging)
    response = (
        make_app()
        .test_client()
        .get(f"{PREFIX}district/11680?token=abc", headers={"X-Request-ID": "req-42"})
    )
    assert response.headers["X-Request-ID"] == "req-42"
    page, access = lines_of(stream)
    assert (page["message"], page["code"], page["request_id"]) == (
        "district page",
        "11680",
        "req-42",
    )
    assert access["logger"] == "citywall.requests" and access["request_id"] == "req-42"
    assert (access["status"], access["route"]) == (200, "other")
    assert access["path"] == f"{PREFIX}district/11680"  # never the query string
    assert "abc" not in stream.getvalue()


def test_an_unsafe_request_id_is_replaced(city, root_logging):
    logs.configure_logging(logging.INFO)
    response = (
        make_app()
        .test_client()
        .get(f"{PREFIX}healthz", headers={"X-Request-ID": "<script> " + "x" * 100})
    )
    assert len(response.headers["X-Request-ID"]) == 32


def test_probes_log_only_at_debug(city, root_logging):
    logs.configure_logging(logging.INFO)
    stream = capture(root_logging)
    client = make_app().test_client()
    client.get(f"{PREFIX}healthz")
    client.get(f"{PREFIX}readyz")
    assert stream.getvalue() == ""


def test_the_log_format_is_chosen_by_the_environment(root_logging, monkeypatch):
    monkeypatch.setenv("CITYWALL_LOG_FORMAT", "text")
    logs.configure_logging(logging.INFO)
    stream = capture(root_logging)
    logging.getLogger("citywall.stage").info("stage 2")
    assert stream.getvalue().rstrip().endswith("INFO citywall.stage: stage 2")
    monkeypatch.setenv("CITYWALL_LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="CITYWALL_LOG_FORMAT must be one of json"):
        logs.configure_logging(logging.INFO)


def test_gunicorns_own_lines_come_out_as_json(root_logging, monkeypatch):
    monkeypatch.delenv("CITYWALL_LOG_FORMAT", raising=False)
    logging.config.dictConfig(logs.gunicorn_log_config())
    stream = capture(root_logging)
    logging.getLogger("gunicorn.error").info("Booting worker with pid: %s", 7)
    logging.getLogger("gunicorn.access").info('10.0.0.9 "GET /embed?token=t0k"')
    (line,) = lines_of(stream)  # no access line: address and token stay out
    assert line["logger"] == "gunicorn.error"
    assert line["message"] == "Booting worker with pid: 7"


# -- gunicorn -------------------------------------------------------------------------


def test_serve_gives_gunicorn_a_fresh_metrics_folder(tmp_path, monkeypatch):
    folder = tmp_path / "prometheus"
    folder.mkdir()
    (folder / "counter_4711.db").write_bytes(b"old run")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    settings = serving.gunicorn_settings()
    assert list(folder.iterdir()) == []  # an earlier run's counts are gone
    assert settings["accesslog"] is None and settings["child_exit"]
    assert settings["logconfig_dict"]["root"]["handlers"] == ["citywall"]


def test_only_the_process_that_made_the_metrics_folder_removes_it(tmp_path):
    folder = tmp_path / "prometheus"
    folder.mkdir()
    serving._remove_in(os.getpid() + 1, str(folder))  # a worker exiting
    assert folder.exists()
    serving._remove_in(os.getpid(), str(folder))  # the master
    assert not folder.exists()


# -- the supervised ingest ---------------------------------------------------------


def test_readyz_and_metrics_say_how_the_ingest_is_doing(ingested):
    from ingest.supervisor import Exit, IngestState, write_state

    client = make_app().test_client()
    body = client.get(f"{PREFIX}readyz").get_json()
    assert "ingest" not in body["checks"]  # no supervisor here: not this server's
    assert ("citywall_ingest_up", frozenset()) not in metrics(client)
    data_dir = runtime.settings().data_dir
    now = datetime.now(UTC)
    killed = Exit.of(-9, now, 3.0)
    down = IngestState(
        supervisor_pid=os.getpid(),
        state="restarting",
        restarts=2,
        last_exit=killed,
        down_since=now,
        next_start_at=now + timedelta(seconds=4),
    )
    write_state(data_dir, down)
    answer = client.get(f"{PREFIX}readyz")
    check = answer.get_json()["checks"]["ingest"]
    assert answer.status_code == 200  # still serving the last data
    assert (check["ok"], check["state"], check["restarts"]) == (False, "restarting", 2)
    assert check["last_exit"] == "signal 9 (SIGKILL)"
    strict = client.get(f"{PREFIX}readyz?strict=1")
    assert (
        strict.status_code == 503
        and "ingest: restarting" in strict.get_json()["reasons"]
    )
    found = metrics(client)
    assert found[("citywall_ingest_up", frozenset())] == 0
    assert found[("citywall_ingest_restarts_total", frozenset())] == 2
    write_state(data_dir, IngestState(os.getpid(), "running", pid=1, started_at=now))
    check = client.get(f"{PREFIX}readyz").get_json()["checks"]["ingest"]
    assert check["ok"] and check["running_since"] == now.isoformat()
    assert metrics(client)[("citywall_ingest_up", frozenset())] == 1
