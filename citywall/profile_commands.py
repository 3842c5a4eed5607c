"""``citywall city keys``: every key a city profile may hold, from its declaration
(``city.profile_keys``); and the README's table of them, written from the same
declaration (``citywall city keys readme``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from city import profile_keys
from citywall import readme_blocks
from citywall.readme_blocks import README

BEGIN = "<!-- profile keys: written by `citywall city keys readme`, do not edit -->"
END = "<!-- end of profile keys -->"
BLOCK = readme_blocks.Block(
    BEGIN, END, "the profile's keys are", "citywall city keys readme"
)


def add_parser(city_sub) -> None:
    keys = city_sub.add_parser(
        "keys", help="every key a profile may hold; `city keys readme` for the README"
    )
    inner = keys.add_subparsers(dest="keys_command")
    readme = inner.add_parser("readme", help="rewrite the README's table of keys")
    readme.add_argument("--check", action="store_true", help="only say if it is stale")
    readme.add_argument("path", nargs="?", type=Path, default=README)


def run(args: argparse.Namespace) -> int:
    if args.keys_command == "readme":
        return write_readme(args.path, check=args.check)
    print(listing())
    return 0


def listing() -> str:
    """The tables and their keys: type, default, what each sets."""
    width = max(len(k.name) for _, k in profile_keys.rows())
    lines: list[str] = []
    for table in profile_keys.PROFILE:
        header = table.header
        if table.entries:
            header = f"[{table.path}.<{table.entries}>]"
        lines += ["", f"{header}  {table.help}"]
        for k in table.keys:
            lines.append(f"  {k.name:{width}}  {k.type_name}, {_default(k)}")
            lines.append(f"  {'':{width}}  {k.help}")
    lines += ["", "`citywall city check PROFILE` holds a profile to these."]
    return "\n".join(lines[1:])


def _default(k: profile_keys.Key) -> str:
    text = k.default_shown
    return {"required": text, "—": "optional"}.get(text, f"default {text}")


def readme_block() -> str:
    return f"{BEGIN}\n\n{profile_keys.markdown_table()}\n\n{END}"


def write_readme(path: Path, check: bool = False) -> int:
    return readme_blocks.rewrite(path, BLOCK, readme_block(), check)
