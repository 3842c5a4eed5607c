"""The data folder and what is in it are the wall's own: the SQLite store holds the
account hashes and every record, ``secret.key`` signs every session and embed
token. The folder is made 0700 and its files 0600, whatever the umask; a key file
that another user owns or may change is refused, since whoever can write it can
sign in as anyone.

Only the standard library: the store and the settings both use it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


class UnsafeFile(ValueError):
    """A file the wall must not trust; the message says how to fix it."""


def _owned(st: os.stat_result) -> bool:
    return not hasattr(os, "geteuid") or st.st_uid == os.geteuid()


def private_folder(path: Path, narrow: bool = True) -> Path:
    """``path`` and any missing folders above it made owner-only; with ``narrow``
    an existing folder of ours is narrowed to 0700 too (a store made by an earlier
    version lies in a 0755 folder)."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=FOLDER_MODE)
        except FileExistsError:  # another worker made it a moment ago
            pass
    if narrow and not missing:
        _narrow(path, FOLDER_MODE)
    return path


def private_file(path: Path, create: bool = False) -> None:
    """``path`` made owner-only if it is ours; with ``create`` made empty first
    when missing."""
    if create and not path.exists():
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
        except FileExistsError:
            pass
    _narrow(path, FILE_MODE)


def _narrow(path: Path, mode: int) -> None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return
    if _owned(st) and stat.S_IMODE(st.st_mode) & ~mode:
        path.chmod(stat.S_IMODE(st.st_mode) & mode)


def check_key_file(path: Path) -> None:
    """Refuse a key file that another user owns or that others may write or
    read (group read is allowed, for a service group)."""
    st = path.stat()
    mode = stat.S_IMODE(st.st_mode)
    if not _owned(st):
        raise UnsafeFile(
            f"{path} belongs to user id {st.st_uid}, not to the user the wall runs "
            f"as (id {os.geteuid()}): whoever owns it can sign in as anyone. Check "
            f"who made it; if it is the wall's, `chown {os.geteuid()} {path}`, else "
            "remove it (a new key is made; everyone signs in again) or set "
            "CITYWALL_SECRET_KEY."
        )
    if mode & 0o027:
        raise UnsafeFile(
            f"{path} has mode {mode:04o}: others may read or change the key that "
            f"signs every session. Run `chmod 600 {path}` (or remove it: a new key "
            "is made and everyone signs in again)."
        )
