"""The city's disaster stages: a ladder of numbered, coloured stages with public
guidance, and the rules that raise it (Rio de Janeiro's operations centre runs the
city on five such stages).

In the profile:

    [disaster]
    layout_from = 3              # from this stage up the wall turns to its disaster layout
    [[disaster.stages]]
    level = 3
    name = { en = "Attention", ko = "주의", es = "Atención" }
    colour = "#E69F00"              # orange
    guidance = { en = "…", ko = "…", es = "…" }
    [[disaster.rules]]
    stage = 3
    when = "alert"               # an active alert …
    severity = ["Severe"]        # … of these severities (any when left out)
    urgency = ["Immediate", "Expected"]
    [[disaster.rules]]
    stage = 3
    when = "quake"               # an earthquake in the last 24 h of this magnitude
    magnitude = 5.0
    [[disaster.rules]]
    stage = 2
    when = "pm25"                # the city's PM2.5 over the last hour above
    above = 75.0
    [[disaster.rules]]
    stage = 2
    when = "hotspot"             # a hotspot whose readings of the series …
    series = "crowd_level"       # (the default)
    at_least = 4                 # … have stayed at this level or above …
    minutes = 30                 # … for this long (its newest one fresh)

A profile without [disaster] gets ``DEFAULT_LADDER``; one that leaves out its stages
or its rules gets the default ones (``[disaster] layout_from = 4`` alone is enough to
move the threshold).
"""

from __future__ import annotations

from dataclasses import dataclass

from city.i18n import pick, t


@dataclass(frozen=True)
class Stage:
    """A stage's words come from the profile (per language, English when one is
    missing), or, for the default ladder's, from the catalogs (``[ladder.stage_<n>]``)
    so that a new language brings them along."""

    level: int
    names: dict[str, str]
    colour: str
    guidance: dict[str, str]
    in_catalog: bool = False

    def name(self, lang: str) -> str:
        if self.in_catalog:
            return t(lang, f"ladder.stage_{self.level}.name")
        return pick(lang, self.names) or f"{self.level}"

    def advice(self, lang: str) -> str:
        if self.in_catalog:
            return t(lang, f"ladder.stage_{self.level}.guidance")
        return pick(lang, self.guidance)


@dataclass(frozen=True)
class StageRule:
    stage: int
    when: str  # "alert", "quake", "pm25" or "hotspot"
    severity: tuple[str, ...] = ()
    urgency: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    magnitude: float | None = None
    above: float | None = None
    series: str = "crowd_level"  # a hotspot rule's
    at_least: float | None = None
    minutes: float = 30.0


@dataclass(frozen=True)
class Ladder:
    stages: tuple[Stage, ...]
    rules: tuple[StageRule, ...]
    layout_from: int

    @property
    def lowest(self) -> Stage:
        return self.stages[0]

    def stage(self, level: int) -> Stage:
        known = [s for s in self.stages if s.level <= level]
        return known[-1] if known else self.lowest


def _default_stage(level: int, colour: str) -> Stage:
    return Stage(level, {}, colour, {}, in_catalog=True)


# Rio's five stages and colours (aligned with CEMADEN since 2023): green, yellow,
# orange, red, purple. Each colour reads as its name says (Okabe–Ito's green,
# yellow and orange; their vermillion looks orange beside Attention, so Alert gets a
# red, and Crisis a purple), each with black or white text at AA contrast on it
# (tests/city/test_ladder.py holds the README's words and these colours together).
DEFAULT_LADDER = Ladder(
    stages=(
        _default_stage(1, "#009E73"),
        _default_stage(2, "#F0E442"),
        _default_stage(3, "#E69F00"),
        _default_stage(4, "#D62728"),
        _default_stage(5, "#8E44AD"),
    ),
    rules=(
        StageRule(2, "alert", severity=("Moderate",)),
        StageRule(3, "alert", severity=("Severe",)),
        StageRule(4, "alert", severity=("Severe",), urgency=("Immediate",)),
        StageRule(5, "alert", severity=("Extreme",)),
        StageRule(3, "quake", magnitude=5.0),
        StageRule(4, "quake", magnitude=6.0),
        StageRule(2, "pm25", above=75.0),
    ),
    layout_from=3,
)

KINDS = ("alert", "quake", "pm25", "hotspot")


def load_ladder(table: dict | None, problems: list[str]) -> Ladder:
    if not table:
        return DEFAULT_LADDER
    if "stages" not in table:
        stages = list(DEFAULT_LADDER.stages)
    else:
        stages = []
    for i, row in enumerate(table.get("stages", [])):
        try:
            stages.append(
                Stage(
                    int(row["level"]),
                    dict(row.get("name", {})),
                    str(row.get("colour", "#8a94a6")),
                    dict(row.get("guidance", {})),
                )
            )
        except (KeyError, TypeError, ValueError):
            problems.append(f"[[disaster.stages]] #{i + 1} needs an integer `level`")
    stages.sort(key=lambda s: s.level)
    levels = {s.level for s in stages}
    # the default rules only where the ladder has their stages
    rules = (
        []
        if "rules" in table
        else [r for r in DEFAULT_LADDER.rules if r.stage in levels]
    )
    for i, row in enumerate(table.get("rules", [])):
        when = row.get("when")
        if when not in KINDS:
            problems.append(
                f"[[disaster.rules]] #{i + 1}: `when` must be one of {', '.join(KINDS)}"
            )
            continue
        if row.get("stage") not in levels:
            problems.append(
                f"[[disaster.rules]] #{i + 1}: `stage` {row.get('stage')!r} is not a "
                "level of [[disaster.stages]]"
            )
            continue
        if when == "hotspot" and not _hotspot_rule_fits(row, i, problems):
            continue
        rules.append(
            StageRule(
                stage=int(row["stage"]),
                when=when,
                severity=tuple(row.get("severity", ())),
                urgency=tuple(row.get("urgency", ())),
                categories=tuple(row.get("categories", ())),
                magnitude=float(row["magnitude"]) if "magnitude" in row else None,
                above=float(row["above"]) if "above" in row else None,
                **(
                    {
                        "series": str(row.get("series", "crowd_level")),
                        "at_least": float(row["at_least"]),
                        "minutes": float(row.get("minutes", 30)),
                    }
                    if when == "hotspot"
                    else {}
                ),
            )
        )
    if not stages:
        problems.append("[disaster] has no [[disaster.stages]]")
        return DEFAULT_LADDER
    layout_from = table.get("layout_from", 3)
    if not isinstance(layout_from, int):
        problems.append("[disaster] `layout_from` must be a stage's level (an integer)")
        layout_from = 3
    return Ladder(tuple(stages), tuple(rules), layout_from)


def _hotspot_rule_fits(row: dict, i: int, problems: list[str]) -> bool:
    where = f"[[disaster.rules]] #{i + 1} (hotspot)"
    before = len(problems)
    at_least, minutes = row.get("at_least"), row.get("minutes", 30)
    if not isinstance(at_least, int | float) or isinstance(at_least, bool):
        problems.append(f"{where}: `at_least` must be the level, a number")
    if not isinstance(minutes, int | float) or isinstance(minutes, bool) or minutes < 0:
        problems.append(f"{where}: `minutes` must be a number of minutes, 0 or more")
    if not isinstance(row.get("series", "crowd_level"), str):
        problems.append(f"{where}: `series` must be a series' name")
    return len(problems) == before
