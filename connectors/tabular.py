"""CSV or JSON tables from a file or a URL, for any source without an API: a
shelter list, a daily export of the fire service, a spreadsheet someone publishes.

Rows become records through the profile's column mapping (``connectors.mapping``);
the whole table is read on each pull and upserts keep it idempotent, so a table
that only grows or changes in place just works. An unchanged file or an unchanged
URL (ETag / Last-Modified) is not read again.

    [sources.options]
    path = "exports/shelters.csv"     # relative to the profile; or url = "https://…"
    format = "csv"                    # or "json" (guessed from the name)
    delimiter = ";"                   # csv only
    records = "data.items"            # json only: where the list of rows is
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from city.profile import CityProfile
from city.records import Batch, Event, Rejected
from connectors.base import PayloadRejected, excerpt
from connectors.feed import (
    FEED_OPTIONS,
    FeedConnector,
    SourceOptionsError,
    dump_cursor,
    load_cursor,
    load_json,
)
from connectors.http import PayloadTooLarge, Validators
from connectors.mapping import MAPPING_OPTIONS, RecordMapping
from connectors.options import Option, declare


class TabularConnector(FeedConnector):
    protocol = "tabular"
    OPTIONS = declare(
        (
            Option("path", str, None, "a file, relative to the profile (or `url`)"),
            Option("url", str, None, "where the table is published (or `path`)"),
            Option(
                "format",
                str,
                None,
                "default: json for a name ending .json, else csv",
                choices=("csv", "json"),
            ),
            Option("delimiter", str, ",", "between a CSV row's fields"),
            Option("encoding", str, "utf-8-sig", "the table's text encoding"),
            Option(
                "records", str, None, "JSON only: the dotted path of the rows' list"
            ),
        ),
        MAPPING_OPTIONS,
        FEED_OPTIONS,
    )
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "url": "https://data.example.city/shelters.csv",
        "record": {"kind": "event", "domain": "safety", "category": "shelter"},
        "columns": {"source_id": "id", "occurred_at": "opened", "location": "location"},
    }

    def __init__(self, profile: CityProfile, options: Mapping[str, Any]) -> None:
        super().__init__(profile, options)
        o = self.options
        if bool(o.path) == bool(o.url):
            raise SourceOptionsError("the tabular connector needs `path` or `url`")
        self.path = profile.folder / o.path if o.path else None
        self.url = o.url
        name = str(o.path or o.url).lower().split("?")[0]
        self.format = o.format or ("json" if name.endswith(".json") else "csv")
        self.delimiter = o.delimiter
        self.encoding = o.encoding  # utf-8-sig: BOMs from Excel
        self.records = o.records
        self.mapping = RecordMapping.from_options(o, profile)

    def pull(self, cursor: str | None, now: datetime) -> Batch:
        state = load_cursor(cursor)
        body, version = self._read(state)
        if body is None:
            return Batch(next_cursor=cursor)  # unchanged since the last pull
        batch = Batch(next_cursor=dump_cursor(version))
        for n, row in enumerate(self._rows(body), start=1):
            try:
                record = self.mapping.to_record(row, self.zone)
            except ValueError as exc:
                batch.rejected.append(Rejected(f"row {n}: {exc}", excerpt(row)))
                continue
            if isinstance(record, Event):
                batch.events.append(record)
            else:
                batch.measurements.append(record)
        return batch

    def _read(self, state: dict[str, Any]) -> tuple[bytes | None, dict[str, Any]]:
        if self.url:
            response = self.http.get(
                self.url, validators=Validators.from_json(state.get("http"))
            )
            version = {"http": response.validators.to_json()}
            return (None if response.not_modified else response.body), version
        assert self.path is not None
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            raise FileNotFoundError(f"table {self.path} not found") from None
        version = {"file": [stat.st_mtime_ns, stat.st_size]}
        if state.get("file") == version["file"]:
            return None, version
        if stat.st_size > self.http.settings.max_bytes:
            raise PayloadTooLarge(
                f"table {self.path} exceeds {self.http.settings.max_bytes / 2**20:g} MB"
            )
        return self.path.read_bytes(), version

    def _rows(self, body: bytes) -> list[Any]:
        try:
            text = body.decode(self.encoding)
        except UnicodeDecodeError as exc:
            raise PayloadRejected(
                f"the table is not {self.encoding} text (set `encoding`): {exc}"
            ) from None
        if self.format == "csv":
            return self._csv_rows(text)
        data: Any = load_json(text, "the table")
        for key in str(self.records).split(".") if self.records else ():
            if not isinstance(data, Mapping) or key not in data:
                raise PayloadRejected(f"JSON has no `{self.records}` list of records")
            data = data[key]
        if not isinstance(data, list):
            raise PayloadRejected(
                "JSON records must be a list (set `records` to find it)"
            )
        return data

    def _csv_rows(self, text: str) -> list[dict[str, Any]]:
        try:
            return list(
                csv.DictReader(io.StringIO(text, newline=""), delimiter=self.delimiter)
            )
        except csv.Error as exc:  # a field over csv's size limit, a stray NUL…
            raise PayloadRejected(f"the table is not readable CSV: {exc}") from None
