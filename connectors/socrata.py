"""Socrata SODA 2.x datasets (``/resource/xxxx-xxxx.json``): safety incidents, 311
requests, counters — any table a city publishes on a Socrata portal.

Pulls are incremental on one column that grows (``order_by``, e.g. an updated time):
``$where <column> >= '<last seen>'``, ``$order <column>, :id``, and ``$limit`` /
``$offset`` paging within that span. Re-reading the last second is deliberate: rows
that share the newest timestamp are never skipped, and upserts make the overlap
harmless. Rows become records through the profile's column mapping
(``connectors.mapping``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo
from typing import Any

from city.profile import CityProfile
from city.records import Batch, Event, Rejected
from connectors.base import PayloadRejected, excerpt
from connectors.feed import FeedConnector, dump_cursor, load_cursor, load_json
from connectors.mapping import RecordMapping


class SocrataConnector(FeedConnector):
    protocol = "socrata"
    secret_options = ("app_token",)

    def __init__(self, profile: CityProfile, options: Mapping[str, Any]) -> None:
        super().__init__(profile, options)
        self.url = self.require("url")
        self.order_by = self.require("order_by")
        self.mapping = RecordMapping.from_options(options, profile)
        self.page_size = int(options.get("page_size", 1000))
        self.where = options.get("where")  # an extra SoQL filter, e.g. a city ward
        self.lookback_days = float(options.get("lookback_days", 7))

    def pull(self, cursor: str | None, now: datetime) -> Batch:
        state = load_cursor(cursor)
        after = state.get("after") or _floating(
            now - timedelta(days=self.lookback_days), self.zone
        )
        offset = int(state.get("offset", 0))
        quoted = str(after).replace("'", "''")
        clauses = [f"{self.order_by} >= '{quoted}'"]
        if self.where:
            clauses.append(f"({self.where})")
        params = {
            "$where": " AND ".join(clauses),
            "$order": f"{self.order_by} ASC, :id ASC",
            "$limit": self.page_size,
            "$offset": offset,
        }
        token = self.options.get("app_token")
        headers = {"X-App-Token": token} if token else {}
        body = self.http.get(self.url, params=params, headers=headers).body
        rows = load_json(body, "the SODA answer")
        if not isinstance(rows, list):
            raise PayloadRejected(
                f"SODA answered {type(rows).__name__}, not a list of rows"
            )

        batch = Batch()
        newest = after
        for row in rows:
            try:
                record = self.mapping.to_record(row, self.zone)
            except ValueError as exc:
                batch.rejected.append(Rejected(str(exc), excerpt(row)))
                continue
            (batch.events if isinstance(record, Event) else batch.measurements).append(
                record
            )
            value = row.get(self.order_by)
            if isinstance(value, str) and value > newest:
                newest = value
        if len(rows) == self.page_size:
            # a full page: the span has more rows; read on from the next offset
            batch.next_cursor = dump_cursor(
                {"after": after, "offset": offset + len(rows)}
            )
            batch.more = True
        else:
            batch.next_cursor = dump_cursor({"after": newest, "offset": 0})
        return batch


def _floating(moment: datetime, zone: tzinfo) -> str:
    """SODA's floating timestamp: local time without a zone."""
    return moment.astimezone(zone).replace(tzinfo=None).isoformat(timespec="seconds")
