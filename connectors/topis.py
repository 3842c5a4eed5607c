"""Seoul TOPIS road speeds through the Seoul Open API ``TrafficInfo`` service
(dataset OA-13291): ``{base}/{key}/{json|xml}/TrafficInfo/1/1/{link_id}``.

TOPIS turns taxi GPS into a speed per road link every few minutes. The profile's
link table says which links to read, and each link's district and road class; the
road class decides congestion the way TOPIS colours it (arterial under 15 km/h,
urban expressway under 30 km/h: ``[traffic.road_classes]``). A link the API cannot
answer is quarantined with the reason; the others still land.

    [sources.options]
    api_key = "…"                       # kept out of logs and errors
    links_file = "seoul/topis_links.csv"  # link_id,district,road_class[,name,lon,lat]
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from city.profile import CityProfile
from city.records import Batch, Measurement, Rejected
from connectors.base import PayloadRejected, excerpt
from connectors.feed import FEED_OPTIONS, FeedConnector, SourceOptionsError
from connectors.http import FetchError
from connectors.options import Option, declare
from connectors.seoul_api import API_OPTIONS, SeoulOpenApi
from connectors.values import optional_number, parse_number

SERVICE = "TrafficInfo"
SPEED, TRAVEL_TIME = "road_speed", "road_travel_time_s"


@dataclass(frozen=True)
class Link:
    link_id: str
    district: str
    road_class: str
    lon: float | None = None
    lat: float | None = None


class TopisConnector(FeedConnector):
    protocol = "topis"
    OPTIONS = declare(
        (
            Option(
                "links_file",
                str,
                None,
                "CSV of the links read, relative to the profile: "
                "link_id,district,road_class[,name,lon,lat]",
            ),
            Option(
                "links",
                list,
                None,
                "the links in the profile instead, each { link_id, district, "
                "road_class }",
                items=dict,
            ),
        ),
        API_OPTIONS,
        FEED_OPTIONS,
    )
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "api_key": "your-key",
        "links": [
            {"link_id": "1220003800", "district": "11680", "road_class": "arterial"}
        ],
    }

    def __init__(self, profile: CityProfile, options: Mapping[str, Any]) -> None:
        super().__init__(profile, options)
        self.api = SeoulOpenApi(self)
        self.links = _links(profile, self.options)

    def pull(self, cursor: str | None, now: datetime) -> Batch:
        observed = now.replace(second=0, microsecond=0)
        batch = Batch(next_cursor=cursor)
        failures: list[Exception] = []
        for link in self.links:
            try:
                row = self._row(link.link_id)
            except (FetchError, ValueError) as exc:
                failures.append(exc)
                batch.rejected.append(Rejected(str(exc), link.link_id, link.link_id))
                continue
            if row is None:
                batch.ignored += 1  # no reading for this link right now (INFO-200)
                continue
            try:
                speed = parse_number(row.get("prcs_spd"), "prcs_spd")
                travel = optional_number(row.get("prcs_trv_time"), "prcs_trv_time")
            except ValueError as exc:
                batch.rejected.append(Rejected(str(exc), excerpt(row), link.link_id))
                continue
            if speed < 0:
                batch.rejected.append(
                    Rejected(f"speed {speed} is negative", excerpt(row), link.link_id)
                )
                continue
            common = {
                "place": link.link_id,
                "observed_at": observed,
                "category": link.road_class,
                "district_code": link.district,
                "lon": link.lon,
                "lat": link.lat,
            }
            batch.measurements.append(Measurement(series=SPEED, value=speed, **common))
            if travel is not None:
                batch.measurements.append(
                    Measurement(series=TRAVEL_TIME, value=travel, **common)
                )
        if self.links and len(failures) == len(self.links):
            # the service itself is down or garbled: a failed run, not rejects
            first = failures[0]
            raise (
                first if isinstance(first, FetchError) else PayloadRejected(str(first))
            )
        return batch

    def _row(self, link_id: str) -> Mapping[str, Any] | None:
        """The link's row, None when the API has no data for it now (INFO-200)."""
        rows = self.api.call(SERVICE, 1, 1, [link_id]).rows
        found = [r for r in rows if str(r.get("link_id", link_id)) == link_id]
        return found[0] if found else None


def _links(profile: CityProfile, options: Mapping[str, Any]) -> list[Link]:
    """The link table: ``links_file`` (CSV, relative to the profile) or ``links``."""
    if options["links_file"] is not None:
        path = profile.folder / options["links_file"]
        try:
            with path.open(encoding="utf-8", newline="") as handle:
                rows = list(csv.DictReader(handle))
        except FileNotFoundError:
            raise SourceOptionsError(f"topis links_file {path} not found") from None
    else:
        rows = list(options["links"] or [])
    if not rows:
        raise SourceOptionsError("topis needs a link table: `links_file` or `links`")
    problems, links = [], []
    for n, row in enumerate(rows, start=1):
        district, road_class = (
            str(row.get("district", "")),
            str(row.get("road_class", "")),
        )
        if district not in profile.districts_by_code:
            problems.append(f"link #{n}: district {district!r} is not in the profile")
        if road_class not in profile.road_classes:
            problems.append(
                f"link #{n}: road_class {road_class!r} is not one of "
                f"{sorted(profile.road_classes)}"
            )
        if not row.get("link_id"):
            problems.append(f"link #{n}: no link_id")
        links.append(
            Link(
                str(row.get("link_id", "")),
                district,
                road_class,
                optional_number(row.get("lon"), "lon"),
                optional_number(row.get("lat"), "lat"),
            )
        )
    if problems:
        raise SourceOptionsError("; ".join(problems[:10]))
    return links
