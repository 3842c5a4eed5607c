"""CAP 1.2 (disaster and public-safety alerts, OASIS), and CAP 1.1/1.0 alike.

The source may be one CAP document, an Atom feed whose entries embed alerts, link
to them or carry ``cap:`` index fields, or an RSS feed whose items link to alerts.
Every ``info`` block is read (they are language variants); the wall shows the one in
the city's language. The alert's areas — polygons, circles, geocodes — become the
districts they intersect: a warning over three districts counts in all three. An
area described only in words covers the districts, or the city, it names (in any of
the profile's languages) and nothing otherwise. Only an alert with no area at all
may cover the whole city, and only from a source the profile trusts as local
(``unlocated = "citywide"``).
``Update`` and ``Cancel`` messages retract the alerts they reference, and an
all-clear (``responseType`` AllClear, or ``urgency`` Past) closes them and is not
active itself. What an alert retracts is retracted before its area is looked at: a
Cancel without an area, or an Update moved outside the city, still retracts.

Alert texts are official broadcasts, yet they are scrubbed like any other text
from outside (``city.privacy``): it costs nothing and a sender may quote a
hotline or a person. The sender stays as sent: it is the agency's address and
part of the key that later Update and Cancel messages reference.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar
from xml.etree.ElementTree import Element

import shapely
from pyproj import Geod
from shapely.errors import GEOSException
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from city.privacy import scrub_text
from city.profile import CityProfile
from city.records import SEVERITIES, Batch, Event, Rejected, StatusChange
from connectors import safexml
from connectors.base import PayloadRejected, excerpt
from connectors.crawl import LinkCrawl
from connectors.feed import FEED_OPTIONS, FeedConnector, dump_cursor, load_cursor
from connectors.options import Option, declare
from connectors.values import optional_time, parse_time, slug

SEVERITY_ORDER = SEVERITIES
GEOD = Geod(ellps="WGS84")
CIRCLE_SEGMENTS = 64
MAX_RADIUS_KM = 20_000  # half the way round the Earth: a circle covers it all


@dataclass
class Info:
    language: str
    event: str
    severity: str
    urgency: str | None
    certainty: str | None
    categories: list[str]
    headline: str | None
    description: str | None
    instruction: str | None
    effective: datetime | None
    onset: datetime | None
    expires: datetime | None
    sender_name: str | None
    web: str | None
    response_types: list[str] = field(default_factory=list)
    areas: int = 0  # <area> elements
    area_desc: list[str] = field(default_factory=list)
    worded: list[str] = field(default_factory=list)  # areas described only in words
    shapes: list[BaseGeometry] = field(default_factory=list)
    geocodes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def all_clear(self) -> bool:
        return "AllClear" in self.response_types or self.urgency == "Past"


@dataclass
class Alert:
    identifier: str
    sender: str
    sent: datetime
    status: str
    msg_type: str
    references: list[str]
    infos: list[Info]

    @property
    def key(self) -> str:
        return f"{self.sender},{self.identifier}"[:200]

    @property
    def all_clear(self) -> bool:
        """The threat is over (every language variant says so)."""
        return bool(self.infos) and all(i.all_clear for i in self.infos)


class CapConnector(FeedConnector):
    protocol = "cap"
    OPTIONS = declare(
        (
            Option(
                "url",
                str,
                required=True,
                help="one CAP alert, or an Atom/RSS feed that embeds or links alerts",
            ),
            Option(
                "follow_links",
                bool,
                True,
                "read the alerts a feed links to (false: each entry from its own "
                "`cap:` fields, if any)",
            ),
            Option("max_links", int, 200, "at most this many linked alerts a pull"),
            Option(
                "links_deadline_seconds",
                float,
                120.0,
                "time a pull may spend on linked alerts; entries left are read "
                "from their own `cap:` fields",
            ),
            Option(
                "retry_failed_links_minutes",
                float,
                60.0,
                "a linked alert that failed is not asked for again for this long",
            ),
            Option(
                "statuses",
                list,
                ("Actual",),
                "alert statuses shown (Test, Exercise, System, Draft are not)",
                items=str,
            ),
            Option(
                "languages",
                list,
                None,
                "which info block is shown, in order (default: the profile's "
                "languages)",
                items=str,
            ),
            Option(
                "active_hours",
                float,
                24.0,
                "how long an alert without `expires` stays active",
            ),
            Option(
                "unlocated",
                str,
                "ignore",
                "an alert with no area at all (not even in words): ignored, or the "
                "whole city (only for a source that speaks of this city alone)",
                choices=("citywide", "ignore"),
            ),
            Option(
                "geocodes",
                dict,
                None,
                "valueName = { value = [district codes] } (a district code needs none)",
                items=dict,
            ),
        ),
        FEED_OPTIONS,
    )
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "url": "https://alerts.example.kr/cap/index.atom"
    }

    def __init__(self, profile: CityProfile, options: Mapping[str, Any]) -> None:
        super().__init__(profile, options)
        o = self.options
        self.url = o.url
        self.follow_links = o.follow_links
        self.max_links = o.max_links
        self.links_deadline = o.links_deadline_seconds
        self.retry_failed_links = timedelta(minutes=o.retry_failed_links_minutes)
        self.statuses = set(o.statuses)
        languages = o.languages
        if languages is None:
            languages = [profile.default_language, profile.local_language]
        self.languages = [lang.lower() for lang in languages]
        self.default_active = timedelta(hours=o.active_hours)
        self.unlocated_citywide = o.unlocated == "citywide"
        # {"valueName": {"value": ["district code", ...]}}; a value that is itself a
        # district code needs no entry
        self.geocodes: dict[str, dict[str, list[str]]] = dict(o.geocodes or {})
        self.districts = profile.districts
        self.tree = shapely.STRtree([d.geometry for d in profile.districts])
        # an area described only in words is matched against these names
        self.city_names = _name_pattern(profile.names.values())
        self.district_names = [
            (d.code, _name_pattern(d.names.values())) for d in profile.districts
        ]

    # -- pulling --------------------------------------------------------------

    def pull(self, cursor: str | None, now: datetime) -> Batch:
        state = load_cursor(cursor)
        crawl = LinkCrawl(
            self.http,
            state,
            now,
            max_links=self.max_links,
            deadline_seconds=self.links_deadline,
            retry_after=self.retry_failed_links,
        )
        response = self.http.get(self.url, validators=crawl.index_validators)
        if response.not_modified:
            return Batch(next_cursor=cursor, error=crawl.was_failing)
        root = safexml.parse(response.body)
        batch = Batch()
        for origin, element in self._alert_elements(root, crawl):
            if element is None:  # a link not followed this pull
                continue
            if isinstance(element, Exception):
                batch.rejected.append(Rejected(str(element), excerpt(origin)))
                continue
            try:
                alert = self._alert(element)
            except ValueError as exc:
                batch.rejected.append(Rejected(str(exc), excerpt(origin)))
                continue
            self._add(batch, alert)
        # a stand-in whose link was read retracts, unless the alert is itself
        read = {e.source_id for e in batch.events}
        batch.status_changes += [
            StatusChange(key, "superseded", now)
            for key in crawl.replaced
            if key not in read
        ]
        batch.error = crawl.failing(
            bool(batch.events or batch.status_changes or batch.ignored)
        )
        batch.next_cursor = dump_cursor(
            crawl.state_after(response.validators, batch.error)
        )
        return batch

    def _alert_elements(
        self, root: Element, crawl: LinkCrawl
    ) -> Iterator[tuple[str, Element | Exception | None]]:
        kind = safexml.local(root.tag)
        if kind == "alert":
            yield self.url, root
        elif kind == "feed":  # Atom
            for entry in safexml.children(root, "entry"):
                yield from self._from_entry(entry, crawl)
        elif kind == "rss":
            channel = safexml.child(root, "channel")
            items = [] if channel is None else list(safexml.children(channel, "item"))
            for item in items:
                link = safexml.text(item, "link")
                if link:
                    yield link, self._followed(item, link, crawl)
                else:
                    yield (
                        safexml.text(item, "title") or "item",
                        ValueError("RSS item has no link to a CAP alert"),
                    )
        else:
            raise PayloadRejected(f"not a CAP alert, Atom or RSS feed: <{kind}>")

    def _from_entry(
        self, entry: Element, crawl: LinkCrawl
    ) -> Iterator[tuple[str, Element | Exception | None]]:
        embedded = next(
            (e for e in entry.iter() if safexml.local(e.tag) == "alert"), None
        )
        if embedded is not None and embedded is not entry:
            yield safexml.text(entry, "id") or "entry", embedded
            return
        link = _entry_link(entry)
        if link:
            yield link, self._followed(entry, link, crawl)
        elif (
            safexml.child(entry, "effective") is not None
            or safexml.child(entry, "msgType") is not None
        ):
            yield link or "entry", _index_entry_as_alert(entry)
        else:
            yield (
                safexml.text(entry, "id") or "entry",
                ValueError("Atom entry neither embeds nor links a CAP alert"),
            )

    def _followed(
        self, entry: Element, url: str, crawl: LinkCrawl
    ) -> Element | Exception | None:
        """The alert an entry links to; else, when the link is not followed, fails
        or waits (a remembered failure, the cap, the deadline), the alert the
        entry's own ``cap:`` fields make; else its failure (quarantined once: it is
        remembered) or None (nothing read from the entry this pull)."""
        own = any(safexml.local(c.tag) in CAP_ENTRY_FIELDS for c in entry)
        if self.follow_links:
            got = crawl.fetch(url)
            if isinstance(got, bytes):
                try:
                    document = safexml.parse(got)
                except ValueError as exc:
                    crawl.unreadable(url, str(exc))
                    got = ValueError(f"linked alert {url}: {exc}")
                else:
                    crawl.readable(url)
                    return document
            if got is not None and not own:
                return got
        if not own:
            return None
        stand_in = _entry_fields_as_alert(entry)
        if self.follow_links and isinstance(stand_in, Element):
            sender, identifier = (
                safexml.text(stand_in, name) for name in ("sender", "identifier")
            )
            crawl.stood_in(url, f"{sender},{identifier}"[:200])
        return stand_in

    # -- reading an alert -------------------------------------------------------

    def _alert(self, element: Element) -> Alert:
        if safexml.local(element.tag) != "alert":
            raise ValueError(f"expected <alert>, found <{safexml.local(element.tag)}>")
        identifier = safexml.text(element, "identifier")
        sender = safexml.text(element, "sender")
        if not identifier or not sender:
            raise ValueError("CAP alert without identifier or sender")
        msg_type = safexml.text(element, "msgType") or ""
        if msg_type not in ("Alert", "Update", "Cancel", "Ack", "Error"):
            raise ValueError(f"msgType {msg_type!r} is not a CAP message type")
        return Alert(
            identifier=identifier,
            sender=sender,
            sent=parse_time(safexml.text(element, "sent"), self.zone, "sent"),
            status=safexml.text(element, "status") or "",
            msg_type=msg_type,
            references=(safexml.text(element, "references") or "").split(),
            infos=[self._info(i) for i in safexml.children(element, "info")],
        )

    def _info(self, info: Element) -> Info:
        severity = safexml.text(info, "severity") or "Unknown"
        if severity not in SEVERITY_ORDER:
            raise ValueError(f"severity {severity!r} is not a CAP severity")
        read = Info(
            language=(safexml.text(info, "language") or "en-US").lower(),
            event=_prose(info, "event") or "alert",
            severity=severity,
            urgency=safexml.text(info, "urgency"),
            certainty=safexml.text(info, "certainty"),
            categories=[
                c.text.strip() for c in safexml.children(info, "category") if c.text
            ],
            headline=_prose(info, "headline"),
            description=_prose(info, "description"),
            instruction=_prose(info, "instruction"),
            effective=optional_time(
                safexml.text(info, "effective"), self.zone, "effective"
            ),
            onset=optional_time(safexml.text(info, "onset"), self.zone, "onset"),
            expires=optional_time(safexml.text(info, "expires"), self.zone, "expires"),
            sender_name=_prose(info, "senderName"),
            web=_prose(info, "web"),
        )
        read.response_types = [
            r.text.strip() for r in safexml.children(info, "responseType") if r.text
        ]
        for area in safexml.children(info, "area"):
            read.areas += 1
            placed = len(read.shapes), len(read.geocodes)
            # an empty geometry element is absent, not invalid
            for polygon in safexml.children(area, "polygon"):
                if (polygon.text or "").strip():
                    read.shapes.append(_polygon(polygon.text or ""))
            for circle in safexml.children(area, "circle"):
                if (circle.text or "").strip():
                    read.shapes.append(_circle(circle.text or ""))
            for geocode in safexml.children(area, "geocode"):
                read.geocodes += _geocode_pairs(geocode)
            desc = _prose(area, "areaDesc")
            if desc:
                read.area_desc.append(desc)
                if placed == (len(read.shapes), len(read.geocodes)):
                    read.worded.append(desc)
        return read

    # -- alert to records -------------------------------------------------------

    def _add(self, batch: Batch, alert: Alert) -> None:
        if alert.status not in self.statuses:
            batch.ignore(f"status {alert.status or 'missing'}")  # tests, exercises
            return
        if alert.msg_type in ("Ack", "Error"):
            batch.ignore(f"{alert.msg_type} message")  # not for the wall
            return
        # what it retracts is retracted wherever its own area lies, or without one
        if alert.msg_type == "Cancel":
            retraction = "cancelled"
        else:
            retraction = "all_clear" if alert.all_clear else "superseded"
        for reference in alert.references:
            parts = reference.split(",")
            if len(parts) >= 2:
                key = f"{parts[0]},{parts[1]}"[:200]
                batch.status_changes.append(StatusChange(key, retraction, alert.sent))
        covered = self._districts(alert)
        if isinstance(covered, str):
            batch.ignore(covered)
            return
        batch.events.append(self._event(alert, covered))

    def _event(self, alert: Alert, covered: list[str]) -> Event:
        shown = self._preferred(alert.infos)
        severity = max(
            (i.severity for i in alert.infos),
            key=SEVERITY_ORDER.index,
            default="Unknown",
        )
        expiries = [i.expires for i in alert.infos if i.expires]
        starts = shown.onset or shown.effective if shown else None
        occurred = starts or alert.sent
        cancelled = alert.msg_type == "Cancel"
        closed = cancelled or alert.all_clear
        all_districts = len(covered) == len(self.districts)
        return Event(
            source_id=alert.key,
            domain="disaster",
            category=slug(shown.event) if shown else "alert",
            occurred_at=occurred,
            title=((shown.headline or shown.event) if shown else alert.identifier)[
                :300
            ],
            status="cancelled" if cancelled else "all_clear" if closed else "open",
            severity=severity,
            district_code=None if all_districts or not covered else covered[0],
            updated_at=alert.sent,
            closed_at=alert.sent if closed else None,
            expires_at=max(expiries) if expiries else occurred + self.default_active,
            areas=() if all_districts else tuple(covered[1:]),
            attrs=_attrs(alert, shown),
        )

    def _preferred(self, infos: list[Info]) -> Info | None:
        for wanted in self.languages:
            for info in infos:
                if info.language == wanted or info.language.split("-")[0] == wanted:
                    return info
        return infos[0] if infos else None

    def _districts(self, alert: Alert) -> list[str] | str:
        """The districts the alert covers, the most covered first; or why it is
        ignored (its area lies outside the city, or it has none)."""
        every = [d.code for d in self.districts]
        if not any(i.areas for i in alert.infos):
            if self.unlocated_citywide:  # the profile trusts the source as local
                return every
            return "without an area"
        codes = set(every)
        from_geocodes: set[str] = set()
        shapes: list[BaseGeometry] = []
        for info in alert.infos:
            shapes += info.shapes
            # geocodes we cannot map name places elsewhere, not "no place"
            for name, value in info.geocodes:
                mapped = self.geocodes.get(name, {}).get(value)
                if mapped is not None:
                    from_geocodes |= set(mapped) & codes
                elif value in codes:
                    from_geocodes.add(value)
            for desc in info.worded:
                from_geocodes |= self._named(desc)
        overlap: dict[str, float] = dict.fromkeys(from_geocodes, float("inf"))
        if shapes:
            area = shapely.union_all(shapes)
            for i in self.tree.query(area, predicate="intersects"):
                district = self.districts[int(i)]
                share = district.geometry.intersection(area).area
                overlap[district.code] = max(overlap.get(district.code, 0.0), share)
        if not overlap:
            if any(i.shapes or i.geocodes for i in alert.infos):
                return "outside the city"
            if any(i.worded for i in alert.infos):
                return "described in words naming no place of the city"
            return "without an area"  # only empty ones
        return sorted(overlap, key=lambda c: (-overlap[c], c))

    def _named(self, desc: str) -> set[str]:
        """The districts an area description names; the whole city when it names
        the city and none of its districts; none when it names neither."""
        text = _words(desc)
        named = {code for code, names in self.district_names if names.search(text)}
        if not named and self.city_names.search(text):
            return {d.code for d in self.districts}
        return named


def _attrs(alert: Alert, shown: Info | None) -> dict[str, Any]:
    languages = {
        i.language: {
            k: v
            for k, v in (
                ("headline", i.headline),
                ("event", i.event),
                ("description", (i.description or "")[:1000] or None),
                ("instruction", (i.instruction or "")[:1000] or None),
            )
            if v
        }
        for i in alert.infos
    }
    attrs = {
        "identifier": alert.identifier,
        "sender": alert.sender,
        "msg_type": alert.msg_type,
        "references": alert.references or None,
        "languages": languages or None,
    }
    if shown:
        attrs |= {
            "urgency": shown.urgency,
            "certainty": shown.certainty,
            "cap_categories": shown.categories or None,
            "instruction": (shown.instruction or "")[:1000] or None,
            "area": "; ".join(shown.area_desc)[:500] or None,
            "sender_name": shown.sender_name,
            "web": shown.web,
        }
    return {k: v for k, v in attrs.items() if v is not None}


def _words(text: str) -> str:
    """Lower case, punctuation as spaces: "Gangnam-gu, Seoul" → "gangnam gu seoul"."""
    return " ".join(re.sub(r"[\W_]+", " ", text.casefold()).split())


def _name_pattern(names) -> re.Pattern[str]:
    """Any of ``names`` as whole words of a text made by ``_words`` ("Jung-gu" is
    not found in "Jungnang-gu", "Seoul" not in "Seoulville"); a Korean name may be
    followed by more Hangul (a particle: 강남구에)."""
    alternatives = []
    for name in {_words(n) for n in names if _words(n)}:
        after = r"(?!\w)" if name[-1].isascii() else ""
        alternatives.append(rf"(?<![^\W_]){re.escape(name)}{after}")
    return re.compile("|".join(alternatives) or r"(?!)")


def _geocode_pairs(geocode: Element) -> list[tuple[str, str]]:
    """Every valueName/value pair of a <geocode>, each value split at spaces
    ("001013 001041" is two places)."""
    pairs: list[tuple[str, str]] = []
    name: str | None = None
    for child in geocode:
        tag, text = safexml.local(child.tag), (child.text or "").strip()
        if tag == "valueName":
            name = text or None
        elif tag == "value" and name:
            pairs += [(name, value) for value in text.split()]
            name = None
    return pairs


def _prose(element: Element, name: str) -> str | None:
    return scrub_text(safexml.text(element, name))


def _on_globe(lat: float, lon: float) -> bool:
    """Also false for NaN and infinities, which GEOS cannot place."""
    return -90 <= lat <= 90 and -180 <= lon <= 180


def _polygon(text: str) -> BaseGeometry:
    """CAP polygons are "lat,lon lat,lon …" (latitude first), first point = last."""
    try:
        points = [tuple(map(float, pair.split(","))) for pair in text.split()]
        ring = [(lon, lat) for lat, lon in points]
    except ValueError:
        raise ValueError(f"polygon {text[:60]!r} is not 'lat,lon' pairs") from None
    if len(ring) < 4 or not all(_on_globe(lat, lon) for lon, lat in ring):
        raise ValueError(f"polygon {text[:60]!r} is not a closed ring of 4+ points")
    try:
        return shapely.make_valid(Polygon(ring))
    except GEOSException as exc:  # an open ring, points GEOS cannot orient
        raise ValueError(f"polygon {text[:60]!r} is not a valid ring: {exc}") from None


def _circle(text: str) -> BaseGeometry:
    """A CAP circle "lat,lon radius" (kilometres) as a geodesic polygon."""
    try:
        centre, radius = text.split()
        lat, lon = map(float, centre.split(","))
        radius_m = float(radius) * 1000
    except ValueError:
        raise ValueError(f"circle {text[:60]!r} is not 'lat,lon radius'") from None
    if not _on_globe(lat, lon) or not (0 <= radius_m <= MAX_RADIUS_KM * 1000):
        raise ValueError(
            f"circle {text[:60]!r} needs a centre on the globe and a radius of "
            f"0-{MAX_RADIUS_KM} km"
        )
    azimuths = [360 * k / CIRCLE_SEGMENTS for k in range(CIRCLE_SEGMENTS)]
    lons, lats, _ = GEOD.fwd(
        [lon] * CIRCLE_SEGMENTS,
        [lat] * CIRCLE_SEGMENTS,
        azimuths,
        [radius_m] * CIRCLE_SEGMENTS,
    )
    if radius_m == 0:
        return shapely.Point(lon, lat).buffer(1e-6)
    return Polygon(zip(lons, lats))


def _entry_link(entry: Element) -> str | None:
    links = list(safexml.children(entry, "link"))
    for link in links:  # prefer the CAP document itself
        if "cap" in (link.get("type") or ""):
            return link.get("href")
    return links[0].get("href") if links else None


def _index_entry_as_alert(entry: Element) -> Element | Exception:
    """An index entry with ``cap:`` fields (NWS style), shaped as a CAP alert, for
    feeds whose linked documents are not reachable or not wanted."""
    try:
        alert = Element("alert")
        identifier = safexml.text(entry, "id")
        sent = safexml.text(entry, "updated") or safexml.text(entry, "published")
        author = safexml.child(entry, "author")
        sender = (author is not None and safexml.text(author, "name")) or "atom-index"
        for name, value in (
            ("identifier", identifier),
            ("sender", sender),
            ("sent", sent),
            ("status", safexml.text(entry, "status")),
            ("msgType", safexml.text(entry, "msgType")),
        ):
            _sub(alert, name, value)
        info = _sub(alert, "info", None)
        for name in (
            "category",
            "urgency",
            "severity",
            "certainty",
            "effective",
            "expires",
        ):
            _sub(info, name, safexml.text(entry, name))
        _sub(
            info, "event", safexml.text(entry, "event") or safexml.text(entry, "title")
        )
        _sub(info, "headline", safexml.text(entry, "title"))
        _sub(info, "description", safexml.text(entry, "summary"))
        if not any(
            safexml.child(entry, name) is not None
            for name in ("areaDesc", "polygon", "geocode")
        ):
            return alert  # no area at all
        area = _sub(info, "area", None)
        _sub(area, "areaDesc", safexml.text(entry, "areaDesc"))
        for polygon in safexml.children(entry, "polygon"):
            _sub(area, "polygon", polygon.text)
        for geocode in safexml.children(entry, "geocode"):
            target = _sub(area, "geocode", None)
            for name, value in _geocode_pairs(geocode):
                _sub(target, "valueName", name)
                _sub(target, "value", value)
        return alert
    except Exception as exc:  # noqa: BLE001 — one odd entry must not stop the feed
        return ValueError(f"index entry not readable: {exc}")


# an index entry that carries any of these (as ``cap:`` fields) can stand for its alert
CAP_ENTRY_FIELDS = frozenset(
    {"msgType", "status", "event", "severity", "urgency", "effective", "expires"}
    | {"areaDesc", "polygon", "geocode"}
)


def _entry_fields_as_alert(entry: Element) -> Element | Exception:
    """The alert an entry's own ``cap:`` fields make; an index that names no
    message type or status lists actual alerts."""
    alert = _index_entry_as_alert(entry)
    if isinstance(alert, Element):
        for name, default in (("msgType", "Alert"), ("status", "Actual")):
            field_ = safexml.child(alert, name)
            if field_ is not None and not field_.text:
                field_.text = default
    return alert


def _sub(parent: Element, name: str, value: str | None) -> Element:
    child = Element(name)
    if value is not None:
        child.text = value
    parent.append(child)
    return child
