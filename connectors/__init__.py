"""Connectors: one module per source protocol, found through the
``citywall.connectors`` entry points so other packages can add their own."""

from __future__ import annotations

from importlib.metadata import entry_points

from city.profile import CityProfile, SourceConfig
from connectors.base import Connector


class UnknownConnector(LookupError):
    pass


def available() -> dict[str, object]:
    """Every registered connector class by protocol name, ours included."""
    return {ep.name: ep for ep in entry_points(group="citywall.connectors")}


def build(source: SourceConfig, profile: CityProfile) -> Connector:
    found = available()
    if source.connector not in found:
        raise UnknownConnector(
            f"source {source.name!r} names connector {source.connector!r}; "
            f"installed connectors: {sorted(found)}"
        )
    cls = found[source.connector].load()
    return cls(profile, source.options)
