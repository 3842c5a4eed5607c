"""No resident's personal data reaches the store.

Two layers: the patterns of ``connectors.privacy`` one by one (what is removed and
what must stay), then the whole path: feeds full of personal data go through
`citywall ingest` and no table's columns nor any stored value may hold it.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, select

from connectors.base import Rejected, excerpt
from connectors.privacy import (
    EMAIL_REMOVED,
    ID_REMOVED,
    PHONE_REMOVED,
    drop_personal_fields,
    is_cedula,
    scrub_text,
    scrub_value,
)
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


# -- the store: schema and every stored value ----------------------------------------

# A name can only be kept out by its field: no pattern finds one in free text, so
# the texts below carry everything but the requester's name.
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


# Independent of connectors.privacy, so a bug in its patterns cannot hide here.
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
