"""Camera pictures as the wall's server fetches them, from a real HTTP server on
127.0.0.1 that serves changing JPEG frames: snapshots, MJPEG streams, cameras that
fail (said so on the picture, never an old picture shown as live)."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from city.network import allowing
from tests.conftest import seoul_profile_copy
from tests.connectors.feedserver import FeedServer, Reply
from web.camera_frames import Frame, FrameSource

SEOUL = ZoneInfo("Asia/Seoul")
LOCAL = allowing(["127.0.0.1"])  # the test cameras answer on the loopback address
LOCAL_NETWORK = '\n[network]\nallow_hosts = ["127.0.0.1"]\n'  # the same, in a profile
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
    # a whole minute per fetch: a loaded CI machine must not turn this into a
    # test of the time-out (a fetch past it is a NO SIGNAL frame, not RED)
    frames = FrameSource(timeout_seconds=60, keep_seconds=0, zone=SEOUL, network=LOCAL)
    first = frames.frame("1", "Cam 1", url, None)
    second = frames.frame("1", "Cam 1", url, None)
    assert (first.state, first.error, second.state, second.error) == (
        "live",
        None,
        "live",
        None,
    )
    assert (first.jpeg, second.jpeg) == (RED, BLUE)
    assert second.taken_at >= first.taken_at


def test_walls_asking_together_share_one_fetch(cameras):
    url = cameras.route("/cam1/snapshot.jpg", Reply(RED, content_type="image/jpeg"))
    frames = FrameSource(keep_seconds=60, zone=SEOUL, network=LOCAL)
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
    frame = FrameSource(keep_seconds=0, zone=SEOUL, network=LOCAL).frame(
        "2", "Cam 2", None, url
    )
    assert frame.state == "live" and frame.jpeg == GREEN


def test_a_camera_that_fails_says_so_with_the_time_of_its_last_picture(cameras):
    url = cameras.route(
        "/cam3/snapshot.jpg",
        Reply(RED, content_type="image/jpeg"),
        Reply("camera busy", status=503, content_type="text/plain"),
    )
    frames = FrameSource(keep_seconds=0, zone=SEOUL, network=LOCAL)
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
    frames = FrameSource(timeout_seconds=0.5, keep_seconds=0, zone=SEOUL, network=LOCAL)
    frame = frames.frame("4", "Cam 4", None if stream else url, url if stream else None)
    assert (frame.state, frame.error, frame.taken_at) == ("offline", reason, None)
    Image.open(io.BytesIO(frame.jpeg)).verify()  # still a picture to show


def test_an_unreachable_camera(cameras):
    frames = FrameSource(timeout_seconds=0.5, keep_seconds=0, zone=SEOUL, network=LOCAL)
    frame = frames.frame("5", "Cam 5", "http://127.0.0.1:9/none.jpg", None)
    assert (frame.state, frame.error) == ("offline", "unreachable")


def test_the_demo_city_cameras_are_drawn_and_marked_simulated():
    frames = FrameSource(keep_seconds=0, zone=SEOUL, network=LOCAL)
    frame = frames.frame("6", "Gangnam-gu CCTV 1", "demo://camera/demo-11680-1", None)
    assert frame.state == "simulated"
    assert frame.taken_at <= datetime.now(UTC)
    assert Image.open(io.BytesIO(frame.jpeg)).size == (640, 360)


# -- what a camera may not do: hold a worker, reach inside, lower its guard --------


def _within(seconds: float, fetch) -> Frame | None:
    """The frame ``fetch`` gives, or None when it has not come within ``seconds``
    (the thread is left to finish on its own)."""
    got: list[Frame] = []
    worker = threading.Thread(target=lambda: got.append(fetch()), daemon=True)
    worker.start()
    worker.join(seconds)
    return got[0] if got else None


def test_a_camera_sending_a_byte_at_a_time_is_cut_off_at_its_deadline(cameras):
    """A byte every 0.2 s never trips a 0.5 s read time-out: only a deadline for
    the whole fetch frees the web worker that asked."""
    url = cameras.route("/slow.jpg", Reply(RED, content_type="image/jpeg", trickle=0.2))
    frames = FrameSource(timeout_seconds=0.5, keep_seconds=0, zone=SEOUL, network=LOCAL)
    started = time.monotonic()
    frame = _within(5, lambda: frames.frame("7", "Cam 7", url, None))
    assert frame is not None, "the fetch was still running after 5 s"
    assert time.monotonic() - started < 2
    assert (frame.state, frame.error) == ("offline", "no answer in time")


def test_a_failing_camera_is_not_asked_again_for_a_while(cameras):
    url = cameras.route(
        "/cam8.jpg",
        Reply("camera busy", status=503, content_type="text/plain"),
        Reply(RED, content_type="image/jpeg"),
    )
    frames = FrameSource(keep_seconds=0, retry_seconds=0.5, zone=SEOUL, network=LOCAL)
    first = frames.frame("8", "Cam 8", url, None)
    again = [frames.frame("8", "Cam 8", url, None) for _ in range(5)]
    assert first.state == "offline" and all(f is first for f in again)
    assert len(cameras.hits("/cam8.jpg")) == 1  # its NO SIGNAL frame, not a fetch
    time.sleep(0.6)
    assert frames.frame("8", "Cam 8", url, None).jpeg == RED
    assert len(cameras.hits("/cam8.jpg")) == 2


@pytest.mark.parametrize(
    "body",
    [RED + b"<html>internal status page</html>", RED + b"\0", RED[:-40]],
    ids=["a page after the picture", "a byte after it", "cut short"],
)
def test_only_a_whole_picture_is_served(cameras, body):
    url = cameras.route("/cam9.jpg", Reply(body, content_type="image/jpeg"))
    frame = FrameSource(keep_seconds=0, zone=SEOUL, network=LOCAL).frame(
        "9", "Cam 9", url, None
    )
    assert (frame.state, frame.error) == ("offline", "not a whole JPEG picture")
    assert body not in frame.jpeg


def _with_thumbnail(picture: bytes) -> bytes:
    """``picture`` with an Exif-like segment that holds a whole small JPEG, end
    marker and all, as cameras' metadata often does."""
    inside = b"Exif\0\0" + GREEN
    segment = b"\xff\xe1" + (len(inside) + 2).to_bytes(2, "big") + inside
    return picture[:2] + segment + picture[2:]


def test_an_end_marker_inside_a_frames_metadata_does_not_end_it(cameras):
    tagged = _with_thumbnail(BLUE)
    url = cameras.route(
        "/cam10.mjpg",
        Reply(mjpeg(tagged, RED), content_type="multipart/x-mixed-replace"),
    )
    frame = FrameSource(keep_seconds=0, zone=SEOUL, network=LOCAL).frame(
        "10", "Cam 10", None, url
    )
    assert frame.state == "live" and frame.jpeg == tagged
    assert centre(frame.jpeg) == centre(BLUE)


def test_a_camera_on_an_internal_address_is_refused_unless_allowed(cameras):
    url = cameras.route("/cam11.jpg", Reply(RED, content_type="image/jpeg"))
    frame = FrameSource(keep_seconds=0, zone=SEOUL).frame("11", "Cam 11", url, None)
    assert (frame.state, frame.error) == ("offline", "address not allowed")
    assert cameras.hits("/cam11.jpg") == []
    refused = FrameSource(
        keep_seconds=0, zone=SEOUL, network=allowing(["10.0.0.0/8"])
    ).frame("11", "Cam 11", url, None)
    assert refused.state == "offline" and cameras.hits("/cam11.jpg") == []


def test_a_camera_redirecting_elsewhere_is_refused(cameras):
    elsewhere = FeedServer().start()
    try:
        there = elsewhere.route("/x.jpg", Reply(RED, content_type="image/jpeg"))
        url = cameras.route("/cam12.jpg", Reply("", 302, headers={"Location": there}))
        frame = FrameSource(keep_seconds=0, zone=SEOUL, network=LOCAL).frame(
            "12", "Cam 12", url, None
        )
        assert (frame.state, frame.error) == ("offline", "redirect refused")
        assert elsewhere.requests == []
    finally:
        elsewhere.stop()


def test_the_walls_cameras_are_reached_within_the_profiles_network(
    cameras, tmp_path, monkeypatch
):
    from web import runtime

    url = cameras.route("/cam13.jpg", Reply(RED, content_type="image/jpeg"))
    for network, state in (("", "offline"), (LOCAL_NETWORK, "live")):
        folder = tmp_path / state
        folder.mkdir()
        profile = seoul_profile_copy(folder, 1, extra=network)
        monkeypatch.setenv("CITYWALL_PROFILE", str(profile))
        runtime.reset()
        try:
            assert runtime.camera_frames().frame("13", "Cam", url, None).state == state
        finally:
            runtime.reset()
