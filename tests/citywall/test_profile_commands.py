"""`citywall city check` on each mistake a city's IT person makes in a profile:
one line each, with its fix, never a traceback; `citywall city keys` and the
README's table of profile keys, from the same declaration."""

from __future__ import annotations

import pytest

from citywall import profile_commands
from citywall.cli import main
from tests.city.test_profile_keys import MISTAKES, seoul_with
from tests.conftest import seoul_profile_copy

# mistakes only the check knows: the KPIs, the app's pages, the connectors
CHECK_MISTAKES = {
    "chart of no indicator": (
        'chart = "road_avg_speed"',
        'chart = "road_avg_sped"',
        "[[domains]] (traffic) chart 'road_avg_sped' is not an indicator of this "
        "domain (did you mean 'road_avg_speed'?)",
    ),
    "misspelt connector option": (
        "complaints_per_day = 850",
        "complaints_per_dya = 850",
        "source 'demo': the simulator connector: option `complaints_per_dya` is "
        "unknown (did you mean `complaints_per_day` or `alerts_per_day`?)",
    ),
    "rotation to no page": (
        '{ page = "/traffic", seconds = 30 }',
        '{ page = "/trafic", seconds = 30 }',
        "[[wall.rotation]] #2 (/trafic): the wall has no such page "
        "(did you mean /traffic?)",
    ),
    "rotation to no district": (
        '{ page = "/district/11680", seconds = 20 }',
        '{ page = "/district/11690", seconds = 20 }',
        "[[wall.rotation]] #7 (/district/11690): no district '11690' in this city "
        "(did you mean /district/11680?)",
    ),
    "rotation with its filters in the path": (
        '{ page = "/complaints", seconds = 30 }',
        '{ page = "/complaints?period=7d", seconds = 30 }',
        "[[wall.rotation]] #5 (/complaints?period=7d): put the filters in `query`: "
        'page = "/complaints", query = { … }',
    ),
    "rotation to no group": (
        '{ page = "/", seconds = 60 }',
        '{ page = "/", seconds = 60, query = { group = "trafic" } }',
        "[[wall.rotation]] #1 (/): the overview has no group 'trafic' "
        "(did you mean 'traffic'?)",
    ),
    "a group on another page than the overview": (
        '{ page = "/traffic", seconds = 30 }',
        '{ page = "/traffic", seconds = 30, query = { group = "traffic" } }',
        "[[wall.rotation]] #2 (/traffic): only the overview shows a group: "
        'page = "/", query = { group = … }',
    ),
    "misspelt connector": (
        'connector = "simulator"',
        'connector = "simulater"',
        "source 'demo': unknown connector 'simulater' (did you mean 'simulator'?)",
    ),
}


def check(path, capsys) -> tuple[int, list[str], str]:
    code = main(["city", "check", str(path)])
    out, err = capsys.readouterr()
    said = [line.removeprefix("  problem: ") for line in err.splitlines()]
    assert "Traceback" not in out + err
    return code, said, out


@pytest.mark.parametrize("mistake", [*MISTAKES, *CHECK_MISTAKES])
def test_check_answers_each_mistake_with_one_line(tmp_path, capsys, mistake):
    old, new, line = {**MISTAKES, **CHECK_MISTAKES}[mistake]
    path = seoul_with(tmp_path, old, new)
    code, said, out = check(path, capsys)
    assert (code, said) == (1, [line])
    assert out.endswith(f"{path}: 1 problem(s)\n")


def test_check_lists_the_keys_options_and_pages_of_a_profile_that_does_not_load(
    tmp_path, capsys
):
    path = seoul_profile_copy(tmp_path, 1)
    text = path.read_text(encoding="utf-8")
    for old, new, _ in (MISTAKES["misspelt table"], *CHECK_MISTAKES.values()):
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    code, said, _ = check(path, capsys)
    assert code == 1
    assert MISTAKES["misspelt table"][2] in said
    assert CHECK_MISTAKES["rotation to no page"][2] in said
    assert CHECK_MISTAKES["misspelt connector"][2] in said


def test_check_accepts_a_kiosk_step_that_holds_the_overview_on_a_group(
    tmp_path, capsys
):
    path = seoul_with(
        tmp_path,
        '{ page = "/", seconds = 60 }',
        '{ page = "/", seconds = 30, query = { group = "complaints" } }',
    )
    code, said, out = check(path, capsys)
    assert (code, said) == (0, [])


def test_check_of_a_file_that_is_not_there_says_so(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cities").mkdir()
    (tmp_path / "cities" / "quito.toml").write_text('[city]\nid = "quito"\n')
    code, said, _ = check("missing.toml", capsys)
    assert (code, said) == (
        1,
        ["there is no file missing.toml; the profiles in cities/ are: quito.toml"],
    )
    assert not any("CITYWALL_PROFILE" in line for line in said)


def test_keys_lists_every_table_and_key_with_type_and_default(capsys):
    assert main(["city", "keys"]) == 0
    out = capsys.readouterr().out
    assert "[city]  The city itself." in out
    assert "default_language" in out and 'string, default "en"' in out
    assert "[targets.<KPI id>]" in out and "target" in out
    for new_key in ("languages", "official_code", "frame", "frame_leaves_out"):
        assert f"  {new_key} " in out, new_key


def test_the_readme_shows_every_profile_key():
    """When this fails, run `citywall city keys readme` and commit the README."""
    assert main(["city", "keys", "readme", "--check"]) == 0


def test_a_stale_table_of_keys_is_found_and_rewritten(tmp_path):
    readme = tmp_path / "README.md"
    block = f"{profile_commands.BEGIN}\nold table\n{profile_commands.END}"
    readme.write_text(f"# A city\n\n{block}\n\nthe rest\n", encoding="utf-8")
    assert main(["city", "keys", "readme", "--check", str(readme)]) == 1
    assert main(["city", "keys", "readme", str(readme)]) == 0
    text = readme.read_text(encoding="utf-8")
    assert "old table" not in text and text.endswith("\n\nthe rest\n")
    assert "| `[wall]` | `refresh_seconds` | number | 10 |" in text
    assert main(["city", "keys", "readme", "--check", str(readme)]) == 0


def test_check_of_a_folder_or_of_latin_1_text_says_so(tmp_path, capsys):
    latin = tmp_path / "lima.toml"
    latin.write_bytes('[city]\nid = "café"\n'.encode("latin-1"))
    assert check(latin, capsys)[:2] == (
        1,
        ["not UTF-8 text (byte 16): save it as UTF-8"],
    )
    assert check(tmp_path, capsys)[:2] == (
        1,
        [f"{tmp_path} is a folder: name a .toml file in it"],
    )
