"""Personal data never enters the store.

Fields that name or reach a person (Open311 servers may echo the requester's name,
e-mail, phone or device id) are dropped by name; free text keeps its meaning but
loses e-mail addresses and phone numbers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
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

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# 7+ digits with the usual separators: phone numbers, not years or house numbers
_PHONE = re.compile(r"(?<!\w)\+?\(?\d[\d\s().-]{5,}\d(?!\w)")


def scrub_text(text: str | None) -> str | None:
    if not text:
        return text
    text = _EMAIL.sub("[e-mail removed]", text)
    return _PHONE.sub(_phone_or_keep, text)


_DATE_OR_TIME = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}")


def _phone_or_keep(match: re.Match[str]) -> str:
    found = match.group()
    digits = sum(ch.isdigit() for ch in found)
    if digits < 7 or digits > 15 or _DATE_OR_TIME.search(found):
        return found
    return "[phone removed]"


def without_personal_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k.lower() not in PERSONAL_FIELDS}
