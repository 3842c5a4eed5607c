"""Wall codes derived from codes the wall cannot use as they are."""

from __future__ import annotations

from city.district_codes import is_wall_code
from citywall.city_files.codes import wall_codes


def test_usable_codes_stay_as_they_are():
    notes: list[str] = []
    assert wall_codes(["13101", "13102"], notes) == {"13101": "13101", "13102": "13102"}
    assert notes == []


def test_names_become_slugs_numbered_when_empty_or_taken():
    notes: list[str] = []
    codes = wall_codes(["San Juan", "SAN-JUAN", "千代田区", "Kennedy", "x" * 40], notes)
    assert codes == {
        "San Juan": "san-juan",
        "SAN-JUAN": "san-juan-2",  # the same slug: numbered
        "千代田区": "district-3",  # no Latin letters: its place in the file
        "Kennedy": "kennedy",  # usable, but slugged like its neighbours
        "x" * 40: "x" * 32,
    }
    assert all(is_wall_code(code) for code in codes.values())
    assert notes == [
        "codes such as 'San Juan' cannot serve as they are (in URLs, file names, "
        "CSV): wrote code = 'san-juan' and the like, each with its official_code"
    ]
