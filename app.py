"""CityWall's Dash app: the shell around the pages, nothing else.

Run it with `citywall serve` (gunicorn and the live ingest), or point any WSGI
server at `app:server`.
"""

from __future__ import annotations

import dash

from citywall import runtime
from components.shell import page_shell

app = dash.Dash(
    __name__,
    use_pages=True,
    title="CityWall",
    update_title=None,  # no "Updating..." flicker in the tab on every refresh
    suppress_callback_exceptions=True,
)
app.server.secret_key = runtime.settings().secret_key or None
server = app.server
app.layout = lambda: page_shell(runtime.profile())

if __name__ == "__main__":
    app.run(debug=False)
