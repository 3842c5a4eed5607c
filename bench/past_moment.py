"""Pages at a past moment, timed on a kept year: ``python -m bench.past_moment``.

After a flood night the mayor's office opens the wall as it was at 02:00 (``?at=``,
``pages._moment``). Each sample is one page at one moment nobody asked for before
(a random minute of the year's kept rollups, a seeded draw): the pages router's
answer for the address and the page's first refresh, both as dash-renderer posts
them, to a one-worker gunicorn on 127.0.0.1, one page at a time. The pages turn
through the overview, a domain page (30 days) and a district page. The issue's
target: a past moment inside the kept rollups draws within the page targets,
2 s.

The year is the one ``citywall bench`` keeps in ``--data`` (``year.db``, and the
``…_year`` PostgreSQL database beside ``--postgres-url``); this module does not
build it.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import requests
from sqlalchemy import make_url

from bench.dataset import StoreInfo
from bench.load import (
    FIRST_TIMEOUT,
    App,
    Request,
    answer_error,
    percentiles,
    post,
    serving,
    signed_in,
)
from bench.readme import write_between
from city.profile import CityProfile, load_profile

log = logging.getLogger("bench")
TARGET_MS = 2000.0
SAMPLES = 100  # a p95 of at least 100 samples
MARKERS = ("<!-- past-moment:start -->", "<!-- past-moment:end -->")
# the first week is the usual weeks' history, the last day the live wall's
KEPT_MARGIN = (timedelta(days=8), timedelta(days=1))


@dataclass(frozen=True)
class MomentTimes:
    store: str
    pages: dict[str, list[float]]  # milliseconds, per page path
    moments: int

    @property
    def every(self) -> list[float]:
        return [ms for times in self.pages.values() for ms in times]


def with_search(request: Request, value: object, search: str) -> dict:
    """``request``'s body with ``value`` in its trigger and ``search`` (the
    address's query) in every input or state that reads it."""
    body = request.body(value)
    for key in ("inputs", "state"):
        body[key] = [
            item | {"value": search}
            if isinstance(item, dict) and item.get("property") == "search"
            else item
            for item in body.get(key, [])
        ]
    return body


def moments(
    info: StoreInfo,
    n: int,
    seed: int = 5,
    margin: tuple[timedelta, timedelta] = KEPT_MARGIN,
) -> list[datetime]:
    """``n`` whole minutes drawn from the kept year, past its first week (the
    usual weeks need history) and before its last day (the live wall's)."""
    first = info.start + margin[0]
    last = info.end - margin[1]
    minutes = int((last - first).total_seconds() // 60)
    rng = np.random.default_rng(seed)
    return [first + timedelta(minutes=int(m)) for m in rng.integers(0, minutes, n)]


def pages(profile: CityProfile) -> list[str]:
    """The overview, the busiest domain's page over 30 days, a district page."""
    domain = next(d for d in profile.domains if d.id == "complaints")
    return ["/", f"{domain.path}?period=30d", f"/district/{profile.districts[0].code}"]


def measure(
    database_url: str,
    profile_path: str,
    profile: CityProfile,
    redis_url: str,
    info: StoreInfo,
    samples: int = SAMPLES,
    margin: tuple[timedelta, timedelta] = KEPT_MARGIN,
) -> MomentTimes:
    """Each of ``samples`` moments drawn on one page (the pages in turn)."""
    paths = pages(profile)
    found: dict[str, list[float]] = {p: [] for p in paths}
    with serving(database_url, profile_path, redis_url, workers=1) as server:
        with signed_in() as session:
            app = App(server.url, session)
            asked = {
                p: (app.router(_bare(p)), app.refresh("staff", _bare(p))) for p in paths
            }
            for i, at in enumerate(moments(info, samples, margin=margin)):
                path = paths[i % len(paths)]
                local = at.astimezone(profile.timezone).strftime("%Y-%m-%dT%H:%M")
                search = _query(path) + ("&" if "?" in path else "?") + f"at={local}"
                router, refresh = asked[path]
                t0 = time.perf_counter()
                for request, value in ((router, _bare(path)), (refresh, 0)):
                    body = with_search(request, value, search)
                    _answered(session, server.url, request, body)
                found[path].append((time.perf_counter() - t0) * 1000)
    return MomentTimes(_store_name(database_url), found, samples)


def _bare(path: str) -> str:
    return path.split("?", 1)[0]


def _query(path: str) -> str:
    return "?" + path.split("?", 1)[1] if "?" in path else ""


def _answered(
    session: requests.Session, url: str, request: Request, body: dict
) -> None:
    response = post(session, url, body, FIRST_TIMEOUT)
    error = answer_error(response, request)
    if request.kind == "router" and not error:
        # a moment the page cannot show draws it live, with a note: not this row's
        if "moment-banner" not in response.text or "moment-problem" in response.text:
            error = f"{request.path} was drawn live: {response.text[:300]}"
    if error:
        raise RuntimeError(f"a page at a past moment did not draw: {error}")


def _store_name(url: str) -> str:
    return "SQLite" if url.startswith("sqlite") else "PostgreSQL"


def table(results: list[MomentTimes]) -> str:
    lines = [
        "| A page at a past moment, full year (p95) | Target | Measured |",
        "|---|---|---|",
    ]
    for r in results:
        p95 = percentiles([ms / 1000 for ms in r.every])[1]
        each = ", ".join(
            f"`{path}` {statistics.median(times):.0f} ms"
            for path, times in r.pages.items()
        )
        mark = "✅" if p95 <= TARGET_MS else "❌"
        lines.append(
            f"| {r.store}: the address's page and its first refresh, a moment "
            f"never asked before | ≤ {TARGET_MS:.0f} ms | {p95:.0f} ms {mark} "
            f"(n = {len(r.every)}; medians: {each}) |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    from bench.run import store_options

    parser = argparse.ArgumentParser(
        prog="python -m bench.past_moment",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    store_options(parser, scale=1.0)
    parser.add_argument("--samples", type=int, default=SAMPLES)
    parser.add_argument(
        "--store", choices=("both", "sqlite", "postgresql"), default="both"
    )
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    data = Path(args.data).resolve()
    info = StoreInfo.read(data / "year.json")
    if info is None:
        parser.error(f"no kept year in {data}: run `citywall bench` first")
    profile = load_profile(Path(args.profile))
    urls = []
    if args.store in ("both", "sqlite"):
        urls.append(f"sqlite:///{data / 'year.db'}")
    if args.store in ("both", "postgresql") and args.postgres_url:
        parsed = make_url(args.postgres_url)
        year = parsed.set(database=f"{parsed.database}_year")
        urls.append(year.render_as_string(hide_password=False))
    results = [
        measure(url, args.profile, profile, args.redis_url, info, args.samples)
        for url in urls
    ]
    text = table(results)
    print(text)
    (data / "past-moment.json").write_text(
        json.dumps([asdict(r) for r in results], indent=1)
    )
    if not args.no_write:
        write_between(MARKERS, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
