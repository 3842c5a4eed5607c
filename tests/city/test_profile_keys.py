"""Every key of a profile is declared once (``city.profile_keys``): a profile with
a misspelt, unknown, mistyped or out-of-bounds key is refused by ``load_profile``
with one line for each mistake, and the shipped profiles pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from city import profile_keys
from city.profile import ProfileError, load_profile
from tests.conftest import PROJECT_ROOT, seoul_profile_copy


def seoul_with(folder: Path, old: str, new: str) -> Path:
    """Seoul's profile with one edit (which must apply)."""
    path = seoul_profile_copy(folder, 1)
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def problems(path: Path, **known) -> list[str]:
    with pytest.raises(ProfileError) as raised:
        load_profile(path, **known)
    return raised.value.problems


# (what is written, what it becomes, the one line that says so)
MISTAKES = {
    "misspelt key": (
        'default_language = "en"',
        'default_langauge = "en"',
        "[city] has no key `default_langauge`: did you mean `default_language`?",
    ),
    "misspelt table": (
        "[traffic]\n",
        "[trafic]\n",
        "the profile has no table `[trafic]`: did you mean `[traffic]`?",
    ),
    "misspelt source key": (
        "interval_seconds = 5",
        "intervall_seconds = 5",
        "[[sources]] #1 (demo) has no key `intervall_seconds`: "
        "did you mean `interval_seconds`?",
    ),
    "refresh of no time": (
        "refresh_seconds = 10",
        "refresh_seconds = 0",
        "[wall] refresh_seconds must be more than 0, not 0",
    ),
    "groups turning in no time": (
        "refresh_seconds = 10\n",
        "refresh_seconds = 10\ngroup_seconds = 0\n",
        "[wall] group_seconds must be more than 0, not 0",
    ),
    "pull interval of no time": (
        "interval_seconds = 5",
        "interval_seconds = -5",
        "[[sources]] #1 (demo) interval_seconds must be more than 0, not -5",
    ),
    "a number written as text": (
        "speed_window_minutes = 15",
        'speed_window_minutes = "15"',
        '[traffic] speed_window_minutes must be a number, not "15"',
    ),
    "a target written as text": (
        "target = 900\n",
        'target = "900"\n',
        '[[indicators]] #1 (complaints_today) target must be a number, not "900"',
    ),
    "a misspelt key of an indicator": (
        "watch_ratio = 1.25\n",
        "watch_ration = 1.25\n",
        "[[indicators]] #1 (complaints_today) has no key `watch_ration`: "
        "did you mean `watch_ratio`?",
    ),
    "an indicator of no declared domain": (
        'domain = "complaints"\nmeasure = "count"\nwindow = "today"',
        'domain = "complaint"\nmeasure = "count"\nwindow = "today"',
        "[[indicators]] #1 (complaints_today) domain 'complaint' is not declared "
        "(the domains: complaints, crowd, disaster, safety, traffic)",
    ),
    "a window of no kind": (
        'window = "today"',
        'window = "tomorrow"',
        "[[indicators]] #1 (complaints_today) window 'tomorrow' must be a duration "
        "such as 15m, 24h or 7d, or one of today, this_week, this_month, "
        "open_now, latest",
    ),
    "a series measure without its series": (
        'measure = "mean"\nseries = "pm25"\n',
        'measure = "mean"\n',
        "[[indicators]] #6 (pm25_avg) measure 'mean' reads a series: name `series`",
    ),
    "a measure of no kind": (
        'measure = "median_hours"',
        'measure = "median"',
        "[[indicators]] #3 (complaints_median_hours) measure must be one of "
        '"count", "share", "median_hours", "mean_hours", "in_force", "mean", '
        '"min", "max", "sum", "count_readings", "latest", "share_below", '
        '"places_at_least", "above_usual", not "median"',
    ),
    "a rotation step of no time": (
        '{ page = "/traffic", seconds = 30 }',
        '{ page = "/traffic", seconds = 0 }',
        "[[wall.rotation]] #2 (/traffic) seconds must be more than 0, not 0",
    ),
    "a page without its slash": (
        '{ page = "/complaints", seconds = 30 }',
        '{ page = "complaints", seconds = 30 }',
        "[[wall.rotation]] #5 (complaints): `page` must be a path such as "
        '"/complaints"',
    ),
    "a district's population as text": (
        "population = 139400",
        'population = "139,400"',
        '[[districts]] #1 (11110) population must be an integer, not "139,400"',
    ),
    "a rule of no kind": (
        "[traffic]\n",
        '[[disaster.rules]]\nstage = 3\nwhen = "flood"\n[traffic]\n',
        '[[disaster.rules]] #8 when must be one of "alert", "quake", "pm25", '
        '"hotspot", not "flood"',
    ),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_each_mistake_is_one_line_with_its_fix(tmp_path, mistake):
    old, new, line = MISTAKES[mistake]
    assert problems(seoul_with(tmp_path, old, new)) == [line]


def test_a_target_for_no_standard_indicator_is_refused(tmp_path):
    """A profile that declares no indicators gets the standard ones, and its
    [targets] may name only theirs."""
    path = seoul_profile_copy(tmp_path, 1)
    text = path.read_text(encoding="utf-8")
    start = text.index("[[domains]]")
    end = text.index("[traffic]")
    path.write_text(
        text[:start]
        + "[targets]\ncomplaints_todya = { target = 900 }\n\n"
        + text[end:],
        encoding="utf-8",
    )
    assert problems(path) == [
        "[targets] `complaints_todya` is not a KPI id "
        "(did you mean `complaints_today`?)"
    ]


def test_every_mistake_is_listed_at_once(tmp_path):
    path = seoul_profile_copy(tmp_path, 1)
    text = path.read_text(encoding="utf-8")
    for old, new, _ in MISTAKES.values():
        if old in text and "disaster" not in new:
            text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    found = problems(path)
    assert "[wall] refresh_seconds must be more than 0, not 0" in found
    assert any("intervall_seconds" in p for p in found)
    assert any("default_langauge" in p for p in found)
    assert len(found) >= 6


def test_the_keys_other_parts_read_are_declared_with_their_types(tmp_path):
    extra = """
[map]
frame = [138.9, 35.5, 139.95, 35.9]
frame_leaves_out = ["11680", "11710"]
"""
    path = seoul_profile_copy(tmp_path, 1, extra=extra)
    text = path.read_text(encoding="utf-8")
    text = text.replace('languages = ["ko", "en", "es"]', 'languages = ["ko", "en"]')
    text = text.replace(
        'code = "11110"', 'code = "11110"\nofficial_code = "1111000000"'
    )
    path.write_text(text, encoding="utf-8")
    assert load_profile(path).districts[0].code == "11110"

    wrong = (
        text.replace('["ko", "en"]', '"ko"')
        .replace('"1111000000"', "1111000000")
        .replace("[138.9, 35.5, 139.95, 35.9]", "[138.9, 35.5, 139.95]")
        .replace('["11680", "11710"]', "[11680]")
    )
    path.write_text(wrong, encoding="utf-8")
    assert sorted(problems(path)) == sorted(
        [
            '[city] languages must be an array of strings, not "ko"',
            "[[districts]] #1 (11110) official_code must be a string, not 1111000000",
            "[map] frame must be an array of 4 numbers (west, south, east, north), "
            "not [138.9, 35.5, 139.95]",
            "[map] frame_leaves_out must be an array of strings, not [11680]",
        ]
    )


@pytest.mark.parametrize(
    "profile", sorted((PROJECT_ROOT / "cities").glob("*.toml")), ids=lambda p: p.stem
)
def test_the_shipped_profiles_hold_only_declared_keys(profile):
    import tomllib

    raw = tomllib.loads(profile.read_text(encoding="utf-8"))
    assert profile_keys.validate(raw) == []


def test_load_profile_takes_its_defaults_from_the_declaration(tmp_path):
    path = seoul_profile_copy(tmp_path, 1)
    text = path.read_text(encoding="utf-8")
    text = text.replace("refresh_seconds = 10\n", "").replace(
        "speed_window_minutes = 15", ""
    )
    path.write_text(text.replace(", watch_ratio = 1.25 }", " }"), encoding="utf-8")
    profile = load_profile(path)
    assert profile.refresh_seconds == profile_keys.default("wall.refresh_seconds")
    assert profile.group_seconds == profile_keys.default("wall.group_seconds") == 20
    assert profile.speed_window.total_seconds() == 60 * profile_keys.default(
        "traffic.speed_window_minutes"
    )
    assert profile.targets["complaints_today"].watch_ratio == profile_keys.default(
        "targets.watch_ratio"
    )
