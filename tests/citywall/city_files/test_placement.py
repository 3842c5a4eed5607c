"""Where the time zone database says a zone's country is."""

from __future__ import annotations

import pytest

from citywall.city_files.placement import (
    RADIUS_KM,
    distance_km,
    looks_projected,
    nearest_reference,
    utm_hint,
)


def test_a_zone_reaches_its_whole_country():
    # Kashgar lies 3,400 km from Shanghai, 1,000 km from Urumqi (China too)
    point, km = nearest_reference("Asia/Shanghai", 75.99, 39.47)
    assert point.zone == "Asia/Urumqi" and km < 1_100
    point, km = nearest_reference("America/Bogota", -74.08, 4.61)
    assert point.zone == "America/Bogota" and km < 20
    assert nearest_reference("UTC", 0, 0) is None
    # islands far from the zone's city are still in its country
    _, km = nearest_reference("Asia/Tokyo", 142.19, 27.09)  # Ogasawara
    assert km < RADIUS_KM
    _, km = nearest_reference("America/Guayaquil", -90.31, -0.74)  # Galápagos
    assert km < RADIUS_KM


def test_distances_and_projected_bounds():
    assert distance_km(139.69, 35.69, 142.19, 27.09) == pytest.approx(990, abs=20)
    assert looks_projected((990_000, 980_000, 1_010_000, 1_020_000))
    assert not looks_projected((-79.9, -2.2, -79.8, -2.1))
    assert utm_hint("America/Bogota") == "EPSG:32618 for UTM zone 18N"
    assert utm_hint("America/Guayaquil") == "EPSG:32717 for UTM zone 17S"
