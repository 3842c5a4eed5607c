"""Open311 GeoReport v2 (civic complaints), JSON or XML.

Requests are pulled incrementally in time windows, by ``updated_datetime`` (the
``updated_after`` / ``updated_before`` extension most servers offer, so closures
of old requests arrive too) or by ``requested_datetime`` (the spec's ``start_date``
/ ``end_date``), page by page. A server that ignores paging is caught (the same
page twice) and the window is halved instead, so a busy day never loses requests
beyond the server's cap. Requester details some servers echo (names, e-mail,
phone, device id, photos) are dropped here; every text kept loses e-mail
addresses, phone and personal id numbers (``city.privacy``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar

from city.privacy import scrub_text, without_personal_fields
from city.profile import CityProfile
from city.records import Batch, Event, Rejected
from connectors import safexml
from connectors.base import PayloadRejected, excerpt
from connectors.feed import (
    FEED_OPTIONS,
    FeedConnector,
    dump_cursor,
    load_cursor,
    load_json,
)
from connectors.http import FetchError
from connectors.options import Option, declare
from connectors.values import identifier, optional_time, parse_time, position, slug

CLOSED = frozenset({"closed", "resolved", "completed", "archived"})
MIN_WINDOW = timedelta(minutes=1)
SERVICES_TTL_SECONDS = 24 * 3600
FORMATS = ("json", "xml")
# the root element of each resource's XML answer (GeoReport v2)
ROOTS = {"requests": "service_requests", "services": "services"}
WINDOW_PARAMS = {
    "updated": ("updated_after", "updated_before"),
    "requested": ("start_date", "end_date"),
}


class Open311Connector(FeedConnector):
    protocol = "open311"
    OPTIONS = declare(
        (
            Option(
                "url",
                str,
                required=True,
                help="the GeoReport v2 endpoint; requests and services are below it",
            ),
            Option("format", str, "json", "what the server speaks", choices=FORMATS),
            Option("jurisdiction_id", str, None, "sent when the server wants one"),
            Option("api_key", str, None, "sent as `api_key`", secret=True),
            Option(
                "window",
                str,
                "updated",
                "which times a window spans: updated_after/updated_before, or the "
                "spec's start_date/end_date",
                choices=tuple(WINDOW_PARAMS),
            ),
            Option("after_param", str, None, "the window's start parameter, renamed"),
            Option("before_param", str, None, "the window's end parameter, renamed"),
            Option("window_hours", float, 24.0, "hours pulled at a time"),
            Option("lookback_days", float, 7.0, "how far back the first pull goes"),
            Option("overlap_minutes", float, 5.0, "each window re-reads this much"),
            Option("page_size", int, 100, "requests per page"),
            Option(
                "paging",
                bool,
                True,
                "the server pages (page, page_size); false: windows are halved instead",
            ),
            Option(
                "categories",
                dict,
                None,
                "service_code = category (else the service list's group)",
                items=str,
            ),
            Option(
                "service_list",
                bool,
                True,
                "read services for their group names (daily)",
            ),
        ),
        FEED_OPTIONS,
    )
    EXAMPLE: ClassVar[dict[str, Any]] = {"url": "https://311.example.gov/open311/v2"}

    def __init__(self, profile: CityProfile, options: Mapping[str, Any]) -> None:
        super().__init__(profile, options)
        o = self.options
        self.base = o.url.rstrip("/")
        self.format = o.format
        after, before = WINDOW_PARAMS[o.window]
        self.after_param = o.after_param or after
        self.before_param = o.before_param or before
        self.window = timedelta(hours=o.window_hours)
        self.lookback = timedelta(days=o.lookback_days)
        self.overlap = timedelta(minutes=o.overlap_minutes)
        self.page_size = o.page_size
        self.paging = o.paging
        self.categories: dict[str, str] = dict(o.categories or {})
        self.use_service_list = o.service_list
        self._services: dict[str, dict[str, Any]] = {}
        self._services_at = -SERVICES_TTL_SECONDS

    # -- requests -------------------------------------------------------------

    def pull(self, cursor: str | None, now: datetime) -> Batch:
        state = load_cursor(cursor)
        after = _time(state.get("after")) or now - self.lookback
        until = _time(state.get("until")) or min(after + self.window, now)
        page = int(state.get("page", 1))
        rows = self._requests(after, until, page)

        batch = Batch()
        for row in rows:
            try:
                batch.events.append(self._event(row))
            except ValueError as exc:
                batch.rejected.append(Rejected(str(exc), excerpt(row), _row_id(row)))

        full = len(rows) >= self.page_size
        repeated = page > 1 and rows and _row_id(rows[0]) == state.get("first")
        if full and (not self.paging or repeated) and until - after > MIN_WINDOW:
            # the server caps its answer and cannot page: ask for half the span
            half = after + (until - after) / 2
            batch.next_cursor = dump_cursor(_window(after, half, 1))
            batch.more = True
        elif full and self.paging and not repeated:
            batch.next_cursor = dump_cursor(
                _window(after, until, page + 1) | {"first": _row_id(rows[0])}
            )
            batch.more = True
        else:
            # the window is complete; the next one overlaps it a little, as
            # servers stamp updates a moment after they happen
            start = max(until - self.overlap, after)
            batch.next_cursor = dump_cursor(_window(start, None, 1))
            batch.more = now - until > self.overlap  # else wait for the interval
        return batch

    def _requests(self, after: datetime, until: datetime, page: int) -> list[Any]:
        params: dict[str, Any] = {
            self.after_param: _w3c(after),
            self.before_param: _w3c(until),
        }
        if self.paging:
            params |= {"page": page, "page_size": self.page_size}
        return self._get_list("requests", params, "request")

    def _event(self, raw: Any) -> Event:
        if not isinstance(raw, Mapping):
            raise ValueError(f"a request must be an object, not {type(raw).__name__}")
        row = without_personal_fields(raw)
        request_id = row.get("service_request_id")
        if request_id in (None, ""):
            raise ValueError(
                "service_request_id is missing (a token-only request is not yet "
                "accepted by the city)"
            )
        requested = parse_time(
            row.get("requested_datetime"), self.zone, "requested_datetime"
        )
        updated = optional_time(
            row.get("updated_datetime"), self.zone, "updated_datetime"
        )
        status_raw = str(row.get("status") or "open").strip().lower()
        closed = status_raw in CLOSED
        lon, lat = position(row.get("long"), row.get("lat"))
        code = None if row.get("service_code") is None else str(row["service_code"])
        attrs = {
            "service_code": code,
            "agency": _text(row.get("agency_responsible")),
            "address": _text(row.get("address")),
            "status_notes": _text(row.get("status_notes")),
            "description": _text(row.get("description"), 500),
            "expected_at": _iso(
                optional_time(
                    row.get("expected_datetime"), self.zone, "expected_datetime"
                )
            ),
            "status_raw": _text(status_raw)
            if status_raw not in ("open", "closed")
            else None,
        }
        return Event(
            source_id=identifier(request_id, "service_request_id"),
            domain="complaints",
            category=self._category(code, row.get("service_name")),
            occurred_at=requested,
            title=_text(row.get("service_name"), 300) or "Service request",
            status="closed" if closed else "open",
            lon=lon,
            lat=lat,
            updated_at=updated,
            closed_at=(updated or requested) if closed else None,
            attrs={k: v for k, v in attrs.items() if v is not None},
        )

    # -- categories from the service list -------------------------------------

    def _category(self, code: str | None, name: Any) -> str:
        if code is not None and code in self.categories:
            return self.categories[code]
        service = self.services().get(code or "", {})
        label = service.get("group") or service.get("service_name") or name
        # a service name is free text too: "Noise (tel. 02-…)" must not become a key
        return slug(scrub_text(str(label)) or "") if label else "other"

    def services(self) -> dict[str, dict[str, Any]]:
        """The server's service list by code, refreshed daily; a failure to read it
        only costs the group names (requests still carry the service name)."""
        if not self.use_service_list:
            return {}
        if time.monotonic() - self._services_at > SERVICES_TTL_SECONDS:
            self._services_at = time.monotonic()
            try:
                listed = self._get_list("services", {}, "service")
            except (FetchError, ValueError):
                listed = []
            self._services = {
                str(s["service_code"]): s
                for s in listed
                if isinstance(s, Mapping) and s.get("service_code") is not None
            }
        return self._services

    # -- transport --------------------------------------------------------------

    def _get_list(self, resource: str, params: dict[str, Any], item: str) -> list[Any]:
        for name in ("jurisdiction_id", "api_key"):
            if self.options.get(name):
                params[name] = self.options[name]
        body = self.http.get(
            f"{self.base}/{resource}.{self.format}", params=params
        ).body
        if self.format == "xml":
            root = safexml.parse(body)
            tag = safexml.local(root.tag)
            if tag == "errors":
                raise FetchError(_errors([safexml.as_dict(e) for e in root]))
            if tag == "error":  # some servers send one error without its list
                raise FetchError(_errors([safexml.as_dict(root)]))
            if tag != ROOTS[resource]:
                # an HTML page served with 200, another API's answer: reading it as
                # an empty list would move the cursor past requests never seen
                raise PayloadRejected(
                    f"{resource}.xml is a <{_clean(tag, 40)}> document, not "
                    f"<{ROOTS[resource]}>"
                )
            return [safexml.as_dict(e) for e in safexml.children(root, item)]
        data = load_json(body, f"{resource}.json")
        if isinstance(data, Mapping) and {"code", "description"} <= data.keys():
            raise FetchError(_errors([data]))  # one error, without its list
        if isinstance(data, Mapping):  # some servers wrap the list
            data = next((v for v in data.values() if isinstance(v, list)), None)
        if not isinstance(data, list):
            raise PayloadRejected(f"{resource}.json is not a list")
        if data and all(
            isinstance(d, Mapping) and "code" in d and "description" in d
            and "service_request_id" not in d and "service_code" not in d
            for d in data
        ):  # fmt: skip
            raise FetchError(_errors(data))
        return data


def _errors(errors: list[Mapping[str, Any]]) -> str:
    listed = "; ".join(f"{e.get('code')}: {e.get('description')}" for e in errors)
    # the server's words land in the run log: scrubbed like any text it sends
    return f"the Open311 server answered with errors: {scrub_text(listed)}"


def _window(after: datetime, until: datetime | None, page: int) -> dict[str, Any]:
    return {"after": _iso(after), "until": _iso(until), "page": page}


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _w3c(value: datetime) -> str:
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def _clean(value: Any, limit: int = 300) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text[:limit] or None


def _text(value: Any, limit: int = 300) -> str | None:
    """Free text from the server, scrubbed before it is cut (a cut address no
    longer looks like one)."""
    return _clean(scrub_text(_clean(value, 10 * limit)), limit)


def _row_id(row: Any) -> str | None:
    if isinstance(row, Mapping) and row.get("service_request_id") is not None:
        return str(row["service_request_id"])
    return None
