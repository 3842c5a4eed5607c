"""Personal data never enters the store.

Fields that name or reach a person (Open311 servers may echo the requester's name,
e-mail, phone or device id) are dropped by name, in nested objects too; free text
keeps its meaning but loses e-mail addresses, phone numbers, Korean resident
registration numbers (주민등록번호) and Ecuadorian cédula / RUC numbers. Dates,
times, years, house numbers and counts stay: the wall needs them and they name
nobody.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

PERSONAL_FIELDS = frozenset(
    {
        "first_name",
        "last_name",
        "name",
        "full_name",
        "email",
        "e_mail",
        "phone",
        "phone_number",
        "device_id",
        "account_id",
        "requester",
        "reporter",
        "contact",
        "license_plate",
        "media_url",  # photos of people and number plates
    }
)

EMAIL_REMOVED = "[e-mail removed]"
PHONE_REMOVED = "[phone removed]"
ID_REMOVED = "[id number removed]"

# ASCII letters and digits only: a Korean particle glued to a number ("…5678로")
# must not hide it, as Python's \w (which includes Hangul) would.
_BEFORE = r"(?<![0-9A-Za-z])"
_AFTER = r"(?![0-9A-Za-z])"

_URL = re.compile(r"https?://[^\s<>\"']+")
_EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(\.[\w-]+)+")
# YYMMDD-SNNNNNN; S is sex and century: 1-4 citizens, 5-8 foreign residents
_RRN = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{2})[-\s]?([1-8])\d{6}(?!\d)")
# ten digits, an optional hyphen before the check digit; "001" makes it a RUC
_CEDULA = re.compile(r"(?<!\d)(\d{9})-?(\d)(?:001)?(?!\d)")
# 7+ digits with the usual separators: phone numbers, not years or house numbers
_PHONE = re.compile(_BEFORE + r"\+?\(?\d[\d\s().-]{5,}\d" + _AFTER)

_DATE_OR_TIME = re.compile(
    r"\d{4}[-./]\s?\d{1,2}[-./]\s?\d{1,2}"  # 2026-11-20, 2026. 11. 20
    r"|\d{1,2}[-.]\d{1,2}[-.]\d{4}"  # 20-11-2026, 20.11.2026
    r"|\d{1,2}:\d{2}"
)
_DECIMAL = re.compile(r"\d+\.\d+")  # 127.0473: a coordinate, not a phone
_DOTTED_COUNT = re.compile(r"\d{1,2}(\.\d{3})+")  # 1.500.000 habitantes
_COMPACT_DATE = re.compile(r"(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])")
MAX_NATIONAL_DIGITS = 12  # longer needs a "+" or "00": E.164 allows 15 in all
MAX_DEPTH = 32  # deeper than any feed nests JSON


def scrub_text(text: str | None) -> str | None:
    """``text`` without e-mail addresses, phone numbers or personal id numbers."""
    if not text:
        return text
    pieces = []
    start = 0
    for url in _URL.finditer(text):
        pieces.append(_scrub_prose(text[start : url.start()]))
        pieces.append(_scrub_url(url.group()))
        start = url.end()
    pieces.append(_scrub_prose(text[start:]))
    return "".join(pieces)


def _scrub_prose(text: str) -> str:
    text = _EMAIL.sub(EMAIL_REMOVED, text)
    text = _RRN.sub(_rrn_or_keep, text)
    text = _CEDULA.sub(_cedula_or_keep, text)
    return _PHONE.sub(_phone_or_keep, text)


def _scrub_url(url: str) -> str:
    """A link keeps its digits (ids, dates in paths) but not a person's address
    or id number."""
    url = _EMAIL.sub(EMAIL_REMOVED, url)
    url = _RRN.sub(_rrn_or_keep, url)
    return _CEDULA.sub(_cedula_or_keep, url)


def is_resident_registration_number(yy: int, mm: int, dd: int, code: int) -> bool:
    """A real, past birth date for the century the 7th digit gives; the checksum
    is not asked for, as numbers issued since October 2020 do not keep it."""
    century = 1900 if code in (1, 2, 5, 6) else 2000
    try:
        born = date(century + yy, mm, dd)
    except ValueError:
        return False
    return born <= date.today()  # 880123-4… is a barcode, not someone born in 2088


def _rrn_or_keep(match: re.Match[str]) -> str:
    yy, mm, dd, code = (int(g) for g in match.groups())
    if is_resident_registration_number(yy, mm, dd, code):
        return ID_REMOVED
    return match.group()


def is_cedula(digits: str) -> bool:
    """Ecuador's cédula: province 01-24 or 30, third digit below 6 (a natural
    person) and the modulo-10 check digit of the Registro Civil."""
    if len(digits) != 10 or not digits.isdecimal():
        return False
    numbers = [int(d) for d in digits]
    province = numbers[0] * 10 + numbers[1]
    if not (1 <= province <= 24 or province == 30) or numbers[2] >= 6:
        return False
    total = 0
    for position, digit in enumerate(numbers[:9]):
        product = digit * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10 == numbers[9]


def _cedula_or_keep(match: re.Match[str]) -> str:
    if is_cedula(match.group(1) + match.group(2)):
        return ID_REMOVED
    return match.group()


def _phone_or_keep(match: re.Match[str]) -> str:
    found = match.group()
    if _DATE_OR_TIME.search(found):
        # "2026-11-20 010-1234-5678" is one run of digits: keep the date, judge
        # what stands around it on its own
        return _around_dates(found)
    return found if _looks_harmless(found) else PHONE_REMOVED


def _around_dates(found: str) -> str:
    parts = _DATE_OR_TIME.split(found)
    dates = _DATE_OR_TIME.findall(found)
    out = [_PHONE.sub(_phone_or_keep, parts[0])]
    for date_, rest in zip(dates, parts[1:]):
        out += [date_, _PHONE.sub(_phone_or_keep, rest)]
    return "".join(out)


def _looks_harmless(found: str) -> bool:
    """A coordinate, a count, a date or a run too short or long for a phone."""
    digits = sum(ch.isdigit() for ch in found)
    international = found.startswith(("+", "00"))
    longest = 15 if international else MAX_NATIONAL_DIGITS
    return (
        digits < 7
        or digits > longest
        or bool(_DECIMAL.fullmatch(found))
        or bool(_DOTTED_COUNT.fullmatch(found))
        or bool(_COMPACT_DATE.fullmatch(found))
    )


def without_personal_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    """``record`` without the fields that name or reach a person, at any depth."""
    return drop_personal_fields(record)


def drop_personal_fields(value: Any, depth: int = 0) -> Any:
    """A JSON-like value whose objects, however nested, lose their personal fields."""
    if depth > MAX_DEPTH:
        return None  # nothing worth keeping lies that deep
    if isinstance(value, Mapping):
        return {
            k: drop_personal_fields(v, depth + 1)
            for k, v in value.items()
            if not is_personal_field(k)
        }
    if isinstance(value, (list, tuple)):
        return [drop_personal_fields(v, depth + 1) for v in value]
    return value


def is_personal_field(name: object) -> bool:
    """``requester_email``, ``Phone`` or ``contact.name`` as much as ``email``."""
    key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
    return key in PERSONAL_FIELDS or any(
        key.endswith("_" + field) or key.startswith(field + "_")
        for field in _PERSONAL_STEMS
    )


# the parts of a field name that make it personal wherever they stand
_PERSONAL_STEMS = (
    "email",
    "e_mail",
    "phone",
    "requester",
    "reporter",
    "contact",
    "first_name",
    "last_name",
    "full_name",
)


def scrub_value(value: Any, depth: int = 0) -> Any:
    """A JSON-like value with personal fields dropped and its text scrubbed, for
    the extra attributes a record keeps."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, Mapping):
        return {
            k: scrub_value(v, depth + 1)
            for k, v in value.items()
            if not is_personal_field(k)
        }
    if isinstance(value, (list, tuple)):
        return [scrub_value(v, depth + 1) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        # an id number sent as a number is still an id number
        return ID_REMOVED if _is_id_number(str(value)) else value
    return value


def _is_id_number(text: str) -> bool:
    return _RRN.sub(_rrn_or_keep, text) != text or (
        _CEDULA.sub(_cedula_or_keep, text) != text
    )
