"""The key the Flask app signs sessions and embed tokens with, read on the first
request that needs it rather than when the app is built: importing the app writes
nothing.

Every instance serving one wall must sign alike, or a wall signed in on one is
refused by the next that answers. The key is, in this order:

- ``CITYWALL_SECRET_KEY``, the same on every instance (from the city's secret
  store);
- on the demo's embedded SQLite store (one machine by nature), one made once in
  the data folder (``secret.key``);
- on a configured database, one made once and kept in the store
  (``store.signing_key``): every instance on it reads the same, with nothing to
  set. An instance that had a ``secret.key`` (a single server before this) gives
  it to the store if the store has none yet, so an upgrade signs nobody out and
  breaks no embed.
"""

from __future__ import annotations

import secrets

from flask import Flask
from sqlalchemy import Engine

from store import signing_key as store_key
from web import runtime
from web.settings import KEY_FILE, Settings


def signing_key(server: Flask) -> str:
    if not server.secret_key:  # every thread that races here reads the same key
        server.secret_key = shared_key(runtime.settings(), runtime.engine())
    return server.secret_key


def shared_key(settings: Settings, engine: Engine) -> str:
    """The key every instance of this wall signs with (see the module's text)."""
    if settings.secret_key or settings.embedded_store:
        return settings.signing_key()

    def make() -> str:
        if (settings.data_dir / KEY_FILE).exists():
            return settings.signing_key()  # checked as ever: the owner's only
        return secrets.token_urlsafe(48)

    with engine.begin() as conn:
        return store_key.signing_key(conn, make)
