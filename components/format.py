"""Numbers, changes and names as the wall shows them, in the viewer's language."""

from __future__ import annotations

from city import i18n
from city.i18n import t
from city.indicators import Domain, Indicator
from city.profile import CityProfile, District
from kpis.values import KpiValue


def number(kpi: Indicator, value: float | None, lang: str = "en") -> str:
    """A KPI's value: its decimals, a share as a percentage, the language's
    grouping and decimal marks."""
    if value is None:
        return "—"
    if kpi.percent:
        return i18n.number(value * 100, lang, 1)
    return i18n.number(value, lang, kpi.decimals)


def change(value: KpiValue, lang: str = "en") -> str:
    """Signed relative change, or the absolute one when the comparison is zero."""
    if value.value is None or value.previous is None:
        return t(lang, "change.none")
    if value.change is None:
        delta = value.value - value.previous
        return t(lang, "change.flat") if delta == 0 else i18n.signed(delta, lang)
    percent = round(value.change * 100)
    return "±0%" if percent == 0 else f"{i18n.signed(percent, lang)}%"


def trend_arrow(value: KpiValue) -> str:
    """The direction of the change as shown (a change that rounds to 0 % is flat)."""
    if value.value is None or value.previous is None:
        return "→"
    delta = value.value - value.previous
    if value.change is not None and round(value.change * 100) == 0:
        delta = 0
    return "↑" if delta > 0 else "↓" if delta < 0 else "→"


def label(kpi: Indicator, lang: str) -> str:
    return i18n.declared(lang, kpi.labels, f"kpi.{kpi.id}.label", kpi.id)


def unit(kpi: Indicator, lang: str) -> str:
    """Its unit as declared or in the catalogs; a share shown as a percentage
    without one is in "%"."""
    return i18n.declared(
        lang, kpi.units, f"kpi.{kpi.id}.unit", "%" if kpi.percent else ""
    )


def comparison(kpi: Indicator, lang: str) -> str:
    """What the change is measured against ("vs 24 h ago"): the catalogs' words
    for this indicator, else for its kind of comparison."""
    if kpi.compare.kind == "none":
        return ""  # the change says "no comparison" already
    generic = t(lang, f"compare.{kpi.compare.key}", days=kpi.compare.days)
    return i18n.t_or(lang, f"kpi.{kpi.id}.comparison", generic)


def domain_name(domain: Domain, lang: str) -> str:
    """A domain's name: as declared, else the catalogs', else its id."""
    return i18n.declared(
        lang, domain.labels, f"domain.{domain.id}", domain.id.replace("_", " ").title()
    )


def category(domain: str, name: str, lang: str) -> str:
    """A record category in words; a feed's own category passes through."""
    return i18n.t_or(lang, f"category.{name}", name.replace("_", " "))


def status_word(status: str, lang: str) -> str:
    return i18n.t_or(lang, f"record_status.{status}", status.replace("_", " "))


def record_status(record: dict, lang: str) -> str:
    """A record's status as shown: at a past moment (``kpis.then``) its status
    then, or, where the store does not keep it, whether it was open then."""
    if record.get("status") is not None:
        return status_word(record["status"], lang)
    return t(
        lang, "moment.open_then" if record.get("open_then") else "moment.closed_then"
    )


def place(profile: CityProfile, district_code: str | None, lang: str) -> str:
    district = profile.districts_by_code.get(district_code or "")
    return district.name(lang) if district else t(lang, "place.citywide")


def district_facts(profile: CityProfile, district: District, lang: str) -> str:
    """Code and population; a profile without populations says so."""
    if not profile.population:
        return t(lang, "district.facts_no_population", code=district.shown_code)
    share = district.population / profile.population
    return t(
        lang,
        "district.facts",
        code=district.shown_code,
        population=i18n.number(district.population, lang),
        share=i18n.number(share * 100, lang, 1),
        city=profile.name(lang),
    )
