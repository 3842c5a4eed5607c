"""A block of the README written from a declaration (connector options, profile
keys), between two markers, by a command that can also say whether it is stale."""

from __future__ import annotations

import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def rewrite(
    path: Path, begin: str, end: str, block: str, what: str, command: str, check: bool
) -> int:
    """Put ``block`` (which starts with ``begin`` and ends with ``end``) in place
    of the one in ``path``; with ``check``, only say whether it differs (exit 1)."""
    text = path.read_text(encoding="utf-8")
    if begin not in text or end not in text:
        print(f"citywall: {path} has no `{begin}` … `{end}` block", file=sys.stderr)
        return 2
    before, rest = text.split(begin, 1)
    after = rest.split(end, 1)[1]
    written = before + block + after
    if written == text:
        print(f"{path}: {what} up to date")
        return 0
    if check:
        print(f"{path}: stale; run `{command}`", file=sys.stderr)
        return 1
    path.write_text(written, encoding="utf-8")
    print(f"{path}: {what} rewritten")
    return 0
