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
from typing import Any, ClassVar

from city.profile import CityProfile
from city.records import Batch, Event, Rejected
from connectors.base import PayloadRejected, excerpt
from connectors.feed import (
    FEED_OPTIONS,
    FeedConnector,
    dump_cursor,
    load_cursor,
    load_json,
)
from connectors.mapping import MAPPING_OPTIONS, RecordMapping
from connectors.options import Option, declare


class SocrataConnector(FeedConnector):
    protocol = "socrata"
    OPTIONS = declare(
        (
            Option(
                "url",
                str,
                required=True,
                help="the dataset's endpoint, …/resource/xxxx-xxxx.json",
            ),
            Option(
                "order_by",
                str,
                required=True,
                help="a column that grows (an updated time); pulls are $where >= "
                "the last seen",
            ),
            Option(
                "app_token",
                str,
                None,
                "sent as X-App-Token",
                secret=True,
            ),
            Option("where", str, None, "an extra SoQL filter, e.g. a city ward"),
            Option("page_size", int, 1000, "rows a page ($limit / $offset)"),
            Option("lookback_days", float, 7.0, "how far back the first pull goes"),
        ),
        MAPPING_OPTIONS,
        FEED_OPTIONS,
    )
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "url": "https://data.example.gov/resource/abcd-1234.json",
        "order_by": "updated_at",
        "record": {"kind": "event", "domain": "safety"},
        "columns": {
            "source_id": "case_number",
            "occurred_at": "date",
            "category": "primary_type",
            "location": "location",
        },
    }

    def __init__(self, profile: CityProfile, options: Mapping[str, Any]) -> None:
        super().__init__(profile, options)
        o = self.options
        self.url = o.url
        self.order_by = o.order_by
        self.mapping = RecordMapping.from_options(o, profile)
        self.page_size = o.page_size
        self.where = o.where
        self.lookback_days = o.lookback_days

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
        token = self.options.app_token
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
