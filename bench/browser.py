"""What a wall's browser sees: how soon the overview is drawn, and how much each
refresh sends.

Three of the targets are measured in headless chromium against a running CityWall
server (the caller owns the server and its data):

- *Drawn*: seconds from navigation start (``performance.timeOrigin``) to the first
  moment the KPI tiles show values, the map's district paths exist, and the stage
  banner and the freshness strip are there. A script injected before any of the
  page's own (``Page.addScriptToEvaluateOnNewDocument``) checks on every DOM
  mutation and stamps ``performance.now()``: exact to the mutation (Chrome's clock
  is coarsened to 0.1 ms), the paint follows within a frame (logged as well).
  Selenium only polls for the result. The map is the offline one (``go.Choropleth``,
  SVG paths); a profile with its own tile server draws on a canvas instead and is
  not timed here.
- *Bytes per refresh tick*: the same script wraps ``window.fetch`` and counts, for
  each ``/_dash-update-component`` request of the overview's refresh timer, the
  request body and the response body in bytes (the server sends no
  ``Content-Encoding``, so body bytes are the bytes on the wire less ~200 bytes of
  headers), and which outputs the answer held.
- *Heap*: the long-run test ``tests/browser/test_memory.py`` writes its figures to
  ``docs/screenshots/heap-<size>.json``; they are read back as they are.

Ticks are driven by the measurement rather than by the clock: the page's timer is
slowed to a crawl and each tick sets the timer's ``n_intervals`` as the timer does,
which sends the very request the timer sends. The caller's ``on_tick`` writes new
data before each tick, so that the ticks are not only the nothing-changed case.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from bench.load import identity_headers

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from city.profile import CityProfile

log = logging.getLogger(__name__)

SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
CHROMIUM = os.environ.get("DASH_TEST_CHROMEPATH", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("SE_CHROMEDRIVER", "/usr/bin/chromedriver")
TIMEOUT_S = 30.0
# The page's own timer, slowed so that only the measurement's ticks happen
# (setInterval overflows above 2**31 - 1 ms and would fire at once).
IDLE_INTERVAL_MS = 1_000_000_000

# Runs in every new document before the page's scripts: the draw observer and the
# fetch counter. Everything it learns is kept on ``window.__bench``.
PAGE_SCRIPT = """
(() => {
  const bench = window.__bench = {
    marks: {}, drawn: null, painted: null, ticks: [], pending: 0, n: 1000,
  };
  const all = (selector) => Array.from(document.querySelectorAll(selector));
  const parts = {
    tiles: () => {
      const values = all('#tiles .kpi-tile .tile-value');
      return values.length > 0 && values.every(v => v.textContent.trim() !== '');
    },
    map: () => all('#city-map path.choroplethlocation').length > 0,
    banner: () => document.querySelector('#stage-banner .stage-banner') !== null,
    freshness: () => document.querySelector('#freshness > *') !== null,
  };
  const observer = new MutationObserver(() => {
    const now = performance.now();
    let every = true;
    for (const [name, ready] of Object.entries(parts)) {
      const ok = ready();
      if (ok && !(name in bench.marks)) bench.marks[name] = now;
      every = every && ok;
    }
    if (every) {
      bench.drawn = now;
      observer.disconnect();
      requestAnimationFrame(() => { bench.painted = performance.now(); });
    }
  });
  observer.observe(document, {childList: true, subtree: true, characterData: true});

  const isRefresh = (url, body) => {
    if (!String(url).includes('_dash-update-component') || !body) return false;
    try {
      return (JSON.parse(body).changedPropIds || []).some(
        p => p.includes('"page":"overview"') && p.endsWith('.n_intervals'));
    } catch (e) { return false; }
  };
  const outputsOf = (buffer) => {
    const sizes = {};
    if (!buffer.byteLength) return sizes;
    const answer = JSON.parse(new TextDecoder().decode(buffer)).response || {};
    for (const [id, props] of Object.entries(answer)) {
      for (const [prop, value] of Object.entries(props)) {
        sizes[`${id}.${prop}`] = new TextEncoder().encode(JSON.stringify(value)).length;
      }
    }
    return sizes;
  };
  const send = window.fetch;
  window.fetch = function (url, options) {
    const answer = send.apply(this, arguments);
    const body = options && typeof options.body === 'string' ? options.body : '';
    if (isRefresh(url, body)) {
      const tick = {request: new TextEncoder().encode(body).length, response: 0,
                    start: performance.now()};
      bench.pending += 1;
      answer
        .then(r => r.clone().arrayBuffer().then(buffer => {
          tick.status = r.status;
          tick.encoding = r.headers.get('content-encoding');
          tick.response = buffer.byteLength;
          tick.outputs = outputsOf(buffer);
        }))
        .catch(e => { tick.error = String(e); })
        .finally(() => {
          tick.end = performance.now();
          bench.ticks.push(tick);
          bench.pending -= 1;
        });
    }
    return answer;
  };
})();
"""

OVERVIEW_TIMER = "{type: 'refresh', page: 'overview'}"
SLOW_TIMER = (
    f"dash_clientside.set_props({OVERVIEW_TIMER}, {{interval: {IDLE_INTERVAL_MS}}});"
)
# What the timer does when it fires: a new n_intervals, which Dash sends on.
TICK = (
    "window.__bench.n += 1;"
    f"dash_clientside.set_props({OVERVIEW_TIMER}, {{n_intervals: window.__bench.n}});"
)


@dataclass(frozen=True)
class BrowserResult:
    """Draw times in seconds (the first load apart: a fresh browser, and the
    server's first page if the caller just started it; median and max over the
    loads after it) and bytes per refresh tick (response bodies, and the largest
    request body), with the long-run heap test's figures per window size."""

    draw_first_s: float
    draw_median_s: float
    draw_max_s: float
    loads: int
    tick_bytes_median: int
    tick_bytes_max: int
    tick_request_bytes_max: int
    ticks: int
    heap: dict[str, dict]  # "1920x1080" -> the JSON's content


@dataclass(frozen=True)
class Load:
    drawn_s: float  # everything in the DOM
    painted_s: float  # the frame after
    parts_s: dict[str, float]  # when each part first showed

    def __str__(self) -> str:
        parts = ", ".join(f"{k} {v:.3f}" for k, v in sorted(self.parts_s.items()))
        return f"drawn {self.drawn_s:.3f} s, painted {self.painted_s:.3f} s ({parts})"


@dataclass(frozen=True)
class Tick:
    request: int  # bytes of the request body
    response: int  # bytes of the response body
    seconds: float  # the round trip
    outputs: dict[str, int]  # "tiles.children" -> bytes of its value

    def __str__(self) -> str:
        outputs = ", ".join(f"{k} {v:,}" for k, v in self.outputs.items()) or "none"
        return (
            f"{self.response:,} B back, {self.request:,} B sent, "
            f"{self.seconds * 1000:.0f} ms; outputs: {outputs}"
        )


def measure_browser(
    base_url: str,
    *,
    loads: int = 5,
    ticks: int = 20,
    window: tuple[int, int] = (1920, 1080),
    on_tick: Callable[[int], None] | None = None,
) -> BrowserResult:
    """Load the overview ``loads`` times, then drive ``ticks`` refreshes of the
    last load, calling ``on_tick(i)`` before tick ``i`` (0-based) so that the
    caller can write new data into the store. Each load and tick is logged."""
    if loads < 1 or ticks < 1:
        raise ValueError("measure_browser needs at least one load and one tick")
    driver = _chromium(window)
    try:
        drawn = _loads(driver, base_url, loads)
        done = _ticks(driver, ticks, on_tick)
    finally:
        driver.quit()
    warm = [d.drawn_s for d in drawn[1:]] or [drawn[0].drawn_s]
    sizes = [t.response for t in done]
    return BrowserResult(
        draw_first_s=drawn[0].drawn_s,
        draw_median_s=round(statistics.median(warm), 3),
        draw_max_s=max(warm),
        loads=loads,
        tick_bytes_median=round(statistics.median(sizes)),
        tick_bytes_max=max(sizes),
        tick_request_bytes_max=max(t.request for t in done),
        ticks=ticks,
        heap=heap_figures(),
    )


def _loads(driver: webdriver.Chrome, url: str, n: int) -> list[Load]:
    drawn = []
    for i in range(n):
        drawn.append(_load(driver, url))
        log.info("load %d: %s", i, drawn[-1])
    return drawn


def _ticks(
    driver: webdriver.Chrome, n: int, on_tick: Callable[[int], None] | None
) -> list[Tick]:
    driver.execute_script(SLOW_TIMER)
    done = []
    for i in range(n):
        if on_tick is not None:
            on_tick(i)
        done.append(_tick(driver))
        log.info("tick %d: %s", i, done[-1])
    biggest = max(range(n), key=lambda i: done[i].response)
    log.info("biggest: tick %d", biggest)
    return done


def heap_figures(folder: Path = SCREENSHOTS) -> dict[str, dict]:
    """The long-run heap test's figures per window size, as it wrote them."""
    return {
        path.stem.removeprefix("heap-"): json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(folder.glob("heap-*.json"))
    }


def _chromium(window: tuple[int, int]) -> webdriver.Chrome:
    """Headless chromium with the page script in place and the viewport at
    ``window`` exactly (a window would lose some of it to the frame)."""
    width, height = window
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        f"--window-size={width},{height}",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        # no calls home on a machine without internet
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        driver.execute_cdp_cmd(
            "Page.addScriptToEvaluateOnNewDocument", {"source": PAGE_SCRIPT}
        )
        # signed in as the intranet's proxy signs staff in
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd(
            "Network.setExtraHTTPHeaders", {"headers": identity_headers()}
        )
    except Exception:
        driver.quit()
        raise
    return driver


def _load(driver: webdriver.Chrome, url: str) -> Load:
    """One navigation to the overview, from a blank page so that it is a new one."""
    driver.get("about:blank")
    driver.get(url)
    state = _wait_for(
        driver,
        "const b = window.__bench;"
        "return b && b.drawn !== null && b.painted !== null ? b : null;",
        f"the overview at {url} was not drawn",
    )
    return Load(
        drawn_s=round(state["drawn"] / 1000, 3),
        painted_s=round(state["painted"] / 1000, 3),
        parts_s={k: round(v / 1000, 3) for k, v in state["marks"].items()},
    )


def _tick(driver: webdriver.Chrome) -> Tick:
    """One refresh of the overview, once the last one is answered."""
    _settle(driver)
    before = driver.execute_script("return window.__bench.ticks.length")
    driver.execute_script(TICK)
    tick = _wait_for(
        driver,
        "const b = window.__bench;"
        f"return b.ticks.length > {before} && b.pending === 0 ? b.ticks.at(-1) : null;",
        "the overview's refresh was not answered",
    )
    if tick.get("error") or tick.get("status") not in (200, 204):
        raise RuntimeError(f"a refresh failed: {tick}")
    if tick.get("encoding"):
        log.warning("answers are %s-encoded: bytes are decoded sizes", tick["encoding"])
    return Tick(
        request=tick["request"],
        response=tick["response"],
        seconds=(tick["end"] - tick["start"]) / 1000,
        outputs=tick.get("outputs") or {},
    )


def _settle(driver: webdriver.Chrome) -> None:
    """Until no refresh is in flight (the page's own timer may have fired)."""
    _wait_for(
        driver,
        "return window.__bench.pending === 0 ? true : null;",
        "a refresh never came back",
    )


def _wait_for(driver: webdriver.Chrome, script: str, failure: str) -> Any:
    """The script's first non-null answer, polled every 50 ms."""
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        answer = driver.execute_script(script)
        if answer is not None:
            return answer
        time.sleep(0.05)
    raise TimeoutError(f"{failure} within {TIMEOUT_S:.0f} s")


def pull_sources(
    engine: Engine, profile: CityProfile, lag: timedelta = timedelta(0)
) -> Callable[[int], None]:
    """An ``on_tick`` that pulls the profile's sources until caught up, as the live
    ingest does between two refreshes of a real wall.

    The KPI layer reads the store as of the start of its current 5-second bucket,
    so a record stamped a moment ago shows only a few seconds later; with the
    feeds' clock ``lag`` behind (10 s is enough), what each pull brings is on the
    very next tick, as from a feed with that much latency."""
    from city.geo import DistrictLocator
    from ingest.runner import SourceRunner, run_until_caught_up, utcnow

    locator = DistrictLocator(profile)
    runners = [
        SourceRunner(
            engine, profile, source, locator=locator, clock=lambda: utcnow() - lag
        )
        for source in profile.sources
    ]

    def pull(_tick: int) -> None:
        for runner in runners:
            log.info("pulled: %s", run_until_caught_up(runner).line())

    return pull


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.browser", description=__doc__
    )
    parser.add_argument("--url", default="http://127.0.0.1:8050/")
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--ticks", type=int, default=20)
    parser.add_argument("--window", default="1920x1080", help="WIDTHxHEIGHT")
    parser.add_argument(
        "--ingest",
        action="store_true",
        help="pull the sources before each tick (set CITYWALL_DATA_DIR or "
        "CITYWALL_DATABASE_URL and CITYWALL_PROFILE as for the server)",
    )
    parser.add_argument(
        "--lag",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="with --ingest: the feeds' clock this far behind, so that each pull "
        "shows on the next tick (see pull_sources)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    width, height = (int(n) for n in args.window.lower().split("x"))
    result = measure_browser(
        args.url,
        loads=args.loads,
        ticks=args.ticks,
        window=(width, height),
        on_tick=_puller(timedelta(seconds=args.lag)) if args.ingest else None,
    )
    print(json.dumps(asdict(result), indent=2))
    return 0


def _puller(lag: timedelta) -> Callable[[int], None]:
    """``pull_sources`` on the store and profile the environment names."""
    from web import runtime

    return pull_sources(runtime.engine(), runtime.profile(), lag)


if __name__ == "__main__":
    raise SystemExit(main())
