"""A camera registry: written in the profile, or read from a provider's JSON feed.

    [[sources]]
    name = "its-cameras"
    connector = "cameras"
    interval_seconds = 3600
    options = { url = "https://cameras.example.city/list.json", provider = "City ITS",
                access = "public", fields = { id = "cctvId", lat = "y", lon = "x" } }

    [[sources]]
    name = "police-cameras"
    connector = "cameras"
    options = { provider = "Police", access = "restricted", cameras = [
      { id = "p-1", name = "City Hall plaza", lon = 126.978, lat = 37.566,
        stream_url = "http://10.2.0.11/mjpg/video.mjpg" },
    ] }

A feed is a JSON list of cameras, or an object holding one under ``list_key``
(``cameras`` by default). Each camera: ``id``, ``name``, ``lon``, ``lat``, and a
``snapshot_url`` (one JPEG per request) or a ``stream_url`` (MJPEG); optionally its
own ``provider`` and ``access`` (public, staff or restricted). The source's
``access`` is the least a camera gets: a camera may ask for a stricter level, never
a wider one (a feed cannot open a restricted source's camera to the public). A
camera missing any of these is quarantined with the reason; the others land.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from city.privacy import scrub_text
from city.profile import CityProfile
from city.records import ACCESS_LEVELS, Batch, Camera, Rejected
from connectors.base import PayloadRejected, excerpt
from connectors.feed import FEED_OPTIONS, FeedConnector, SourceOptionsError, load_json
from connectors.options import Option, declare
from connectors.values import identifier, parse_number

FIELDS = (
    "id",
    "name",
    "lon",
    "lat",
    "snapshot_url",
    "stream_url",
    "provider",
    "access",
)


class CamerasConnector(FeedConnector):
    protocol = "cameras"
    OPTIONS = declare(
        (
            Option(
                "url", str, None, "a provider's JSON feed of cameras (or `cameras`)"
            ),
            Option(
                "cameras",
                list,
                None,
                "the cameras in the profile instead, each { id, name, lon, lat, "
                "snapshot_url or stream_url }",
            ),
            Option("provider", str, "cameras", "who runs them, shown with each camera"),
            Option(
                "access",
                str,
                "public",
                "who may see them; a camera may only narrow it",
                choices=ACCESS_LEVELS,
            ),
            Option(
                "fields",
                dict,
                None,
                "camera field = the feed's name for it",
                items=str,
            ),
            Option("list_key", str, "cameras", "where a feed object holds its list"),
        ),
        FEED_OPTIONS,
    )
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "url": "https://cameras.example.city/list.json",
        "provider": "City ITS",
        "fields": {
            "id": "cctvId",
            "name": "title",
            "lon": "x",
            "lat": "y",
            "snapshot_url": "image",
        },
    }

    def __init__(self, profile: CityProfile, options: Mapping[str, Any]) -> None:
        super().__init__(profile, options)
        o = self.options
        self.url = o.url
        self.registry = o.cameras
        if not self.url and self.registry is None:
            raise SourceOptionsError(
                "the cameras connector needs option `url` (a feed) or `cameras` "
                "(a list in the profile)"
            )
        self.provider = o.provider or "cameras"
        self.access = o.access
        self.fields = {name: name for name in FIELDS} | dict(o.fields or {})
        self.list_key = o.list_key

    def pull(self, cursor: str | None, now: datetime) -> Batch:
        rows = self.registry if self.registry is not None else self._feed()
        batch = Batch()
        for raw in rows:
            try:
                batch.cameras.append(self.camera(raw))
            except (ValueError, TypeError, AttributeError) as exc:
                source_id = (
                    raw.get(self.fields["id"]) if isinstance(raw, dict) else None
                )
                batch.rejected.append(
                    Rejected(
                        str(exc), excerpt(raw), str(source_id) if source_id else None
                    )
                )
        return batch

    def _feed(self) -> list:
        data = load_json(self.http.get(self.url).body, "the camera feed")
        if isinstance(data, dict):
            data = data.get(self.list_key)
        if not isinstance(data, list):
            raise PayloadRejected(
                f"the camera feed holds no list (nor a list under `{self.list_key}`)"
            )
        return data

    def camera(self, raw: Any) -> Camera:
        if not isinstance(raw, dict):
            raise ValueError("a camera must be an object")
        get = {name: raw.get(key) for name, key in self.fields.items()}
        snapshot, stream = get["snapshot_url"] or None, get["stream_url"] or None
        if not snapshot and not stream:
            raise ValueError("a camera needs a snapshot_url or a stream_url")
        own = str(get["access"] or self.access)
        if own not in ACCESS_LEVELS:
            raise ValueError(f"access {own!r} is not one of {ACCESS_LEVELS}")
        # the source's level is the floor: a camera may only narrow who sees it
        access = max(own, self.access, key=ACCESS_LEVELS.index)
        return Camera(
            camera_id=identifier(get["id"]),
            name=scrub_text(identifier(get["name"], "name")) or "",
            lon=parse_number(get["lon"], "lon"),
            lat=parse_number(get["lat"], "lat"),
            provider=str(get["provider"] or self.provider),
            snapshot_url=str(snapshot) if snapshot else None,
            stream_url=str(stream) if stream else None,
            access=access,
        )
