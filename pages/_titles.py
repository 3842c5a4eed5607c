"""The browser tab's title of every page, in the page's language, with the city's
name: "교통 — 서울 · CityWall".

Dash calls a page's ``title`` with the path's variables only, never the query, so
the language (``?lang=``) is read where the address is: the page router's own input
when Dash draws a page (a callback), the request's arguments at the first load
(Dash's meta tags); else the city's default language.
"""

from __future__ import annotations

from collections.abc import Callable

from dash import callback_context
from dash.exceptions import MissingCallbackContextException
from flask import has_request_context, request

from city.i18n import t
from pages._services import services

ROUTER_SEARCH = "_pages_location.search"  # the address's query, Dash's page router


def _asked_search() -> str | None:
    try:
        search = callback_context.inputs.get(ROUTER_SEARCH)
    # outside a callback; LookupError in a thread where Dash never set its context
    except (MissingCallbackContextException, LookupError):
        search = None
    if search is None and has_request_context():
        search = request.query_string.decode(errors="replace")
    return search


def tab_title(page: Callable[[str], str | None]) -> str:
    """The title for ``page``: the page's name in a language (None: the city's
    name alone)."""
    profile = services().profile()
    lang = profile.language_of(_asked_search())
    name = page(lang)
    city = profile.name(lang)
    if not name:
        return t(lang, "title.city", city=city)
    return t(lang, "title.page", page=name, city=city)


def tab_titled(name: Callable[[str], str]) -> Callable[..., str]:
    """A ``title`` for ``dash.register_page``: the page named by ``name(lang)``."""

    def title(**_path: str) -> str:
        return tab_title(name)

    return title


def titled(key: str | None) -> Callable[..., str]:
    """A ``title`` for ``dash.register_page``: the page named by a catalog key
    (None: the city alone)."""
    return tab_titled(lambda lang: t(lang, key) if key else None)
