"""The process's shared handles, built lazily from settings on first use.

Nothing connects at import time; a web worker builds these on its first request and
keeps no other state, so any number of workers can serve the same wall.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any, Generic, TypeVar

from flask_caching.backends.base import BaseCache
from flask_caching.backends.filesystemcache import FileSystemCache
from flask_caching.backends.nullcache import NullCache
from flask_caching.backends.rediscache import RedisCache
from flask_caching.backends.simplecache import SimpleCache
from sqlalchemy import Engine

from city.profile import CityProfile, load_profile
from kpis.past import PastKpiService
from kpis.service import KpiService
from store import connect
from web.render_cache import RenderCache
from web.settings import Settings
from web.store_folder import shared_store, take_over

log = logging.getLogger(__name__)
T = TypeVar("T")
# past moments a process keeps a KPI layer for: a few screens reviewing a night
PAST_MOMENTS_KEPT = 16
_resets = 0  # how many times ``reset`` has run: a handle's generation


class _MadeOnce(Generic[T]):
    """A handle made on first use and kept until ``reset``. One whose making a
    reset overtook is handed out but not kept: a thread that began it under the
    old environment (a render left over from another city) would otherwise keep
    the old city's handle after the new one was made (a full test run found a
    module served by the profile of the one before it)."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._kept: tuple[int, T] | None = None
        functools.update_wrapper(self, make)

    def __call__(self) -> T:
        kept = self._kept
        if kept is not None and kept[0] == _resets:
            return kept[1]
        began = _resets
        made = self._make()
        if began == _resets:
            self._kept = (began, made)
        return made

    @property
    def made(self) -> bool:
        """Whether a handle is kept (one was made since the last reset)."""
        return self._kept is not None and self._kept[0] == _resets

    def cache_clear(self) -> None:
        self._kept = None


@_MadeOnce
def settings() -> Settings:
    return Settings.from_env()


@_MadeOnce
def profile() -> CityProfile:
    # a misspelt indicator or [targets] key stops the wall, not a tile
    return load_profile(settings().profile_path)


@_MadeOnce
def engine() -> Engine:
    s = settings()
    old = shared_store(s)
    if old is not None:  # before connecting, which makes this city's store
        p = profile()
        log.warning(take_over(old, s, p.id, p.districts_by_code))
    return connect(s.database_url)


def make_cache(s: Settings) -> BaseCache:
    """The KPI cache named by CITYWALL_CACHE; Redis shares it across workers."""
    if s.cache == "redis":
        if not s.redis_url:
            raise ValueError("CITYWALL_CACHE=redis needs CITYWALL_REDIS_URL")
        import redis

        client = redis.Redis.from_url(
            s.redis_url,
            # a Redis that is down is noticed in a second, not a TCP time-out
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
        )
        shared = RedisCache(host=client, key_prefix="citywall:")
        return FallbackCache(shared, SimpleCache(threshold=2000))
    if s.cache == "filesystem":
        return FileSystemCache(str(s.data_dir / "cache"), threshold=2000)
    if s.cache == "null":
        return NullCache()
    return SimpleCache(threshold=2000)


REDIS_TIMEOUT_SECONDS = 1.0


class FallbackCache(BaseCache):
    """The shared cache, and while it is unreachable this worker's own memory: a
    Redis outage costs recomputation, never an error or a wrong value (every key
    names the data version it was computed for). Redis is tried again after
    ``retry_seconds``."""

    def __init__(self, shared: BaseCache, local: BaseCache, retry_seconds: float = 10):
        super().__init__()
        self.shared, self.local, self.retry_seconds = shared, local, retry_seconds
        self._down_until = 0.0

    @property
    def shared_up(self) -> bool:
        return time.monotonic() >= self._down_until

    def _use(self, operation: Callable[[BaseCache], T]) -> T:
        if self.shared_up:
            try:
                return operation(self.shared)
            except Exception as exc:  # redis-py's errors, whatever the cause
                log.warning(
                    "shared cache unreachable (%s): this worker's own cache for %g s",
                    type(exc).__name__,
                    self.retry_seconds,
                )
                self._down_until = time.monotonic() + self.retry_seconds
        return operation(self.local)

    def get(self, key: str) -> Any:
        return self._use(lambda c: c.get(key))

    def set(self, key: str, value: Any, timeout: int | None = None) -> bool:
        return self._use(lambda c: c.set(key, value, timeout=timeout))

    def set_many(self, mapping: dict[str, Any], timeout: int | None = None) -> list:
        """In one round trip to Redis (a pipeline)."""
        return self._use(lambda c: c.set_many(mapping, timeout=timeout))

    def add(self, key: str, value: Any, timeout: int | None = None) -> bool:
        return self._use(lambda c: c.add(key, value, timeout=timeout))

    def delete(self, key: str) -> bool:
        return self._use(lambda c: c.delete(key))

    def has(self, key: str) -> bool:
        return self._use(lambda c: c.has(key))

    def clear(self) -> bool:
        self.local.clear()
        return self._use(lambda c: c.clear())


@_MadeOnce
def kpi_service() -> KpiService:
    p = profile()
    return KpiService(
        engine(), p, cache=make_cache(settings()), speed_window=p.speed_window
    )


@_MadeOnce
def render_cache() -> RenderCache:
    return RenderCache(kpi_service())


@lru_cache(maxsize=PAST_MOMENTS_KEPT)
def kpi_service_at(at: datetime) -> KpiService:
    """The KPI layer at a past moment (validated by the page that asks)."""
    return PastKpiService(kpi_service(), at)


@lru_cache(maxsize=PAST_MOMENTS_KEPT)
def render_cache_at(at: datetime) -> RenderCache:
    return RenderCache(kpi_service_at(at))


@_MadeOnce
def camera_frames():
    """One frame source per process: walls asking for the same camera share a
    fetch. Cameras are reached as feeds are: within the profile's [network]."""
    from web.camera_frames import FrameSource

    return FrameSource(zone=profile().timezone, network=profile().network)


def reset() -> None:
    """Forget every handle, so the next call reads the environment again (tests,
    a process that switches city); one being made meanwhile is not kept."""
    global _resets
    _resets += 1
    for handle in (
        settings,
        profile,
        engine,
        kpi_service,
        render_cache,
        kpi_service_at,
        render_cache_at,
        camera_frames,
    ):
        handle.cache_clear()
