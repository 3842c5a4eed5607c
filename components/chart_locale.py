"""Plotly's words for dates and numbers in the viewer's language.

Plotly draws a date axis's ticks itself ("Dec 5, 2026") in English unless its
config names a locale it knows; its locale files are not in the wall's offline
bundle, so each graph's config carries its locale instead (``config.locales``):
month and day names and the number marks from Babel's CLDR data, the same the
rest of the wall uses, and the tick patterns (d3 formats) from the catalogs:
"12월 5일", "5 dic".
"""

from __future__ import annotations

from functools import cache

from babel.dates import get_day_names, get_month_names
from babel.numbers import get_decimal_symbol, get_group_symbol

from city.i18n import t

# plotly's locale keys for how a date tick reads at each zoom, and their catalog keys
TICK_FORMATS = {
    "year": "chart.year",
    "month": "chart.month",
    "dayMonth": "chart.day_month",
    "dayMonthYear": "chart.day_month_year",
}


@cache
def plotly_locale(lang: str) -> dict:
    """A plotly.js locale for ``lang`` (``config.locales[lang]``)."""
    months = get_month_names("wide", locale=lang)
    short_months = get_month_names("abbreviated", locale=lang)
    days = get_day_names("wide", locale=lang)  # Babel: 0 is Monday; d3: Sunday first
    short_days = get_day_names("abbreviated", locale=lang)
    sunday_first = [6, 0, 1, 2, 3, 4, 5]
    return {
        "format": {
            "months": [months[m] for m in range(1, 13)],
            "shortMonths": [short_months[m] for m in range(1, 13)],
            "days": [days[d] for d in sunday_first],
            "shortDays": [short_days[d] for d in sunday_first],
            "decimal": get_decimal_symbol(lang),
            "thousands": get_group_symbol(lang),
            **{name: t(lang, key) for name, key in TICK_FORMATS.items()},
        }
    }


def chart_config(lang: str, **extra: object) -> dict:
    """A chart's ``dcc.Graph`` config: no mode bar, dates and numbers in ``lang``."""
    return {
        "displayModeBar": False,
        "locale": lang,
        "locales": {lang: plotly_locale(lang)},
        **extra,
    }
