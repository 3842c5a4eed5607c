"""Personal data never enters the store.

Fields that name or reach a person (Open311 servers may echo the requester's name,
e-mail, phone or device id) are dropped by name, in nested objects too; free text
keeps its meaning but loses e-mail addresses, phone numbers, Korean resident
registration numbers (주민등록번호), Ecuadorian cédula / RUC numbers and people's
names where the text announces one ("Caller …", "name: …", "김철수 씨", "Sra. …").
Dates, times, years, house numbers and counts stay: the wall needs them and they
name nobody.

The patterns are measured, not only unit-tested: ``tests/city/fixtures/
privacy_corpus.tsv`` is a labelled corpus of complaints in Korean, English and
Spanish, and ``tests/city/test_privacy.py`` holds the recall and the share
of plain text wrongly removed to stated bounds.
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
NAME_REMOVED = "[name removed]"

# ASCII letters and digits only: a Korean particle glued to a number ("…5678로")
# must not hide it, as Python's \w (which includes Hangul) would.
_BEFORE = r"(?<![0-9A-Za-z])"
_AFTER = r"(?![0-9A-Za-z])"

# What people type between digit groups besides "-": the hyphens and dashes a word
# processor or a phone keyboard substitutes (‐ ‑ ‒ – — ―), the minus sign, the
# small and full-width forms an East Asian IME gives (﹘ ﹣ －) and Hangul ㅡ, which
# Korean users type as a dash.
DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d\u3161"
_DASH = f"[{re.escape(DASHES)}]"
_SPACED_DASH = rf"\s*{_DASH}\s*"  # 900101 - 1234567

_URL = re.compile(r"https?://[^\s<>\"']+")
# "@", its full-width and small forms, and the spelled-out kinds people use to
# dodge address harvesters: (at) [at] {arroba} (골뱅이), and (dot) in the domain
_AT = (
    r"(?:\s?[@＠﹫]\s?"
    r"|\s*[(\[{]\s*(?:(?i:at|arroba)|골뱅이)\s*[)\]}]\s*)"
)
_DOT = r"(?:[.．]|\s*[(\[{]\s*(?:(?i:dot|punto)|점)\s*[)\]}]\s*)"
# the last label is ASCII letters (or an IP address's number), so a Korean particle
# glued to the address ("…@naver.com으로") is not taken with it
_EMAIL = re.compile(
    # starting only where a word does keeps the search linear in the word's length
    rf"(?<![\w.%+-])[\w.%+-]+{_AT}[\w-]+(?:{_DOT}[\w-]+)*"
    rf"{_DOT}(?:[A-Za-z]{{2,63}}|\d{{1,3}})(?![0-9A-Za-z_-])"
)
# YYMMDD-SNNNNNN; S is sex and century: 1-4 citizens, 5-8 foreign residents
_RRN = re.compile(
    rf"(?<!\d)(\d{{2}})(\d{{2}})(\d{{2}})(?:{_SPACED_DASH}|\s+)?([1-8])\d{{6}}(?!\d)"
)
# ten digits, an optional dash before the check digit; "001" makes it a RUC
_CEDULA = re.compile(rf"(?<!\d)(\d{{9}})(?:{_SPACED_DASH})?(\d)(?:{_DASH}?001)?(?!\d)")
# 7+ digits with the usual separators: phone numbers, not years or house numbers
_PHONE = re.compile(
    _BEFORE + rf"[+＋]?[(（]?\d[\d\s().（）/{re.escape(DASHES)}]{{5,}}\d" + _AFTER
)
# with slashes a phone has the shape 010/1234/5678; "146/341/360" is bus routes
_SLASHED_PHONE = re.compile(r"[+＋]?\d{2,4}\s*/\s*\d{3,4}\s*/\s*\d{4}")

# A range of house numbers before the street it is on: "1701-1799 E Durham Ln",
# "1700-1798 block of Main", "2400 - 2498 N. Lincoln Avenue". Two numbers of the same
# length rising from the first to the second (a phone's halves need not), then a
# street: up to four words ending in a street type, or "block". Eight digits alone
# are still a phone: the street makes the range.
_STREET_TYPES = (
    "st|street|ave|av|avenue|rd|road|ln|lane|blvd|boulevard|dr|drive|way|ct|court"
    "|pl|place|pkwy|parkway|hwy|highway|ter|terrace|cir|circle|sq|square|trl|trail"
    "|loop|row|walk|plaza|pike|alley|aly"
)
_ADDRESS_RANGE = re.compile(
    rf"(?<![\d{re.escape(DASHES)}])(?P<low>\d{{3,5}}){_SPACED_DASH}"
    rf"(?P<high>\d{{3,5}})(?![\d{re.escape(DASHES)}])"
    rf"(?=\s+(?i:block\b|(?:[\w.'’-]+\s+){{1,4}}(?:{_STREET_TYPES})\b))"
)
_AREA_CODE_BEFORE = re.compile(r"[\d)）+]\s*\Z")

_DATE_SEP = f"[./{re.escape(DASHES)}]"
_YEAR = r"(?:19|20)\d\d"  # so that +82-10-5555-6666 is not 82-10-5555 and a rest
_DATE_OR_TIME = re.compile(
    rf"(?<!\d){_YEAR}{_DATE_SEP}\s?\d{{1,2}}{_DATE_SEP}\s?\d{{1,2}}(?!\d)"
    rf"|(?<!\d)\d{{1,2}}{_DATE_SEP}\d{{1,2}}{_DATE_SEP}{_YEAR}(?!\d)"
    r"|\d{1,2}:\d{2}"
)  # 2026-11-20, 2026. 11. 20, 20/11/2026, 20.11.2026, 10:30
_DECIMAL = re.compile(r"\d+\.\d+")  # 127.0473: a coordinate, not a phone
_DOTTED_COUNT = re.compile(r"\d{1,2}(\.\d{3})+")  # 1.500.000 habitantes
_COMPACT_DATE = re.compile(r"(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])")
# a ticket number that starts with its date: 20261120-0042
_DATED_REFERENCE = re.compile(_COMPACT_DATE.pattern + rf"{_DASH}\d{{1,6}}")
# 2019–2024, 2024 2025 2026: a period or a list of years, each later than the one
# before; no phone runs forward like that
_YEARS = re.compile(rf"{_YEAR}(?:(?:{_SPACED_DASH}|\s+){_YEAR})+")
MAX_NATIONAL_DIGITS = 12  # longer needs a "+" or "00": E.164 allows 15 in all
MAX_DEPTH = 32  # deeper than any feed nests JSON


def scrub_text(text: str | None) -> str | None:
    """``text`` without e-mail addresses, phone numbers, personal id numbers or
    the names it announces."""
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
    text = _without_phones(text)
    # names last: "owner 900101-1234567" must lose the number, not take it for one
    return scrub_names(text)


def _without_phones(text: str) -> str:
    """Phone numbers removed everywhere but in the address ranges the text names
    ("1701-1799 E Durham Ln"), which stay whole."""
    pieces = []
    start = 0
    for found in _ADDRESS_RANGE.finditer(text):
        low, high = found.group("low"), found.group("high")
        if (
            len(low) != len(high)
            or int(high) <= int(low)  # "2133-1234 Main St": a phone, not a range
            or _AREA_CODE_BEFORE.search(text, 0, found.start())  # (02) 2133-2199
        ):
            continue
        pieces.append(_PHONE.sub(_phone_or_keep, text[start : found.start()]))
        pieces.append(found.group())
        start = found.end()
    pieces.append(_PHONE.sub(_phone_or_keep, text[start:]))
    return "".join(pieces)


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
    if "/" in found and not _SLASHED_PHONE.fullmatch(found):
        # "7730/7012" are two bus routes, "010-1234-5678/010-9876-5432" two
        # phones: each side is judged on its own
        return "/".join(_PHONE.sub(_phone_or_keep, part) for part in found.split("/"))
    if _digits(found) > _longest(found) and _GAP.search(found):
        # "010-1234-5678 010-9876-5432", "010-1234-5678 2026년": too long for one
        # number, so judged in pieces that are not
        return _in_pieces(found)
    return found if _looks_harmless(found) else PHONE_REMOVED


_GAP = re.compile(r"\s+")


def _digits(found: str) -> int:
    return sum(ch.isdigit() for ch in found)


def _longest(found: str) -> int:
    """The most digits a phone may have: E.164's 15 after "+" or "00"."""
    return 15 if found.startswith(("+", "＋", "00")) else MAX_NATIONAL_DIGITS


def _in_pieces(found: str) -> str:
    """``found`` cut at its blanks into the longest runs a phone could be, each
    judged on its own."""
    words = _GAP.split(found)
    gaps = _GAP.findall(found)
    pieces, piece = [], words[0]
    for gap, word in zip(gaps, words[1:], strict=True):
        if _digits(piece + word) > _longest(piece):
            pieces += [piece, gap]
            piece = word
        else:
            piece += gap + word
    pieces.append(piece)
    return "".join(_PHONE.sub(_phone_or_keep, p) for p in pieces)


def _around_dates(found: str) -> str:
    parts = _DATE_OR_TIME.split(found)
    dates = _DATE_OR_TIME.findall(found)
    out = [_PHONE.sub(_phone_or_keep, parts[0])]
    for date_, rest in zip(dates, parts[1:]):
        out += [date_, _PHONE.sub(_phone_or_keep, rest)]
    return "".join(out)


def _looks_harmless(found: str) -> bool:
    """A coordinate, a count, a date or a run too short or long for a phone."""
    digits = _digits(found)
    years = [int(y) for y in re.findall(r"\d{4}", found)]
    return (
        digits < 7
        or digits > _longest(found)
        or bool(_DECIMAL.fullmatch(found))
        or bool(_DOTTED_COUNT.fullmatch(found))
        or bool(_COMPACT_DATE.fullmatch(found))
        or bool(_DATED_REFERENCE.fullmatch(found))
        or bool(_YEARS.fullmatch(found) and years == sorted(set(years)))
    )


# -- names ---------------------------------------------------------------------
#
# A name cannot be told from other words by its shape, only by what announces it:
# a label ("Caller", "name:", "신고자", "Nombre:"), an honorific before it ("Sra.",
# "Mr.", "Don") or after it (Korean 씨 and 님, or a job title: 김철수 주무관님). What
# follows a cue is taken for a name only if it looks like one: capitalised words
# (Spanish "de", "del", "y" may join them) or two to four Hangul syllables that
# begin with a common surname. A title on its own is no name and stays (선생님,
# 고객님, "owner", "Sra. Alcaldesa"), as do the words that often follow a cue
# without being a name ("Caller ID", "owner of the lot", "신고자 본인"). A Korean
# surname alone (김 씨, 박 과장님) stays too: one syllable borne by millions names
# nobody, while after "Sr." or "Mr." a single word is the given name or a far rarer
# surname, and goes. Where every word has a capital (a service's name, "Owner
# Notification"), a label announces a name only with a colon ("Name: …").


def _words(text: str) -> frozenset[str]:
    """Word lists kept as text: a few hundred words read better as prose."""
    return frozenset(text.split())


_UP = "A-ZÁÉÍÓÚÑÜÀÈÌÒÙÂÊÎÔÛÄËÏÖÇ"
_LOW = "a-záéíóúñüàèìòùâêîôûäëïöçß"
# words a capital letter starts that are no names: honorifics, verbs and the
# institutions a cue is followed by in complaints ("Caller States", "Owner
# Association", "Sr. Alcalde")
_NOT_NAMES = _words(
    "mr mrs ms miss mx dr sr sra srta sres don doña dña señor señora señorita "
    "caller owner name nombre the a an and or of is was has had not no none "
    "unknown anonymous withheld says said states stated reports reported called "
    "calls requests requested wants asks asked advises advised would will could "
    "left refused declined complains complained notes noted from at on in for to "
    "with by also again id info information number phone tel email address "
    "association company center centre office department team desk service "
    "services station parking lot building hall management inc ltd llc co corp "
    "group store shop restaurant cafe mart please thanks here there this that "
    "same via only el la los las de del un una y o usuario usuaria ciudadano "
    "ciudadana vecino vecina cliente contribuyente alcalde alcaldesa presidente "
    "presidenta concejal concejala director directora gerente jefe jefa "
    "inspector inspectora policía ingeniero ingeniera doctor doctora licenciado "
    "licenciada abogado abogada administrador administradora desconocido "
    "desconocida anónimo anónima reservado llama llamó dice indica reporta "
    "solicita pide denuncia sin que es teléfono correo dirección cédula "
    "road rd street st avenue ave boulevard blvd drive calle avenida"
)
_NOT_A_NAME = (
    "(?i:" + "|".join(sorted(_NOT_NAMES, key=len, reverse=True)) + r")(?![\w'’])"
)
_CAP_WORD = (
    rf"(?=[{_UP}])(?!{_NOT_A_NAME})[{_UP}]"  # the cheap test first
    rf"(?:[{_LOW}]+(?:[{_UP}][{_LOW}]+)?|['’][{_UP}][{_LOW}]+)"  # Lee, McKay, O'Neil
    # Ji-eun; Lee's; a Korean particle may follow: John Smith가
    rf"(?:-[{_UP}{_LOW}][{_LOW}]+)*(?![{_UP}{_LOW}0-9_]|['’]\w\w)"
)
_NAME_WORD = rf"(?:{_CAP_WORD}|[{_UP}]\.(?=\s))"  # or an initial: J. Smith
_LATIN_NAME = (
    rf"{_NAME_WORD}(?:\s+(?:(?:de|del|de la|de los|de las|y|van|von|da|di)\s+)?"
    rf"{_NAME_WORD}){{0,3}}"
)
# What announces a name: labels in any case, honorifics as they are written.
_LABEL = (
    r"(?i:caller|owner|complainant|requester|name|nombre|propietari[oa]|dueñ[oa]"
    r"|denunciante|solicitante|me llamo)"
    r"|신고자|민원인|성명|이름|소유자|차주|집주인|건물주|제보자|작성자|신청인"
)
_HONORIFIC = r"Mrs?|Ms|Miss|Mx|Sra?|Srta|Sres|[Ss]eñora?|[Ss]eñorita|Doña|Dña|Don"
_CUED_NAME = re.compile(
    rf"(?<![\w])(?:(?P<label>{_LABEL})(?:은|는)?(?![\w])"
    r"(?:'s)?\s*(?:[:：=]\s*|,\s+)?(?:(?i:is|es|was|era)\s+)?"
    rf"|(?:{_HONORIFIC})(?:\.\s*|\s+))"
    rf"(?P<name>{_LATIN_NAME}|[가-힣]{{2,}})"
)
# Words before a cue or after a "name" that make it a place: Colegio Don Bosco,
# calle Don Bosco, Don Mills Road, street name: …
_PLACE_WORDS = _words(
    "calle avenida av avda colegio escuela unidad educativa parque plaza mercado "
    "barrio ciudadela cdla urbanización urb hospital iglesia estadio puente "
    "malecón cooperativa coop street st road rd avenue ave park school station "
    "bridge lane ln drive boulevard blvd square market church mall building tower "
    "file user business company product brand project shop store event app bus "
    "district area"
)

# Korean: the commonest surnames, between them nearly everyone's (Kim, Lee and Park
# alone are nearly half the country's), and the two-syllable ones
_KO_SURNAMES = frozenset(
    "김이박최정강조윤장임한오서신권황안송전홍유류고문양손배백허남심노하곽성차주우구"
    "민나진지엄채원천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국"
)
_KO_DOUBLE_SURNAMES = frozenset(
    {"남궁", "황보", "제갈", "선우", "독고", "사공", "서문"}
)
# titles a name may stand before (홍길동 주무관님); a word ending in one is a title
# or a surname with one (구청장, 김과장), not a name
_KO_TITLES = (
    "선생|교수|과장|팀장|부장|차장|실장|국장|소장|원장|청장|시장|회장|사장|반장|통장|"
    "이장|동장|주무관|주임|대리|대표|기사|위원|의원|변호사|박사|의사|간호사|선배|후배|"
    "작가|감독|목사|신부|매니저|담당자|담당"
)
_KO_TITLE = re.compile(_KO_TITLES)
_ENDS_IN_KO_TITLE = re.compile(f"(?:{_KO_TITLES})$")
# words that begin with a surname's syllable and stand where a name would: before
# 님 or 씨 (고객님, 마음씨), after a label (신고자 정보), before a title (구청 과장님)
_KO_NOT_NAMES = _words(
    "고객 선생 주민 회원 이용자 사용자 하나 부모 부처 선배 후배 대표 교수 공무원 상담원 "
    "관계자 신고자 민원인 작가 기사 이사 위원 의원 마음 고모 이모 사모 주인 집주인 건물주 "
    "임차인 임대인 소유자 정보 연락 연락처 요청 주소 불명 미상 명의 익명 방문객 동네 "
    "우리 여러분 구청 도청 시청 경찰 소방 구민 시민 도민 주무 담당 현장 관리 관리소 "
    "경비 안내 전화 문의 이웃 옆집 윗집 아랫집 앞집 남편 아내 부인 형수 동생 아들 손자 "
    "조카 조상 도련 서방 임금 공주 왕자 신랑 신부 옥수수 고추 호박 모과 유치원 학교 "
    "학원 교회 성당 한강 공원 공사 도로 차량 주차 하수 가로등 신호 민원 신고 요구 확인 "
    "성명 이름 진행 처리 조치 답변 감사 주민센터 모르 모를 모름 없음 비공개"
)
_KO_SUFFIXED_NAME = re.compile(
    rf"(?<![가-힣])(?P<name>[가-힣]{{2,4}})"
    # a title glued to the word needs its 님: 공영주차장 is a car park
    rf"(?=\s?(?:씨|님)|\s(?P<title>{_KO_TITLES})(?P<title_hon>님)?|(?:{_KO_TITLES})님)"
    rf"|(?<![\w])(?P<latin>{_LATIN_NAME})(?=\s?(?:씨|님))"  # John Smith 씨
)
# what may follow a name inside one Hangul word: 씨 or 님, then a particle
_KO_TAIL = re.compile(
    "(?:씨|님)?(?:이|가|은|는|을|를|의|에게|에게서|께|께서|와|과|도|만|한테|이랑|랑|"
    "이가|이는|이를|이의|입니다|이고|이며|이에요|예요|이라고|라고|으로|로|이다|다)?"
)


def scrub_names(text: str) -> str:
    """``text`` with the names a cue announces replaced by ``NAME_REMOVED``; the
    cue (the label, the honorific, the title) stays, so the text still reads."""
    heading = _is_heading(text)
    text = _CUED_NAME.sub(lambda match: _cued_name_or_keep(match, heading), text)
    if "씨" in text or "님" in text or _KO_TITLE.search(text):
        text = _KO_SUFFIXED_NAME.sub(_suffixed_name_or_keep, text)
    return text


def _cued_name_or_keep(match: re.Match[str], heading: bool) -> str:
    whole, name = match.group(), match.group("name")
    cue = whole[: match.start("name") - match.start()]  # the name ends the match
    if "가" <= name[0] <= "힣":
        size = _korean_name_size(name)
        return cue + NAME_REMOVED + name[size:] if size else whole
    if _in_a_place_name(match.string, match.start(), match.end()):
        return whole
    if match.group("label") and heading and ":" not in cue:
        # "Owner Notification", "Name Change Request": in a service's or a
        # category's name every word has a capital; only "Name:" still tells
        return whole
    return cue + NAME_REMOVED


_LATIN_WORD = re.compile(r"[A-Za-zÀ-ÿ]{3,}")
_HANGUL = re.compile("[가-힣]")


def _is_heading(text: str) -> bool:
    """Two or more Latin words, each capitalised, and no Korean around them: a
    title, not a sentence."""
    words = _LATIN_WORD.findall(text)
    return (
        len(words) >= 2
        and all(word[0].isupper() for word in words)
        and not _HANGUL.search(text)
    )


def _in_a_place_name(text: str, start: int, end: int) -> bool:
    """Whether the word before the cue or after the name makes it a place's."""
    before = re.search(r"(\w+)\.?\s*$", text[max(0, start - 40) : start])
    after = re.match(r"\s*(\w+)", text[end:])
    return any(
        word and word.group(1).lower() in _PLACE_WORDS for word in (before, after)
    )


def _suffixed_name_or_keep(match: re.Match[str]) -> str:
    if match.group("latin"):
        return NAME_REMOVED
    name = match.group("name")
    if not _is_korean_name(name):
        return name
    # without 씨 or 님 a title is taken after a full name only: "구청 과장" is an
    # office and its head, "홍길동 과장" a person
    if match.group("title") and not match.group("title_hon") and len(name) < 3:
        return name
    return NAME_REMOVED


def _korean_name_size(run: str) -> int:
    """How many syllables at the start of the Hangul word ``run`` are a name (the
    rest a particle: 김철수가, 정수진입니다); 0 when it is no name."""
    sizes = (4, 3) if run[:2] in _KO_DOUBLE_SURNAMES else (3, 2)
    for size in sizes:
        if _is_korean_name(run[:size]) and _KO_TAIL.fullmatch(run[size:]):
            return size
    return 0


def _is_korean_name(word: str) -> bool:
    """A surname and a given name of one or two syllables, and not a word known
    to stand where names do."""
    if word[:2] in _KO_DOUBLE_SURNAMES:
        fits = 3 <= len(word) <= 4
    else:
        fits = word[0] in _KO_SURNAMES and 2 <= len(word) <= 3
    return (
        fits
        and not any(word.startswith(noun) for noun in _KO_NOT_NAMES)
        and not _ENDS_IN_KO_TITLE.search(word)
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
