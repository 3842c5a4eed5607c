"""`citywall connectors`: each connector and its options, from their declarations;
the README's table of options is written from the same declarations."""

from __future__ import annotations

from citywall import connector_commands
from citywall.cli import main


def test_the_readme_shows_every_connectors_declared_options():
    """When this fails, run `citywall connectors readme` and commit the README."""
    assert main(["connectors", "readme", "--check"]) == 0


def test_a_stale_readme_is_found_and_rewritten(tmp_path, capsys):
    readme = tmp_path / "README.md"
    block = f"{connector_commands.BEGIN}\nold table\n{connector_commands.END}"
    readme.write_text(f"# A city\n\n{block}\n\nthe rest\n", encoding="utf-8")
    assert main(["connectors", "readme", "--check", str(readme)]) == 1
    assert main(["connectors", "readme", str(readme)]) == 0
    text = readme.read_text(encoding="utf-8")
    assert "old table" not in text and text.endswith("\n\nthe rest\n")
    assert "| `order_by` | string | required |" in text
    assert main(["connectors", "readme", "--check", str(readme)]) == 0


def test_the_list_names_every_connector_and_its_options(capsys):
    assert main(["connectors"]) == 0
    out = capsys.readouterr().out
    for name in ("open311", "cap", "usgs", "simulator", "tabular"):
        assert f"\n{name} " in f"\n{out}"
    assert "window_hours" in out and "follow_redirects" in out


def test_show_explains_each_option_with_an_example(capsys):
    assert main(["connectors", "show", "socrata"]) == 0
    out = capsys.readouterr().out
    assert "order_by" in out and "required" in out
    assert "app_token" in out and "secret: never logged" in out
    assert 'connector = "socrata"' in out and "[sources.options]" in out


def test_show_suggests_a_close_name(capsys):
    assert main(["connectors", "show", "open331"]) == 2
    assert "did you mean open311?" in capsys.readouterr().err
