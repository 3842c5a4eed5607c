"""Several cities on one machine: `make run CITY= PORT=` picks the profile and the
port, and two `citywall serve` of different cities run at once, each on its own
store in its own folder (and no control socket shared between them)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import requests
from sqlalchemy import create_engine

from store.versions import cities_of
from tests.citywall.test_cli import serving
from tests.conftest import PROJECT_ROOT, files_in_place, seoul_profile_copy


def make_run(
    *variables: str, env: dict[str, str] | None = None, target: str = "run"
) -> list[str]:
    """The commands `make run` (or ``target``) would run with ``variables``,
    shown, not run."""
    # run under `make test` too: no "Entering directory" lines, no outer make's flags
    outer = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")
    clean = {k: v for k, v in (env or os.environ).items() if k not in outer}
    shown = subprocess.run(
        ["make", "--no-print-directory", "-n", target, *variables],
        cwd=PROJECT_ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return shown.stdout.splitlines()


def test_make_run_serves_seoul_on_8050_by_default():
    env = os.environ.copy()
    env.pop("CITYWALL_PROFILE", None)
    assert make_run(env=env)[-1].endswith("/citywall serve --port 8050")
    assert not any("CITYWALL_PROFILE" in line for line in make_run(env=env))


def test_make_run_takes_a_city_and_a_port():
    assert make_run("CITY=guayaquil", "PORT=8051")[-1].endswith(
        "CITYWALL_PROFILE=cities/guayaquil.toml .venv/bin/citywall serve --port 8051"
    )
    assert make_run("CITY=/srv/cities/quito.toml")[-1].startswith(
        "CITYWALL_PROFILE=/srv/cities/quito.toml "
    )
    assert make_run("CITY=guayaquil", target="ingest")[-1].endswith(
        "CITYWALL_PROFILE=cities/guayaquil.toml .venv/bin/citywall ingest --once"
    )


def test_make_run_says_when_the_city_has_no_profile(tmp_path):
    installed = tmp_path / "installed"
    installed.touch()  # newer than pyproject.toml: nothing to install
    done = subprocess.run(
        ["make", "run", "CITY=atlantis", f"STAMP={installed}"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "make: no profile cities/atlantis.toml" in done.stderr


def guayaquil_copy(folder: Path) -> Path:
    """Guayaquil's profile with a one-day backfill, its boundaries where they are."""
    text = (PROJECT_ROOT / "cities" / "guayaquil.toml").read_text(encoding="utf-8")
    text = files_in_place(text, "guayaquil")
    text = text.replace("backfill_days = 7", "backfill_days = 1")
    path = folder / "guayaquil.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_two_cities_serve_side_by_side_each_on_its_own_store(tmp_path):
    data = tmp_path / "data"
    env = os.environ | {
        # as by default (data/{city}), under this test's folder
        "CITYWALL_DATA_DIR": f"{data}/{{city}}",
        # the folder gunicorn's control socket would be in for both
        "XDG_RUNTIME_DIR": str(tmp_path),
    }
    env.pop("CITYWALL_DATABASE_URL", None)
    seoul = env | {"CITYWALL_PROFILE": str(seoul_profile_copy(tmp_path, 1))}
    guayaquil = env | {"CITYWALL_PROFILE": str(guayaquil_copy(tmp_path))}
    with serving(seoul) as (seoul_url, seoul_output):
        with serving(guayaquil) as (guayaquil_url, guayaquil_output):
            for url in (seoul_url, guayaquil_url):
                assert requests.get(f"{url}/readyz", timeout=10).status_code == 200
            both_up = requests.get(f"{seoul_url}/readyz", timeout=10).status_code
            assert not (tmp_path / "gunicorn.ctl").exists()
    assert both_up == 200  # the first still answers once the second has started
    for city in ("seoul", "guayaquil"):
        store = create_engine(f"sqlite:///{data / city / 'citywall.db'}")
        with store.connect() as conn:
            assert cities_of(conn) == [city]
        store.dispose()
        assert (data / city / "demo-admin.txt").exists()
    for output in (seoul_output[0], guayaquil_output[0]):
        assert "Traceback" not in output and "control socket" not in output.lower()
