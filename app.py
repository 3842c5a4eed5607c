"""CityWall's Dash app, as its factory builds it (``web.factory.create_app``).

Run it with `citywall serve` (gunicorn and the live ingest), or point any WSGI
server at `app:server`.
"""

from __future__ import annotations

from web import runtime
from web.factory import create_app

app = create_app(runtime.settings())
server = app.server

if __name__ == "__main__":
    app.run(debug=False)
