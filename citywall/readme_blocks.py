"""A block of the README written from a declaration (connector options, profile
keys), between two markers, by a command that can also say whether it is stale."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


@dataclass(frozen=True)
class Block:
    begin: str  # the markers around it in the README
    end: str
    what: str  # "the profile's keys are"
    command: str  # the command that writes it


def rewrite(path: Path, block: Block, text_: str, check: bool) -> int:
    """Put ``text_`` (markers and all) in place of ``block`` in ``path``; with
    ``check``, only say whether it differs (exit 1)."""
    text = path.read_text(encoding="utf-8")
    if block.begin not in text or block.end not in text:
        print(
            f"citywall: {path} has no `{block.begin}` … `{block.end}` block",
            file=sys.stderr,
        )
        return 2
    before, rest = text.split(block.begin, 1)
    after = rest.split(block.end, 1)[1]
    written = before + text_ + after
    if written == text:
        print(f"{path}: {block.what} up to date")
        return 0
    if check:
        print(f"{path}: stale; run `{block.command}`", file=sys.stderr)
        return 1
    path.write_text(written, encoding="utf-8")
    print(f"{path}: {block.what} rewritten")
    return 0
