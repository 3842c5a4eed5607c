"""A real HTTP server on 127.0.0.1 that serves scripted payloads to connectors.

Each path has a script of replies used in order (the last one repeats), so a test
can say "a 500, then the payload" or "a time-out, then the payload". Every request
is recorded with its query and headers. ETag and Last-Modified are honoured the way
a real server does: a matching conditional request gets 304 Not Modified.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    body: bytes | str = b""
    status: int = 200
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (a time-out when > the client's)
    truncate_to: int | None = None  # send only this many bytes of the body
    trickle: float = 0.0  # seconds between bytes of the whole answer, headers too
    etag: str | None = None
    last_modified: str | None = None

    @property
    def data(self) -> bytes:
        return self.body.encode() if isinstance(self.body, str) else self.body


@dataclass
class Seen:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


class FeedServer:
    def __init__(self) -> None:
        self.scripts: dict[str, list[Reply]] = {}
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, *replies: Reply | bytes | str) -> str:
        """Script the replies of ``path`` (a path alone, or with a query to match
        exactly); returns its URL."""
        script = [r if isinstance(r, Reply) else Reply(r) for r in replies]
        with self._lock:
            self.scripts[path] = script
        return self.url(path)

    def hits(self, path: str) -> list[Seen]:
        return [s for s in self.requests if s.path == path]

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _next_reply(self, path: str, query: str) -> Reply | None:
        with self._lock:
            key = f"{path}?{query}" if f"{path}?{query}" in self.scripts else path
            script = self.scripts.get(key)
            if not script:
                return None
            return script.pop(0) if len(script) > 1 else script[0]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                try:
                    self._answer()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up first (a size limit, a time-out)

            def _answer(self) -> None:
                parts = urlsplit(self.path)
                server.requests.append(
                    Seen(parts.path, parse_qs(parts.query), dict(self.headers))
                )
                reply = server._next_reply(parts.path, parts.query)
                if reply is None:
                    reply = Reply(b"no such feed", 404, "text/plain")
                if reply.delay:
                    time.sleep(reply.delay)
                if self._not_modified(reply):
                    self.send_response(304)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = reply.data
                if reply.trickle:
                    self._trickle(reply, data)
                    return
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(data)))
                if reply.etag:
                    self.send_header("ETag", reply.etag)
                if reply.last_modified:
                    self.send_header("Last-Modified", reply.last_modified)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if reply.truncate_to is not None:
                    self.wfile.write(data[: reply.truncate_to])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(data)

            def _trickle(self, reply: Reply, data: bytes) -> None:
                """A byte at a time, the status line first: no read time-out ever
                fires on it, only a deadline for the whole answer."""
                head = [f"HTTP/1.1 {reply.status} Slow"]
                fields = {"Content-Type": reply.content_type} | reply.headers
                fields["Content-Length"] = str(len(data))
                head += [f"{name}: {value}" for name, value in fields.items()]
                answer = ("\r\n".join(head) + "\r\n\r\n").encode() + data
                self.close_connection = True
                for i in range(len(answer)):
                    self.wfile.write(answer[i : i + 1])
                    self.wfile.flush()
                    time.sleep(reply.trickle)

            def _not_modified(self, reply: Reply) -> bool:
                if reply.etag and self.headers.get("If-None-Match") == reply.etag:
                    return True
                return bool(
                    reply.last_modified
                    and not reply.etag
                    and self.headers.get("If-Modified-Since") == reply.last_modified
                )

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

        return Handler
