"""Any dataset of the Seoul Open Data Plaza (``connectors.seoul_api``): its rows,
read a page of up to 1,000 a call, become records through the profile's column
mapping, as Socrata's and tables' do.

Each pull reads the dataset whole (the Plaza's live datasets are snapshots of
now: a row per station, per parking lot, per shelter); upserts keep a record
that comes again from counting twice.

    [[sources]]
    name = "shelters"
    connector = "seoul_openapi"
    [sources.options]
    api_key = "…"
    service = "TbEqkShelter"            # the dataset's service name
    params = []                         # its optional path parameters, in order
    time_format = "%Y%m%d%H%M"          # how it writes its times
    [sources.options.record]
    kind = "event"
    domain = "disaster"
    [sources.options.columns]
    source_id = "EQUP_SN"
    …
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from city.profile import CityProfile
from city.records import Batch, Event, Rejected
from connectors.base import excerpt
from connectors.feed import FEED_OPTIONS, FeedConnector
from connectors.mapping import MAPPING_OPTIONS, RecordMapping
from connectors.options import Option, SourceOptionsError, declare
from connectors.seoul_api import API_OPTIONS, ROWS_A_CALL, SeoulOpenApi


class SeoulOpenApiConnector(FeedConnector):
    protocol = "seoul_openapi"
    OPTIONS = declare(
        (
            Option(
                "service",
                str,
                required=True,
                help="the dataset's service name, e.g. RealtimeCityAir",
            ),
            Option(
                "params",
                list,
                (),
                "its optional path parameters, in the order the dataset names them",
                items=str,
            ),
            Option("page_size", int, ROWS_A_CALL, "rows a call (1,000 at most)"),
        ),
        API_OPTIONS,
        MAPPING_OPTIONS,
        FEED_OPTIONS,
    )
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "api_key": "your-key",
        "service": "RealtimeCityAir",
        "time_format": "%Y%m%d%H%M",
        "record": {"kind": "measurement", "series": "pm10"},
        "columns": {
            "place": "MSRSTN_NM",
            "district": "MSRSTN_NM",
            "observed_at": "MSRMT_DT",
            "value": "PM",
        },
    }

    def __init__(self, profile: CityProfile, options: Mapping[str, Any]) -> None:
        super().__init__(profile, options)
        o = self.options
        self.api = SeoulOpenApi(self)
        self.mapping = RecordMapping.from_options(o, profile)
        self.service, self.params, self.page = o.service, list(o.params), o.page_size
        if not 1 <= self.page <= ROWS_A_CALL:
            raise SourceOptionsError(
                f"the seoul_openapi connector: page_size {self.page} is not 1 to "
                f"{ROWS_A_CALL:,} (the API's most a call)"
            )

    def pull(self, cursor: str | None, now: datetime) -> Batch:
        batch = Batch(next_cursor=cursor)
        for row in self.api.rows(self.service, self.params, self.page):
            try:
                record = self.mapping.to_record(row, self.zone)
            except ValueError as exc:
                batch.rejected.append(Rejected(str(exc), excerpt(row)))
                continue
            found = batch.events if isinstance(record, Event) else batch.measurements
            found.append(record)
        return batch
