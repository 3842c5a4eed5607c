"""District codes as the wall uses them: in the store's keys, in URLs
(``/district/<code>``), in CSV files and embed links. A city's official code often
fits as it is (Seoul's 11680); where it does not (a name used as the key, a code
with spaces or accents, a very long one), ``city init`` writes a URL-safe code made
from it and keeps the official one beside it (``official_code``)."""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 32
# letters and digits first, then letters, digits, "-" and "_": safe in a URL path
# segment, a file name and a CSV cell without quoting
PATTERN = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_-]{{0,{MAX_LENGTH - 1}}}")


def is_wall_code(code: str) -> bool:
    """Whether ``code`` can serve as a district's code on the wall as it is."""
    return PATTERN.fullmatch(code) is not None


def slug(text: str) -> str:
    """A wall code from an official code or a name: "Comité del Pueblo" →
    "comite-del-pueblo". Empty when ``text`` has no Latin letters or digits
    (e.g. a name in kanji): the caller numbers those instead."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    plain = re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-").lower()
    return plain[:MAX_LENGTH].rstrip("-")
