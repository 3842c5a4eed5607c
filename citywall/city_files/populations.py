"""Populations as national files write them: ``"1.234.567"``, ``"1,234,567"``,
``"1 234 567"``, numbers, null, an object such as ``{"total": 55269, "año":
2010}``; or in a CSV beside the boundaries (``--population-file``)."""

from __future__ import annotations

import csv
import difflib
import math
import re
import unicodedata
from pathlib import Path
from typing import Any

from citywall.city_files.errors import OnboardingError

# members of a population object that hold the count, in the order tried
COUNT_MEMBERS = (
    "total",
    "value",
    "valor",
    "population",
    "poblacion",
    "pop",
    "count",
    "habitantes",
)
_GROUPED = re.compile(r"\d{1,3}([.,])\d{3}(?:\1\d{3})*")  # 1.234.567 or 1,234,567
_DECIMAL = re.compile(r"\d+[.,]\d+")
_SPACES = re.compile(r"[\s\u00a0\u202f']")  # "1 234 567", "1'234'567"


class PopulationError(ValueError):
    """A value that cannot be read as a population; the caller names the feature."""


def parse_population(value: Any) -> int | None:
    """A head count from a file's value; None when the file gives none."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise PopulationError(f"population {value!r} is not a number")
    if isinstance(value, int | float):
        return _count(value)
    if isinstance(value, str):
        return _from_text(value)
    if isinstance(value, dict):
        return parse_population(_count_member(value))
    raise PopulationError(f"population {value!r} is not a number")


def _count(number: float) -> int | None:
    if math.isnan(number):
        return None
    if number < 0 or math.isinf(number):
        raise PopulationError(f"population {number!r} is not a head count")
    return round(number)


def _from_text(text: str) -> int | None:
    plain = _SPACES.sub("", text)
    if not plain:
        return None
    # whole people: "48.112" is Spanish for 48,112, not 48.1
    if _GROUPED.fullmatch(plain):
        return int(re.sub(r"[.,]", "", plain))
    if plain.isdigit():
        return int(plain)
    if _DECIMAL.fullmatch(plain):
        return _count(float(plain.replace(",", ".")))
    raise PopulationError(f"population {text!r} is not a number")


def _count_member(obj: dict[str, Any]) -> Any:
    by_key = {_plain(k): v for k, v in obj.items()}
    for member in COUNT_MEMBERS:
        if member in by_key:
            return by_key[member]
    raise PopulationError(
        f"population {obj!r} is an object without a count member "
        f"(one of {', '.join(COUNT_MEMBERS)})"
    )


def _plain(text: str) -> str:
    """Case and accents folded: "Población" → "poblacion"."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def match_key(code: str) -> str:
    """How a CSV's code meets a boundary's: spreadsheets drop leading zeros
    ("01" → 1) and change case."""
    code = code.strip()
    return str(int(code)) if code.isdigit() else _plain(code)


def read_population_file(
    path: Path, code_column: str, population_column: str
) -> dict[str, Any]:
    """``{match_key(code): raw population}`` from a CSV (comma, semicolon or tab)."""
    text = path.read_text(encoding="utf-8-sig")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = csv.DictReader(text.splitlines(), dialect=dialect)
    columns = rows.fieldnames or []
    for option, column in (
        ("--population-code-column", code_column),
        ("--population-column", population_column),
    ):
        if column not in columns:
            raise OnboardingError(
                f"{path.name} has no column {column!r}{did_you_mean(column, columns)}; "
                f"its columns: {columns} (set {option})"
            )
    return {
        match_key(row[code_column] or ""): row[population_column]
        for row in rows
        if (row[code_column] or "").strip()
    }


def populations_from_file(
    codes: list[str],
    path: Path,
    code_column: str,
    population_column: str,
    notes: list[str],
) -> dict[str, int]:
    """``{code: population}`` for each district code from the CSV (0 without a
    row); rows for codes the boundaries lack and districts without a row are noted."""
    rows = read_population_file(path, code_column, population_column)
    out, used, without = {}, set(), []
    for code in codes:
        key = match_key(code)
        if key not in rows:
            without.append(code)
            out[code] = 0
            continue
        used.add(key)
        try:
            out[code] = parse_population(rows[key]) or 0
        except PopulationError as exc:
            raise OnboardingError(f"{path.name}, code {code}: {exc}") from None
    unknown = sorted(set(rows) - used)
    if unknown:
        notes.append(
            f"{path.name}: {len(unknown)} code(s) not in the boundaries, left out: "
            f"{unknown[:5]}"
        )
    if without:
        notes.append(
            f"{path.name}: no row for {len(without)} district(s), population 0: "
            f"{without[:5]}"
        )
    return out


def did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if not close:
        lowered = {c.casefold(): c for c in choices}
        close = [lowered[word.casefold()]] if word.casefold() in lowered else []
    return f" (did you mean {close[0]!r}?)" if close else ""
