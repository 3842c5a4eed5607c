"""The connectors' registry: ours found in the package, no entry point needed;
another package's added through the ``citywall.connectors`` entry points."""

from __future__ import annotations

import logging
from datetime import datetime
from importlib.metadata import EntryPoint

import pytest

import connectors
from city.profile import SourceConfig
from city.records import Batch
from connectors.options import Option, read_options


class PluginConnector:
    """A third party's connector."""

    protocol = "plugin_feed"
    OPTIONS = (Option("colour", str, "red", "the colour"),)
    EXAMPLE: dict = {}

    def __init__(self, profile, options) -> None:
        self.options = read_options(self.OPTIONS, options, self.protocol)

    def pull(self, cursor: str | None, now: datetime) -> Batch:
        return Batch()


def plugins(monkeypatch, *pairs: tuple[str, str]) -> None:
    found = [EntryPoint(n, v, connectors.PLUGINS) for n, v in pairs]
    monkeypatch.setattr(connectors, "entry_points", lambda group: found)


def test_ours_are_found_without_any_entry_point(monkeypatch):
    plugins(monkeypatch)
    assert set(connectors.available()) >= {
        "simulator", "open311", "cap", "usgs", "gtfs_realtime", "topis", "socrata",
        "tabular", "cameras",
    }  # fmt: skip
    assert "feed" not in connectors.available()  # a base class is not a connector


def test_a_plugin_adds_its_connector(monkeypatch, seoul):
    plugins(monkeypatch, ("plugin_feed", f"{__name__}:PluginConnector"))
    assert connectors.available()["plugin_feed"] is PluginConnector
    source = SourceConfig("p", "plugin_feed", 60, {"colour": "blue"})
    assert connectors.build(source, seoul).options.colour == "blue"


def test_a_broken_plugin_is_logged_and_left_out(monkeypatch, caplog):
    plugins(monkeypatch, ("broken", "no_such_module_here:Connector"))
    with caplog.at_level(logging.WARNING, logger="connectors"):
        found = connectors.available()
    assert "broken" not in found and "open311" in found
    assert "connector 'broken' (no_such_module_here:Connector) cannot be loaded" in (
        caplog.text
    )


def test_a_plugin_cannot_take_the_name_of_one_of_ours(monkeypatch, caplog):
    plugins(monkeypatch, ("open311", f"{__name__}:PluginConnector"))
    with caplog.at_level(logging.WARNING, logger="connectors"):
        found = connectors.available()
    assert found["open311"].__module__ == "connectors.open311"
    assert "it is a built-in's name" in caplog.text


def test_an_unknown_connector_names_the_installed_ones(seoul):
    with pytest.raises(connectors.UnknownConnector, match="installed connectors"):
        connectors.build(SourceConfig("x", "telepathy", 60, {}), seoul)
