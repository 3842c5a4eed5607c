"""A connector's options, declared as data and read in one place.

Each connector lists what its ``[sources.options]`` may hold — name, type, default,
help — the way a Singer SDK stream declares its config schema, and reads a
profile's options through ``read_options``: an option it does not know (with the
close matches), a value of the wrong type, a choice it does not offer and a missing
required option are all said at once, each naming the option; defaults are filled
in. A secret option's value is never repeated in an error.

The same declarations draw ``citywall connectors`` and the README's table of
options, so what a connector accepts and what the documentation says cannot drift.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any


class SourceOptionsError(ValueError):
    """The source's options in the profile cannot work; says which and why."""


BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
# TOML's names for what a profile can hold
TYPE_NAMES: dict[type, str] = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    list: "array",
    dict: "table",
}


@dataclass(frozen=True)
class Option:
    """One option a connector takes.

    ``default`` is used when the profile leaves the option out; None means "not
    set", and ``help`` says what the connector does then (a default that depends
    on the profile, such as its languages). ``items`` is what an array holds or a
    table's values are, when the connector needs one kind. A ``secret`` option's
    value (a key, a token) is hidden from logs and errors."""

    name: str
    type: type
    default: Any = None
    help: str = ""
    required: bool = False
    choices: tuple[Any, ...] | None = None
    secret: bool = False
    items: type | None = None

    def __post_init__(self) -> None:
        if self.type not in TYPE_NAMES or (self.items and self.items not in TYPE_NAMES):
            raise TypeError(f"option {self.name!r}: no such option type {self.type!r}")

    @property
    def type_name(self) -> str:
        """The type as a profile's author reads it: ``array of strings``."""
        name = TYPE_NAMES[self.type]
        if self.items is not None:
            name += f" of {TYPE_NAMES[self.items]}s"
        if self.choices:
            name += ": " + ", ".join(toml_value(c) for c in self.choices)
        return name

    @property
    def default_text(self) -> str:
        if self.required:
            return "required"
        return "—" if self.default is None else toml_value(self.default)

    def read(self, value: Any) -> Any:
        """``value`` as this option's type; ValueError says why it is not one."""
        value = _as(self.type, value)
        try:
            if self.items is not None and self.type is list:
                value = [_as(self.items, item) for item in value]
            elif self.items is not None:
                value = {str(k): _as(self.items, v) for k, v in value.items()}
        except ValueError:
            raise ValueError(_a(self.type_name)) from None
        if self.choices is not None and value not in self.choices:
            raise ValueError("one of " + ", ".join(toml_value(c) for c in self.choices))
        return value


class Settings(Mapping[str, Any]):
    """A source's options as its connector declared them: every declared name,
    defaults filled in, read-only; by key or as attributes."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = MappingProxyType(dict(values))

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["_values"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name != "_values" or "_values" in self.__dict__:
            raise AttributeError("a source's settings are read-only")
        super().__setattr__(name, value)

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Settings({dict(self._values)!r})"


def declare(*groups: Iterable[Option]) -> tuple[Option, ...]:
    """One connector's options from groups (its own, the HTTP ones…); a name
    declared twice is a mistake of the connector's, caught at import."""
    declared = tuple(option for group in groups for option in group)
    names = [o.name for o in declared]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise TypeError(f"options declared twice: {twice}")
    return declared


def read_options(
    declared: Iterable[Option], given: Mapping[str, Any], who: str, within: str = ""
) -> Settings:
    """``given`` (a source's options) read against ``declared``; every problem at
    once in one ``SourceOptionsError`` that starts with ``who`` (the connector).
    ``within`` names the table option ``given`` is the value of, so a problem
    names its key as a profile's author finds it (``anomalies.seed``)."""
    declared = tuple(declared)
    known = {o.name: o for o in declared}
    at = f"{within}." if within else ""
    problems = []
    for name in given:
        if name not in known:
            near = difflib.get_close_matches(str(name), list(known), n=3, cutoff=0.6)
            hint = (
                "did you mean " + " or ".join(f"`{at}{n}`" for n in near) + "?"
                if near
                else f"`citywall connectors show {who}` lists them"
            )
            problems.append(f"option `{at}{name}` is unknown ({hint})")
    values = {}
    for option in declared:
        value = given.get(option.name)
        if value is None or (option.required and value == ""):
            if option.required:
                problems.append(f"needs option `{at}{option.name}`")
            values[option.name] = option.default
            continue
        try:
            values[option.name] = option.read(value)
        except ValueError as exc:
            got = "" if option.secret else f", not {_cut(toml_value(value))}"
            problems.append(f"option `{at}{option.name}` must be {exc}{got}")
    if problems:
        raise SourceOptionsError(f"the {who} connector: " + "; ".join(problems))
    return Settings(values)


def markdown_table(declared: Iterable[Option]) -> str:
    """The options as a Markdown table: name, type, default, help."""
    lines = ["| Option | Type | Default | What it does |", "|---|---|---|---|"]
    for o in declared:
        what = o.help + (" (secret: never logged or shown)" if o.secret else "")
        cells = (f"`{o.name}`", o.type_name, o.default_text, what)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def _as(kind: type, value: Any) -> Any:
    """``value`` as ``kind``, as leniently as before options were declared: a
    number may come as its digits ("20"), an integral number as 3.0; a boolean
    is only ever true or false (the string "false" is not false)."""
    wrong = ValueError(_a(TYPE_NAMES[kind]))
    if kind is bool:
        if not isinstance(value, bool):
            raise ValueError("true or false")
        return value
    if isinstance(value, bool):  # TOML's true is never a number or a text
        raise wrong
    if kind in (int, float):
        if isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                raise wrong from None
        if not isinstance(value, int | float) or not math.isfinite(value):
            raise wrong
        if kind is int:
            if value != int(value):
                raise wrong
            return int(value)
        return float(value)
    if kind is str:
        if isinstance(value, int):  # an id or a key written without quotes
            return str(value)
        if not isinstance(value, str):
            raise wrong
        return value
    if kind is list:
        if not isinstance(value, list | tuple):
            raise wrong
        return list(value)
    if not isinstance(value, Mapping):
        raise wrong
    return dict(value)


def _a(name: str) -> str:
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"


def _cut(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def toml_value(value: Any) -> str:
    """A value as it is written in a TOML profile (tables inline)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        pairs = (f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items())
        return "{ " + ", ".join(pairs) + " }" if value else "{}"
    return str(value)


def toml_key(key: Any) -> str:
    key = str(key)
    return key if BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)
