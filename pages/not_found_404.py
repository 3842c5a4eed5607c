"""Any unknown address: a not-found page inside the app's shell."""

import dash

from city.i18n import t
from pages._not_found import not_found
from pages._services import services
from pages._titles import titled

dash.register_page(__name__, title=titled("not_found.title"), access="public")


def layout(lang: str | None = None, **_query: str):
    lang = services().profile().language(lang)
    return not_found(t(lang, "not_found.no_page"), lang)
