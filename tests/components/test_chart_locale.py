"""A chart's plotly locale: month and day names and number marks from CLDR, the
date ticks' patterns from the catalogs, for every language."""

from __future__ import annotations

import pytest

from city import i18n
from components.chart_locale import TICK_FORMATS, chart_config, plotly_locale


@pytest.mark.parametrize("lang", i18n.shipped_languages())
def test_every_language_gives_plotly_a_whole_locale(lang):
    found = plotly_locale(lang)["format"]
    assert len(found["months"]) == len(found["shortMonths"]) == 12
    assert len(found["days"]) == len(found["shortDays"]) == 7
    assert all(found[name] for name in TICK_FORMATS)
    config = chart_config(lang)
    assert config["locale"] == lang and config["locales"] == {lang: plotly_locale(lang)}
    assert config["displayModeBar"] is False


def test_the_names_and_marks_are_each_languages_own():
    ko, es, en = (plotly_locale(lang)["format"] for lang in ("ko", "es", "en"))
    assert ko["shortMonths"][11] == "12월" and ko["shortDays"][0] == "일"
    assert es["shortMonths"][11] == "dic" and es["days"][0] == "domingo"
    assert en["shortMonths"][11] == "Dec" and en["days"][1] == "Monday"
    assert (es["decimal"], es["thousands"]) == (",", ".")
    assert (ko["decimal"], ko["thousands"]) == (".", ",")
    # a day tick: plotly fills %b with the short month, %-d with the day
    assert ko["dayMonth"] == "%b %-d일" and es["dayMonth"] == "%-d %b"
    assert en["dayMonthYear"] == "%b %-d, %Y"  # plotly's own default


def test_japanese_and_portuguese_charts_read_as_their_readers_write():
    ja, pt = (plotly_locale(lang)["format"] for lang in ("ja", "pt"))
    assert ja["shortMonths"][11] == "12月" and ja["dayMonth"] == "%b%-d日"  # 12月6日
    assert pt["shortMonths"][11] == "dez." and pt["days"][0] == "domingo"
    assert (pt["decimal"], pt["thousands"]) == (",", ".")
    assert (ja["decimal"], ja["thousands"]) == (".", ",")
