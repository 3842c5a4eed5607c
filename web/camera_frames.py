"""Camera pictures for the wall, fetched by its server one frame at a time.

Browsers never talk to the cameras: cameras sit on the city's network, often with
credentials in their URLs, and an MJPEG stream left open in a page for days piles
up memory and connections. The server takes a snapshot (one JPEG per request) or
the first whole frame of an MJPEG stream, keeps it a couple of seconds so that many
walls share one fetch, and serves it. A camera that does not answer gives a frame
that says so, with the time of its last picture: never an old picture as if live.

A camera's URL comes from a feed, so it is fetched as feeds are
(``connectors.http``): only from hosts the profile's ``[network]`` allows, each
address checked and connected to, redirects within the camera's origin only. A
fetch has a deadline for the whole of it (a camera sending a byte a second holds
no web worker past it), and a camera that failed is not asked again for a while:
its NO SIGNAL frame is served meanwhile. Only a whole JPEG is served, from its
start marker to its end marker with nothing after it.
"""

from __future__ import annotations

import io
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import requests
from PIL import Image, ImageDraw, ImageFont

from city.network import OPEN_INTERNET, HostRefused, NetworkPolicy
from connectors.http import (
    Deadline,
    RedirectRefused,
    guarded_session,
    on_time,
    open_url,
)

JPEG_START, JPEG_END = b"\xff\xd8", b"\xff\xd9"
WIDTH, HEIGHT = 640, 360


@dataclass(frozen=True)
class Frame:
    jpeg: bytes
    state: str  # "live", "simulated" or "offline"
    taken_at: datetime | None  # of the picture shown; None: never had one
    error: str | None = None


class FrameError(RuntimeError):
    pass


class FrameSource:
    """Fetches and briefly keeps each camera's latest frame."""

    def __init__(
        self,
        timeout_seconds: float = 5.0,
        max_bytes: int = 4 * 1024 * 1024,
        keep_seconds: float = 2.0,
        zone: ZoneInfo | None = None,
        network: NetworkPolicy | None = None,
        retry_seconds: float = 30.0,
    ) -> None:
        self.timeout = timeout_seconds  # the whole fetch, connecting to last byte
        self.max_bytes = max_bytes
        self.keep = keep_seconds
        self.retry = retry_seconds  # a failed camera is asked again after this
        self.zone = zone or ZoneInfo("UTC")
        self.session = guarded_session(network or OPEN_INTERNET)
        # each fetch on a connection of its own: a deadline that cuts one off
        # never reaches a connection another thread has taken from the pool
        self.session.headers["Connection"] = "close"
        self._frames: dict[str, tuple[float, Frame]] = {}  # until, frame
        self._last_live: dict[str, datetime] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def frame(
        self, key: str, name: str, snapshot: str | None, stream: str | None
    ) -> Frame:
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # one fetch per camera at a time, however many walls ask
            kept = self._frames.get(key)
            if kept and time.monotonic() < kept[0]:
                return kept[1]
            frame = self._fetch(key, name, snapshot, stream)
            wait = self.retry if frame.state == "offline" else self.keep
            self._frames[key] = (time.monotonic() + wait, frame)
            return frame

    def _fetch(
        self, key: str, name: str, snapshot: str | None, stream: str | None
    ) -> Frame:
        now = datetime.now(UTC)
        url = snapshot or stream or ""
        if url.startswith("demo://"):
            return Frame(simulated_frame(name, now, self.zone), "simulated", now)
        try:
            with Deadline(self.timeout) as deadline, on_time(deadline):
                if snapshot:
                    jpeg = self._snapshot(snapshot)
                else:
                    jpeg = self._first_frame(stream)
        except (
            requests.RequestException,
            FrameError,
            HostRefused,
            RedirectRefused,
        ) as exc:
            error = _reason(exc)
            last = self._last_live.get(key)
            return Frame(
                offline_frame(name, error, last, self.zone), "offline", last, error
            )
        self._last_live[key] = now
        return Frame(jpeg, "live", now)

    def _get(self, url: str) -> requests.Response:
        return open_url(self.session, url, timeout=self.timeout)

    def _snapshot(self, url: str) -> bytes:
        with self._get(url) as r:
            if r.status_code != 200:
                raise FrameError(f"HTTP {r.status_code}")
            body = bytearray()
            for chunk in r.iter_content(64 * 1024):
                body += chunk
                if len(body) > self.max_bytes:
                    raise FrameError("picture too large")
        if not body.startswith(JPEG_START):
            raise FrameError("not a JPEG picture")
        if jpeg_end(body) != len(body):  # cut short, or something after it
            raise FrameError("not a whole JPEG picture")
        return bytes(body)

    def _first_frame(self, url: str | None) -> bytes:
        """The first whole JPEG of an MJPEG stream (multipart/x-mixed-replace)."""
        if not url:
            raise FrameError("no picture URL")
        with self._get(url) as r:
            if r.status_code != 200:
                raise FrameError(f"HTTP {r.status_code}")
            buffer = bytearray()
            start, looked = -1, 0
            for chunk in r.iter_content(16 * 1024):
                buffer += chunk
                if start < 0:
                    start = buffer.find(JPEG_START)
                    looked = start + 2
                # walk the frame only once an end marker may have arrived
                if start >= 0 and buffer.find(JPEG_END, looked) >= 0:
                    end = jpeg_end(buffer, start)
                    if end is not None:
                        return bytes(buffer[start:end])
                    looked = len(buffer) - 1  # that marker was inside the frame
                if len(buffer) > self.max_bytes:
                    raise FrameError("no whole frame within the size limit")
        raise FrameError("the stream ended before a whole frame")


def jpeg_end(data: bytes | bytearray, start: int = 0) -> int | None:
    """Where the JPEG that starts at ``start`` ends (just after its end marker),
    walking its segments as a decoder does: an end marker inside metadata (an
    Exif thumbnail's) does not end it. None while it is incomplete; FrameError
    when the bytes are not a JPEG's structure."""
    if data[start : start + 2] != JPEG_START:
        raise FrameError("not a JPEG picture")
    i, size = start + 2, len(data)
    while True:
        if i + 2 > size:
            return None
        if data[i] != 0xFF:
            raise FrameError("not a whole JPEG picture")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0xD9:  # end of image
            return i + 2
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            i += 2
            continue
        if marker in (0x00, 0xD8):
            raise FrameError("not a whole JPEG picture")
        if i + 4 > size:
            return None
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if length < 2:
            raise FrameError("not a whole JPEG picture")
        i += 2 + length
        if marker != 0xDA:  # not a scan: the next segment follows
            continue
        while True:  # a scan's coded data: up to the next marker that is not
            i = data.find(b"\xff", i)  # stuffing (FF 00) or a restart (FF Dn)
            if i < 0 or i + 1 >= size:
                return None
            following = data[i + 1]
            if following == 0x00 or 0xD0 <= following <= 0xD7:
                i += 2
            elif following == 0xFF:
                i += 1
            else:
                break


def _reason(exc: Exception) -> str:
    """A few words for the NO SIGNAL frame, which viewers see: never an address,
    nor anything the camera's server said."""
    if isinstance(exc, HostRefused):
        return "address not allowed"
    if isinstance(exc, RedirectRefused):
        return "redirect refused"
    if isinstance(exc, requests.Timeout):
        return "no answer in time"
    if isinstance(exc, requests.ConnectionError):
        return "unreachable"
    return str(exc) if isinstance(exc, FrameError) else type(exc).__name__


def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.truetype("DejaVuSans-Bold.ttf", size)
    except OSError:
        return ImageFont.load_default(size)


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def simulated_frame(name: str, now: datetime, zone: ZoneInfo) -> bytes:
    """The demo city's camera: a street-like scene that moves, marked SIMULATED."""
    image = Image.new("RGB", (WIDTH, HEIGHT), (18, 26, 40))
    draw = ImageDraw.Draw(image)
    draw.polygon(
        [(0, HEIGHT), (WIDTH, HEIGHT), (WIDTH * 0.6, 150), (WIDTH * 0.4, 150)],
        fill=(44, 48, 56),
    )
    lane = now.second % 10 * 0.1
    for i in range(6):  # lane marks moving towards the viewer
        y = 150 + (HEIGHT - 150) * ((i / 6 + lane / 6) % 1)
        draw.rectangle([WIDTH / 2 - 3, y, WIDTH / 2 + 3, y + 12], fill=(230, 220, 120))
    local = now.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
    draw.text((14, 12), name, font=_font(24), fill=(255, 255, 255))
    draw.text((14, HEIGHT - 34), local, font=_font(20), fill=(255, 255, 255))
    draw.text((WIDTH - 150, 12), "SIMULATED", font=_font(20), fill=(240, 180, 40))
    return _jpeg(image)


def offline_frame(
    name: str, error: str, last: datetime | None, zone: ZoneInfo
) -> bytes:
    """What the wall shows for a camera that does not answer: says so, and since."""
    image = Image.new("RGB", (WIDTH, HEIGHT), (40, 12, 12))
    draw = ImageDraw.Draw(image)
    draw.text((14, 12), name, font=_font(24), fill=(255, 255, 255))
    draw.text((14, 140), "NO SIGNAL", font=_font(48), fill=(255, 140, 90))
    draw.text((14, 210), error, font=_font(20), fill=(255, 255, 255))
    seen = last.astimezone(zone).strftime("%Y-%m-%d %H:%M") if last else "never"
    draw.text((14, 244), f"last picture: {seen}", font=_font(20), fill=(255, 255, 255))
    return _jpeg(image)
