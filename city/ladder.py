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

A profile without [disaster] gets ``DEFAULT_LADDER``; one that leaves out its stages
or its rules gets the default ones (``[disaster] layout_from = 4`` alone is enough to
move the threshold).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stage:
    level: int
    names: dict[str, str]
    colour: str
    guidance: dict[str, str]

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names.get("en") or f"{self.level}"

    def advice(self, lang: str) -> str:
        return self.guidance.get(lang) or self.guidance.get("en") or ""


@dataclass(frozen=True)
class StageRule:
    stage: int
    when: str  # "alert", "quake" or "pm25"
    severity: tuple[str, ...] = ()
    urgency: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    magnitude: float | None = None
    above: float | None = None


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


def _texts(en: str, ko: str, es: str) -> dict[str, str]:
    return {"en": en, "ko": ko, "es": es}


# Rio's five stages and colours (aligned with CEMADEN since 2023): green, yellow,
# orange, red, purple. Each colour reads as its name says (Okabe–Ito's green,
# yellow and orange; their vermillion looks orange beside Attention, so Alert gets a
# red, and Crisis a purple), each with black or white text at AA contrast on it
# (tests/city/test_ladder.py holds the README's words and these colours together).
DEFAULT_LADDER = Ladder(
    stages=(
        Stage(
            1,
            _texts("Normal", "평시", "Normal"),
            "#009E73",
            _texts(
                "No expected impact.", "예상되는 영향 없음.", "Sin impacto esperado."
            ),
        ),
        Stage(
            2,
            _texts("Mobilisation", "관심", "Movilización"),
            "#F0E442",
            _texts(
                "Risk of impact: stay informed.",
                "영향 가능성: 안내에 주의하십시오.",
                "Riesgo de impacto: manténgase informado.",
            ),
        ),
        Stage(
            3,
            _texts("Attention", "주의", "Atención"),
            "#E69F00",
            _texts(
                "Impacts expected: follow official instructions.",
                "영향 예상: 공식 안내를 따르십시오.",
                "Se esperan impactos: siga las instrucciones oficiales.",
            ),
        ),
        Stage(
            4,
            _texts("Alert", "경계", "Alerta"),
            "#D62728",
            _texts(
                "Serious impacts: avoid travel, keep to safe places.",
                "심각한 영향: 이동을 자제하고 안전한 곳에 머무십시오.",
                "Impactos graves: evite desplazarse, permanezca en lugar seguro.",
            ),
        ),
        Stage(
            5,
            _texts("Crisis", "심각", "Crisis"),
            "#8E44AD",
            _texts(
                "Impacts beyond the city's capacity: follow emergency orders.",
                "도시 대응 능력을 넘는 영향: 비상 명령을 따르십시오.",
                "Impactos más allá de la capacidad de la ciudad: siga las órdenes de emergencia.",
            ),
        ),
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

KINDS = ("alert", "quake", "pm25")


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
        rules.append(
            StageRule(
                stage=int(row["stage"]),
                when=when,
                severity=tuple(row.get("severity", ())),
                urgency=tuple(row.get("urgency", ())),
                categories=tuple(row.get("categories", ())),
                magnitude=float(row["magnitude"]) if "magnitude" in row else None,
                above=float(row["above"]) if "above" in row else None,
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
