"""Every city's stage colours read as the README names them (stage 4 Alert red, not
an orange beside stage 3's), with the stage's text at AA contrast on each."""

from __future__ import annotations

import colorsys
import re

import pytest

from city.ladder import DEFAULT_LADDER
from city.profile import load_profile
from components.stage_banner import text_colour_on
from tests.conftest import PROJECT_ROOT

# hue ranges (degrees) in which a colour reads as its name
HUES = {
    "red": ((345, 360), (0, 12)),
    "orange": ((22, 45),),
    "yellow": ((48, 65),),
    "green": ((90, 170),),
    "purple": ((265, 310),),
}
PROFILES = sorted((PROJECT_ROOT / "cities").glob("*.toml"))


def _readme_colours() -> dict[int, tuple[str, str]]:
    """The README's default ladder: {level: (name, colour word)}."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    words = "|".join(HUES)
    found = re.findall(rf"(\d) (\w+)\s+({words})\b", readme.replace("\n", " "))
    return {int(level): (name, colour) for level, name, colour in found}


def _hue(colour: str) -> float:
    r, g, b = (int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return colorsys.rgb_to_hls(r, g, b)[0] * 360


def _luminance(colour: str) -> float:
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels
    )
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_readme_names_every_default_stage_and_its_colour():
    named = _readme_colours()
    assert {level: name for level, (name, _) in named.items()} == {
        s.level: s.name("en") for s in DEFAULT_LADDER.stages
    }
    assert named[4] == ("Alert", "red")


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.stem)
def test_each_stage_colour_reads_as_its_name_with_readable_text(path):
    ladder = load_profile(path).ladder
    named = _readme_colours()
    for stage in ladder.stages:
        name, word = named[stage.level]
        assert stage.name("en") == name, (path.name, stage.level)
        hue = _hue(stage.colour)
        assert any(low <= hue <= high for low, high in HUES[word]), (
            f"{path.name}: stage {stage.level} {name} is {stage.colour} "
            f"(hue {hue:.0f}°), which does not read as {word}"
        )
        text = text_colour_on(stage.colour)
        assert _contrast(text, stage.colour) >= 4.5, (stage.level, stage.colour, text)


def test_the_old_vermillion_would_not_pass_as_red():
    # the colour the wall showed for stage 4: orange to the eye, as the issue said
    assert not any(low <= _hue("#D55E00") <= high for low, high in HUES["red"])
