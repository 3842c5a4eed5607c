"""Tables of the store. No column holds personal data, by design.

What the code reads and writes; a store gets these tables from the migrations
(``store/migrations``): a change here is a new migration too, and
tests/store/test_migrations.py fails while the two differ."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from city.district_codes import MAX_LENGTH as CODE_LENGTH
from store.types import UTCDateTime

metadata = MetaData()

# Every column holding a district's code: as long as any code the profile accepts
# (city.district_codes), so no code the check passed is quarantined at ingest.
DistrictCode = String(CODE_LENGTH)

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL wants BIGINT at scale.
RowId = BigInteger().with_variant(Integer(), "sqlite")

districts = Table(
    "districts",
    metadata,
    Column("code", DistrictCode, primary_key=True),
    Column("name_en", Text, nullable=False),
    Column("name_local", Text, nullable=False),
    Column("population", Integer, nullable=False),
    Column("area_km2", Float, nullable=False),
    Column("centroid_lon", Float, nullable=False),
    Column("centroid_lat", Float, nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("source", String(64), nullable=False),
    Column("source_id", String(200), nullable=False),
    Column("domain", String(16), nullable=False),
    Column("category", String(64), nullable=False),
    Column("title", Text, nullable=False, default=""),
    Column("status", String(32), nullable=False),
    Column("severity", String(16)),
    Column("district_code", DistrictCode, ForeignKey("districts.code")),
    Column("lon", Float),
    Column("lat", Float),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime),
    Column("expires_at", UTCDateTime),
    Column("attrs", JSON, nullable=False, default=dict),
    Column("ingested_at", UTCDateTime, nullable=False),
    UniqueConstraint("source", "source_id", name="uq_events_source_record"),
    Index("ix_events_domain_occurred", "domain", "occurred_at"),
    Index("ix_events_domain_closed", "domain", "closed_at"),
    # Only alerts expire, and only alerts are looked up by expiry: the other
    # domains' events (nearly all of them) stay out of this B-tree. SQLite's
    # planner takes it only with the domain named in it (else it prefers
    # (domain, closed)); PostgreSQL drops the domain from the lookup as the
    # index's own condition, and would then read the whole index for the rest.
    Index(
        "ix_events_alerts_expires",
        "domain",
        "expires_at",
        sqlite_where=text("domain = 'disaster'"),
    ).ddl_if(dialect="sqlite"),
    Index(
        "ix_events_alerts_expires",
        "expires_at",
        postgresql_where=text("domain = 'disaster'"),
    ).ddl_if(dialect="postgresql"),
    # no index on status: every query reads it as "not retracted" over rows that
    # other indexes found, and each index is one more B-tree for every insert
)
# (the indexes of earlier versions are dropped by the baseline migration)

# The further districts an event covers: a warning area over several districts.
# The event's own district_code is its primary one (where it is, or most of it).
event_areas = Table(
    "event_areas",
    metadata,
    Column(
        "event_id",
        RowId,
        ForeignKey("events.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "district_code", DistrictCode, ForeignKey("districts.code"), primary_key=True
    ),
    Index("ix_event_areas_district", "district_code"),
)

# Clustered on its key, which every reading query ranges over by (series, time):
# one B-tree per reading on SQLite (WITHOUT ROWID), one index on PostgreSQL. The
# rowid, the unique (series, place, time) and the (series, time) index it replaces
# made an insert touch three; a store made before keeps its layout and still works.
measurements = Table(
    "measurements",
    metadata,
    Column("source", String(64), nullable=False),
    Column("series", String(64), nullable=False),
    Column("place", String(128), nullable=False),
    Column("category", String(64)),
    Column("district_code", DistrictCode, ForeignKey("districts.code")),
    Column("lon", Float),
    Column("lat", Float),
    Column("observed_at", UTCDateTime, nullable=False),
    Column("value", Float, nullable=False),
    # a reading belongs to its source: two sources of one series at one place and
    # time are two readings, which the KPIs combine (migration 0002)
    PrimaryKeyConstraint(
        "series", "observed_at", "place", "source", name="pk_measurements"
    ),
    sqlite_with_rowid=False,
)

source_state = Table(
    "source_state",
    metadata,
    Column("source", String(64), primary_key=True),
    Column("cursor", Text),
    Column("last_success_at", UTCDateTime),
    Column("last_error_at", UTCDateTime),
    Column("last_error", Text),
)

# What each source has delivered ("events:safety", "series:road_speed"), so the wall
# can tell which tiles go stale when a source does.
source_feeds = Table(
    "source_feeds",
    metadata,
    Column("source", String(64), primary_key=True),
    Column("feed", String(80), primary_key=True),
)

source_runs = Table(
    "source_runs",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("source", String(64), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=False),
    Column("fetched", Integer, nullable=False),
    Column("stored", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    Column("error", Text),
    Index("ix_source_runs_source_started", "source", "started_at"),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("source", String(64), nullable=False),
    Column("source_id", String(200)),
    Column("reason", Text, nullable=False),
    Column("excerpt", Text, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
)

# The cameras the wall may show, from any source (a registry in the profile, a
# feed); pictures are fetched through the wall's server, never stored.
cameras = Table(
    "cameras",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("source", String(64), nullable=False),
    Column("camera_id", String(200), nullable=False),
    Column("name", String(200), nullable=False),
    Column("provider", String(100), nullable=False),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("district_code", DistrictCode),
    Column("snapshot_url", Text),
    Column("stream_url", Text),
    Column("access", String(20), nullable=False),
    Column("seen_at", UTCDateTime, nullable=False),
    UniqueConstraint("source", "camera_id", name="uq_cameras_source_camera"),
)

# Every change of the city's disaster stage, in order (seq is unique, so two
# workers noticing the same change log it once).
stage_log = Table(
    "stage_log",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("seq", Integer, nullable=False, unique=True),
    Column("at", UTCDateTime, nullable=False),
    Column("level", Integer, nullable=False),
    Column("previous", Integer),
    Column("manual", Integer, nullable=False, default=0),
    Column("cause", Text, nullable=False, default=""),
)

# Stages set by hand by an operator; the newest uncleared one in force wins.
stage_overrides = Table(
    "stage_overrides",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("level", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("set_at", UTCDateTime, nullable=False),
    Column("until", UTCDateTime),
    Column("cleared_at", UTCDateTime),
)

# Who does a job that one process at a time may do, across every process on the
# store: a source's pull ("source:<name>"), the stage watcher ("stage"). The holder
# renews ``expires_at`` while it works; once that passes, another may take it
# (``store.leases``).
leases = Table(
    "leases",
    metadata,
    Column("name", String(80), primary_key=True),
    Column("holder", String(255), nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("taken_at", UTCDateTime, nullable=False),
)

# -- rollups: kept up to date by the ingest, in the batch's transaction, so no
# refresh scans raw rows. District '' stands for "no district" (a key column cannot
# be NULL). ``store.rollups`` maintains them and can rebuild them from the rows.

# Events opened (by occurred_at) and closed (by closed_at) per UTC hour.
event_hourly = Table(
    "event_hourly",
    metadata,
    Column("domain", String(16), primary_key=True),
    Column("hour", UTCDateTime, primary_key=True),
    Column("district_code", DistrictCode, primary_key=True),
    Column("category", String(64), primary_key=True),
    Column("opened", Integer, nullable=False, default=0),
    Column("closed", Integer, nullable=False, default=0),
)

# All-time totals per domain and district: with the hourly rollup they give the
# backlog open at any moment (opened before it minus closed before it).
event_totals = Table(
    "event_totals",
    metadata,
    Column("domain", String(16), primary_key=True),
    Column("district_code", DistrictCode, primary_key=True),
    Column("opened", BigInteger, nullable=False, default=0),
    Column("closed", BigInteger, nullable=False, default=0),
)

# How long closed events took: per closing hour and district, a histogram of the
# hours to close on a log scale (bucket b holds durations near 1.01**b hours), so a
# median over days reads buckets instead of every closed record. District '*'
# holds the whole city's histogram (fewer rows than adding up the districts').
close_hours_histogram = Table(
    "close_hours_histogram",
    metadata,
    Column("domain", String(16), primary_key=True),
    Column("hour", UTCDateTime, primary_key=True),
    Column("district_code", DistrictCode, primary_key=True),
    Column("bucket", Integer, primary_key=True),
    Column("n", Integer, nullable=False, default=0),
)

# The same three for the declared indicators' filters (``where``): keyed besides by
# a *facet group* (the keys one filter names, sorted, joined by "\x1f", e.g.
# "category\x1fseverity") and the event's values of those keys joined the same way
# (a missing value is ""). Only the groups in use are kept (``store.facets``).
FacetKey = String(255)


def _facet_key() -> list[Column]:
    return [
        Column("domain", String(16), primary_key=True),
        Column("facet_group", FacetKey, primary_key=True),
        Column("facet_value", FacetKey, primary_key=True),
    ]


event_facet_hourly = Table(
    "event_facet_hourly",
    metadata,
    *_facet_key(),
    Column("hour", UTCDateTime, primary_key=True),
    Column("district_code", DistrictCode, primary_key=True),
    Column("opened", Integer, nullable=False, default=0),
    Column("closed", Integer, nullable=False, default=0),
)

event_facet_totals = Table(
    "event_facet_totals",
    metadata,
    *_facet_key(),
    Column("district_code", DistrictCode, primary_key=True),
    Column("opened", BigInteger, nullable=False, default=0),
    Column("closed", BigInteger, nullable=False, default=0),
)

close_hours_facet_histogram = Table(
    "close_hours_facet_histogram",
    metadata,
    *_facet_key(),
    Column("hour", UTCDateTime, primary_key=True),
    Column("district_code", DistrictCode, primary_key=True),
    Column("bucket", Integer, primary_key=True),
    Column("n", Integer, nullable=False, default=0),
)

# Measurements per series, district, category ("" for none) and UTC hour: count,
# sum, lowest and highest reading (the series' statistics over days come from here).
measurement_hourly = Table(
    "measurement_hourly",
    metadata,
    Column("series", String(64), primary_key=True),
    Column("hour", UTCDateTime, primary_key=True),
    Column("district_code", DistrictCode, primary_key=True),
    Column("category", String(64), primary_key=True),
    Column("n", Integer, nullable=False),
    Column("total", Float, nullable=False),
    Column("low", Float, nullable=False),
    Column("high", Float, nullable=False),
)

# One row per counter; "data_version" rises with every committed batch so caches
# keyed by it never serve a value older than the store. ``document`` holds the
# rare fact that is not a number (the facet groups in use, as JSON).
store_meta = Table(
    "store_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", BigInteger, nullable=False),
    Column("document", Text),
)

# -- access: who may sign in. Accounts of the city's own staff, never residents;
# secrets are kept only as hashes.

# A person signing in with the built-in login (when the intranet's proxy does not
# sign them in). ``role`` is public, viewer, staff or admin.
accounts = Table(
    "accounts",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("disabled_at", UTCDateTime),
    # carried in the signed session cookie; signing out, a new password, a new role
    # or disabling the account raise it, and every session holding another is void
    Column("session_version", Integer, nullable=False, server_default=text("0")),
)

# A wall screen's long-lived credential: a one-time enrolment code (a link an admin
# opens on the screen) becomes a secret kept in the screen's cookie.
wall_devices = Table(
    "wall_devices",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("label", String(100), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("enrol_hash", String(64), unique=True),
    Column("enrol_until", UTCDateTime),
    Column("secret_hash", String(64), unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("enrolled_at", UTCDateTime),
    Column("last_seen_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
)

# Failed sign-ins per account and client address together (keyed by a salted
# hash): after a few, each further attempt waits longer, across workers.
# ``locked_until`` is when the next attempt may be made.
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("key_hash", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("first_at", UTCDateTime, nullable=False),
    Column("locked_until", UTCDateTime),
)

# Embed tokens issued: a token carries its row's id, signed, and is refused once
# the row is revoked. The token itself is never kept.
embed_tokens = Table(
    "embed_tokens",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("target", String(200), nullable=False),
    Column("district", DistrictCode),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
)
