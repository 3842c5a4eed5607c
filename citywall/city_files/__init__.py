"""A city's own boundary file as ``citywall city init`` finds it: a national
GeoJSON or TopoJSON with null geometries, islands as separate features, names
mis-encoded, populations written as text or objects, coordinates in metres.
Each module turns one of these into what the profile needs, or into one line
that says what is wrong and how to fix it."""

from __future__ import annotations

from citywall.city_files.codes import wall_codes
from citywall.city_files.errors import OnboardingError
from citywall.city_files.features import (
    Part,
    areas,
    as_text,
    keep_where,
    polygonal,
    read_features,
    repaired_text,
    require_property,
)
from citywall.city_files.placement import to_wgs84
from citywall.city_files.populations import (
    PopulationError,
    parse_population,
    populations_from_file,
)

__all__ = [
    "OnboardingError",
    "Part",
    "PopulationError",
    "areas",
    "as_text",
    "keep_where",
    "parse_population",
    "polygonal",
    "populations_from_file",
    "read_features",
    "repaired_text",
    "require_property",
    "to_wgs84",
    "wall_codes",
]
