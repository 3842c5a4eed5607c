"""Domains a city declares in its profile, beyond the standard four: the TOML a
test appends to the Seoul profile (``seoul_profile_copy(..., extra=...)``)."""

from __future__ import annotations

from datetime import date, timedelta


def months_back(n: int) -> list[str]:
    """The keys of this month and the ``n`` before it ("2026-12", "2026-11", ...)."""
    first = date.today().replace(day=1)
    keys = []
    for _ in range(n + 1):
        keys.append(first.strftime("%Y-%m"))
        first = (first - timedelta(days=1)).replace(day=1)
    return keys


def air_declarations() -> str:
    plan = ", ".join(f'"{k}" = 24' for k in months_back(3))
    air = [
        ("pm25_3h", "mean", '"3h"', '"7d_average"', "초미세먼지 최근 3시간", "PM2.5, last 3 h", "µg/m³", 1),
        ("pm25_peak", "max", '"24h"', '"yesterday"', "초미세먼지 최고", "PM2.5 peak, 24 h", "µg/m³", 1),
        ("pm25_low", "min", '"24h"', '"yesterday"', "초미세먼지 최저", "PM2.5 low, 24 h", "µg/m³", 1),
        ("pm25_now", "latest", '"latest"', '"yesterday"', "초미세먼지 현재", "PM2.5 now", "µg/m³", 1),
        ("pm25_readings", "count_readings", '"1h"', '"none"', "측정 건수", "Readings, last hour", "readings", 0),
    ]  # fmt: skip
    text = """
[[domains]]
id = "air"
label = { ko = "대기", en = "Air", es = "Aire" }
series = "pm25"
chart = "pm25_3h"
events = false
colour = "#5fb3b3"
"""
    for id_, measure, window, compare, ko, en, unit, decimals in air:
        text += f"""
[[indicators]]
id = "{id_}"
domain = "air"
label = {{ ko = "{ko}", en = "{en}", es = "{en}" }}
unit = {{ en = "{unit}" }}
measure = "{measure}"
series = "pm25"
window = {window}
compare = {compare}
decimals = {decimals}
"""
    text += f"""
[[indicators]]
id = "pm25_bad_share"
domain = "air"
label = {{ ko = "보통 이하 비율", en = "Readings below 'bad'", es = "Lecturas bajo 'mala'" }}
measure = "share_below"
series = "pm25"
below = 36
window = "24h"
direction = "higher"
target = 0.9

[[indicators]]
id = "pm25_month"
domain = "air"
label = {{ ko = "초미세먼지 월평균", en = "PM2.5, monthly mean", es = "PM2.5, media mensual" }}
unit = {{ en = "µg/m³" }}
measure = "mean"
series = "pm25"
period = "month"
plan = {{ {plan} }}
periods_shown = 4
decimals = 1
"""
    others = [
        ("noise_today", "complaints", 'where = { category = ["noise"] }\nwindow = "today"', "소음 민원 오늘", "Noise complaints today"),
        ("waste_open", "complaints", 'where = { category = ["waste"] }\nwindow = "open_now"', "미처리 쓰레기 민원", "Open waste complaints"),
        ("ambulance_24h", "safety", 'where = { category = ["ambulance"] }\nwindow = "24h"\ncompare = "7d_average"', "구급 출동 24시간", "Ambulance calls, 24 h"),
        ("accidents_week", "traffic", 'where = { category = ["accident"] }\nwindow = "this_week"\ncompare = "previous"', "이번 주 교통사고", "Road accidents this week"),
        ("complaints_share_roads", "complaints", 'measure = "share"\nwhere = { category = ["roads"] }\nwindow = "7d"', "도로 민원 비율", "Road complaints, share"),
    ]  # fmt: skip
    for id_, domain, body, ko, en in others:
        text += f"""
[[indicators]]
id = "{id_}"
domain = "{domain}"
label = {{ ko = "{ko}", en = "{en}", es = "{en}" }}
{body}
"""
    return text


WATER_OPEN = "water_open"  # the Water page's one indicator: its open records


def water_declarations() -> str:
    """A domain of records ("water", events from a source the city adds), with
    one indicator: its records still open."""
    return f"""
[[domains]]
id = "water"
label = {{ ko = "상수도", en = "Water", es = "Agua" }}
colour = "#3f8fd2"

[[indicators]]
id = "{WATER_OPEN}"
domain = "water"
label = {{ ko = "미처리 상수도 신고", en = "Open water reports", es = "Avisos de agua abiertos" }}
measure = "count"
window = "open_now"
"""
