"""Each city's embedded store in a folder of its own, ``data/<city id>/``.

Before, every city used ``data/citywall.db``. Such a store is moved into its
city's folder the first time that city starts, with the files that went with it:
whose it is shows in its districts table, which holds the districts of the profile
that filled it. A store whose districts are not the starting city's (another
city's, or several cities' mixed) is left where it is, and said so once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from contextlib import closing
from pathlib import Path

from store.private_files import private_folder
from web.settings import STORE_FILE, Settings

# the files a data folder held for its one store, all of them the city's own
CITY_FILES = (
    STORE_FILE,
    f"{STORE_FILE}-wal",
    f"{STORE_FILE}-shm",
    "ingest.json",
    "demo-admin.txt",
    "secret.key",
    "cache",
)


def shared_store(settings: Settings) -> Path | None:
    """The store from before folders per city, when this city has no store of its
    own yet and might take it over; else None (one look at two files)."""
    if settings.shared_data_dir is None or not settings.embedded_store:
        return None
    old = settings.shared_data_dir / STORE_FILE
    if not old.is_file() or (settings.data_dir / STORE_FILE).exists():
        return None
    return old


def take_over(old: Path, settings: Settings, city: str, codes: Collection[str]) -> str:
    """Move ``old`` and its files into the city's folder when its districts are
    the city's (``codes``); a line for the log saying what was done or why not."""
    if _district_codes(old) != set(codes):
        return (
            f"{old} is from before each city had its own folder and holds other "
            f"districts than {city}'s: {city} gets its own store in "
            f"{settings.data_dir}; move the old one into {old.parent}/<its city id>/ "
            "or delete it"
        )
    private_folder(settings.data_dir)
    for name in CITY_FILES:
        source = old.parent / name
        try:
            source.rename(settings.data_dir / name)
        except FileNotFoundError:  # never made, or another process moved it first
            continue
    return f"moved {old} and its files into {settings.data_dir} (a folder per city)"


def _district_codes(path: Path) -> set[str]:
    """The district codes in the store at ``path``, read only; none when it is
    no store."""
    try:
        with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as conn:
            return {code for (code,) in conn.execute("SELECT code FROM districts")}
    except sqlite3.Error:
        return set()
