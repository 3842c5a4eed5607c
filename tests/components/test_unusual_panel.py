"""The panel of what is unusual: a sentence per fact in the wall's language, a link
to the records behind it, and a plain line when there is nothing to say or not yet
enough history to say it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dash
import pytest
from dash import dcc, html

from components.unusual_panel import SHOWN, sentence, unusual_panel
from kpis.unusual import ALL, LEAST_WEEKS, Surprise, Unusual

MAPO, GANGNAM = "11440", "11680"
# a Saturday, 22:30 in Seoul
END = datetime(2026, 12, 5, 22, 30, tzinfo=UTC) - timedelta(hours=9)


@pytest.fixture(autouse=True)
def app():
    """Links are drawn relative to the app's address: an app to draw them in."""
    return dash.Dash(__name__)


def surprise(**changes) -> Surprise:
    fact = {
        "kind": "count",
        "name": "complaints",
        "category": "noise",
        "district": MAPO,
        "window": "3h",
        "start": END - timedelta(hours=3),
        "end": END,
        "observed": 41.0,
        "expected": 11.0,
        "score": 9.0,
        "above": True,
        "past": (8.0, 11.0, 14.0, 8.0, 14.0, 11.0),  # usually 8–14
    }
    return Surprise(**(fact | changes))


def texts(component) -> list[str]:
    found = []

    def walk(c):
        if isinstance(c, str):
            found.append(c)
        elif isinstance(c, list | tuple):
            for x in c:
                walk(x)
        elif c is not None:
            walk(getattr(c, "children", None))

    walk(component)
    return found


def links(component) -> list[str]:
    found = []

    def walk(c):
        if isinstance(c, dcc.Link):
            found.append(c.href)
        if isinstance(c, list | tuple):
            for x in c:
                walk(x)
        elif c is not None and not isinstance(c, str):
            walk(getattr(c, "children", None))

    walk(component)
    return found


@pytest.mark.parametrize(
    ("lang", "wanted"),
    [
        ("en", "Noise, Mapo-gu: 41 in the last 3 h; usually 8–14 on a Saturday night"),
        ("ko", "소음, 마포구: 최근 3시간 41건 · 토요일 밤 보통 8–14건"),
        (
            "es",
            "Ruido, Mapo-gu: 41 en las últimas 3 h; lo habitual, 8–14 un sábado por la noche",
        ),
    ],
)
def test_a_fact_reads_as_a_sentence_in_the_wall_s_language(seoul, lang, wanted):
    said = sentence(surprise(), seoul, lang)
    # the domain's name before the category's, the words as the catalogs have them
    assert said.endswith(wanted.split(", ", 1)[1])
    assert wanted.split(",")[0] in said


def test_a_mean_says_its_unit_and_today_says_by_now(seoul):
    slow = surprise(
        kind="mean",
        name="road_speed",
        category=ALL,
        observed=18.04,
        past=(26.0, 31.0, 26.0, 31.0),
    )
    said = sentence(slow, seoul, "en")
    assert "Mapo-gu: 18.0 km/h in the last 3 h; usually 26.0–31.0 on a Saturday" in said
    today = sentence(surprise(window="today", district=ALL, category=ALL), seoul, "en")
    assert today.startswith("Complaints, City-wide: 41 today so far")
    assert today.endswith("by now on a Saturday")


def test_each_fact_opens_its_domain_filtered_to_its_district_and_category(seoul):
    found = Unusual(
        (
            surprise(),
            surprise(
                kind="mean",
                name="road_speed",
                category=ALL,
                district=GANGNAM,
                above=False,
            ),
        ),
        {"complaints": 6, "road_speed": 6},
        40,
    )
    panel = unusual_panel(found, seoul, "en")
    targets = links(panel)
    assert targets[0].endswith(
        "/complaints?district=11440&category=noise&period=24h&lang=en"
    )
    assert targets[1].endswith("/traffic?district=11680&period=24h&lang=en")
    assert "Against the same time of the week in the past 6 weeks." in texts(panel)
    assert links(unusual_panel(found, seoul, "en", linked=False)) == []


def test_the_wall_shows_a_few_and_says_so_when_there_is_nothing(seoul):
    many = Unusual(
        tuple(surprise(score=20 - i) for i in range(9)), {"complaints": 6}, 99
    )
    items = unusual_panel(many, seoul, "en")[1]
    assert isinstance(items, html.Ul) and len(items.children) == SHOWN
    nothing = texts(unusual_panel(Unusual((), {"complaints": 6}, 99), seoul, "ko"))
    assert "지금 평소와 다른 것은 없습니다." in nothing
    # a domain with no history yet (no alert ever came) holds nobody back
    quiet = texts(
        unusual_panel(Unusual((), {"complaints": 6, "disaster": 0}, 9), seoul, "en")
    )
    assert "Against the same time of the week in the past 6 weeks." in quiet
    young = texts(unusual_panel(Unusual((), {"complaints": 1}, 0), seoul, "en"))
    assert (
        f"Learning what is usual: 1 of {LEAST_WEEKS} weeks of history so far." in young
    )
