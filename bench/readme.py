"""The README's benchmark tables: each between its own pair of markers."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def write_between(markers: tuple[str, str], text: str, readme: Path = README) -> None:
    """``text`` into ``readme`` in place of what stands between ``markers``."""
    start, end = markers
    before, rest = readme.read_text(encoding="utf-8").split(start, 1)
    after = rest.split(end, 1)[1]
    readme.write_text(f"{before}{start}\n{text}{end}{after}", encoding="utf-8")
