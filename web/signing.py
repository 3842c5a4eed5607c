"""The key the Flask app signs sessions and embed tokens with, read (or made, in the
data folder) on the first request that needs it rather than when the app is
built: importing the app writes nothing."""

from __future__ import annotations

from flask import Flask

from web import runtime


def signing_key(server: Flask) -> str:
    if not server.secret_key:  # every thread that races here reads the same file
        server.secret_key = runtime.settings().signing_key()
    return server.secret_key
