"""The store's migrations, on SQLite and PostgreSQL: an empty store upgraded to head
has exactly the tables of ``store.schema`` (so a change there without its migration
fails here), a store made by an earlier CityWall is upgraded in place without losing
a row, a second upgrade does nothing, two processes upgrading at once do it once,
and a new revision written from the template runs."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import (
    JSON,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    insert,
    inspect,
    select,
)
from werkzeug.security import generate_password_hash

from access import accounts
from city.profile import SourceConfig, load_profile
from city.records import Batch, Event, Measurement
from ingest.runner import SourceRunner, prepare_store
from store import connect, facets, migrations, rollups, schema, writes
from store.types import UTCDateTime
from tests.conftest import BACKENDS, PROJECT_ROOT, store_at_head, store_on
from tests.ingest.test_runner import Scripted
from tests.long_codes import DASHED, LONGEST, seoul_with_long_codes

PASSWORD = "a-long-enough-password"
NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)


def shape(engine) -> dict:
    """What inspection says of every table but Alembic's own: columns (name, type,
    null, server default), keys, foreign keys, indexes (with a partial index's
    condition), unique constraints, and on SQLite whether the table has rowids."""
    inspector = inspect(engine)
    found = {}
    for name in sorted(inspector.get_table_names()):
        if name == migrations.VERSION_TABLE:
            continue
        found[name] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], c["default"])
                for c in inspector.get_columns(name)
            ],
            "primary_key": inspector.get_pk_constraint(name)["constrained_columns"],
            "foreign_keys": sorted(
                (
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    tuple(fk["referred_columns"]),
                    fk["options"].get("ondelete"),
                )
                for fk in inspector.get_foreign_keys(name)
            ),
            "indexes": sorted(
                (
                    ix["name"],
                    tuple(ix["column_names"]),
                    bool(ix["unique"]),
                    sorted(
                        (k, str(v)) for k, v in ix.get("dialect_options", {}).items()
                    ),
                )
                for ix in inspector.get_indexes(name)
            ),
            "unique": sorted(
                (uc["name"], tuple(uc["column_names"]))
                for uc in inspector.get_unique_constraints(name)
            ),
        }
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                sql = conn.exec_driver_sql(
                    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                    (name,),
                ).scalar_one()
            found[name]["rowid"] = "WITHOUT ROWID" not in sql.upper()
    return found


@contextmanager
def two_stores(backend: str, folder: Path):
    """Two empty stores on ``backend``."""
    (folder / "a").mkdir()
    (folder / "b").mkdir()
    with store_on(backend, folder / "a") as a, store_on(backend, folder / "b") as b:
        yield a, b


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_empty_store_upgraded_to_head_has_the_tables_of_the_schema(
    backend, tmp_path
):
    with two_stores(backend, tmp_path) as (upgraded_url, made_url):
        upgraded = store_at_head(upgraded_url)
        made = connect(made_url)
        try:
            schema.metadata.create_all(made)
            assert migrations.current(upgraded) == migrations.head()
            ours, theirs = shape(upgraded), shape(made)
            assert set(ours) == set(schema.metadata.tables)
            for table in schema.metadata.tables:
                assert ours[table] == theirs[table], (
                    f"{table}: store/schema.py and the migrations differ; a change "
                    "to the schema needs its migration (citywall db revision -m ...)"
                )
        finally:
            upgraded.dispose()
            made.dispose()


def test_the_comparison_sees_a_schema_change_that_has_no_migration(tmp_path):
    """What the test above relies on: a column added to the tables (here, by hand
    after they were made) and not to the migrations makes the two stores differ."""
    with two_stores("sqlite", tmp_path) as (upgraded_url, made_url):
        upgraded = store_at_head(upgraded_url)
        made = connect(made_url)
        schema.metadata.create_all(made)
        with made.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE accounts ADD COLUMN nickname VARCHAR(40)")
        assert shape(upgraded)["accounts"] != shape(made)["accounts"]
        assert shape(upgraded)["events"] == shape(made)["events"]
        upgraded.dispose()
        made.dispose()


# -- a store made by an earlier CityWall -------------------------------------------


def earlier_tables() -> MetaData:
    """Tables as CityWall made them before the migrations, a few versions back:
    events with the (domain, status) and (domain, expires) indexes since retired,
    readings with a rowid and a unique (series, place, time), accounts without the
    session version; no embed tokens, cameras, stages or rollups yet."""
    old = MetaData()
    Table(
        "districts",
        old,
        Column("code", String(16), primary_key=True),
        Column("name_en", Text, nullable=False),
        Column("name_local", Text, nullable=False),
        Column("population", Integer, nullable=False),
        Column("area_km2", Float, nullable=False),
        Column("centroid_lon", Float, nullable=False),
        Column("centroid_lat", Float, nullable=False),
    )
    Table(
        "events",
        old,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("source", String(64), nullable=False),
        Column("source_id", String(200), nullable=False),
        Column("domain", String(16), nullable=False),
        Column("category", String(64), nullable=False),
        Column("title", Text, nullable=False),
        Column("status", String(32), nullable=False),
        Column("severity", String(16)),
        Column("district_code", String(16), ForeignKey("districts.code")),
        Column("lon", Float),
        Column("lat", Float),
        Column("occurred_at", UTCDateTime, nullable=False),
        Column("updated_at", UTCDateTime, nullable=False),
        Column("closed_at", UTCDateTime),
        Column("expires_at", UTCDateTime),
        Column("attrs", JSON, nullable=False),
        Column("ingested_at", UTCDateTime, nullable=False),
        UniqueConstraint("source", "source_id", name="uq_events_source_record"),
        Index("ix_events_domain_occurred", "domain", "occurred_at"),
        Index("ix_events_domain_closed", "domain", "closed_at"),
        Index("ix_events_domain_status", "domain", "status"),
        Index("ix_events_domain_expires", "domain", "expires_at"),
    )
    Table(
        "measurements",
        old,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("source", String(64), nullable=False),
        Column("series", String(64), nullable=False),
        Column("place", String(128), nullable=False),
        Column("category", String(64)),
        Column("district_code", String(16), ForeignKey("districts.code")),
        Column("lon", Float),
        Column("lat", Float),
        Column("observed_at", UTCDateTime, nullable=False),
        Column("value", Float, nullable=False),
        UniqueConstraint(
            "series", "place", "observed_at", name="uq_measurements_point"
        ),
        Index("ix_measurements_series_observed", "series", "observed_at"),
    )
    Table(
        "accounts",
        old,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("username", String(64), nullable=False, unique=True),
        Column("password_hash", Text, nullable=False),
        Column("role", String(16), nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
        Column("disabled_at", UTCDateTime),
    )
    return old


@pytest.fixture
def earlier_store(store_url) -> str:
    """A store an earlier CityWall made and filled: a district, two events, a
    reading, an account; no revision recorded."""
    old = earlier_tables()
    made = create_engine(store_url)
    old.create_all(made)
    t = old.tables
    with made.begin() as conn:
        conn.execute(
            insert(t["districts"]).values(
                code="11680",
                name_en="Gangnam-gu",
                name_local="강남구",
                population=530000,
                area_km2=39.5,
                centroid_lon=127.05,
                centroid_lat=37.5,
            )
        )
        for n, domain in enumerate(("complaints", "disaster")):
            conn.execute(
                insert(t["events"]).values(
                    source="old",
                    source_id=f"e{n}",
                    domain=domain,
                    category="noise",
                    title="kept",
                    status="open",
                    district_code="11680",
                    occurred_at=NOW,
                    updated_at=NOW,
                    expires_at=NOW,
                    attrs={},
                    ingested_at=NOW,
                )
            )
        conn.execute(
            insert(t["measurements"]).values(
                source="old",
                series="pm25",
                place="p1",
                district_code="11680",
                observed_at=NOW,
                value=12.0,
            )
        )
        conn.execute(
            insert(t["accounts"]).values(
                username="kept",
                password_hash=generate_password_hash(PASSWORD),
                role="staff",
                created_at=NOW,
            )
        )
    made.dispose()
    return store_url


def test_a_store_of_an_earlier_version_is_upgraded_in_place(earlier_store):
    engine = connect(earlier_store)
    try:
        assert migrations.current(engine) is None
        assert migrations.upgrade(engine) == (None, migrations.head())
        inspector = inspect(engine)
        assert set(schema.metadata.tables) <= set(inspector.get_table_names())
        with engine.connect() as conn:
            assert (
                conn.execute(select(func.count()).select_from(schema.events)).scalar()
                == 2
            )
            assert conn.execute(
                select(schema.measurements.c.value)
            ).scalars().all() == [12.0]
            # the column added since, with its default for the rows already there
            assert conn.execute(select(schema.accounts.c.session_version)).all() == [
                (0,)
            ]
        indexes = {ix["name"] for ix in inspector.get_indexes("events")}
        assert not indexes & {"ix_events_domain_status", "ix_events_domain_expires"}
        assert "ix_events_alerts_expires" in indexes
        # the readings keep their layout, and still take a batch in place
        with engine.begin() as conn:
            stored = writes.upsert_measurements(
                conn,
                "old",
                [Measurement("pm25", "p1", NOW, 15.0, district_code="11680")],
            )
        with engine.connect() as conn:
            assert stored == 1
            assert conn.execute(
                select(schema.measurements.c.value)
            ).scalars().all() == [15.0]
        # and its unique point took the source: another source's reading is kept
        with engine.begin() as conn:
            writes.upsert_measurements(
                conn,
                "new",
                [Measurement("pm25", "p1", NOW, 30.0, district_code="11680")],
            )
        with engine.connect() as conn:
            assert sorted(
                conn.execute(select(schema.measurements.c.value)).scalars()
            ) == [15.0, 30.0]
        assert accounts.sign_in(engine, "kept", PASSWORD, "10.0.0.1", NOW, "salt")
    finally:
        engine.dispose()


def test_a_store_at_0001_keeps_its_readings_and_keys_them_by_source(store_url):
    """0002 puts the source in the readings' key in place (a table rebuild on
    SQLite, still WITHOUT ROWID): every reading stays, and another source may
    then write the same series, place and time beside it."""
    engine = connect(store_url)
    try:
        assert migrations.upgrade(engine, "0001") == (None, "0001")
        readings = [
            {
                "source": "old",
                "series": "pm25",
                "place": f"p{n}",
                "category": None,
                "district_code": None,
                "lon": 127.0,
                "lat": 37.5,
                "observed_at": NOW,
                "value": float(n),
            }
            for n in range(3)
        ]
        with engine.begin() as conn:
            conn.execute(insert(schema.measurements), readings)
        assert migrations.upgrade(engine) == ("0001", migrations.head())
        assert inspect(engine).get_pk_constraint("measurements")[
            "constrained_columns"
        ] == ["series", "observed_at", "place", "source"]
        with engine.begin() as conn:
            assert [
                dict(r)
                for r in conn.execute(
                    select(schema.measurements).order_by(schema.measurements.c.place)
                ).mappings()
            ] == readings
            for source, value in (("new", 40.0), ("old", 10.0)):
                writes.upsert_measurements(
                    conn, source, [Measurement("pm25", "p0", NOW, value)]
                )
            got = conn.execute(
                select(schema.measurements.c.source, schema.measurements.c.value)
                .where(schema.measurements.c.place == "p0")
                .order_by(schema.measurements.c.source)
            ).all()
        assert [tuple(r) for r in got] == [("new", 40.0), ("old", 10.0)]
        if engine.dialect.name == "sqlite":
            assert shape(engine)["measurements"]["rowid"] is False
    finally:
        engine.dispose()


def every_row(engine) -> dict[str, list[tuple]]:
    """Every row of every table the store has (as it is, at any revision), in a
    stable order."""
    tables = MetaData()
    tables.reflect(engine)
    with engine.connect() as conn:
        return {
            name: sorted(
                (tuple(map(repr, row)) for row in conn.execute(select(table))),
            )
            for name, table in tables.tables.items()
            if name != migrations.VERSION_TABLE
        }


def insert_as_then(engine, rows: dict[str, list[dict]]) -> None:
    """Rows put in the tables as the store has them (an earlier revision's, which
    the code's writes no longer fit)."""
    tables = MetaData()
    tables.reflect(engine)
    with engine.begin() as conn:
        for name, values in rows.items():
            conn.execute(insert(tables.tables[name]), values)


HOUR_OF_NOW = NOW.replace(minute=0)
# an alert over two districts, its rollups, and readings, as 0002 and 0003 wrote them
STORED_THEN = {
    "events": [
        {  # the first row: its id is 1
            "source": "old",
            "source_id": "w1",
            "domain": "disaster",
            "category": "heavy_rain",
            "title": "",
            "status": "open",
            "district_code": "11680",
            "occurred_at": NOW,
            "updated_at": NOW,
            "expires_at": NOW,
            "attrs": {},
            "ingested_at": NOW,
        }
    ],
    "event_areas": [
        {"event_id": 1, "district_code": "11110"},
        {"event_id": 1, "district_code": "11680"},
    ],
    "event_hourly": [
        {
            "domain": "disaster",
            "hour": HOUR_OF_NOW,
            "district_code": "11680",
            "category": "heavy_rain",
            "opened": 1,
            "closed": 0,
        }
    ],
    "event_totals": [
        {"domain": "disaster", "district_code": "11680", "opened": 1, "closed": 0}
    ],
    "measurements": [
        {
            "source": "old",
            "series": "pm25",
            "place": place,
            "category": category,
            "district_code": "11680",
            "observed_at": NOW + timedelta(minutes=minute),
            "value": value,
        }
        for place, category, minute, value in (
            ("p1", None, 0, 12.0),
            ("p2", "road", 5, 30.0),
            ("p3", "road", 7, 20.0),
            ("p1", None, 70, 14.0),
        )
    ],
    "measurement_hourly": [
        {
            "series": "pm25",
            "hour": HOUR_OF_NOW,
            "district_code": "11680",
            "n": 3,
            "total": 62.0,
        },
        {
            "series": "pm25",
            "hour": HOUR_OF_NOW + timedelta(hours=1),
            "district_code": "11680",
            "n": 1,
            "total": 14.0,
        },
    ],
}


def test_a_store_at_0002_takes_records_of_the_longest_codes_once_upgraded(
    store_url, seoul, tmp_path
):
    """0003 widens every code column in place (a rebuild of ten tables on SQLite,
    its foreign keys off) keeping every row, an event's further districts
    included; then a district under a 32-character code, and one with "-" and "_",
    take their records through the ingest, none quarantined."""
    engine = connect(store_url)
    try:
        assert migrations.upgrade(engine, "0002") == (None, "0002")
        with engine.begin() as conn:
            writes.sync_districts(conn, seoul)
        insert_as_then(engine, STORED_THEN)
        before = every_row(engine)
        assert before["event_areas"] and before["event_hourly"]
        assert migrations.upgrade(engine, "0003") == ("0002", "0003")
        assert every_row(engine) == before
        migrations.upgrade(engine)
        if engine.dialect.name == "sqlite":  # foreign keys on again, for the ingest
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1

        profile = load_profile(seoul_with_long_codes(tmp_path))
        prepare_store(engine, profile)
        coex = (127.0473, 37.5172)  # in Gangnam-gu, placed by the ingest
        feed = Scripted(
            Batch(
                events=[
                    Event("c1", "complaints", "noise", NOW, lon=coex[0], lat=coex[1]),
                    Event(
                        "w2",
                        "disaster",
                        "heavy_rain",
                        NOW,
                        district_code=DASHED,
                        areas=(DASHED, LONGEST),
                    ),
                ],
                measurements=[
                    Measurement("pm25", "coex", NOW, 30.0, None, None, *coex)
                ],
            )
        )
        summary = SourceRunner(
            engine, profile, SourceConfig("feed", "test", 60, {}), connector=feed
        ).run()
        assert (summary.error, summary.rejected, summary.stored) == (None, 0, 3)
        with engine.connect() as conn:
            assert (
                conn.execute(
                    select(func.count()).select_from(schema.quarantine)
                ).scalar()
                == 0
            )
            placed = dict(
                conn.execute(
                    select(
                        schema.events.c.source_id, schema.events.c.district_code
                    ).where(schema.events.c.source == "feed")
                ).all()
            )
            assert placed == {"c1": LONGEST, "w2": DASHED}
            assert sorted(
                conn.execute(
                    select(schema.event_areas.c.district_code)
                    .join(schema.events)
                    .where(schema.events.c.source_id == "w2")
                ).scalars()
            ) == sorted([DASHED, LONGEST])
            assert (
                conn.execute(
                    select(schema.measurements.c.district_code).where(
                        schema.measurements.c.place == "coex"
                    )
                ).scalar()
                == LONGEST
            )
            assert LONGEST in set(
                conn.execute(select(schema.event_hourly.c.district_code)).scalars()
            )
    finally:
        engine.dispose()


def test_a_store_at_0003_gets_the_readings_statistics_and_facets_from_its_rows(
    store_url, seoul
):
    """0004 makes the readings' hourly rollup again with each hour's lowest and
    highest reading and the readings' category, from the rows (as a rebuild makes
    it), keeps every other row, and adds the facet rollups, empty until the
    ingest names a group (which fills them from the rows)."""
    engine = connect(store_url)
    try:
        assert migrations.upgrade(engine, "0003") == (None, "0003")
        with engine.begin() as conn:
            writes.sync_districts(conn, seoul)
        insert_as_then(engine, STORED_THEN)
        before = every_row(engine)
        assert migrations.upgrade(engine, "0004") == ("0003", "0004")
        after = every_row(engine)
        changed = {"measurement_hourly", "store_meta"}
        assert {k: v for k, v in after.items() if k not in changed} == {
            k: v for k, v in before.items() if k not in changed
        } | {
            name: []
            for name in (
                "event_facet_hourly",
                "event_facet_totals",
                "close_hours_facet_histogram",
            )
        }
        hourly = schema.measurement_hourly
        columns = [c for c in hourly.c if c.name != "hour"]
        read = select(*columns).order_by(hourly.c.hour, hourly.c.category)
        with engine.connect() as conn:
            migrated = conn.execute(read).all()
        assert [tuple(r) for r in migrated] == [
            ("pm25", "11680", "", 1, 12.0, 12.0, 12.0),
            ("pm25", "11680", "road", 2, 50.0, 20.0, 30.0),
            ("pm25", "11680", "", 1, 14.0, 14.0, 14.0),
        ]
        with engine.begin() as conn:
            rollups.rebuild(conn)
            assert conn.execute(read).all() == migrated
            assert facets.use_facet_groups(conn, [("category", "status")])
            kept = conn.execute(
                select(
                    schema.event_facet_totals.c.facet_value,
                    schema.event_facet_totals.c.opened,
                )
            ).all()
        assert [tuple(r) for r in kept] == [("heavy_rain\x1fopen", 1)]
    finally:
        engine.dispose()


def test_a_store_at_0004_gets_an_empty_table_of_leases_and_keeps_its_rows(
    store_url, seoul
):
    """0005 adds the leases (one process at a time per source, one stage
    watcher), empty: no process holds anything until it asks."""
    engine = connect(store_url)
    try:
        assert migrations.upgrade(engine, "0003") == (None, "0003")
        with engine.begin() as conn:
            writes.sync_districts(conn, seoul)
        insert_as_then(engine, STORED_THEN)  # rows as 0003 had them
        migrations.upgrade(engine, "0004")
        before = every_row(engine)
        assert migrations.upgrade(engine, "0005") == ("0004", "0005")
        assert every_row(engine) == before | {"leases": []}
    finally:
        engine.dispose()


def test_a_second_upgrade_changes_nothing(store_url):
    engine = store_at_head(store_url)
    try:
        before = shape(engine)
        statements: list[str] = []

        @event.listens_for(engine, "before_cursor_execute")
        def _seen(_conn, _cursor, statement, *_args) -> None:
            statements.append(statement.strip().split()[0].upper())

        assert migrations.upgrade(engine) == (migrations.head(), migrations.head())
        assert not {"CREATE", "ALTER", "DROP"} & set(statements)
        assert shape(engine) == before
    finally:
        engine.dispose()


# -- two processes at once ---------------------------------------------------------

UPGRADE = (
    "import sys\n"
    "from store import migrations\n"
    "print('waiting', flush=True)\n"
    "before, after = migrations.upgrade(sys.argv[1])\n"
    "print(before or 'none', after, flush=True)\n"
)


@contextmanager
def upgrade_lock(url: str):
    """Hold the lock an upgrade takes, as a first process would while it works."""
    engine = connect(url)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({migrations.LOCK_KEY})")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.rollback()
    engine.dispose()


def test_two_processes_upgrading_at_once_upgrade_once(store_url):
    with upgrade_lock(store_url):
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", UPGRADE, store_url],
                cwd=PROJECT_ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        for process in processes:  # both started, both held at the lock
            assert process.stdout.readline().strip() == "waiting"
        time.sleep(1)
        assert all(process.poll() is None for process in processes)
    said = []
    for process in processes:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err[-2000:]
        said.append(out.strip())
    head = migrations.head()
    assert sorted(said) == sorted([f"none {head}", f"{head} {head}"])


# -- a new revision ----------------------------------------------------------------


def test_a_new_revision_from_the_template_runs(tmp_path, monkeypatch):
    folder = tmp_path / "migrations"
    shutil.copytree(
        migrations.MIGRATIONS, folder, ignore=shutil.ignore_patterns("__pycache__")
    )
    monkeypatch.setattr(migrations, "MIGRATIONS", folder)
    migrations._scripts.cache_clear()
    try:
        head = migrations.head()
        path = migrations.new_revision("add a probe table")
        number = int(head) + 1
        assert path == folder / "versions" / f"{number:04d}_add_a_probe_table.py"
        written = path.read_text()
        assert f"down_revision = {head!r}" in written
        path.write_text(
            written.replace(
                "def upgrade() -> None:\n    pass",
                'def upgrade() -> None:\n    op.create_table("probe", '
                'sa.Column("id", sa.Integer, primary_key=True))',
            )
        )
        lint = subprocess.run(
            [sys.executable, "-m", "ruff", "check", "--no-cache", str(path)],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
        )
        assert lint.returncode == 0, lint.stdout
        assert migrations.head() == f"{number:04d}"
        engine = connect(f"sqlite:///{tmp_path / 'store.db'}")
        assert migrations.upgrade(engine) == (None, f"{number:04d}")
        assert "probe" in inspect(engine).get_table_names()
        assert [r for r, _ in migrations.history()][:2] == [f"{number:04d}", head]
        engine.dispose()
    finally:
        migrations._scripts.cache_clear()
