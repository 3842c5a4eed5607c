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
from citywall.city_files.placement import (
    RADIUS_KM,
    looks_projected,
    nearest_reference,
    on_the_globe,
    utm_hint,
)
from citywall.city_files.populations import (
    PopulationError,
    match_key,
    parse_population,
    read_population_file,
)

__all__ = [
    "RADIUS_KM",
    "OnboardingError",
    "Part",
    "PopulationError",
    "areas",
    "as_text",
    "keep_where",
    "looks_projected",
    "match_key",
    "nearest_reference",
    "on_the_globe",
    "parse_population",
    "polygonal",
    "read_features",
    "read_population_file",
    "repaired_text",
    "require_property",
    "utm_hint",
    "wall_codes",
]
