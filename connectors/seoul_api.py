"""The Seoul Open Data Plaza's Open API, which every Plaza dataset answers through:
``{base}/{key}/{json|xml}/{service}/{start}/{end}/{params…}`` (rows numbered from 1,
1,000 at most a call; the key in the path, so the HTTP client redacts it).

Answers come in the envelopes seen in the wild, all read here alike:
- the service's name as the top key, holding ``list_total_count``, ``RESULT``
  {``CODE``, ``MESSAGE``} and the ``row`` list (TrafficInfo, RealtimeCityAir);
- ``list_total_count``, ``RESULT`` {``RESULT.CODE``, ``RESULT.MESSAGE``} and the
  payload side by side at the top (citydata), or the dotted keys at the top level;
  in XML under ``<SeoulRtd.citydata>``, each list wrapped twice
  (``<FCST_PPLTN><FCST_PPLTN>…</FCST_PPLTN></FCST_PPLTN>``);
- a bare ``RESULT`` for no data and for errors, which comes as XML even when JSON
  was asked for (a refused key): the body is read by what it is, not by what was
  asked.

``INFO-000`` brings rows; ``INFO-200`` is "no data now", an empty answer, not an
error; any other code is a failure told with the API's own message.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote
from xml.etree.ElementTree import Element

from connectors import safexml
from connectors.base import PayloadRejected
from connectors.feed import load_json
from connectors.http import HttpClient
from connectors.options import Option

BASE_URL = "http://openapi.seoul.go.kr:8088"
ROWS_A_CALL = 1000  # ERROR-336 beyond it
PAGES_AT_MOST = 200  # 200,000 rows: a dataset larger than that is not a live feed
OK, NO_DATA = "INFO-000", "INFO-200"

# the options of every connector on the Open API
API_OPTIONS = (
    Option(
        "api_key",
        str,
        required=True,
        help="the Seoul Open API key (it sits in the URL path)",
        secret=True,
    ),
    Option("format", str, "json", "what the API is asked for", choices=("json", "xml")),
    Option("base_url", str, BASE_URL, "the Open API's address"),
)


class SeoulApiError(PayloadRejected):
    """The API answered with a failure code (a refused key, a wrong service)."""

    def __init__(self, service: str, code: str | None, message: str | None) -> None:
        self.code = code
        told = f": {message}" if message else ""
        super().__init__(f"{service} {code or 'without a result code'}{told}")


@dataclass(frozen=True)
class Answer:
    """One call's answer: its result code and message, the dataset's row count,
    and its payload (the object holding ``row``, or citydata's top level)."""

    code: str | None
    message: str | None
    total: int | None
    payload: Mapping[str, Any]

    @property
    def rows(self) -> list[Mapping[str, Any]]:
        return [r for r in as_list(self.payload.get("row")) if isinstance(r, Mapping)]


class SeoulOpenApi:
    """Calls to one Open API key, through the connector's HTTP client (the one it
    holds at the time of the call)."""

    def __init__(self, connector: Any) -> None:
        self.connector = connector
        options = connector.options
        self.base = str(options.base_url).rstrip("/")
        self.key = options.api_key
        self.format = options.format

    @property
    def http(self) -> HttpClient:
        return self.connector.http

    def url(
        self, service: str, start: int, end: int, params: Sequence[Any] = ()
    ) -> str:
        # each parameter is one path segment: a place's name holds "·" and spaces
        path = "/".join(quote(str(p), safe="") for p in params)
        return f"{self.base}/{self.key}/{self.format}/{service}/{start}/{end}" + (
            f"/{path}" if path else ""
        )

    def call(
        self, service: str, start: int = 1, end: int = 1, params: Sequence[Any] = ()
    ) -> Answer:
        """One call; ``SeoulApiError`` for a failure code, an empty answer for
        INFO-200."""
        answer = read_answer(
            self.http.get(self.url(service, start, end, params)).body, service
        )
        if answer.code not in (OK, NO_DATA):
            raise SeoulApiError(service, answer.code, answer.message)
        return answer

    def rows(
        self, service: str, params: Sequence[Any] = (), page: int = ROWS_A_CALL
    ) -> Iterator[Mapping[str, Any]]:
        """Every row of the dataset, a page (``page`` rows, 1,000 at most) a call,
        until ``list_total_count`` is reached or a page comes short."""
        page = max(1, min(page, ROWS_A_CALL))
        start = 1
        for _ in range(PAGES_AT_MOST):
            answer = self.call(service, start, start + page - 1, params)
            rows = answer.rows
            yield from rows
            end = start + page - 1
            if answer.code == NO_DATA or len(rows) < page:
                return
            if answer.total is not None and end >= answer.total:
                return
            start = end + 1
        raise PayloadRejected(
            f"{service} holds more than {PAGES_AT_MOST * page:,} rows: not a live feed"
        )


def read_answer(body: bytes, service: str) -> Answer:
    """The code, message, count and payload of an answer in any envelope."""
    data = _from_xml(body) if body.lstrip()[:1] == b"<" else _from_json(body, service)
    inner = data.get(service)
    if isinstance(inner, list):  # a service answering a list of objects
        inner = {"row": inner}
    places = [p for p in (inner, data) if isinstance(p, Mapping)]
    code = message = total = None
    for place in places:
        result = place.get("RESULT")
        if isinstance(result, Mapping):
            code = code or _first(result, "CODE", "RESULT.CODE")
            message = message or _first(result, "MESSAGE", "RESULT.MESSAGE")
        code = code or _first(place, "RESULT.CODE")
        message = message or _first(place, "RESULT.MESSAGE")
        total = total if total is not None else _count(place.get("list_total_count"))
    if code is None:
        for row in as_list(inner.get("row") if isinstance(inner, Mapping) else None):
            if isinstance(row, Mapping) and isinstance(row.get("RESULT"), Mapping):
                code = _first(row["RESULT"], "CODE", "RESULT.CODE")  # inside each row
                message = _first(row["RESULT"], "MESSAGE", "RESULT.MESSAGE")
                break
    return Answer(code, message, total, places[0])


def _from_json(body: bytes, service: str) -> Mapping[str, Any]:
    data = load_json(body, f"the {service} answer")
    if not isinstance(data, Mapping):
        raise PayloadRejected(f"{service} answered something other than an object")
    return data


def _from_xml(body: bytes) -> Mapping[str, Any]:
    root = safexml.parse(body)
    name = safexml.local(root.tag)
    if name == "RESULT":  # a bare error
        return {"RESULT": _element(root)}
    value = _element(root)
    # citydata's root is <SeoulRtd.citydata>: its parts are the top level, as in JSON
    return value if name.startswith("SeoulRtd.") else {name: value}


def _element(element: Element) -> Any:
    """An element as JSON would give it: text, an object of its children (a name
    repeated: a list), or a list when every child bears the element's own name
    (the double wrapping of citydata's lists)."""
    kids = list(element)
    if not kids:
        return (element.text or "").strip()
    name = safexml.local(element.tag)
    if all(safexml.local(k.tag) == name for k in kids):
        return [_element(k) for k in kids]
    found: dict[str, list[Any]] = defaultdict(list)
    for kid in kids:
        found[safexml.local(kid.tag)].append(_element(kid))
    # rows are a list however many came; another name repeated is a list too
    return {k: v if len(v) > 1 or k == "row" else v[0] for k, v in found.items()}


def as_list(value: Any) -> list[Any]:
    """A section that may come as a list, as one object, or not at all."""
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list) else [value]


def _first(place: Mapping[str, Any], *names: str) -> str | None:
    for name in names:
        value = place.get(name)
        if value is not None and str(value).strip():
            return str(value).strip()
    return None


def _count(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None
