"""The safety page: its KPIs, map, records over time, categories and latest records."""

import dash

from pages._domain import page_options

dash.register_page(__name__, **page_options("safety"))
