"""The process ``citywall serve`` runs beside gunicorn: ``citywall ingest --loop``,
started again whenever it exits (see ``ingest.supervisor``).

It is a process of its own, not a thread of gunicorn's master: the master reaps
every child that exits, and the supervisor must see how its child ended. It ends
with the server that started it: asked to (SIGTERM, Ctrl-C), or when it finds its
parent gone.

Every ingest it starts holds its leases (``ingest.leases``) under one holder name,
given here: one restarted after a crash takes its sources back at once, rather
than waiting for the dead one's leases to expire.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

from ingest.leases import HOLDER_ENV, new_holder
from ingest.supervisor import supervise
from web import runtime
from web.logs import configure_logging

INGEST_LOOP = ("-m", "citywall.cli", "ingest", "--loop")


def main() -> int:
    configure_logging()
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    parent = os.getppid()
    os.environ[HOLDER_ENV] = new_holder()  # inherited by each child started
    supervise(
        [sys.executable, *INGEST_LOOP],
        runtime.settings().data_dir,
        stop,
        parent_gone=lambda: os.getppid() != parent,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
