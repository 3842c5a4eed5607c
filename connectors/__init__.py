"""Connectors: one module per source protocol.

Ours are found in this package itself: any module here that defines a class with
its own ``protocol`` is a connector, so adding one is adding its module (no entry
point, no reinstall). Other packages add theirs through the ``citywall.connectors``
entry points, as before; one that cannot be loaded is logged and left out, and none
may take the name of one of ours.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from functools import cache
from importlib.metadata import entry_points

from city.profile import CityProfile, SourceConfig
from connectors.base import Connector

log = logging.getLogger(__name__)
PLUGINS = "citywall.connectors"


class UnknownConnector(LookupError):
    pass


@cache
def built_in() -> dict[str, type[Connector]]:
    """Our connectors by protocol name, found by importing this package's modules."""
    found: dict[str, type[Connector]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and value.__module__ == module.__name__
                and "protocol" in vars(value)
            ):
                if value.protocol in found:
                    raise TypeError(
                        f"two connectors named {value.protocol!r}: "
                        f"{found[value.protocol].__module__} and {module.__name__}"
                    )
                found[value.protocol] = value
    return found


def available() -> dict[str, type[Connector]]:
    """Every connector class by protocol name: ours, then the installed plugins'."""
    found = dict(built_in())
    for ep in entry_points(group=PLUGINS):
        if ep.name in found:
            ours = found[ep.name]
            if ep.value != f"{ours.__module__}:{ours.__qualname__}":
                log.warning(
                    "connector %r of %s is ignored: it is a built-in's name",
                    ep.name,
                    ep.value,
                )
            continue
        try:
            found[ep.name] = ep.load()
        except Exception as exc:  # a broken plugin must not stop the others
            log.warning(
                "connector %r (%s) cannot be loaded: %s", ep.name, ep.value, exc
            )
    return found


def build(source: SourceConfig, profile: CityProfile) -> Connector:
    found = available()
    if source.connector not in found:
        raise UnknownConnector(
            f"source {source.name!r} names connector {source.connector!r}; "
            f"installed connectors: {sorted(found)}"
        )
    return found[source.connector](profile, source.options)
