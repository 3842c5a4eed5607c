"""District assignment by point-in-polygon over the city's boundaries."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from shapely import STRtree

from city.profile import CityProfile


class DistrictLocator:
    """Finds the district that holds a point; built once per profile."""

    def __init__(self, profile: CityProfile) -> None:
        self.codes = [d.code for d in profile.districts]
        self.tree = STRtree([d.geometry for d in profile.districts])

    def locate(self, lons: Sequence[float], lats: Sequence[float]) -> list[str | None]:
        """The district code of each point, None outside the city.

        On a shared border the lowest code wins, so the answer is deterministic.
        """
        points = shapely.points(np.asarray(lons, float), np.asarray(lats, float))
        found: list[str | None] = [None] * len(points)
        point_idx, poly_idx = self.tree.query(points, predicate="intersects")
        for p, g in sorted(zip(point_idx.tolist(), poly_idx.tolist()), reverse=True):
            found[p] = self.codes[g]  # reverse order: the lowest index is written last
        return found
