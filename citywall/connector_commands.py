"""``citywall connectors``: the installed connectors and the options each takes,
read from their declarations (``connectors.options``); and the README's table of
them, written from the same declarations (``citywall connectors readme``)."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

import connectors
from citywall import readme_blocks
from citywall.readme_blocks import README
from connectors.feed import FEED_OPTIONS
from connectors.mapping import MAPPING_OPTIONS
from connectors.options import Option, markdown_table, toml_key, toml_value

BEGIN = (
    "<!-- connector options: written by `citywall connectors readme`, do not edit -->"
)
END = "<!-- end of connector options -->"
BLOCK = readme_blocks.Block(
    BEGIN, END, "the connectors' options are", "citywall connectors readme"
)
# options several connectors share, each group shown once
SHARED = (
    ("every HTTP connector (all but the simulator)", FEED_OPTIONS),
    ("the connectors that map rows to records (socrata, tabular)", MAPPING_OPTIONS),
)


def add_parsers(sub) -> None:
    listing = sub.add_parser(
        "connectors", help="the connectors and their options; `connectors show NAME`"
    )
    inner = listing.add_subparsers(dest="connectors_command")
    inner.add_parser("show", help="one connector's options").add_argument("name")
    readme = inner.add_parser("readme", help="rewrite the README's table of options")
    readme.add_argument("--check", action="store_true", help="only say if it is stale")
    readme.add_argument("path", nargs="?", type=Path, default=README)


def run(args: argparse.Namespace) -> int:
    if args.connectors_command == "show":
        return show(args.name)
    if args.connectors_command == "readme":
        return write_readme(args.path, check=args.check)
    for name, cls in sorted(connectors.available().items()):
        print(f"{name:15} {summary(cls)}")
        names = ", ".join(o.name for o in declared(cls)) or "(none declared)"
        print(f"{'':15} options: {names}")
    print("`citywall connectors show NAME` explains each option")
    return 0


def show(name: str) -> int:
    found = connectors.available()
    if name not in found:
        near = difflib.get_close_matches(name, list(found), n=3)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        print(f"citywall: no connector {name!r}{hint}", file=sys.stderr)
        return 2
    cls = found[name]
    print(f"{name}: {summary(cls)}\n")
    width = max((len(o.name) for o in declared(cls)), default=0)
    for option in declared(cls):
        secret = " (secret: never logged)" if option.secret else ""
        print(f"  {option.name:{width}}  {option.type_name}, {default(option)}{secret}")
        print(f"  {'':{width}}  {option.help}")
    if getattr(cls, "EXAMPLE", None) is not None:
        print("\nFor example:\n")
        print(example(name, cls.EXAMPLE))
    return 0


def declared(cls: type) -> tuple[Option, ...]:
    return getattr(cls, "OPTIONS", ())  # a plugin's may declare none


def summary(cls: type) -> str:
    module = sys.modules[cls.__module__]
    return (
        (module.__doc__ or cls.__doc__ or "")
        .strip()
        .split("\n\n")[0]
        .replace("\n", " ")
    )


def default(option: Option) -> str:
    text = option.default_text
    return {"required": text, "—": "optional"}.get(text, f"default {text}")


def example(name: str, options: dict) -> str:
    lines = [
        "[[sources]]",
        f'name = "{name}"',
        f'connector = "{name}"',
        "interval_seconds = 300",
        "[sources.options]",
    ]
    lines += [f"{toml_key(k)} = {toml_value(v)}" for k, v in options.items()]
    return "\n".join(lines)


def readme_block() -> str:
    """The README's tables: each connector's own options, the shared ones once."""
    parts = [BEGIN]
    for name, cls in sorted(connectors.built_in().items()):  # ours, not plugins'
        shared = [
            (what, group) for what, group in SHARED if set(group) <= set(cls.OPTIONS)
        ]
        own = [o for o in cls.OPTIONS if not any(o in group for _, group in shared)]
        parts.append(f"**`{name}`** — {summary(cls)}\n\n{markdown_table(own)}")
        if shared:
            also = " and ".join(f"those of {what}" for what, _ in shared)
            parts[-1] += f"\n\nAnd {also}, below."
    for what, group in SHARED:
        parts.append(f"**Options of {what}**\n\n{markdown_table(group)}")
    parts.append(END)
    return "\n\n".join(parts)


def write_readme(path: Path, check: bool = False) -> int:
    return readme_blocks.rewrite(path, BLOCK, readme_block(), check)
