"""The cameras a wall may show: by district, nearest to a place, one by id."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from city.records import ACCESS_LEVELS
from store.schema import cameras

# a camera its registry has not listed for this long has left it
LISTED_WITHIN = timedelta(days=7)
EARTH_RADIUS_M = 6_371_000
# in the order of CameraRow's fields
COLUMNS = (
    cameras.c.id,
    cameras.c.camera_id,
    cameras.c.name,
    cameras.c.provider,
    cameras.c.lon,
    cameras.c.lat,
    cameras.c.district_code,
    cameras.c.access,
    cameras.c.snapshot_url,
    cameras.c.stream_url,
)


@dataclass(frozen=True)
class CameraRow:
    id: int
    camera_id: str
    name: str
    provider: str
    lon: float
    lat: float
    district_code: str | None
    access: str
    snapshot_url: str | None
    stream_url: str | None
    distance_m: float | None = None  # from the place asked about


def allowed(access: str, widest: str) -> bool:
    """public < staff < restricted: a wall cleared for staff shows public too."""
    return ACCESS_LEVELS.index(access) <= ACCESS_LEVELS.index(widest)


def listed(conn: Connection, now: datetime, widest: str) -> list[CameraRow]:
    rows = conn.execute(
        select(*COLUMNS)
        .where(
            cameras.c.seen_at > now - LISTED_WITHIN,
            cameras.c.access.in_([a for a in ACCESS_LEVELS if allowed(a, widest)]),
        )
        .order_by(cameras.c.district_code, cameras.c.name, cameras.c.id)
    ).all()
    return [CameraRow(*r) for r in rows]


def one(conn: Connection, camera_id: int) -> CameraRow | None:
    row = conn.execute(select(*COLUMNS).where(cameras.c.id == camera_id)).first()
    return CameraRow(*row) if row else None


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine): metres matter here, not millimetres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def nearest(rows: list[CameraRow], lon: float, lat: float, n: int) -> list[CameraRow]:
    placed = [replace(r, distance_m=metres(lon, lat, r.lon, r.lat)) for r in rows]
    return sorted(placed, key=lambda r: (r.distance_m, r.id))[:n]
