"""No resident's personal data reaches the store.

Three layers: the patterns of ``city.privacy`` one by one (what is removed and
what must stay); the scrubber measured on a labelled corpus of complaints in ko/en/es
(``fixtures/privacy_corpus.tsv``: the share of personal spans removed and of plain
text wrongly removed, held to bounds); then the whole path: feeds full of personal
data go through `citywall ingest` and no table's columns nor any stored value may
hold it.

``pytest tests/city/test_privacy.py -k corpus -s`` prints the corpus figures
that SECURITY.md quotes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, select

from city.privacy import (
    EMAIL_REMOVED,
    ID_REMOVED,
    NAME_REMOVED,
    PHONE_REMOVED,
    drop_personal_fields,
    is_cedula,
    scrub_text,
    scrub_value,
)
from city.records import Rejected
from connectors.base import excerpt
from store.schema import metadata
from tests.connectors.harness import IngestCli, source_block, summary_numbers

# -- the patterns -------------------------------------------------------------------

# Cédulas whose check digit holds (computed by hand with the Registro Civil's
# 2-1-2-1… weights); a RUC of a natural person is the cédula followed by 001.
CEDULAS = ("1712345675", "0912345675", "0102030400", "2400000010", "3001234560")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Call me on 010-9876-5432", f"Call me on {PHONE_REMOVED}"),
        ("전화 010-1234-5678로 연락 주세요", f"전화 {PHONE_REMOVED}로 연락 주세요"),
        ("+82 10 1234 5678", PHONE_REMOVED),
        ("(02) 2133-1234 민원실", f"{PHONE_REMOVED} 민원실"),
        ("Llámeme al 099 123 4567, gracias", f"Llámeme al {PHONE_REMOVED}, gracias"),
        ("접수일 2026-11-20 010-1234-5678", f"접수일 2026-11-20 {PHONE_REMOVED}"),
    ],
)
def test_phone_numbers_are_removed(text, expected):
    assert scrub_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to minsu.kim@example.com", f"write to {EMAIL_REMOVED}"),
        ("메일은 hong.gildong@seoul.go.kr 입니다", f"메일은 {EMAIL_REMOVED} 입니다"),
        ("escriba a maria_jose+311@correo.ec.", f"escriba a {EMAIL_REMOVED}."),
    ],
)
def test_email_addresses_are_removed(text, expected):
    assert scrub_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("주민번호 900101-1234567입니다", f"주민번호 {ID_REMOVED}입니다"),
        ("주민등록번호는 9001011234567 이고", f"주민등록번호는 {ID_REMOVED} 이고"),
        ("RRN 851231 2345678", f"RRN {ID_REMOVED}"),
        ("2000년생 000229-3123456", f"2000년생 {ID_REMOVED}"),  # a leap day
        ("외국인등록번호 051231-5123456", f"외국인등록번호 {ID_REMOVED}"),
        ("신고자(880515-6123450) 본인", f"신고자({ID_REMOVED}) 본인"),
        # the checksum need not hold: numbers issued since 2020 do not keep it
        ("900101-1000000", ID_REMOVED),
    ],
)
def test_korean_resident_registration_numbers_are_removed(text, expected):
    assert scrub_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "9913011234567",  # month 13
        "900230-1234567",  # 30 February
        "900101-9234567",  # no such 7th digit today
        "8801234567890",  # an EAN-13 barcode: a birth date in 2088
        "주문번호 991301-1234567 배송",
    ],
)
def test_thirteen_digits_that_cannot_be_a_birth_date_stay(text):
    assert scrub_text(text) == text


@pytest.mark.parametrize("cedula", CEDULAS)
def test_cedula_numbers_whose_check_digit_holds_are_removed(cedula):
    said = f"Mi cédula es {cedula}, por favor llamen."
    assert scrub_text(said) == f"Mi cédula es {ID_REMOVED}, por favor llamen."
    hyphenated = f"C.I. {cedula[:9]}-{cedula[9]}"
    assert scrub_text(hyphenated) == f"C.I. {ID_REMOVED}"


def test_the_ruc_of_a_natural_person_is_removed():
    said = "Factura a nombre del RUC 1712345675001 del denunciante"
    assert scrub_text(said) == f"Factura a nombre del RUC {ID_REMOVED} del denunciante"


@pytest.mark.parametrize(
    "digits",
    [
        "1712345670",  # wrong check digit
        "2512345678",  # province 25 does not exist
        "1772345678",  # third digit 7: not a natural person
    ],
)
def test_ten_digits_that_are_no_cedula_are_not_taken_for_one(digits):
    assert not is_cedula(digits)
    assert scrub_text(digits) != ID_REMOVED


@pytest.mark.parametrize(
    "text",
    [
        "Teheran-ro 152, 2026년 11월 20일 10:30 접수",
        "서울특별시 강남구 테헤란로 152, 101동 1203호 (06236)",
        "Av. Amazonas N34-451 y Juan Pablo Sanz, Quito",
        "Reported 2026-11-20T08:15:00+09:00, again on 2026.11.21 and 21.11.2026",
        "Since 1998, about 1.500.000 habitantes; 9,411,000 residents",
        "Bus 7730 delayed 12 minutes at 37.5172, 127.0473",
        "Order 20261120 placed",
        "See https://311.seoul.example/requests/20261120123456 for details",
    ],
)
def test_dates_times_addresses_years_and_counts_stay(text):
    assert scrub_text(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "Streetlights out on 1701-1799 E Durham Ln",
        "the 2400-2498 block of N Lincoln Ave",
        "300 - 398 Oak Street",
        "12001–12099 Old Orchard Road",
    ],
)
def test_address_ranges_before_their_street_stay(text):
    assert scrub_text(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # falling halves, unequal halves, an area code before: phones
        ("2133-1234 Main St", f"{PHONE_REMOVED} Main St"),
        ("555-12345 Main St", f"{PHONE_REMOVED} Main St"),
        ("(02) 2133-2199 Main St", f"{PHONE_REMOVED} Main St"),
        # rising halves with no street after them
        ("call 2133-2199 today", f"call {PHONE_REMOVED} today"),
        (
            "1701-1799 E Durham Ln, call 010-1234-5678",
            f"1701-1799 E Durham Ln, call {PHONE_REMOVED}",
        ),
    ],
)
def test_phones_that_look_like_a_range_still_go(text, expected):
    assert scrub_text(text) == expected


def test_a_cut_excerpt_cannot_keep_half_an_address():
    raw = "x" * 480 + " minsu.kim@example.com"
    assert "minsu" not in excerpt(raw)


def test_rejects_scrub_the_values_their_reason_quotes():
    rejected = Rejected(
        "requested_datetime '010-9876-5432' is not an ISO 8601 time",
        '{"email": "minsu.kim@example.com"}',
    )
    assert "9876" not in rejected.reason
    assert "minsu" not in rejected.excerpt


def test_personal_fields_go_at_any_depth():
    raw = {
        "id": "R1",
        "Email": "a@b.co",
        "requester": {"name": "Kim Minsu"},
        "attributes": [{"contact_phone": "010-1234-5678", "ward": "7"}],
        "extra": {"reporter_name": "María", "nested": {"first_name": "Minsu"}},
    }
    assert drop_personal_fields(raw) == {
        "id": "R1",
        "attributes": [{"ward": "7"}],
        "extra": {"nested": {}},
    }


def test_extra_attributes_are_scrubbed_throughout():
    attrs = {"note": "call 010-1234-5678", "ids": [9001011234567, 7, 2026], "n": 3}
    assert scrub_value(attrs) == {
        "note": f"call {PHONE_REMOVED}",
        "ids": [ID_REMOVED, 7, 2026],
        "n": 3,
    }


# Separators and at-signs that once let a number or an address through: Unicode
# dashes, slashes, spaced separators, the full-width at-sign, (at), [at], arroba.
@pytest.mark.parametrize(
    "phone",
    [
        "010–1234–5678",  # en dash
        "010—1234—5678",  # em dash
        "010−1234−5678",  # minus sign
        "010－1234－5678",  # full-width hyphen-minus
        "010‐1234‐5678",  # Unicode hyphen
        "010‑1234‑5678",  # non-breaking hyphen
        "010ㅡ1234ㅡ5678",  # Hangul ㅡ typed as a dash
        "010/1234/5678",
        "010 - 1234 - 5678",
        "010 – 1234 – 5678",
        "+82–10–1234–5678",
    ],
)
def test_phone_numbers_with_any_dash_or_slash_are_removed(phone):
    assert scrub_text(f"연락처 {phone}로 연락") == f"연락처 {PHONE_REMOVED}로 연락"
    assert scrub_text(f"Call {phone}.") == f"Call {PHONE_REMOVED}."


@pytest.mark.parametrize(
    "text",
    [
        "Bus routes 146/341/360 skip the stop",  # three short numbers, no phone
        "Routes 7730/7012 delayed",
        "Se reportaron 25 casas inundadas el 20/11/2026.",
        "공사 기간 2019–2024년",  # a period, whatever the dash
        "Plazo de obra: 2025-2026",
        "예산 2024 2025 2026년 집행",  # years in a row, each later
        "1990-2011 사이 준공",
        "ticket 20261120-0042",  # a reference number that starts with its date
        "Ticket closed on 2026/11/18 at 10:30",
    ],
)
def test_slashes_and_dashes_between_short_numbers_years_and_dates_stay(text):
    assert scrub_text(text) == text


def test_phones_either_side_of_a_slash_both_go():
    said = "010-1234-5678/010-9876-5432"
    assert scrub_text(said) == f"{PHONE_REMOVED}/{PHONE_REMOVED}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # one run of digits and blanks too long for one phone was once kept whole
        ("010-1234-5678 010-9876-5432", f"{PHONE_REMOVED} {PHONE_REMOVED}"),
        ("02 2133 1234 010 1234 5678", f"{PHONE_REMOVED} {PHONE_REMOVED}"),
        ("연락처 010-2222-3333 2026년부터", f"연락처 {PHONE_REMOVED} 2026년부터"),
        ("+82 10 1234 5678 010-9876-5432", f"{PHONE_REMOVED} {PHONE_REMOVED}"),
    ],
)
def test_phones_side_by_side_or_beside_a_year_go_one_by_one(text, expected):
    assert scrub_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("minsu＠example.com", EMAIL_REMOVED),  # full-width
        ("minsu﹫example.com", EMAIL_REMOVED),  # small form
        ("minsu(at)example.com", EMAIL_REMOVED),
        ("jane.doe (at) example.com", EMAIL_REMOVED),
        ("john [AT] mail.example.org", EMAIL_REMOVED),
        ("reports[at]neighbors [dot] org", EMAIL_REMOVED),
        ("maria.perez(arroba)correo.ec", EMAIL_REMOVED),
        ("hong(골뱅이)naver(점)com", EMAIL_REMOVED),
        ("minsu@10.0.0.5", EMAIL_REMOVED),  # a numeric host is a host all the same
        # a particle glued to the address stays with the sentence
        (
            "메일 hong@naver.com으로 보내 주세요",
            f"메일 {EMAIL_REMOVED}으로 보내 주세요",
        ),
    ],
)
def test_spelled_out_and_full_width_at_signs_are_removed(text, expected):
    assert scrub_text(text) == expected


@pytest.mark.parametrize(
    "text",
    ["We met (at) the station.", "Meet @ city hall", "follow @seoul_city"],
)
def test_an_at_that_joins_no_domain_stays(text):
    assert scrub_text(text) == text


@pytest.mark.parametrize(
    "rrn", ["900101 - 1234567", "900101–1234567", "900101 — 1234567", "900101－1234567"]
)
def test_resident_registration_numbers_with_spaced_or_unicode_dashes_are_removed(rrn):
    assert scrub_text(f"주민번호 {rrn}") == f"주민번호 {ID_REMOVED}"


def test_a_cedula_with_a_unicode_dash_is_removed():
    assert scrub_text(f"C.I. {CEDULAS[0][:9]}–{CEDULAS[0][9]}") == f"C.I. {ID_REMOVED}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Caller John Smith reports a pothole", "Caller {} reports a pothole"),
        ("caller: Lee Ji-eun, callback later", "caller: {}, callback later"),
        ("Owner Jane Doe refuses", "Owner {} refuses"),
        ("Name: Kim Minsu.", "Name: {}."),
        ("My name is David Brown", "My name is {}"),
        ("Complainant Sarah O'Neil asked", "Complainant {} asked"),
        ("Caller Daniel Lee's car", "Caller {}'s car"),
        ("The owner, Mr. Park, was told", "The owner, Mr. {}, was told"),
        ("김철수 씨 집 앞", "{} 씨 집 앞"),
        ("박영희님이 신고하셨습니다", "{}님이 신고하셨습니다"),
        ("남궁민수 님", "{} 님"),
        ("김철수 선생님께서", "{} 선생님께서"),
        ("담당 서지훈 주무관이 확인", "담당 {} 주무관이 확인"),
        ("신고자 김철수가 접수", "신고자 {}가 접수"),
        ("제 이름은 정수진입니다", "제 이름은 {}입니다"),
        ("성명: 홍길동, 연락처", "성명: {}, 연락처"),
        ("외국인 John Smith 씨", "외국인 {} 씨"),
        ("신고자 John Smith가 접수", "신고자 {}가 접수"),
        ("Sra. María López llamó", "Sra. {} llamó"),
        ("El Sr. Pérez dejó escombros", "El Sr. {} dejó escombros"),
        ("Sra. María de los Ángeles Torres solicita", "Sra. {} solicita"),
        ("Don José y Doña Carmen Vera", "Don {} y Doña {}"),
        ("Nombre: Juan Carlos Andrade, teléfono", "Nombre: {}, teléfono"),
        ("Mi nombre es Ana Zambrano", "Mi nombre es {}"),
    ],
)
def test_names_a_cue_announces_are_removed_and_the_cue_stays(text, expected):
    assert scrub_text(text) == expected.replace("{}", NAME_REMOVED)


@pytest.mark.parametrize(
    "text",
    [
        "Caller ID display is broken",
        "Caller reports overflowing bins",
        "Caller Unknown - anonymous tip",
        "Owner of the parking lot has not cleared the snow",
        "Owner Association meeting on Friday",
        "The owner's dog barks",
        "Street name: Teheran-ro",
        "Name of the park: Dosan Park",
        "Don Mills Road is closed",
        "선생님들이 위험하다고 하십니다",
        "고객님, 불편을 드려 죄송합니다",
        "택시 기사님이 승차를 거부했습니다",
        "구청장님께 건의드립니다",
        "오늘 날씨가 추워서",
        "마음씨 좋은 이웃",
        "김 씨네 가게",  # a surname alone names nobody
        "박 과장님이 나오신다고",
        "구청 과장님께",
        "신고자 본인이 확인",
        "신고자 정보는 비공개",
        "신고자 연락 두절",
        "민원인 요청에 따라",
        "소유자 불명의 자전거",
        "Basura frente al Colegio Don Bosco",
        "la calle Don Bosco y Av. Quito",
        "Mercado Doña Juana",
        "Estimado Sr. Alcalde, solicitamos",
        "El dueño del local no responde",
        "Nombre de la calle: Pedro Carbo",
        "Denunciante anónimo reporta ruido",
    ],
)
def test_titles_roles_places_and_cues_without_a_name_stay(text):
    assert scrub_text(text) == text


@pytest.mark.parametrize(
    "heading",
    [
        "Owner Notification",
        "Name Change Request",
        "Dog Owner Complaint",
        "Caller Callback Request",
        "Nombre Comercial",
    ],
)
def test_a_service_name_in_title_case_is_no_cue(heading):
    # every word has a capital there: categories are made of such names
    assert scrub_text(heading) == heading


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Name: Kim Minsu", "Name: {}"),
        ("Sra. María López", "Sra. {}"),
        ("Caller: John Smith", "Caller: {}"),
    ],
)
def test_a_colon_or_an_honorific_holds_in_title_case_too(text, expected):
    assert scrub_text(text) == expected.replace("{}", NAME_REMOVED)


def test_a_number_after_a_cue_goes_as_a_number_not_as_a_name():
    said = "Stolen bike; owner 900101-1234567 / minsu.kim@example.com"
    assert scrub_text(said) == f"Stolen bike; owner {ID_REMOVED} / {EMAIL_REMOVED}"


# -- the scrubber measured on a labelled corpus --------------------------------------

CORPUS = Path(__file__).parent / "fixtures" / "privacy_corpus.tsv"
LABEL = re.compile(r"\{\{([npei]):(.+?)\}\}")
KINDS = {"n": "names", "p": "phones", "e": "e-mails", "i": "id numbers"}
PLACEHOLDERS = (EMAIL_REMOVED, PHONE_REMOVED, ID_REMOVED, NAME_REMOVED)

# Bounds, and why. Phones, e-mails and id numbers have a shape: every one in the
# corpus must go, a miss is a bug. Names are found only where a cue announces them
# and the corpus keeps some with none on purpose, so 1 in 10 may stay. Overall at
# most 1 in 20 spans left: what is left is mostly a bare name, which says little
# without the phone or address beside it, and only staff see record text; the
# scrubber reaches 0.97, so four more misses fail the test. Wrongly removed plain
# text at most 1 % of its characters, in each language: a complaint must still say
# what and where, though the corpus is dense with tricky cases (titles, street
# names, "Caller ID", a shop called Mr. Pizza). The corpus was written by those who
# wrote the patterns, hence the held-out part reported apart; misses found in real
# feeds belong in it.
MIN_RECALL = 0.95
MIN_RECALL_BY_KIND = {"n": 0.90, "p": 1.0, "e": 1.0, "i": 1.0}
MAX_FALSE_REMOVAL = 0.01
MIN_LINES = 200


@dataclass(frozen=True)
class Labelled:
    """A corpus line: its language, its text, where the personal data lies and
    whether it was held out (written after the patterns were settled)."""

    lang: str
    text: str
    spans: tuple[tuple[str, int, int], ...]  # (kind, start, end) in ``text``
    held_out: bool = False


def read_corpus(path: Path = CORPUS) -> list[Labelled]:
    return parse_corpus(path.read_text(encoding="utf-8"))


def parse_corpus(corpus: str) -> list[Labelled]:
    lines = []
    held_out = False
    for raw in corpus.splitlines():
        if raw.startswith("## held out"):
            held_out = True
        if not raw.strip() or raw.startswith("#"):
            continue
        lang, marked = raw.split("\t", 1)
        text, spans, start = [], [], 0
        for label in LABEL.finditer(marked):
            text.append(marked[start : label.start()])
            at = sum(map(len, text))
            spans.append((label[1], at, at + len(label[2])))
            text.append(label[2])
            start = label.end()
        text.append(marked[start:])
        lines.append(Labelled(lang, "".join(text), tuple(spans), held_out))
    return lines


def removed_ranges(text: str, scrubbed: str) -> list[tuple[int, int]]:
    """The stretches of ``text`` the scrubber replaced by a placeholder: what is
    left of ``scrubbed`` once the placeholders are cut out must be ``text``'s own
    characters, in order."""
    parts = re.split("(" + "|".join(map(re.escape, PLACEHOLDERS)) + ")", scrubbed)
    pattern = "".join("(.+?)" if p in PLACEHOLDERS else re.escape(p) for p in parts)
    match = re.fullmatch(pattern, text, re.DOTALL)
    assert match, f"the scrubber changed more than it replaced: {scrubbed!r}"
    return [match.span(g) for g in range(1, (match.lastindex or 0) + 1)]


@dataclass
class Tally:
    spans: int = 0
    spans_removed: int = 0
    plain_chars: int = 0
    plain_removed: int = 0

    @property
    def recall(self) -> float:
        return self.spans_removed / self.spans if self.spans else 1.0

    @property
    def false_removal(self) -> float:
        return self.plain_removed / self.plain_chars if self.plain_chars else 0.0


def measure(lines: list[Labelled]) -> tuple[dict[str, Tally], list[str]]:
    """Tallies overall ("all"), per language and per kind of span; and a note for
    every miss and every wrong removal."""
    tallies: dict[str, Tally] = {}
    notes = []
    for line in lines:
        scrubbed = scrub_text(line.text) or ""
        gone = set()
        for start, end in removed_ranges(line.text, scrubbed):
            gone.update(range(start, end))
        personal = {i for _, start, end in line.spans for i in range(start, end)}
        for kind, start, end in line.spans:
            removed = all(
                i in gone for i in range(start, end) if not line.text[i].isspace()
            )
            for key in ("all", line.lang, kind, *(["held out"] * line.held_out)):
                tally = tallies.setdefault(key, Tally())
                tally.spans += 1
                tally.spans_removed += removed
            if not removed:
                notes.append(f"missed {kind}: {line.text[start:end]!r} in {scrubbed!r}")
        plain = [
            i
            for i, ch in enumerate(line.text)
            if i not in personal and not ch.isspace()
        ]
        wrong = [i for i in plain if i in gone]
        for key in ("all", line.lang, *(["held out"] * line.held_out)):
            tally = tallies.setdefault(key, Tally())
            tally.plain_chars += len(plain)
            tally.plain_removed += len(wrong)
        if wrong:
            notes.append(f"wrongly removed from {line.text!r}: {scrubbed!r}")
    return tallies, notes


def report(lines: list[Labelled], tallies: dict[str, Tally]) -> str:
    rows = [f"{len(lines)} lines"]
    for key in ("all", "ko", "en", "es", *KINDS, "held out"):
        t = tallies.get(key)
        if t is None:
            continue
        name = KINDS.get(key, key)
        row = f"{name:>10}: recall {t.recall:.3f} ({t.spans_removed}/{t.spans})"
        if t.plain_chars:
            row += (
                f", false removal {t.false_removal:.4f}"
                f" ({t.plain_removed}/{t.plain_chars} characters)"
            )
        rows.append(row)
    return "\n".join(rows)


def test_the_corpus_is_large_and_labelled_in_every_language():
    lines = read_corpus()
    assert len(lines) >= MIN_LINES
    for lang in ("ko", "en", "es"):
        own = [line for line in lines if line.lang == lang]
        assert len(own) >= 60, lang
        assert sum(not line.spans for line in own) >= 30, "plain text too"
        assert {kind for line in own for kind, _, _ in line.spans} >= set(KINDS)


def test_measuring_sees_a_miss_and_a_wrong_removal():
    """The yardstick itself: a name left in and a word taken out both count."""
    (line,) = parse_corpus("en\tCaller {{n:John Smith}} reports a pothole")
    tallies, _ = measure([line])
    assert tallies["all"].recall == 1.0 and tallies["all"].false_removal == 0.0
    (kept,) = parse_corpus("en\tHe is {{n:John Smith}} and {{n:Ann}}")
    tallies, notes = measure([kept])
    assert tallies["all"].recall == 0.0 and len(notes) == 2
    (plain,) = parse_corpus("en\tCaller Pothole reports a hole")
    tallies, notes = measure([plain])
    assert tallies["all"].false_removal == pytest.approx(7 / 25)
    assert notes and notes[0].startswith("wrongly removed")


def test_the_scrubber_meets_its_recall_and_false_removal_bounds_on_the_corpus():
    lines = read_corpus()
    tallies, notes = measure(lines)
    print("\n" + report(lines, tallies) + "\n" + "\n".join(notes))
    overall = tallies["all"]
    assert overall.recall >= MIN_RECALL, notes
    for kind, bound in MIN_RECALL_BY_KIND.items():
        assert tallies[kind].recall >= bound, (KINDS[kind], notes)
    assert overall.false_removal <= MAX_FALSE_REMOVAL, notes
    for lang in ("ko", "en", "es"):
        assert tallies[lang].false_removal <= MAX_FALSE_REMOVAL, (lang, notes)


# -- the store: schema and every stored value ----------------------------------------

# A bare name with no cue before or after it ("Minsu said …") is kept out only by
# its field: the texts below carry everything but the requester's name.
REQUESTER = ("Minsu", "김민수", "María José", "Pérez")
PHONES = ("010-9876-5432", "+82 2 2133 1234", "099 123 4567", "02-555-0101")
RRNS = ("900101-1234567", "8505152345678", "051231-5123456")
EMAILS = ("minsu.kim@example.com", "maria.perez@correo.ec")
CEDULA, RUC = CEDULAS[0], CEDULAS[0] + "001"

KOREAN = (
    f"골목에 쓰레기가 쌓여 있어요. 연락처 {PHONES[0]}, "
    f"주민번호 {RRNS[0]}, 메일 {EMAILS[0]}로 답변 주세요."
)
SPANISH = (
    f"Hay un bache enorme. Soy vecina, cédula {CEDULA}, RUC {RUC}; "
    f"llámeme al {PHONES[2]} o escriba a {EMAILS[1]}."
)


# Requester details a careless server echoes: at the top level and nested under
# extension objects. First in each request, so a cut excerpt still shows them.
REQUESTER_FIELDS = {
    "first_name": "Minsu",
    "last_name": "Kim",
    "email": EMAILS[0],
    "phone": PHONES[0],
    "device_id": "A1B2C3D4",
    "media_url": "https://311.example/media/1.jpg",
    "requester": {"name": "María José Pérez", "name_ko": "김민수"},
    "extensions": {"reporter_name": "Kim Minsu", "rrn": RRNS[2]},
    "attributes": {"contact_phone": PHONES[2], "cedula": CEDULA},
}


def personal_request(n: int, **fields: Any) -> dict[str, Any]:
    """An Open311 request with personal data in its fields and in every text."""
    return (
        REQUESTER_FIELDS
        | {
            "service_request_id": f"R{n}",
            "status": "open",
            "service_name": f"Illegal dumping (tel. {PHONES[3]})",
            "service_code": "SW-01",
            "description": KOREAN if n % 2 else SPANISH,
            "status_notes": f"Called back on {PHONES[1]}; RRN {RRNS[1]} on file",
            "agency_responsible": f"Gangnam-gu office, {EMAILS[0]}",
            "address": "Teheran-ro 152",
            "requested_datetime": "2026-11-20T08:15:00+09:00",
            "updated_datetime": "2026-11-20T09:15:00+09:00",
            "lat": 37.5005,
            "long": 127.0364,
        }
        | fields
    )


def personal_rows() -> list[dict[str, Any]]:
    broken = personal_request(3)
    del broken["service_request_id"]  # quarantined: its excerpt is stored too
    return [
        personal_request(1),
        personal_request(2),
        broken,
        personal_request(4, requested_datetime=f"call {PHONES[0]}"),  # bad time
        personal_request(5, lat=f"{EMAILS[1]}"),  # a reason that quotes an e-mail
    ]


def socrata_rows() -> list[dict[str, Any]]:
    """A table-shaped feed whose kept extra column carries personal data."""
    return [
        {
            "case": f"S{n}",
            "when": "2026-11-20T10:00:00",
            "kind": "THEFT",
            "summary": f"Stolen bike; owner {RRNS[n % 3]} / {EMAILS[n % 2]}",
            "notes": SPANISH if n % 2 else KOREAN,
            "reporter_name": "Kim Minsu",
        }
        for n in range(1, 4)
    ]


def sources(base: str) -> str:
    open311 = source_block(
        "311",
        "open311",
        {
            "url": f"{base}/open311",
            "page_size": 100,
            "lookback_days": 1,
            "window_hours": 24,
            "retries": 0,
        },
    )
    socrata = source_block(
        "thefts",
        "socrata",
        {
            "url": f"{base}/soda.json",
            "order_by": "when",
            "attrs": ["notes"],
            "retries": 0,
        },
    )
    return (
        open311
        + socrata
        + '[sources.options.record]\nkind = "event"\ndomain = "safety"\n'
        + '[sources.options.columns]\nsource_id = "case"\noccurred_at = "when"\n'
        + 'category = "kind"\ntitle = "summary"\n'
    )


@pytest.fixture
def filled_store(feed_server, ingest: IngestCli, store_url: str) -> Engine:
    """A store on SQLite and PostgreSQL after `citywall ingest` read both feeds."""
    ingest.db_url = store_url
    ingest.monkeypatch.setenv("CITYWALL_DATABASE_URL", store_url)
    feed_server.route("/open311/requests.json", json.dumps(personal_rows()))
    feed_server.route("/open311/services.json", "[]")
    feed_server.route("/soda.json", json.dumps(socrata_rows()))
    ingest.use(sources(feed_server.base))
    done = ingest()
    assert done.exit_code == 0, done.out + done.err
    lines = {line.split(":")[0].strip(): line for line in done.out.splitlines() if line}
    assert summary_numbers(lines["311"]) == {
        "fetched": 5, "stored": 2, "rejected": 3, "ignored": 0
    }, done.out  # fmt: skip
    assert summary_numbers(lines["thefts"])["stored"] == 3, done.out
    engine = ingest.engine()
    yield engine
    engine.dispose()


# Columns whose name says "name" but that hold a place's or a thing's name. (The
# access layer's staff accounts hold a username: city staff, not residents.)
NOT_PERSONAL = {
    ("districts", "name_en"): "the district's name",
    ("districts", "name_local"): "the district's name",
    ("cameras", "name"): "where the camera looks (a junction, a square)",
    ("leases", "name"): "a job one process holds: a source's pull, the stage watch",
}
PERSONAL_COLUMN = re.compile(
    r"(^|_)(name|first_?name|last_?name|full_?name|e_?mail|phone|mobile|tel|"
    r"requester|reporter|complainant|contact|device_id|account_id|birth|rrn|"
    r"resident_?(registration|id)|cedula|national_id|ssn|licen[cs]e_plate)($|_)",
    re.IGNORECASE,
)


def test_no_table_has_a_column_for_personal_data(filled_store):
    inspector = inspect(filled_store)
    tables = set(inspector.get_table_names()) | set(metadata.tables)
    assert {"events", "quarantine", "source_state"} <= tables
    personal = []
    for table in sorted(tables):
        for column in _column_names(inspector, table):
            if PERSONAL_COLUMN.search(column) and (table, column) not in NOT_PERSONAL:
                personal.append(f"{table}.{column}")
    assert personal == []


def _column_names(inspector, table: str) -> list[str]:
    if table in metadata.tables:
        return [c.name for c in metadata.tables[table].columns]
    return [c["name"] for c in inspector.get_columns(table)]


# Independent of city.privacy, so a bug in its patterns cannot hide here.
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
RRN = re.compile(r"\d{6}[-\s]?[1-8]\d{6}")


def _digits_only(text: str) -> str:
    """Separators dropped, also a slug's underscores (a category made of a phone)."""
    return re.sub(r"[\s().+_-]", "", text)


def leaks_in(text: str) -> list[str]:
    """The personal data ``text`` still carries."""
    found = EMAIL.findall(text) + RRN.findall(text)
    bare = _digits_only(text)
    found += [p for p in PHONES + RRNS if _digits_only(p) in bare]
    found += [c for c in (CEDULA, RUC) if c in bare]
    found += [n for n in REQUESTER if n.casefold() in text.casefold()]
    return found


def stored_texts(engine: Engine) -> list[tuple[str, str, str]]:
    """(table, column, text) of every text and JSON value of every row."""
    found = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)).mappings():
                for column, value in row.items():
                    if isinstance(value, (dict, list)):
                        value = json.dumps(value, ensure_ascii=False)
                    if isinstance(value, str):
                        found.append((table.name, column, value))
    return found


def test_no_stored_value_carries_personal_data(filled_store):
    texts = stored_texts(filled_store)
    tables = {table for table, _, _ in texts}
    assert {"events", "quarantine", "source_runs", "source_state"} <= tables
    leaks = {
        f"{table}.{column}: {leak}"
        for table, column, text in texts
        for leak in leaks_in(text)
    }
    assert leaks == set()


def test_what_a_complaint_says_still_lands(filled_store):
    everything = " ".join(text for _, _, text in stored_texts(filled_store))
    assert "골목에 쓰레기가 쌓여 있어요" in everything
    assert "Hay un bache enorme" in everything
    assert "Teheran-ro 152" in everything
    for placeholder in (PHONE_REMOVED, EMAIL_REMOVED, ID_REMOVED):
        assert placeholder in everything
