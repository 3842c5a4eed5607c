"""What a callback request carries, read the way Dash reads it.

Dash calls a callback with the request's input and state *values by position*
(``inputs + state``); the ids beside them are never looked at. A guard that looked
a value up by its id could be shown a decoy while the callback ran on another
value. So every item of a body is matched, position by position, against the id
and property the callback declared, and a body that does not match is refused as
a whole: what the guard judges is then exactly what the callback receives.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

Values = dict[tuple[str, str], Any]  # (declared id, property) -> value
WILDCARDS = ("MATCH", "ALL", "ALLSMALLER")


class BodyMismatch(ValueError):
    """A callback body that is not what the callback declared."""


def declared_values(entry: dict, body: dict) -> Values:
    """The values of a ``_dash-update-component`` body by the callback's declared
    (id, property), after checking every item against its declaration."""
    inputs, state = _items(body, "inputs"), _items(body, "state")
    if len(inputs) != len(entry["inputs"]) or len(state) != len(entry["state"]):
        raise BodyMismatch(
            f"{len(inputs)} inputs and {len(state)} states for "
            f"{len(entry['inputs'])} and {len(entry['state'])} declared"
        )
    values: Values = {}
    for spec, item in zip([*entry["inputs"], *entry["state"]], [*inputs, *state]):
        values[(spec["id"], spec["property"])] = _checked(spec, item)
    return values


def values_of_call(entry: dict, args: Sequence[Any]) -> Values:
    """The same mapping for a call, from the positional arguments Dash passes."""
    declared = [*entry["inputs"], *entry["state"]]
    if len(args) != len(declared):
        raise BodyMismatch(f"{len(args)} arguments for {len(declared)} declared")
    return {(s["id"], s["property"]): v for s, v in zip(declared, args, strict=True)}


def _items(body: dict, group: str) -> list:
    items = body.get(group) or []
    if not isinstance(items, list):
        raise BodyMismatch(f"{group} is not a list")
    return items


def _checked(spec: dict, item: Any) -> Any:
    declared_id = spec["id"]
    if not declared_id.startswith("{"):  # a plain id: one item, that very id
        if not _is_item(item, declared_id, spec["property"]):
            raise BodyMismatch(f"expected {declared_id}.{spec['property']}")
        return item.get("value")
    pattern = json.loads(declared_id)
    many = any(v in (["ALL"], ["ALLSMALLER"]) for v in pattern.values())
    if many:  # ALL / ALLSMALLER: a list of matching items, values as a list
        if not isinstance(item, list):
            raise BodyMismatch(f"expected a list for {declared_id}")
        if not all(_matches(one, pattern, spec["property"]) for one in item):
            raise BodyMismatch(f"an item does not match {declared_id}")
        return [one.get("value") for one in item]
    if not _matches(item, pattern, spec["property"]):
        raise BodyMismatch(f"expected {declared_id}.{spec['property']}")
    return item.get("value")


def _is_item(item: Any, component_id: Any, prop: str) -> bool:
    return (
        isinstance(item, dict)
        and item.get("id") == component_id
        and item.get("property") == prop
    )


def _matches(item: Any, pattern: dict, prop: str) -> bool:
    """A pattern-matching item: the same keys, the fixed values equal, the
    wildcard ones a plain value (as the renderer sends them)."""
    if not isinstance(item, dict) or item.get("property") != prop:
        return False
    got = item.get("id")
    if not isinstance(got, dict) or set(got) != set(pattern):
        return False
    for key, wanted in pattern.items():
        if isinstance(wanted, list) and len(wanted) == 1 and wanted[0] in WILDCARDS:
            if not isinstance(got[key], str | int | float | bool):
                return False
        elif got[key] != wanted:
            return False
    return True
