"""The city's disaster stage now: the ladder's rules over the store, or an
operator's override, with what raised it and which districts it concerns."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from city.ladder import Ladder, Stage, StageRule
from city.records import RETRACTED_STATUSES, TITLE_KEY
from kpis import queries as q
from kpis.alerts import AlertBrief, coverages
from kpis.hotspots import held_at_least
from store import stages as stage_store
from store.schema import events

# a hotspot rule's newest reading must be this fresh: a feed that stopped holds
# no stage
HOTSPOT_FRESH = timedelta(minutes=30)


@dataclass(frozen=True)
class Cause:
    """One record (or reading) that raised the stage, as the wall tells it."""

    rule: StageRule
    event_id: int | None
    title: str
    severity: str | None
    districts: tuple[str, ...]  # empty: the whole city
    value: float | None = None  # a magnitude, a PM2.5 mean, a hotspot's level
    title_key: str | None = None  # city.records.TITLE_KEY
    place: str | None = None  # a hotspot's code
    since: datetime | None = None  # a hotspot's: held at the level since


BY_HAND = "set by hand: "  # how the log's cause begins for an operator's stage


@dataclass(frozen=True)
class StageState:
    level: int
    manual: bool = False
    reason: str = ""  # an operator's reason
    causes: tuple[Cause, ...] = field(default_factory=tuple)
    since: datetime | None = None  # when the log first saw this stage

    @property
    def districts(self) -> tuple[str, ...]:
        """The districts the raising records cover; empty when one covers all."""
        if any(not c.districts for c in self.causes):
            return ()
        return tuple(sorted({d for c in self.causes for d in c.districts}))

    def summary(self) -> str:
        if self.manual:
            return f"{BY_HAND}{self.reason}"
        return "; ".join(c.title for c in self.causes) or "no rule matches"


def _alerts(conn: Connection, now: datetime) -> list:
    return conn.execute(
        select(
            events.c.id,
            events.c.title,
            events.c.category,
            events.c.severity,
            events.c.district_code,
            events.c.attrs,
        ).where(*q.active_alert(now))
    ).all()


def _quakes(conn: Connection, now: datetime) -> list:
    return conn.execute(
        select(
            events.c.id,
            events.c.title,
            events.c.severity,
            events.c.district_code,
            events.c.attrs,
        ).where(
            events.c.domain == "disaster",
            events.c.category == "earthquake",
            events.c.occurred_at > now - timedelta(hours=24),
            events.c.occurred_at <= now,
            events.c.status.not_in(RETRACTED_STATUSES),
        )
    ).all()


def _matches(rule: StageRule, row) -> bool:
    attrs = row.attrs or {}
    return (
        (not rule.severity or row.severity in rule.severity)
        and (not rule.urgency or attrs.get("urgency") in rule.urgency)
        and (not rule.categories or row.category in rule.categories)
    )


def evaluate(conn: Connection, ladder: Ladder, now: datetime) -> StageState:
    """The stage the rules give now: the highest stage any rule reaches."""
    found: list[Cause] = []
    alerts = quakes = None
    areas: dict[int, tuple[str, ...]] = {}
    pm25 = None
    for rule in ladder.rules:
        if rule.when == "alert":
            if alerts is None:
                alerts = _alerts(conn, now)
                areas |= coverages(conn, ((a.id, a.district_code) for a in alerts))
            found += [
                Cause(
                    rule,
                    a.id,
                    a.title,
                    a.severity,
                    areas[a.id],
                    title_key=(a.attrs or {}).get(TITLE_KEY),
                )
                for a in alerts
                if _matches(rule, a)
            ]
        elif rule.when == "quake":
            if quakes is None:
                quakes = _quakes(conn, now)
                areas |= coverages(conn, ((e.id, e.district_code) for e in quakes))
            for quake in quakes:
                magnitude = (quake.attrs or {}).get("magnitude")
                if isinstance(magnitude, int | float) and magnitude >= (
                    rule.magnitude or 0
                ):
                    found.append(
                        Cause(
                            rule,
                            quake.id,
                            quake.title,
                            quake.severity,
                            areas[quake.id],
                            float(magnitude),
                            title_key=(quake.attrs or {}).get(TITLE_KEY),
                        )
                    )
        elif rule.when == "pm25":
            if pm25 is None:
                pm25 = q.run(
                    conn, q.series_mean("pm25", now - timedelta(hours=1), now), None
                )
            if pm25 is not None and pm25 > (rule.above or 0):
                found.append(
                    Cause(rule, None, f"PM2.5 {pm25:.0f} µg/m³", None, (), pm25)
                )
        elif rule.when == "hotspot":
            assert rule.at_least is not None
            found += [
                Cause(
                    rule,
                    None,
                    f"{held.place} at {held.value:g} since {held.since:%H:%M} UTC",
                    None,
                    (held.district,) if held.district else (),
                    held.value,
                    place=held.place,
                    since=held.since,
                )
                for held in held_at_least(
                    conn,
                    rule.series,
                    rule.at_least,
                    rule.minutes,
                    now,
                    fresh=HOTSPOT_FRESH,
                )
            ]
    if not found:
        return StageState(ladder.lowest.level)
    level = max(c.rule.stage for c in found)
    top = {(c.event_id, c.place): c for c in found if c.rule.stage == level}
    return StageState(level, causes=tuple(top.values()))


def stage_at(conn: Connection, ladder: Ladder, at: datetime) -> StageState:
    """The stage as the wall had it at a past moment ``at``: the log's (what was
    shown then, an operator's stage included), with the causes the rules find
    at ``at`` when they reach that very stage. Before the log's first change,
    the rules' stage at ``at``, with no "since"."""
    logged = stage_store.logged_at(conn, at)
    rules = evaluate(conn, ladder, at)
    if logged is None:
        return rules
    if logged.manual:
        reason = logged.cause.removeprefix(BY_HAND)
        return StageState(logged.level, manual=True, reason=reason, since=logged.at)
    if logged.level == rules.level:
        return replace(rules, since=logged.at)
    # the records have changed since (a retraction, a late record): the level
    # as logged, without causes the store no longer holds
    return StageState(logged.level, since=logged.at)


@dataclass(frozen=True)
class DisasterView:
    """What the wall shows of the stage: the state, its stage on the ladder, whether
    the wall turns to its disaster layout, the active alerts and the districts to
    outline on the map."""

    state: StageState
    stage: Stage
    stages: int  # how many the ladder has
    layout: bool
    alerts: tuple[AlertBrief, ...]
    affected: tuple[str, ...]


def disaster_view(
    state: StageState,
    ladder: Ladder,
    alerts: list[AlertBrief],
    district_codes: list[str],
) -> DisasterView:
    layout = state.level >= ladder.layout_from
    if state.causes:
        # a cause covering the whole city outlines every district
        affected = state.districts or tuple(district_codes)
    else:  # set by hand: the districts of the active alerts, else the whole city
        affected = tuple(sorted({d for a in alerts for d in a.districts}))
        if not alerts or any(not a.districts for a in alerts):
            affected = tuple(district_codes)
    return DisasterView(
        state=state,
        stage=ladder.stage(state.level),
        stages=len(ladder.stages),
        layout=layout,
        alerts=tuple(alerts),
        affected=affected if layout else (),
    )


class StageChangeError(ValueError):
    """A manual stage that cannot be set; ``key`` and ``values`` name the problem
    for a page to say it in the viewer's language (``city/locales``)."""

    def __init__(self, message: str, key: str, **values: object) -> None:
        super().__init__(message)
        self.key, self.values = key, values


def checked_override(
    ladder: Ladder,
    city: str,
    level: int | None,
    reason: str,
    hours: float | None,
    now: datetime,
) -> tuple[int, str, datetime | None]:
    """(level, reason, until) of an operator's stage, or StageChangeError: a stage
    of the ladder, a reason the wall can show, a positive time limit if any."""
    levels = [s.level for s in ladder.stages]
    if level not in levels:
        listed = ", ".join(map(str, levels))
        raise StageChangeError(
            f"{level} is not a stage of {city}'s ladder ({listed})",
            "admin.stage_error.level",
            level=level,
            levels=listed,
        )
    reason = (reason or "").strip()
    if not reason:
        raise StageChangeError(
            "the reason must say why (the wall shows it)", "admin.stage_error.reason"
        )
    if hours is not None and hours < 0:
        raise StageChangeError(
            f"hours must be positive, not {hours:g}", "admin.stage_error.hours"
        )
    until = now + timedelta(hours=hours) if hours else None  # 0 or none: no limit
    return level, reason, until
