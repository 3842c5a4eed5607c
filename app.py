"""CityWall's Dash app: the shell around the pages, nothing else.

Run it with `citywall serve` (gunicorn and the live ingest), or point any WSGI
server at `app:server`.
"""

from __future__ import annotations

from dash import Input, Output, callback

from citywall import i18n, runtime
from citywall.web import create_app
from components.shell import chromeless, header, page_shell

app = create_app(runtime.settings())
server = app.server
app.layout = lambda: page_shell(
    app.server.config["CITYWALL_BUILD"],
    # a few refreshes: a wall picks up a new deploy within a minute
    check_seconds=max(10.0, 3 * runtime.profile().refresh_seconds),
)


@callback(
    Output("shell-header", "children"),
    Output("wall-root", "className"),
    Input("nav", "pathname"),
    Input("nav", "search"),
)
def draw_header(pathname: str | None, search: str | None):
    """The header in the address's language; embeds and the kiosk get none."""
    mode = chromeless(pathname)
    if mode:
        return None, f"wall-root {mode}"
    profile = runtime.profile()
    lang = i18n.language_of(search, profile.default_language)
    return header(profile, lang, pathname or "/", search or ""), "wall-root"


if __name__ == "__main__":
    app.run(debug=False)
