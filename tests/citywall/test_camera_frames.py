"""Camera pictures as the wall's server fetches them, from a real HTTP server on
127.0.0.1 that serves changing JPEG frames: snapshots, MJPEG streams, cameras that
fail (said so on the picture, never an old picture shown as live)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from citywall.camera_frames import FrameSource
from tests.connectors.feedserver import FeedServer, Reply

SEOUL = ZoneInfo("Asia/Seoul")
BOUNDARY = "frame"


def jpeg(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 36), colour).save(out, "JPEG")
    return out.getvalue()


RED, BLUE, GREEN = jpeg((220, 30, 30)), jpeg((30, 30, 220)), jpeg((30, 200, 30))


def centre(picture: bytes) -> tuple[int, int, int]:
    image = Image.open(io.BytesIO(picture)).convert("RGB")
    return image.getpixel((image.width // 2, image.height // 2))


def mjpeg(*frames: bytes) -> bytes:
    parts = [
        f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
        f"Content-Length: {len(f)}\r\n\r\n".encode()
        + f
        + b"\r\n"
        for f in frames
    ]
    return b"".join(parts)


@pytest.fixture
def cameras() -> Iterator[FeedServer]:
    server = FeedServer().start()
    yield server
    server.stop()


def test_a_snapshot_camera_gives_its_new_frame_each_time(cameras):
    url = cameras.route(
        "/cam1/snapshot.jpg",
        Reply(RED, content_type="image/jpeg"),
        Reply(BLUE, content_type="image/jpeg"),
    )
    frames = FrameSource(keep_seconds=0, zone=SEOUL)
    first = frames.frame("1", "Cam 1", url, None)
    second = frames.frame("1", "Cam 1", url, None)
    assert (first.jpeg, second.jpeg) == (RED, BLUE)
    assert first.state == second.state == "live"
    assert second.taken_at >= first.taken_at


def test_walls_asking_together_share_one_fetch(cameras):
    url = cameras.route("/cam1/snapshot.jpg", Reply(RED, content_type="image/jpeg"))
    frames = FrameSource(keep_seconds=60, zone=SEOUL)
    for _ in range(5):
        assert frames.frame("1", "Cam 1", url, None).jpeg == RED
    assert len(cameras.hits("/cam1/snapshot.jpg")) == 1


def test_an_mjpeg_stream_gives_its_first_whole_frame(cameras):
    url = cameras.route(
        "/cam2/video.mjpg",
        Reply(
            mjpeg(GREEN, RED, BLUE),
            content_type=f"multipart/x-mixed-replace; boundary={BOUNDARY}",
        ),
    )
    frame = FrameSource(keep_seconds=0, zone=SEOUL).frame("2", "Cam 2", None, url)
    assert frame.state == "live" and frame.jpeg == GREEN


def test_a_camera_that_fails_says_so_with_the_time_of_its_last_picture(cameras):
    url = cameras.route(
        "/cam3/snapshot.jpg",
        Reply(RED, content_type="image/jpeg"),
        Reply("camera busy", status=503, content_type="text/plain"),
    )
    frames = FrameSource(keep_seconds=0, zone=SEOUL)
    good = frames.frame("3", "Cam 3", url, None)
    bad = frames.frame("3", "Cam 3", url, None)
    assert bad.state == "offline" and bad.error == "HTTP 503"
    assert bad.taken_at == good.taken_at  # the last picture's time, not now
    assert bad.jpeg != RED  # a picture that says NO SIGNAL, not the old one
    r, g, b = centre(bad.jpeg)
    assert r > g and r > b  # the red "no signal" card


@pytest.mark.parametrize(
    ("reply", "stream", "reason"),
    [
        (Reply(RED, content_type="image/jpeg", delay=2), False, "no answer in time"),
        (Reply("<html>login</html>", content_type="text/html"), False, "not a JPEG picture"),
        (Reply(mjpeg(GREEN)[:-60], content_type="multipart/x-mixed-replace"), True,
         "the stream ended before a whole frame"),
    ],
)  # fmt: skip
def test_what_a_camera_can_do_wrong(cameras, reply, stream, reason):
    url = cameras.route("/cam4", reply)
    frames = FrameSource(timeout_seconds=0.5, keep_seconds=0, zone=SEOUL)
    frame = frames.frame("4", "Cam 4", None if stream else url, url if stream else None)
    assert (frame.state, frame.error, frame.taken_at) == ("offline", reason, None)
    Image.open(io.BytesIO(frame.jpeg)).verify()  # still a picture to show


def test_an_unreachable_camera(cameras):
    frames = FrameSource(timeout_seconds=0.5, keep_seconds=0, zone=SEOUL)
    frame = frames.frame("5", "Cam 5", "http://127.0.0.1:9/none.jpg", None)
    assert (frame.state, frame.error) == ("offline", "unreachable")


def test_the_demo_city_cameras_are_drawn_and_marked_simulated():
    frames = FrameSource(keep_seconds=0, zone=SEOUL)
    frame = frames.frame("6", "Gangnam-gu CCTV 1", "demo://camera/demo-11680-1", None)
    assert frame.state == "simulated"
    assert frame.taken_at <= datetime.now(UTC)
    assert Image.open(io.BytesIO(frame.jpeg)).size == (640, 360)
