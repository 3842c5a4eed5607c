"""A page at a past moment: ``?at=<local date-time>`` (the city's clock, e.g.
``?at=2026-12-05T02:00``) draws the overview, the kiosk, a domain or a district
page as it was then (``kpis.past``).

The value comes from the address, so it is checked before anything reads it: a
date and a time of the shape above and no longer, a moment already past, and
not before the store's first record. Anything else draws the page live, with a
note saying why. Inside ``at_moment`` every answer of ``services()`` is the
moment's and every page link keeps ``at``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from urllib.parse import parse_qs

from city import i18n
from components.links import keeping
from components.moment_banner import moment_banner, moment_problem
from pages._routes import registered_at
from pages._services import live_services, reading_at

AT_SHAPE = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?")
MOST_CHARS = len("2026-12-05T02:00:00")


@dataclass(frozen=True)
class AskedMoment:
    """The moment a page was asked for: ``at`` when it can be shown, else live
    (``problem``: the catalog's ``moment.<key>`` and its values, saying why)."""

    at: datetime | None = None  # UTC
    text: str = ""  # as the address carries it, to the minute (or the second)
    problem: str | None = None
    values: dict[str, str] = field(default_factory=dict)

    @property
    def past(self) -> bool:
        return self.at is not None


LIVE = AskedMoment()


def at_in(search: str | None) -> str:
    """The ``at`` of an address's query (``?lang=ko&at=…``), or ""."""
    found = parse_qs((search or "").lstrip("?")).get("at")
    return found[-1] if found else ""


def asked_moment(value: str | None) -> AskedMoment:
    """``value`` checked: a past moment the store can show, or live and why not."""
    if not value:
        return LIVE
    shape = AT_SHAPE.fullmatch(value) if len(value) <= MOST_CHARS else None
    # echoed on the page as text (never markup), and never longer than a moment
    bad = AskedMoment(problem="bad", values={"value": value[:MOST_CHARS]})
    if shape is None:
        return bad
    zone = live_services().profile().timezone
    try:
        local = datetime(*(int(part or 0) for part in shape.groups()), tzinfo=zone)
        at = local.astimezone(UTC)
    except (ValueError, OverflowError):  # 30 February, 25:00, the year 1 in UTC
        return bad
    lang_free = {"time": value.replace("T", " ")}
    live = live_services().kpis()
    if at >= live.clock():
        return AskedMoment(problem="future", values=lang_free)
    first = live_services().kpis_at(at).first_data()
    if first is None or at < first:
        return AskedMoment(
            problem="before_first",
            values={**lang_free, "first": _local_text(first, zone) if first else "—"},
        )
    return AskedMoment(at=at, text=at_text(at, zone))


def at_text(at: datetime, zone: tzinfo) -> str:
    """``at`` as an address carries it: the city's clock, to the minute (or to
    the second when it has seconds)."""
    local = at.astimezone(zone)
    seconds = ":%S" if local.second else ""
    return local.strftime(f"%Y-%m-%dT%H:%M{seconds}")


def _local_text(at: datetime, zone) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M")


@contextmanager
def at_moment(asked: AskedMoment) -> Iterator[None]:
    """Inside: the KPI layer at the asked moment (live for ``LIVE`` or a moment
    that cannot be shown), and links that keep it to the pages that draw one."""
    kept = {"at": asked.text} if asked.past else {}
    with reading_at(asked.at), keeping(kept, draws_moments):
        yield


KIOSK, EMBED = "wall", "embed"
# the downloads a past moment's page links to: a tile's numbers, a view's records
DOWNLOADS = ("/csv/tile/", "/csv/records/")


def draws_moments(path: str) -> bool:
    """Whether the page or download at ``path`` answers at a past moment (a
    page registered with ``moment=True``, a CSV); the others (cameras, sources,
    admin...) are live only: a link to them carries no ``at``."""
    first, _, rest = path.strip("/").partition("/")
    if (first == KIOSK and not rest) or path.startswith(DOWNLOADS):
        return True
    if first == EMBED:  # the page inside it (a tile's embed is live only)
        return (
            draws_moments("/" + rest)
            if rest and not rest.startswith("tile/")
            else False
        )
    found = registered_at(path)
    return bool(found and found.get("moment"))


def moment_notice(asked: AskedMoment, lang: str, live_href: str | None) -> list:
    """What the page says of its moment: the banner at a past moment, the
    problem when one was asked that cannot be shown, nothing live."""
    if asked.past:
        assert asked.at is not None
        zone = live_services().profile().timezone
        return [moment_banner(asked.at, zone, lang, live_href)]
    if asked.problem:
        return [moment_problem(asked.problem, asked.values, lang)]
    return []


def moment_clock(asked: AskedMoment, lang: str) -> str:
    """The moment in the city's zone, for a page's clock."""
    assert asked.at is not None
    zone = live_services().profile().timezone
    return i18n.day_and_clock(asked.at, zone, lang)
