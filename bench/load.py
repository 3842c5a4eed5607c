"""Load: wall displays and staff desktops refreshing against the real server.

The target: 50 walls and 100 staff sessions refreshing every 5 s against two
gunicorn workers that share a Redis cache, p95 ≤ 200 ms and no error. ``run_load``
starts ``citywall serve --no-ingest`` as a subprocess and plays the clients from
this process, one thread and one HTTP session each, on 127.0.0.1:

- a *wall* posts the overview's refresh callback (its timer's ``n_intervals``);
- a *staff* desktop sits on a district page (codes round-robin from the profile)
  or on one of the domain pages and posts that page's refresh callback.

The request bodies are built the way dash-renderer builds them, from the running
app itself: the callbacks from ``/_dash-dependencies``, the pages from the pages
router's answer, the values from the components the page starts with. Nothing is
hard-coded that could drift from the pages. The ``*-sent`` digest stores start
empty, so the server sends every output each time: the worst case.

A client waits for its answer before its next tick, as the wall does (its timer
stops while a refresh runs); clients start spread evenly over the first period, so
the load is steady rather than a herd. Before the clock starts, each page's refresh
is posted once per worker, uncounted: a payload the app refuses fails the run at
once, and the measured load does not include the workers' first imports.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import requests

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 10.0  # seconds; an answer slower than this is an error
# the first refresh of a store reads a year of rollups to fill the memo of past hours
FIRST_TIMEOUT = 180.0
START_TIMEOUT = 90.0  # for gunicorn to answer; its workers import the whole app
STOP_TIMEOUT = 15.0
BENCH_SECRET = "citywall-bench-not-a-secret"  # one Flask key for every worker
MAX_ERROR_SAMPLES = 5
UPDATE_PATH = "_dash-update-component"
JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}

log = logging.getLogger("bench.load")


@dataclass(frozen=True)
class LoadResult:
    walls: int
    staff: int
    every_seconds: float
    seconds: float
    workers: int
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    error_samples: tuple[str, ...]  # up to 5 first error descriptions

    def line(self) -> str:
        return (
            f"{self.walls} walls + {self.staff} staff every {self.every_seconds:g} s "
            f"for {self.seconds:g} s on {self.workers} workers: {self.requests} "
            f"requests, {self.errors} errors; p50 {self.p50_ms:.1f} ms, "
            f"p95 {self.p95_ms:.1f} ms, p99 {self.p99_ms:.1f} ms, "
            f"max {self.max_ms:.1f} ms"
        )


# ---------------------------------------------------------------------------------
# The server: `citywall serve --no-ingest`, always stopped with its workers
# ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(
    database_url: str, profile_path: str, redis_url: str | None
) -> dict[str, str]:
    """The caller's environment with the store, the profile and a shared Redis
    cache (each worker's own without ``redis_url``); the prefix is pinned to "/"
    so the bench's URLs hold whatever is set."""
    cache = {"CITYWALL_CACHE": "redis", "CITYWALL_REDIS_URL": redis_url}
    return os.environ | {
        "CITYWALL_DATABASE_URL": database_url,
        "CITYWALL_PROFILE": str(profile_path),
        **(cache if redis_url else {"CITYWALL_CACHE": "simple"}),
        "CITYWALL_SECRET_KEY": BENCH_SECRET,
        "CITYWALL_URL_PREFIX": "/",
        "CITYWALL_PROXY_STRIPS_PREFIX": "false",
        # signed in as the intranet's proxy signs users in (see ``signed_in``)
        "CITYWALL_PROXY_USER_HEADER": USER_HEADER,
        "CITYWALL_PROXY_ROLE_HEADER": ROLE_HEADER,
        "CITYWALL_TRUSTED_PROXIES": "127.0.0.1",
    }


USER_HEADER, ROLE_HEADER = "X-Remote-User", "X-Remote-Role"


def identity_headers(role: str = "staff") -> dict[str, str]:
    """What the city's reverse proxy adds for a signed-in user of ``role``."""
    return {USER_HEADER: f"bench-{role}", ROLE_HEADER: role}


def signed_in(role: str = "staff") -> requests.Session:
    """An HTTP session the wall takes for a user of ``role``."""
    session = requests.Session()
    session.headers.update(identity_headers(role))
    return session


@dataclass(frozen=True)
class Server:
    """A running server: where it answers and what it printed."""

    url: str
    output: IO[bytes]  # what gunicorn and the app print, tracebacks included
    pid: int  # gunicorn's master (`citywall serve` itself); workers: its children

    def tail(self, lines: int = 40) -> str:
        """The last lines; ``pread`` leaves the offset the server writes at alone."""
        fd = self.output.fileno()
        text = os.pread(fd, os.fstat(fd).st_size, 0).decode("utf-8", "replace")
        return "\n".join(text.splitlines()[-lines:])


@contextmanager
def serving(
    database_url: str,
    profile_path: str,
    redis_url: str | None,
    *,
    workers: int = 2,
    port: int = 0,
    env: dict[str, str] | None = None,
) -> Iterator[Server]:
    """The wall served by gunicorn with ``workers`` workers (``env`` added to
    its environment). The whole process group is stopped on the way out,
    whatever happened."""
    port = port or free_port()
    command = [sys.executable, "-m", "citywall.cli", "serve", "--no-ingest"]
    command += ["--workers", str(workers), "--port", str(port)]
    with tempfile.TemporaryFile() as output:
        server = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=server_env(database_url, profile_path, redis_url) | (env or {}),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: the workers go with it
        )
        served = Server(f"http://127.0.0.1:{port}", output, server.pid)
        try:
            _wait_until_up(served, server)
            try:
                yield served
            except Exception:  # what went wrong is often in the server's output
                log.warning("server output:\n%s", served.tail())
                raise
        finally:
            _stop(server)


def _wait_until_up(served: Server, server: subprocess.Popen) -> None:
    """Until the app draws its shell; an app that answers with an error will not
    get better by waiting: its output says why."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(
                f"the server exited with {server.returncode}:\n{served.tail()}"
            )
        try:
            answer = requests.get(
                f"{served.url}/_dash-layout",
                headers=identity_headers(),
                timeout=TIMEOUT,
            )
        except requests.RequestException:
            time.sleep(0.2)
            continue
        if answer.status_code == 200:
            return
        raise RuntimeError(
            f"the app answers /_dash-layout with HTTP {answer.status_code}:\n"
            f"{served.tail()}"
        )
    raise RuntimeError(f"the server did not answer in {START_TIMEOUT:g} s")


def _stop(server: subprocess.Popen) -> None:
    """SIGTERM to the group (gunicorn stops its workers), SIGKILL if it lingers."""
    if server.poll() is not None:
        return
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(STOP_TIMEOUT)
    except ProcessLookupError:
        server.wait(STOP_TIMEOUT)


# ---------------------------------------------------------------------------------
# Dash requests as dash-renderer builds them
# ---------------------------------------------------------------------------------

Id = str | dict[str, Any]
WILDCARDS = ("MATCH", "ALL", "ALLSMALLER")
# what a dcc.Location reads from the browser's address bar on mount
ADDRESS_PROPS = ("pathname", "search", "hash")


def stringify_id(id_: Id) -> str:
    """dash-renderer's ``stringifyId``: sorted keys, no spaces, wildcards bare."""
    if not isinstance(id_, dict):
        return id_
    parts = []
    for key in sorted(id_):
        value = id_[key]
        wild = _wildcard(value)
        parts.append(json.dumps(key) + ":" + (wild or json.dumps(value)))
    return "{" + ",".join(parts) + "}"


def _wildcard(value: Any) -> str | None:
    """``["MATCH"]`` (how dependencies list a wildcard) → ``"MATCH"``."""
    if isinstance(value, list) and len(value) == 1 and value[0] in WILDCARDS:
        return value[0]
    return None


def parse_id(text: str) -> Id:
    return json.loads(text) if text.startswith("{") else text


def split_prop(text: str) -> tuple[Id, str]:
    """``'id.prop'`` or ``'{"a":1}.prop'`` → (id, prop), as ``parsePMCId`` does."""
    if text.startswith("{"):
        end = text.rindex("}")
        return json.loads(text[: end + 1]), text[end + 2 :]
    id_, _, prop = text.partition(".")
    return id_, prop


def output_specs(output: str) -> list[tuple[Id, str]]:
    """A callback's ``output`` string → its (id, property) pairs."""
    if output.startswith(".."):
        return [split_prop(part) for part in output[2:-2].split("...")]
    return [split_prop(output)]


def components(tree: Any) -> Iterator[dict]:
    """Every component in a serialised layout, depth first."""
    if isinstance(tree, list):
        for item in tree:
            yield from components(item)
    elif isinstance(tree, dict):
        if "type" in tree and "namespace" in tree and "props" in tree:
            yield tree
            tree = tree["props"]
        for value in tree.values():
            yield from components(value)


def id_matches(pattern: Id, id_: Any) -> bool:
    if not isinstance(pattern, dict):
        return pattern == id_
    if not isinstance(id_, dict) or id_.keys() != pattern.keys():
        return False
    return all(_wildcard(v) or v == id_[k] for k, v in pattern.items())


def bind(pattern: Id, bindings: dict[str, Any]) -> Id:
    """A pattern with its MATCH keys replaced by the trigger's values."""
    if not isinstance(pattern, dict):
        return pattern
    return {
        k: bindings[k] if _wildcard(v) == "MATCH" else v for k, v in pattern.items()
    }


@dataclass(frozen=True)
class Screen:
    """What one browser tab holds: the shell and its page, at an address."""

    path: str
    layouts: tuple[Any, ...]

    def find(self, pattern: Id) -> list[dict]:
        return [
            c
            for layout in self.layouts
            for c in components(layout)
            if id_matches(pattern, c["props"].get("id"))
        ]

    def value_of(self, component: dict, prop: str) -> tuple[bool, Any]:
        """(known, value): a Location knows the address, others their props."""
        if component["type"] == "Location" and prop in ADDRESS_PROPS:
            return True, self.path if prop == "pathname" else ""
        props = component["props"]
        return prop in props, props.get(prop)


@dataclass(frozen=True)
class Request:
    """One callback request of one screen; ``body(n)`` fills the trigger's value."""

    kind: str
    path: str
    template: dict[str, Any]
    trigger: int  # its position in ``inputs``
    expected: frozenset[str]  # "id.prop" of every output the answer must hold

    def body(self, value: Any) -> dict[str, Any]:
        inputs = list(self.template["inputs"])
        inputs[self.trigger] = inputs[self.trigger] | {"value": value}
        return self.template | {"inputs": inputs}


def build_request(
    kind: str, screen: Screen, spec: dict, trigger: tuple[Id, str]
) -> Request:
    """The body dash-renderer posts for ``spec`` when ``trigger`` (a concrete
    component id and property on ``screen``) changes."""
    trigger_id, trigger_prop = trigger
    bindings: dict[str, Any] = {}
    for dep in spec["inputs"]:
        pattern = parse_id(dep["id"])
        if dep["property"] == trigger_prop and id_matches(pattern, trigger_id):
            if isinstance(pattern, dict):
                bindings = {
                    k: trigger_id[k] for k, v in pattern.items() if _wildcard(v)
                }
            break
    else:
        raise ValueError(f"{spec['output']} is not triggered by {trigger}")

    def resolve(pattern: Id, prop: str, with_value: bool) -> dict | list[dict]:
        pattern = bind(pattern, bindings)
        found = screen.find(pattern)
        multi = isinstance(pattern, dict) and any(map(_wildcard, pattern.values()))
        if not found and not multi:
            raise LookupError(f"{screen.path}: no component {stringify_id(pattern)}")
        items = []
        for component in found:
            item = {"id": component["props"]["id"], "property": prop}
            known, value = screen.value_of(component, prop)
            if with_value and known:  # JSON.stringify drops an undefined value
                item["value"] = value
            items.append(item)
        return items if multi else items[0]

    outputs = [resolve(i, p, False) for i, p in output_specs(spec["output"])]
    inputs = [resolve(parse_id(d["id"]), d["property"], True) for d in spec["inputs"]]
    state = [resolve(parse_id(d["id"]), d["property"], True) for d in spec["state"]]
    changed = f"{stringify_id(trigger_id)}.{trigger_prop}"
    template = {
        "output": spec["output"],
        "outputs": outputs if spec["output"].startswith("..") else outputs[0],
        "inputs": inputs,
        "changedPropIds": [changed],
        "parsedChangedPropsIds": [
            trigger_id if isinstance(trigger_id, dict) else changed
        ],
    }
    if state:
        template["state"] = state
    position = next(
        i
        for i, item in enumerate(inputs)
        if isinstance(item, dict)
        and item["id"] == trigger_id
        and item["property"] == trigger_prop
    )
    expected = frozenset(
        f"{stringify_id(o['id'])}.{o['property'].split('@')[0]}" for o in _flat(outputs)
    )
    return Request(kind, screen.path, template, position, expected)


def _flat(items: list) -> Iterator[dict]:
    for item in items:
        yield from _flat(item) if isinstance(item, list) else (item,)


def answered_outputs(body: Any) -> set[str]:
    """The "id.prop" outputs a Dash answer carries (empty if it is not one)."""
    if not isinstance(body, dict) or not isinstance(body.get("response"), dict):
        return set()
    return {
        f"{component}.{prop}"
        for component, props in body["response"].items()
        if isinstance(props, dict)
        for prop in props
    }


def answer_error(response: requests.Response, request: Request) -> str | None:
    """Why an answer is not what the screen needs, or None. The digest stores are
    empty, so a good answer holds every output of the callback."""
    if response.status_code != 200:
        return f"{request.kind} {request.path}: HTTP {response.status_code} " + (
            response.text[:200].replace("\n", " ")
        )
    try:
        got = answered_outputs(response.json())
    except ValueError:
        return f"{request.kind} {request.path}: not JSON: {response.text[:200]!r}"
    if got != request.expected:
        missing = sorted(request.expected - got)
        extra = sorted(got - request.expected)
        return (
            f"{request.kind} {request.path}: not the Dash answer expected "
            f"(missing {missing}, unexpected {extra})"
        )
    return None


def post(
    session: requests.Session, url: str, body: dict, timeout: float = TIMEOUT
) -> requests.Response:
    return session.post(
        f"{url}/{UPDATE_PATH}",
        data=json.dumps(body),
        headers=JSON_HEADERS,
        timeout=timeout,
    )


# ---------------------------------------------------------------------------------
# The screens: the app's own callbacks and pages
# ---------------------------------------------------------------------------------


def _page_container() -> Any:
    """``dash.page_container`` serialised: where the pages router reads the address."""
    import dash
    from plotly.utils import PlotlyJSONEncoder

    return json.loads(json.dumps(dash.page_container, cls=PlotlyJSONEncoder))


class App:
    """The running app as a browser sees it: its callbacks, shell and pages."""

    def __init__(self, url: str, session: requests.Session) -> None:
        self.url, self.session = url, session
        self.specs = self._get("_dash-dependencies")
        self.shell = self._get("_dash-layout")
        self._screens: dict[str, Screen] = {}

    def _get(self, route: str) -> Any:
        response = self.session.get(f"{self.url}/{route}", timeout=TIMEOUT)
        response.raise_for_status()
        return response.json()

    def screen(self, path: str) -> Screen:
        """The shell with the page at ``path``, as the pages router draws it."""
        if path not in self._screens:
            self._screens[path] = Screen(path, (self.shell, self._page(path)))
        return self._screens[path]

    def router(self, path: str) -> Request:
        """The request the pages router answers with the page at ``path``."""
        location = next(
            c["props"]["id"]
            for c in components(_page_container())
            if c["type"] == "Location"
        )
        bare = Screen(path, (self.shell,))
        spec = self._server_spec(location, "pathname")
        return build_request("router", bare, spec, (location, "pathname"))

    def _page(self, path: str) -> Any:
        request = self.router(path)
        response = post(self.session, self.url, request.body(path), FIRST_TIMEOUT)
        error = answer_error(response, request)
        if error:
            raise RuntimeError(f"the page {path} did not draw: {error}")
        return list(response.json()["response"].values())

    def _server_specs(self, id_: Id, prop: str) -> list[dict]:
        """The server callbacks ``id_.prop`` is an input of."""
        return [
            s
            for s in self.specs
            if not s.get("clientside_function")
            and any(
                d["property"] == prop and id_matches(parse_id(d["id"]), id_)
                for d in s["inputs"]
            )
        ]

    def _server_spec(self, id_: Id, prop: str) -> dict:
        specs = self._server_specs(id_, prop)
        if len(specs) != 1:
            outputs = [s["output"] for s in specs]
            raise LookupError(
                f"expected one server callback on {stringify_id(id_)}.{prop}, "
                f"found {outputs}"
            )
        return specs[0]

    def refresh(self, kind: str, path: str) -> Request:
        """The request the page at ``path`` posts on its refresh timer: the one
        server callback fed by the ``n_intervals`` of a timer in the page itself
        (the shell's timers — clock, build check — run in the browser)."""
        screen = self.screen(path)
        timers = [
            c["props"]["id"]
            for c in components(screen.layouts[1])
            if c["type"] == "Interval"
            and self._server_specs(c["props"]["id"], "n_intervals")
        ]
        if not timers:
            raise LookupError(f"{path}: no refresh timer")
        # the page's own refresh, the timer that redraws the most (the overview's
        # panel of what is unusual has a slower timer of its own, left out)
        timer = max(timers, key=lambda t: _outputs(self._server_spec(t, "n_intervals")))
        spec = self._server_spec(timer, "n_intervals")
        return build_request(kind, screen, spec, (timer, "n_intervals"))


def _outputs(spec: dict) -> int:
    """How many outputs a callback has ("a.children...b.figure" for several)."""
    return spec["output"].count("...") + 1


def client_pages(profile_path: str, walls: int, staff: int) -> list[tuple[str, str]]:
    """(kind, path) per client: walls on the overview; staff round-robin over a
    district page (the next district each time) and the domain pages. The kind
    names the page ("staff:district", "staff:traffic"), for the report per page."""
    from city.profile import load_profile

    profile = load_profile(Path(profile_path))
    codes = [d.code for d in profile.districts]
    pages: list[tuple[str, str]] = [("wall", "/")] * walls
    stations = [("district", ""), *((d.id, d.path) for d in profile.domains)]
    for i in range(staff):
        name, path = stations[i % len(stations)]
        if name == "district":
            path = f"/district/{codes[(i // len(stations)) % len(codes)]}"
        pages.append((f"staff:{name}", path))
    return pages


def staggered(pages: list[tuple[str, str]], every: float) -> list[float]:
    """Start offsets in [0, every): each kind spread evenly over the period, so
    walls and staff interleave instead of arriving in blocks."""
    counts = Counter(kind for kind, _ in pages)
    seen: dict[str, int] = {}
    offsets = []
    for kind, _ in pages:
        i = seen[kind] = seen.get(kind, -1) + 1
        offsets.append((i + 0.5) / counts[kind] * every)
    return offsets


# ---------------------------------------------------------------------------------
# The clients
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    kind: str
    at: float  # monotonic time the request was sent
    seconds: float
    error: str | None


def _client(
    url: str,
    request: Request,
    session: requests.Session,
    start: float,
    stop: float,
    every: float,
    abort: threading.Event,
    out: list[Sample],
) -> None:
    """Tick at ``start``, then ``every`` seconds after each answer, until ``stop``."""
    with session:
        n, next_at = 0, start
        while next_at < stop and not abort.wait(max(0.0, next_at - time.monotonic())):
            n += 1
            sent = time.monotonic()
            t0 = time.perf_counter()
            try:
                response = post(session, url, request.body(n))
                seconds = time.perf_counter() - t0
                error = answer_error(response, request)
                if error is None and seconds > TIMEOUT:
                    error = f"{request.kind} {request.path}: {seconds:.1f} s"
            except Exception as exc:  # refused, timed out, cut: counted, go on
                seconds = time.perf_counter() - t0
                error = f"{request.kind} {request.path}: {type(exc).__name__}: {exc}"
            out.append(Sample(request.kind, sent, seconds, error))
            next_at = time.monotonic() + every


def warm_up(
    url: str,
    requests_: list[Request],
    workers: int,
    new_session: Callable[[], requests.Session] = signed_in,
) -> None:
    """Each distinct page's refresh once per worker, in parallel so that every
    worker gets some; any failure stops the run before it starts."""
    distinct = list({r.path: r for r in requests_}.values())

    def one(request: Request) -> str | None:
        with new_session() as session:
            return answer_error(
                post(session, url, request.body(1), FIRST_TIMEOUT), request
            )

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for error in pool.map(one, distinct * workers):
            if error:
                raise RuntimeError(f"refused before any load: {error}")


def run_clients(
    url: str,
    requests_: list[Request],
    every: float,
    seconds: float,
    sessions: list[requests.Session] | None = None,
) -> list[Sample]:
    """Every client on its own thread for ``seconds`` (answers still on their way
    then are waited for, at most ``TIMEOUT``), each with its session of
    ``sessions`` (by default one signed in through the proxy's headers)."""
    sessions = sessions or [signed_in() for _ in requests_]
    abort = threading.Event()
    begin = time.monotonic() + 0.5  # time for every thread to be up
    offsets = staggered([(r.kind, r.path) for r in requests_], every)
    results: list[list[Sample]] = [[] for _ in requests_]
    threads = [
        threading.Thread(
            target=_client,
            args=(url, r, session, begin + o, begin + seconds, every, abort, out),
            name=f"{r.kind}-{i}",
            daemon=True,
        )
        for i, (r, session, o, out) in enumerate(
            zip(requests_, sessions, offsets, results)
        )
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        abort.set()
    return [sample for out in results for sample in out]


def percentiles(seconds: list[float]) -> tuple[float, float, float, float]:
    """p50, p95, p99 and max in milliseconds (zeros when nothing was measured)."""
    ms = sorted(x * 1000 for x in seconds)
    if len(ms) < 2:
        return (ms[0],) * 4 if ms else (0.0,) * 4
    cuts = statistics.quantiles(ms, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98], ms[-1]


def summarise(samples: list[Sample], **shape: Any) -> LoadResult:
    """Percentiles over every request, failed ones included: a slow error is
    slow too."""
    p50, p95, p99, top = percentiles([s.seconds for s in samples])
    errors = sorted((s for s in samples if s.error), key=lambda s: s.at)
    return LoadResult(
        **shape,
        requests=len(samples),
        errors=len(errors),
        p50_ms=p50,
        p95_ms=p95,
        p99_ms=p99,
        max_ms=top,
        error_samples=tuple(s.error for s in errors[:MAX_ERROR_SAMPLES]),
    )


def log_by_kind(samples: list[Sample]) -> None:
    """The same figures per page: which refresh is the slow one."""
    for kind in sorted({s.kind for s in samples}):
        mine = [s for s in samples if s.kind == kind]
        p50, p95, p99, top = percentiles([s.seconds for s in mine])
        log.info(
            "%-17s %5d requests, %d errors; p50 %6.1f ms, p95 %6.1f ms, "
            "p99 %6.1f ms, max %6.1f ms",
            kind,
            len(mine),
            sum(s.error is not None for s in mine),
            p50,
            p95,
            p99,
            top,
        )


def plan(
    url: str,
    profile_path: str,
    walls: int,
    staff: int,
    session: requests.Session | None = None,
) -> list[Request]:
    """One request per client, read from the running app (as ``session``'s user:
    by default one the proxy's headers sign in)."""
    with session or signed_in() as session:
        app = App(url, session)
        return [
            app.refresh(kind, path)
            for kind, path in client_pages(profile_path, walls, staff)
        ]


def resolve_profile(path: str) -> Path:
    """A relative profile path is looked up in the working folder first, then in
    the project's, as the settings do: the server runs in the project folder."""
    candidate = Path(path).expanduser()
    if candidate.is_absolute() or candidate.exists():
        return candidate.resolve()
    return (PROJECT_ROOT / candidate).resolve()


def run_load(
    database_url: str,
    profile_path: str,
    redis_url: str,
    *,
    walls: int = 50,
    staff: int = 100,
    every: float = 5.0,
    seconds: float = 60.0,
    workers: int = 2,
    port: int = 0,
) -> LoadResult:
    """Serve the store with ``workers`` gunicorn workers and a Redis cache, and
    refresh ``walls`` overviews and ``staff`` staff pages every ``every`` seconds
    for ``seconds``; the server is stopped afterwards, even on error."""
    profile_path = str(resolve_profile(profile_path))
    shape = dict(
        walls=walls, staff=staff, every_seconds=every, seconds=seconds, workers=workers
    )
    with serving(
        database_url, profile_path, redis_url, workers=workers, port=port
    ) as server:
        requests_ = plan(server.url, profile_path, walls, staff)
        warm_up(server.url, requests_, workers)
        samples = run_clients(server.url, requests_, every, seconds)
        if any(s.error for s in samples):
            log.warning("server output:\n%s", server.tail())
    log_by_kind(samples)
    return summarise(samples, **shape)


def client_options(
    parser: argparse.ArgumentParser, *, walls: int, staff: int, seconds: float
) -> None:
    """The options of a run of clients against a served store."""
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--profile", required=True, help="the city profile (TOML)")
    parser.add_argument("--redis-url", required=True, help="the shared cache")
    parser.add_argument("--walls", type=int, default=walls)
    parser.add_argument("--staff", type=int, default=staff)
    parser.add_argument("--every", type=float, default=5.0, help="seconds")
    parser.add_argument("--seconds", type=float, default=seconds, help="of load")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn's")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    client_options(parser, walls=50, staff=100, seconds=60.0)
    parser.add_argument("--port", type=int, default=0, help="0: a free one")
    args = parser.parse_args(argv)
    # `timeout` or a CI job stops us with SIGTERM: unwind, so the server goes too
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    result = run_load(
        args.database_url,
        args.profile,
        args.redis_url,
        walls=args.walls,
        staff=args.staff,
        every=args.every,
        seconds=args.seconds,
        workers=args.workers,
        port=args.port,
    )
    print(result.line())
    for sample in result.error_samples:
        print(f"  error: {sample}")
    return 0 if result.errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
