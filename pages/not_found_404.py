"""Any unknown address: a not-found page inside the app's shell."""

import dash

from pages._not_found import not_found

dash.register_page(__name__, title="CityWall — not found")


def layout(**_query: str):
    return not_found("There is no page at this address.")
