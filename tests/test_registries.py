"""What the registries hold has tests: a connector, a page or a KPI added without
one fails here (after Datasette's ``test_plugin_hooks_have_tests``).

Each list below is read from its registry — the connectors' (``connectors.available``:
the package's own modules and the plugins' entry points), Dash's page registry, the
KPI declarations — never kept by hand beside it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import connectors
from connectors.options import Option
from tests.web.test_access import wall  # noqa: F401 - the app, its pages

TESTS = Path(__file__).resolve().parent
CONNECTORS = connectors.available()


@pytest.mark.parametrize("name", sorted(CONNECTORS))
def test_every_connector_has_its_own_tests(name):
    module = CONNECTORS[name].__module__.rsplit(".", 1)[-1]
    own = TESTS / "connectors" / f"test_{module}.py"
    assert own.is_file(), f"{name}: no {own.relative_to(TESTS.parent)}"


@pytest.mark.parametrize("name", sorted(CONNECTORS))
def test_every_connector_is_shown_in_the_readme(name):
    """A city finds each connector in the README with a source block to copy (its
    options' table is checked by ``tests/citywall/test_connector_commands.py``)."""
    readme = (TESTS.parent / "README.md").read_text(encoding="utf-8")
    assert f'connector = "{name}"' in readme


@pytest.mark.parametrize("name", sorted(CONNECTORS))
def test_every_connector_declares_its_options_and_an_example_that_works(name, seoul):
    """What ``citywall connectors show`` prints, the README's table and the fuzz
    tests all come from these two declarations."""
    cls = CONNECTORS[name]
    assert isinstance(getattr(cls, "OPTIONS", None), tuple) and all(
        isinstance(o, Option) for o in cls.OPTIONS
    ), f"{name}: declare OPTIONS (connectors.options.Option)"
    assert isinstance(getattr(cls, "EXAMPLE", None), dict), f"{name}: no EXAMPLE"
    assert all(o.help for o in cls.OPTIONS), f"{name}: an option without help"
    cls(seoul, cls.EXAMPLE)


def test_every_connector_that_parses_a_payload_is_fuzzed():
    from tests.connectors.test_parser_properties import (
        ALL,
        KINDS,
        NOTHING_TO_FUZZ,
        build,
    )

    fuzzed = {type(build(kind)).protocol for kind in ALL}
    assert fuzzed == {KINDS[kind][0] for kind in ALL}
    assert set(CONNECTORS) - NOTHING_TO_FUZZ - fuzzed == set()
    assert NOTHING_TO_FUZZ <= set(CONNECTORS), "an exemption for no connector"


def test_every_page_is_walked_by_the_access_test(wall):  # noqa: F811
    """Every registered page is drawn for every kind of caller by
    ``tests/web/test_guard_attacks.py``: its address is in ``PAGES``."""
    import dash
    from dash import _pages

    from tests.web.test_guard_attacks import PAGES

    registered = {page["module"] for page in dash.page_registry.values()}
    not_found = next(m for m in registered if m.endswith(".not_found_404"))
    walked = {
        _pages._path_to_page(path.split("?")[0].strip("/"))[0].get("module", not_found)
        for path in PAGES
    }
    assert registered - walked == set()


def test_every_kpi_is_checked_against_a_plain_computation():
    """Each declared KPI has its plain pandas computation in the benchmark's
    baseline, which ``tests/kpis/test_kpis.py`` checks it against (city and
    district) and the benchmark compares it with."""
    from bench import baseline
    from tests.standard import KPIS

    source = Path(baseline.__file__).read_text(encoding="utf-8")
    assert [k.id for k in KPIS if f'"{k.id}": (' not in source] == []


def test_every_kpi_gives_a_new_city_a_starting_target():
    """``citywall city init`` writes each KPI's starting target into a new profile:
    a KPI without one would be judged "good" whatever it shows."""
    from city.indicators import declarations, standard_raw
    from citywall.onboarding import DEFAULT_TARGETS

    standard = declarations(standard_raw(), [], set()).indicators
    assert len(standard) == 8
    assert [k.id for k in standard if k.id not in DEFAULT_TARGETS] == []


def test_the_pages_a_rotation_may_name_are_the_registered_ones(wall):  # noqa: F811
    """``citywall city check`` holds a kiosk rotation to ``pages._routes``'s list
    without building the app: it is every registered page but the embed, the
    kiosk and the not-found page."""
    import dash

    from pages._routes import DISTRICT_PAGE, HOTSPOT_PAGE, shown_pages
    from tests.standard import DOMAINS

    shown = {
        page.get("path_template") or page["path"]
        for page in dash.page_registry.values()
        if page["module"] not in ("pages.embed", "pages.kiosk")
        and not page["module"].endswith("not_found_404")
    }
    assert shown == {*shown_pages(DOMAINS), DISTRICT_PAGE, HOTSPOT_PAGE}
