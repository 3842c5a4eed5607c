"""Prepare Guayaquil's parish outlines for `citywall city init`.

Source: lkuffo/GuayaquilMapaEpidemiologico @1f9404b4, DATA/geoData/
parroquiasGuayaquil.geojson (MIT licence, © 2019 Leonardo Xavier Kuffo Rivero):
the 16 urban parishes of Guayaquil, hand-digitised for an ESPOL epidemiology map.
They are approximate outlines, not INEC's official cartography (a city going live
should run `citywall city init` on INEC's DPA parish layer instead).

What this script changes, and why:
- three features carry no name. Two are named in the same repository's
  GyeHealthMap/static/gye/GYEv1.geojson, whose identical polygons say
  "FEBRES CORDERO" and "BOLIVAR SAGRARIO"; the third is the only one of the 16
  urban parishes left unnamed, Roca, and lies where Roca lies (between Carbo,
  Rocafuerte and Nueve de Octubre, south of Tarqui);
- names get their official spelling (accents, "Nueve de Octubre");
- each parish gets a short code a URL can carry (/district/<code>).

    python tools/build_guayaquil_parishes.py parroquiasGuayaquil.geojson out.geojson
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# first vertex of an unnamed feature → its parish (see above)
UNNAMED = {
    (-79.94647979736328, -2.2023878934279764): "Febres Cordero",
    (-79.88624811172485, -2.196191194089551): "Bolivar Sagrario",
    (-79.88919854164124, -2.189436976957814): "Roca",
}
OFFICIAL = {
    "Ximena": ("ximena", "Ximena"),
    "Febres Cordero": ("febres-cordero", "Febres Cordero"),
    "Urdaneta": ("urdaneta", "Urdaneta"),
    "Letamendi": ("letamendi", "Letamendi"),
    "Garcia Moreno": ("garcia-moreno", "García Moreno"),
    "Ayacucho": ("ayacucho", "Ayacucho"),
    "Sucre": ("sucre", "Sucre"),
    "Bolivar Sagrario": ("bolivar", "Bolívar (Sagrario)"),
    "Olmedo": ("olmedo", "Olmedo (San Alejo)"),
    "9 de Octubre": ("nueve-de-octubre", "Nueve de Octubre"),
    "Rocafuerte": ("rocafuerte", "Rocafuerte"),
    "Carbo": ("carbo", "Carbo (Concepción)"),
    "Roca": ("roca", "Roca"),
    "Chongon": ("chongon", "Chongón"),
    "Tarqui": ("tarqui", "Tarqui"),
    "Pascuales": ("pascuales", "Pascuales"),
}


def main(source: Path, target: Path) -> None:
    collection = json.loads(source.read_text(encoding="utf-8"))
    features = []
    for feature in collection["features"]:
        name = feature["properties"].get("name")
        if not name:
            first = tuple(feature["geometry"]["coordinates"][0][0])
            name = UNNAMED[first]
        code, official = OFFICIAL[name]
        features.append(
            {
                "type": "Feature",
                "properties": {"code": code, "name": official},
                "geometry": feature["geometry"],
            }
        )
    assert len({f["properties"]["code"] for f in features}) == 16
    target.write_text(
        json.dumps(
            {"type": "FeatureCollection", "features": features}, ensure_ascii=False
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
