"""Numbers, changes and times as a wall shows them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from citywall.profile import CityProfile, District
from kpis.definitions import Kpi
from kpis.service import KpiValue


def number(kpi: Kpi, value: float | None) -> str:
    if value is None:
        return "—"
    if kpi.percent:
        return f"{value * 100:.1f}"
    return f"{value:,.{kpi.decimals}f}"


def change(value: KpiValue) -> str:
    """Signed relative change, or the absolute one when the comparison is zero."""
    if value.value is None or value.previous is None:
        return "no comparison"
    if value.change is None:
        delta = value.value - value.previous
        return "no change" if delta == 0 else f"{delta:+,.0f}"
    percent = round(value.change * 100)
    return "±0%" if percent == 0 else f"{percent:+d}%"


def trend_arrow(value: KpiValue) -> str:
    """The direction of the change as shown (a change that rounds to 0 % is flat)."""
    if value.value is None or value.previous is None:
        return "→"
    delta = value.value - value.previous
    if value.change is not None and round(value.change * 100) == 0:
        delta = 0
    return "↑" if delta > 0 else "↓" if delta < 0 else "→"


def local_time(t: datetime | None, tz: ZoneInfo, with_date: bool = False) -> str:
    if t is None:
        return "—"
    fmt = "%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S"
    return t.astimezone(tz).strftime(fmt)


def district_facts(profile: CityProfile, district: District, lang: str) -> str:
    """Code and population; a profile without populations says so."""
    if not profile.population:
        return f"Code {district.code} · population not in the profile"
    share = district.population / profile.population
    return (
        f"Code {district.code} · population {district.population:,} "
        f"({share:.1%} of {profile.name(lang)})"
    )
