"""Importing the app writes nothing and opens nothing: the signing key and the
build's digest are made on first use, by a request."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_importing_the_app_writes_nothing_until_a_request(tmp_path):
    data = tmp_path / "data"
    env = os.environ | {"CITYWALL_DATA_DIR": str(data)}
    env.pop("CITYWALL_SECRET_KEY", None)
    env.pop("CITYWALL_DATABASE_URL", None)
    script = (
        "import os, sys, app\n"
        "print(os.path.exists(sys.argv[1]))\n"
        "app.server.test_client().get('/login')\n"
        "print(os.path.exists(os.path.join(sys.argv[1], 'secret.key')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(data)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["False", "True"]
    assert oct((data / "secret.key").stat().st_mode & 0o777) == "0o600"
