"""Alerts in force are found through the alerts' own expiry index on both
databases: a partial index, which a database takes only where the query names its
very condition (a literal domain, not a bound parameter)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, text

from kpis.queries import active_alert
from store.schema import events


def test_alerts_in_force_are_looked_up_by_the_alerts_expiry_index(engine):
    query = select(events.c.id).where(*active_alert(datetime.now(UTC)))
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            # a handful of rows would be read whole: only ask whether it can
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            conn.execute(text("SET LOCAL enable_bitmapscan = off"))
        sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
        plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN {sql}"))
        if engine.dialect.name == "sqlite":
            plan = " ".join(
                str(row[-1])
                for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
            )
    assert plan.count("ix_events_alerts_expires") == 2, plan
    # and the statement sent names the domain as the index does, never as a
    # parameter (with which neither database would take the index)
    with engine.connect() as conn:
        sent = str(query.compile(conn))
    assert sent.count("events.domain = 'disaster'") == 2, sent
