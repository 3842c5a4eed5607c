"""Active alerts told in full for the disaster layout: headline, what to do, who is
concerned, issued and expiry, in the wall's language when the feed sent it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, Row, case, select

from city import i18n
from kpis import queries as q
from store.schema import event_areas, events

# what the ticker and the alert cards show of an alert
_SHOWN = (
    events.c.category,
    events.c.title,
    events.c.severity,
    events.c.district_code,
    events.c.occurred_at,
    events.c.expires_at,
    q.TITLE_KEY_COLUMN,
)
_SEVERITY = case(q.SEVERITY_RANK, value=events.c.severity, else_=0)


@dataclass(frozen=True)
class AlertBrief:
    id: int
    category: str
    title: str
    severity: str | None
    districts: tuple[str, ...]  # empty: the whole city
    issued_at: datetime
    expires_at: datetime | None
    instruction: str | None
    sender: str | None
    # a multilingual CAP alert's texts by language code ("ko-KR": {"headline": …})
    languages: dict[str, dict[str, str]] = field(default_factory=dict)
    title_key: str | None = None  # city.records.TITLE_KEY

    def text(self, lang: str, key: str) -> str | None:
        """The headline or instruction in ``lang`` when the feed sent it in that
        language, else the one the connector kept (a title made from a kind the
        wall knows in the catalog's words)."""
        for code, texts in self.languages.items():
            if code.lower().split("-")[0] == lang and texts.get(key):
                return texts[key]
        if key == "headline":
            return i18n.record_title(lang, self.title, self.title_key)
        return self.instruction


def coverages(
    conn: Connection, owners: Iterable[tuple[int, str | None]]
) -> dict[int, tuple[str, ...]]:
    """The districts each event covers, by its id: its own and its further areas;
    empty when it has no district (city-wide). One query for all of them."""
    owners = dict(owners)
    placed = [event_id for event_id, own in owners.items() if own is not None]
    further: dict[int, set[str]] = defaultdict(set)
    if placed:
        rows = conn.execute(
            select(event_areas.c.event_id, event_areas.c.district_code).where(
                event_areas.c.event_id.in_(placed)
            )
        )
        for event_id, code in rows:
            further[event_id].add(code)
    return {
        event_id: () if own is None else tuple(sorted({own, *further[event_id]}))
        for event_id, own in owners.items()
    }


def active(
    conn: Connection, now: datetime, district: str | None, limit: int
) -> list[Row]:
    """The active alerts of the city or of a district (by any area they cover),
    most severe first, then newest: the ticker's rows."""
    where = list(q.active_alert(now))
    if district:
        where.append(q.event_in_district(district))
    return conn.execute(
        select(events.c.id, events.c.source_id, *_SHOWN)
        .where(*where)
        .order_by(_SEVERITY.desc(), events.c.occurred_at.desc())
        .limit(limit)
    ).all()


def briefs(conn: Connection, now: datetime, limit: int = 6) -> list[AlertBrief]:
    """The active alerts in full, most severe first, then newest."""
    rows = conn.execute(
        select(events.c.id, *_SHOWN, events.c.attrs)
        .where(*q.active_alert(now))
        .order_by(_SEVERITY.desc(), events.c.occurred_at.desc(), events.c.id.desc())
        .limit(limit)
    ).all()
    covered = coverages(conn, ((r.id, r.district_code) for r in rows))
    found = []
    for r in rows:
        attrs = r.attrs or {}
        languages = attrs.get("languages")
        found.append(
            AlertBrief(
                id=r.id,
                category=r.category,
                title=r.title,
                severity=r.severity,
                districts=covered[r.id],
                issued_at=r.occurred_at,
                expires_at=r.expires_at,
                instruction=attrs.get("instruction"),
                sender=attrs.get("sender_name") or attrs.get("sender"),
                languages=languages if isinstance(languages, dict) else {},
                title_key=r.title_key,
            )
        )
    return found
