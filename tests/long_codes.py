"""Seoul with two districts under wall codes of the kinds ``city init`` writes for
other cities: the longest a code may be, and one with "-" and "_"; each keeps its
official code beside it. The store, ingest, page, map and CSV tests run on it to
show every code the profile accepts goes through end to end."""

from __future__ import annotations

import json
from pathlib import Path

from city.district_codes import MAX_LENGTH
from tests.conftest import PROJECT_ROOT, seoul_profile_copy

# Gangnam-gu under the longest code; Jongno-gu under one with "-" and "_"
LONGEST = "gangnam-gu_seoul-special-city_01"
DASHED = "jongno-gu_11110"
RECODED = {"11680": LONGEST, "11110": DASHED}
assert len(LONGEST) == MAX_LENGTH


def seoul_with_long_codes(folder: Path, backfill_days: int = 1) -> Path:
    """The Seoul profile in ``folder``, with its boundaries beside it, where
    Gangnam-gu is ``LONGEST`` and Jongno-gu ``DASHED`` (official codes 11680 and
    11110); the kiosk's step to Gangnam-gu's page follows its new code."""
    path = seoul_profile_copy(folder, backfill_days)
    boundaries = json.loads(
        (PROJECT_ROOT / "cities" / "seoul" / "districts.geojson").read_text("utf-8")
    )
    for feature in boundaries["features"]:
        code = RECODED.get(feature["properties"]["code"])
        if code:
            feature["id"] = feature["properties"]["code"] = code
    (folder / "districts.geojson").write_text(json.dumps(boundaries), "utf-8")
    hotspots = (PROJECT_ROOT / "cities" / "seoul" / "hotspots.csv").read_text("utf-8")
    for official, code in RECODED.items():
        hotspots = hotspots.replace(f",{official},", f",{code},")
    (folder / "hotspots.csv").write_text(hotspots, "utf-8")
    text = path.read_text(encoding="utf-8")
    for name in ("districts.geojson", "hotspots.csv"):
        text = text.replace(str(PROJECT_ROOT / "cities" / "seoul" / name), name)
    for official, code in RECODED.items():
        text = text.replace(
            f'code = "{official}"\n',
            f'code = "{code}"\nofficial_code = "{official}"\n',
        )
        text = text.replace(f'"/district/{official}"', f'"/district/{code}"')
    path.write_text(text, encoding="utf-8")
    return path
