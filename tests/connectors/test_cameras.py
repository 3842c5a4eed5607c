"""Camera registries through `citywall ingest`: a provider's JSON feed from the
local feed server, and a registry written in the profile. A camera the wall could
not show is quarantined with the reason; the rest land, in their districts."""

from __future__ import annotations

import json

from sqlalchemy import select

from store.schema import cameras
from tests.connectors.conftest import fixture_bytes
from tests.connectors.harness import (
    IngestCli,
    quarantine_reasons,
    source_block,
    summary_numbers,
)

FEED_FIELDS = {
    "id": "cctvId",
    "name": "title",
    "lon": "x",
    "lat": "y",
    "snapshot_url": "image",
    "stream_url": "stream",
    "access": "level",
}


def stored(ingest: IngestCli) -> dict[str, dict]:
    with ingest.engine().connect() as conn:
        rows = conn.execute(select(cameras)).mappings().all()
    return {r["camera_id"]: dict(r) for r in rows}


def test_a_camera_feed_lands_and_its_bad_cameras_are_quarantined(feed_server, ingest):
    url = feed_server.route("/cameras.json", fixture_bytes("cameras/its_cameras.json"))
    # a TOML inline table for the field names
    ingest.use(
        source_block(
            "its-cameras", "cameras", {"url": url, "retries": 0, "provider": "City ITS"}
        )
        + "fields = { "
        + ", ".join(f'{k} = "{v}"' for k, v in FEED_FIELDS.items())
        + " }\n"
    )
    done = ingest()
    assert done.exit_code == 0, done.err
    assert summary_numbers(done.out) == {
        "fetched": 7, "stored": 3, "rejected": 4, "ignored": 0
    }  # fmt: skip
    assert quarantine_reasons(ingest.engine(), "its-cameras") == [
        "a camera needs a snapshot_url or a stream_url",
        "lon None is not a number",
        "access 'secret' is not one of ('public', 'staff', 'restricted')",
        "'file:///etc/passwd' is not an http(s) URL",
    ]
    got = stored(ingest)
    assert set(got) == {"ITS-0101", "ITS-0102", "ITS-0103"}
    gangnam = got["ITS-0101"]
    assert gangnam["name"] == "Hakdong-ro at Gangnam-gu Office"
    assert gangnam["district_code"] == "11680"  # placed by its position
    assert gangnam["provider"] == "City ITS" and gangnam["access"] == "public"
    assert gangnam["snapshot_url"].endswith("/ITS-0101/snapshot.jpg")
    assert got["ITS-0102"]["access"] == "staff"
    assert got["ITS-0102"]["stream_url"].endswith("/video.mjpg")
    assert got["ITS-0102"]["district_code"] == "11710"  # Songpa
    assert got["ITS-0103"]["provider"] == "Seoul TOPIS"  # the camera's own
    assert got["ITS-0103"]["district_code"] == "11140"  # Jung-gu
    # listed again an hour later: replaced in place, not doubled
    assert ingest().exit_code == 0
    assert len(stored(ingest)) == 3


def test_a_registry_in_the_profile(ingest):
    ingest.use(
        """
[[sources]]
name = "police-cameras"
connector = "cameras"
interval_seconds = 3600
[sources.options]
provider = "Seoul Metropolitan Police Agency"
access = "staff"
cameras = [
  { id = "p-1", name = "City Hall plaza", lon = 126.9779, lat = 37.5665, stream_url = "http://10.2.0.11/mjpg/video.mjpg" },
  { id = "p-2", name = "Gwanghwamun", lon = 126.9769, lat = 37.5759, snapshot_url = "http://10.2.0.12/jpg/image.jpg", access = "restricted" },
]
"""
    )
    done = ingest()
    assert done.exit_code == 0, done.err
    got = stored(ingest)
    assert got["p-1"]["access"] == "staff"  # the source's level
    assert got["p-2"]["access"] == "restricted"  # the camera's own, stricter
    assert got["p-2"]["district_code"] == "11110"  # Jongno-gu
    assert {c["provider"] for c in got.values()} == {"Seoul Metropolitan Police Agency"}


def test_a_camera_cannot_widen_its_sources_access(feed_server, ingest):
    """A restricted source's feed says a camera is public: it stays restricted,
    in the store and so on every wall and role that reads it."""
    listed = [
        {"id": "r-1", "name": "Station gate", "lon": 126.9707, "lat": 37.5547,
         "snapshot_url": "http://10.2.0.21/jpg/image.jpg", "access": "public"},
        {"id": "r-2", "name": "Plaza", "lon": 126.9779, "lat": 37.5665,
         "snapshot_url": "http://10.2.0.22/jpg/image.jpg", "access": "staff"},
        {"id": "r-3", "name": "Bridge", "lon": 126.9707, "lat": 37.5300,
         "snapshot_url": "http://10.2.0.23/jpg/image.jpg"},
    ]  # fmt: skip
    url = feed_server.route("/police.json", json.dumps({"cameras": listed}))
    ingest.use(
        source_block(
            "police", "cameras", {"url": url, "retries": 0, "access": "restricted"}
        )
    )
    done = ingest()
    assert done.exit_code == 0, done.err
    assert {k: c["access"] for k, c in stored(ingest).items()} == {
        "r-1": "restricted",
        "r-2": "restricted",
        "r-3": "restricted",
    }


def test_a_camera_source_needs_a_feed_or_a_list(ingest):
    ingest.use(source_block("cams", "cameras", {"provider": "x"}))
    done = ingest()
    assert done.exit_code == 2
    assert "the cameras connector needs option `url` (a feed) or `cameras`" in done.err
