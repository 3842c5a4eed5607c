"""Running `citywall ingest` in-process on a profile whose sources point at the
local feed server, then reading what landed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select

from citywall import cli
from connectors.options import toml_value
from store import connect
from store.schema import events, measurements, quarantine, source_state
from tests.conftest import PROJECT_ROOT, files_in_place
from web import runtime

RUNTIME_HANDLES = (runtime.settings, runtime.profile, runtime.engine)


# the feed server listens on the loopback address, which a profile must allow
LOCAL_FEEDS = '[network]\nallow_hosts = ["127.0.0.1"]\n'


def city_with_sources(
    folder: Path, sources_toml: str, network: str = LOCAL_FEEDS
) -> Path:
    """Seoul's profile with its sources replaced by ``sources_toml``, and the
    ``network`` table given (by default: the local feed server allowed)."""
    text = (PROJECT_ROOT / "cities" / "seoul.toml").read_text(encoding="utf-8")
    text = files_in_place(text, "seoul")
    text = re.sub(r"\[\[sources\]\].*?\n\n", "", text, flags=re.S)  # every one
    path = folder / "city.toml"
    path.write_text(f"{text}\n{network}\n{sources_toml}", encoding="utf-8")
    return path


def source_block(
    name: str, connector: str, options: dict, interval_seconds: float = 60
) -> str:
    """A ``[[sources]]`` block; option values are scalars, lists or tables."""
    lines = "\n".join(f"{k} = {toml_value(v)}" for k, v in options.items())
    return f"""
[[sources]]
name = "{name}"
connector = "{connector}"
interval_seconds = {interval_seconds}
[sources.options]
{lines}
"""


@dataclass
class Ingest:
    exit_code: int
    out: str
    err: str


class IngestCli:
    """``citywall ingest`` as a user runs it, against a store of the test's own."""

    def __init__(
        self, monkeypatch, capsys, folder: Path, db_url: str | None = None
    ) -> None:
        self.capsys = capsys
        self.db_url = db_url or f"sqlite:///{folder}/store.db"
        self.folder = folder
        self.monkeypatch = monkeypatch
        monkeypatch.setenv("CITYWALL_DATABASE_URL", self.db_url)

    def use(self, sources_toml: str, network: str = LOCAL_FEEDS) -> None:
        path = city_with_sources(self.folder, sources_toml, network)
        self.monkeypatch.setenv("CITYWALL_PROFILE", str(path))

    def __call__(self, *args: str) -> Ingest:
        reset_runtime()
        self.capsys.readouterr()
        try:
            code = cli.main(["ingest", *(args or ("--once",))])
        finally:
            reset_runtime()
        captured = self.capsys.readouterr()
        return Ingest(code, captured.out, captured.err)

    def engine(self) -> Engine:
        return connect(self.db_url)


def reset_runtime() -> None:
    for handle in RUNTIME_HANDLES:
        if handle is runtime.engine and runtime.engine.made:
            handle().dispose()
        handle.cache_clear()


def counts(engine: Engine, source: str) -> dict[str, int]:
    """Rows of ``source`` in each table."""
    with engine.connect() as conn:
        return {
            name: conn.execute(
                select(func.count()).select_from(table).where(table.c.source == source)
            ).scalar_one()
            for name, table in (
                ("events", events),
                ("measurements", measurements),
                ("quarantined", quarantine),
            )
        }


def quarantine_reasons(engine: Engine, source: str) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(quarantine.c.reason)
                .where(quarantine.c.source == source)
                .order_by(quarantine.c.id)
            ).scalars()
        )


def cursor_of(engine: Engine, source: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(
            select(source_state.c.cursor).where(source_state.c.source == source)
        ).scalar()


def summary_numbers(line: str) -> dict[str, int]:
    """``fetched 3, stored 2, rejected 1`` → {"fetched": 3, ...}."""
    return {
        k: int(v)
        for k, v in re.findall(r"(fetched|stored|rejected|ignored) (\d+)", line)
    }
