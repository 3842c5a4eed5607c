"""The process's shared handles, built lazily from settings on first use.

Nothing connects at import time; a web worker builds these on its first request and
keeps no other state, so any number of workers can serve the same wall.
"""

from __future__ import annotations

from functools import lru_cache

from flask_caching.backends.base import BaseCache
from flask_caching.backends.filesystemcache import FileSystemCache
from flask_caching.backends.nullcache import NullCache
from flask_caching.backends.rediscache import RedisCache
from flask_caching.backends.simplecache import SimpleCache
from sqlalchemy import Engine

from citywall.profile import CityProfile, load_profile
from citywall.settings import Settings
from kpis.service import KpiService
from store import connect


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings.from_env()


@lru_cache(maxsize=1)
def profile() -> CityProfile:
    return load_profile(settings().profile_path)


@lru_cache(maxsize=1)
def engine() -> Engine:
    return connect(settings().database_url)


def make_cache(s: Settings) -> BaseCache:
    """The KPI cache named by CITYWALL_CACHE; Redis shares it across workers."""
    if s.cache == "redis":
        if not s.redis_url:
            raise ValueError("CITYWALL_CACHE=redis needs CITYWALL_REDIS_URL")
        import redis

        return RedisCache(
            host=redis.Redis.from_url(s.redis_url), key_prefix="citywall:"
        )
    if s.cache == "filesystem":
        return FileSystemCache(str(s.data_dir / "cache"), threshold=2000)
    if s.cache == "null":
        return NullCache()
    return SimpleCache(threshold=2000)


@lru_cache(maxsize=1)
def kpi_service() -> KpiService:
    p = profile()
    return KpiService(
        engine(), p, cache=make_cache(settings()), speed_window=p.speed_window
    )


@lru_cache(maxsize=1)
def camera_frames():
    """One frame source per process: walls asking for the same camera share a fetch."""
    from citywall.camera_frames import FrameSource

    return FrameSource(zone=profile().timezone)


def reset() -> None:
    """Forget every handle, so the next call reads the environment again (tests,
    a process that switches city)."""
    for handle in (settings, profile, engine, kpi_service, camera_frames):
        handle.cache_clear()
