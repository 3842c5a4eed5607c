"""nginx in front of two instances as a city runs it: the shipped files of
``deploy/nginx/`` with only the instances' addresses, the port and the log's
folder changed, run as a child (no daemon, no root needed: its pid, logs and
temporary files in a folder of its own). Used by the two-instance browser test
and by the benchmark's scale row (``bench.scale``)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHIPPED = PROJECT_ROOT / "deploy" / "nginx"
START_SECONDS = 10.0
STOP_SECONDS = 15.0


class FrontError(RuntimeError):
    """nginx is missing, refuses the config or does not listen."""


def nginx_binary() -> str | None:
    """Debian's nginx, which `make test` installs (tools/install-browser.sh)."""
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None
    )


def site_config(port: int, instances: tuple[int, int], logs: Path) -> str:
    """``citywall.conf`` for two instances on this machine, nginx on ``port``."""
    text = (SHIPPED / "citywall.conf").read_text(encoding="utf-8")
    changes = [
        ("server citywall-a:8050", f"server 127.0.0.1:{instances[0]}"),
        ("server citywall-b:8050", f"server 127.0.0.1:{instances[1]}"),
        ("    listen 80;", f"    listen 127.0.0.1:{port};"),  # the first: not TLS's
        ("/var/log/nginx/", f"{logs}/"),
    ]
    for shipped, here in changes:
        if shipped not in text:
            raise FrontError(f"deploy/nginx/citywall.conf has no {shipped!r}")
        text = text.replace(shipped, here, 1)
    return text


def main_config(folder: Path, workers: str = "1", connections: int = 512) -> str:
    """What Debian's /etc/nginx/nginx.conf gives the site, in ``folder``.
    Debian ships ``worker_processes auto`` and 768 connections a worker; a front
    for hundreds of screens needs more (each holds a connection open)."""
    # nginx started as root hands its workers to "nobody", who could not write
    # the buffers' temporary files in this folder
    user = "user root root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"daemon off;\n{user}worker_processes {workers};\n"
        f"pid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} warn;\n"
        f"events {{ worker_connections {connections}; }}\n"
        f"http {{\n{temp}\n    include conf.d/citywall.conf;\n}}\n"
    )


@contextmanager
def nginx_front(
    folder: Path,
    port: int,
    instances: tuple[int, int],
    *,
    workers: str = "1",
    connections: int = 512,
) -> Iterator[Path]:
    """nginx on ``port`` in front of the instances on ``instances``; yields its
    access log (each line names the instance that answered: ``upstream=``)."""
    binary = nginx_binary()
    if binary is None:
        raise FrontError("nginx is not installed: run `make test`, which installs it")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "conf.d").mkdir(exist_ok=True)
    (folder / "snippets").mkdir(exist_ok=True)
    shutil.copy(SHIPPED / "citywall-proxy.conf", folder / "snippets")
    (folder / "conf.d" / "citywall.conf").write_text(
        site_config(port, instances, folder), encoding="utf-8"
    )
    (folder / "nginx.conf").write_text(
        main_config(folder, workers, connections), encoding="utf-8"
    )
    args = [binary, "-p", f"{folder}/", "-e", str(folder / "error.log")]
    args += ["-c", str(folder / "nginx.conf")]
    checked = subprocess.run([*args, "-t"], capture_output=True, text=True)
    if checked.returncode != 0:
        raise FrontError(f"nginx refuses its config: {checked.stderr}")
    server = subprocess.Popen(args, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for_port(port, server)
        yield folder / "citywall-access.log"
    finally:
        server.send_signal(signal.SIGQUIT)  # a graceful stop, as the service's
        try:
            server.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=STOP_SECONDS)


def _wait_for_port(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise FrontError(f"nginx stopped at start: {server.stderr.read()}")
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise FrontError(f"nginx did not listen on {port} within {START_SECONDS:.0f} s")
