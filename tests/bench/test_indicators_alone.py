"""``python -m bench.indicators_alone``: the many indicators' rows timed alone,
here on a tiny year, with PostgreSQL's year built through the ingest (for a disk
too small to hold a full year twice)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bench.indicators_alone import main
from store import connect
from store.schema import events
from tests.conftest import service_url, store_on


@pytest.mark.postgres
def test_postgresql_alone_builds_its_year_through_the_ingest(tmp_path, capsys):
    with store_on("postgresql", tmp_path) as url:
        args = ["--store", "postgresql", "--postgres-url", url, "--data", str(tmp_path)]
        args += [
            "--scale",
            "0.0002",
            "--days",
            "2",
            "--indicators",
            "13",
            "--batches",
            "3",
        ]
        args += ["--redis-url", service_url("CITYWALL_TEST_REDIS_URL", "Redis")]
        main(args)
        engine = connect(url)
        try:
            with engine.connect() as conn:
                landed = conn.execute(select(func.count()).select_from(events))
                assert landed.scalar() >= 2_000 * 0.9  # two days of 2,000 events
        finally:
            engine.dispose()
    assert not list(tmp_path.glob("scale-*.db"))  # no SQLite year beside it
    raw = json.loads((tmp_path / "scale-0.0002-postgresql-indicators.json").read_text())
    assert raw["indicators"] == 13 and "sqlite_indicators" not in raw
    timed = raw["postgresql_indicators"]
    assert len(timed["cold"]) == 3 and len(timed["warm"]) > 10
    out = capsys.readouterr().out
    assert "PostgreSQL, 13 indicators" in out and "SQLite" not in out.split("|---")[1]
