"""The KPI cache backends named by CITYWALL_CACHE, Redis included."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from citywall.runtime import make_cache
from citywall.settings import Settings
from kpis.service import KpiValue
from tests.conftest import service_url


@pytest.mark.parametrize("kind", ["simple", "filesystem", "redis"])
def test_cache_backend_round_trips_kpi_values(kind, tmp_path):
    settings = replace(Settings.from_env(), cache=kind, data_dir=tmp_path)
    if kind == "redis":
        settings = replace(
            settings, redis_url=service_url("CITYWALL_TEST_REDIS_URL", "Redis")
        )
    cache = make_cache(settings)
    value = [KpiValue("road_avg_speed", 23.5, 24.0, "watch", 25.0)]
    key = f"test:{kind}:{os.getpid()}"
    cache.delete(key)
    assert cache.get(key) is None
    cache.set(key, value, timeout=30)
    assert cache.get(key) == value
    cache.delete(key)


def test_redis_cache_without_url_says_how_to_fix(tmp_path):
    settings = replace(
        Settings.from_env(), cache="redis", redis_url="", data_dir=tmp_path
    )
    with pytest.raises(ValueError, match="CITYWALL_REDIS_URL"):
        make_cache(settings)
