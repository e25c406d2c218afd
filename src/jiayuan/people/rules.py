"""Pure domain rules for people: identifiers, names, phones, code tables, age.

No Django, no I/O: every function takes values and returns values or raises
:class:`RuleError`. The sources of the rules are named in each docstring; see also
``/work/shared/DOMAIN.md`` (sections "Citizen ID number", "Other identifiers",
"Code tables", "Age").

Messages are Chinese templates with ``%(name)s`` parameters, marked with ``N_`` so
``makemessages --keyword=N_`` collects them; callers that translate do
``gettext(err.template) % err.params``, others use ``err.message``.
"""

from __future__ import annotations

import datetime
import numbers
import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "N_",
    "RuleError",
    "normalize_text",
    "IdNumberInfo",
    "id_check_char",
    "normalize_id_number",
    "parse_id_number",
    "check_consistency",
    "SEX_NAMES",
    "parse_sex",
    "normalize_name",
    "NAME_MAX_LENGTH",
    "MIDDLE_DOT",
    "normalize_phone",
    "age_on",
    "ETHNIC_GROUPS",
    "ETHNIC_GROUP_ALIASES",
    "parse_ethnic_group",
    "RELATIONS",
    "RELATION_ALIASES",
    "HEAD_RELATION",
    "parse_relation",
    "name_pinyin",
    "name_grams",
    "search_grams",
    "mask_id_number",
    "mask_phone",
    "classify_query",
    "first_control_char",
    "ORDINARY_WHITESPACE",
    "char_label",
    "ID_TYPES",
    "RESIDENT_ID",
    "DocumentInfo",
    "parse_id_type",
    "normalise_document",
    "validate_document",
    "parse_document",
    "document_key",
    "document_candidates",
    "mask_document",
]


def N_(s: str) -> str:
    """Mark a message template for extraction (``makemessages --keyword=N_``); identity."""
    return s


class RuleError(ValueError):
    """A broken domain rule, with a stable ``code`` and a Chinese message template.

    ``code``: stable identifier, e.g. ``"id_number.checksum"``; ``template``: Chinese
    message with ``%(name)s`` placeholders (marked with ``N_`` where defined);
    ``params``: dict of str/int values for the template; ``field``: the form field
    the error belongs to (``"id_number"``, ``"name"``, ``"phone"``, ``"sex"``,
    ``"birth_date"``, ``"ethnic_group"``, ``"relation_to_head"``) or ``None``.
    """

    def __init__(
        self,
        code: str,
        template: str,
        params: dict | None = None,
        field: str | None = None,
    ) -> None:
        self.code = code
        self.template = template
        self.params = dict(params or {})
        self.field = field
        super().__init__(code, template, self.params, field)

    @property
    def message(self) -> str:
        """The Chinese message: ``template % params``."""
        return self.template % self.params

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"RuleError({self.code!r}, field={self.field!r}, params={self.params!r})"


# --------------------------------------------------------------------------- text


_FORMAT_CHARS_RE: list[re.Pattern] = []


def _format_chars_re() -> re.Pattern:
    """A character class of every Unicode format character (category Cf) known to
    this Python's Unicode database (built once, on first use)."""
    if not _FORMAT_CHARS_RE:
        chars = [chr(c) for r in (range(0x80, 0x30000), range(0xE0000, 0xE1000)) for c in r
                 if unicodedata.category(chr(c)) == "Cf"]
        _FORMAT_CHARS_RE.append(re.compile("[" + "".join(re.escape(ch) for ch in chars) + "]"))
    return _FORMAT_CHARS_RE[0]


def _strip_format_chars(value: str) -> str:
    if value.isascii():  # no format character is ASCII
        return value
    return _format_chars_re().sub("", value)


def normalize_text(value: str) -> str:
    """Normalise free text typed or pasted by users.

    Shape: ``str -> str`` (``None`` gives ``""``). Steps: remove every invisible
    format character (Unicode category Cf: U+200B–U+200F, U+FEFF, U+00AD, U+2060 …),
    apply NFKC (full-width digits/letters/punctuation to half-width, U+3000 and
    NBSP to a plain space), then strip leading and trailing whitespace. Interior
    whitespace and letter case are kept. Raises ``TypeError`` for non-strings.
    Source: project decision (DOMAIN.md, "Citizen ID number"); Unicode UAX #15.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"normalize_text expects str, got {type(value).__name__}")
    return unicodedata.normalize("NFKC", _strip_format_chars(value)).strip()


# Chinese punctuation typed in its full-width form (GB/T 15834-2011 标点符号用法: ，；：！？
# （）［］｛｝～ are the forms Chinese text uses). NFKC would turn each into its ASCII
# twin ("，" → ","), which mangles prose; free text keeps them as typed.
CJK_PUNCTUATION = "，；：！？（）［］｛｝～"
_CJK_PUNCTUATION_SPLIT = re.compile(f"([{re.escape(CJK_PUNCTUATION)}])")


def clean_free_text(value: object, *, multiline: bool = False, max_length: int | None = None) -> str:
    """Free text (address, note, house number, opinion) as stored: :func:`normalize_text`
    (full-width digits and letters to half-width …) except that the Chinese punctuation
    of :data:`CJK_PUNCTUATION` is kept as typed, then every control character (Unicode category Cc, e.g. NUL) removed — except line
    breaks and tabs when ``multiline`` — and, for one-line text, runs of white space
    folded to one space. ``max_length`` cuts nothing: callers check the length.
    Non-strings (numbers) are turned into their text; lists and dicts raise TypeError."""
    if value is None:
        return ""
    if isinstance(value, bool) or isinstance(value, (list, dict, tuple, set)):
        raise TypeError("free text must be a string")
    parts = _CJK_PUNCTUATION_SPLIT.split(_strip_format_chars(str(value)))
    text = "".join(p if p and p in CJK_PUNCTUATION else unicodedata.normalize("NFKC", p) for p in parts).strip()
    keep = "\n\t" if multiline else ""
    text = "".join(ch for ch in text if ch in keep or unicodedata.category(ch) != "Cc")
    if not multiline:
        text = " ".join(text.split())
    return text


# Space, tab and line breaks: what a pasted name may carry and folding turns into spaces.
ORDINARY_WHITESPACE = " \t\n\r"


def first_control_char(value: str, allowed: str = "") -> str | None:
    """The first control character (Unicode category Cc: NUL, BEL, ESC, U+0014 …) or
    invisible format character (Cf: U+200B, U+202E, U+FEFF …) of ``value`` that is not
    in ``allowed``, or None. For names and codes that must be refused rather than quietly
    cleaned (a department's name and code: ``allowed=ORDINARY_WHITESPACE`` lets a name
    keep the space, tab and line breaks that are folded to one space; a code allows
    none). Shown to the user with :func:`char_label`."""
    if value.isprintable():
        # False for every Cc and Cf character (and for white space other than the space):
        # the common case costs one C-level pass
        return None
    for ch in value:
        if ch not in allowed and unicodedata.category(ch) in ("Cc", "Cf"):
            return ch
    return None


def is_numeric_cell(value: object) -> bool:
    """True for int, float, Decimal, bool … (a numeric spreadsheet cell)."""
    return isinstance(value, numbers.Number)


def describe_number(value: object) -> str:
    """A numeric cell's value as the sheet shows it (``6.207e+17`` read as a float with
    no fraction is shown as its integer digits), for a message saying a number was typed
    where text was expected."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return str(value)


# ------------------------------------------------------------ citizen ID number

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_MAP = "10X98765432"
_ID18_RE = re.compile(r"[0-9]{17}[0-9X]")
_ID15_RE = re.compile(r"[0-9]{15}")
_ASCII_DIGITS = frozenset("0123456789")
_EARLIEST_BIRTH = datetime.date(1880, 1, 1)


@dataclass(frozen=True)
class IdNumberInfo:
    """What a valid citizen ID number says (GB 11643-1999).

    ``number``: normalised 18 characters; ``area_code``: 6-digit GB/T 2260 address
    code of first registration (kept for life, even for abolished counties);
    ``birth_date``; ``sex``: GB/T 2261.1 code, 1 male (odd sequence) or 2 female
    (even sequence); ``converted_from_15``: the input was a legacy 15-digit number.
    """

    number: str
    area_code: str
    birth_date: datetime.date
    sex: int
    converted_from_15: bool

    @property
    def id_type(self) -> str:
        """The document type: always ``"resident_id"`` (see :class:`DocumentInfo`)."""
        return "resident_id"


def id_check_char(first17: str) -> str:
    """Check character of a citizen ID number, GB 11643-1999 (ISO 7064 MOD 11-2).

    Shape: 17 ASCII digits -> one of ``"0"…"9"``, ``"X"``. S = Σ dᵢ·wᵢ with weights
    7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2; S mod 11 = 0…10 maps to 1 0 X 9 8 7 6 5 4 3 2.
    Raises ``ValueError`` if ``first17`` is not exactly 17 ASCII digits.
    """
    if (
        not isinstance(first17, str)
        or len(first17) != 17
        or not set(first17) <= _ASCII_DIGITS
    ):
        raise ValueError("id_check_char expects exactly 17 ASCII digits")
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS))
    return _ID_CHECK_MAP[total % 11]


def _id_format_error(number: str) -> RuleError:
    length = len(number)
    if length == 18:
        for pos, ch in enumerate(number, start=1):
            if pos < 18 and ch not in _ASCII_DIGITS:
                return RuleError(
                    "id_number.format",
                    N_(
                        "公民身份号码第%(position)d位“%(char)s”无效：前17位只能是数字，"
                        "第18位是数字或X"
                    ),
                    {"position": pos, "char": ch, "length": length},
                    "id_number",
                )
        return RuleError(
            "id_number.format",
            N_("公民身份号码第18位“%(char)s”无效：第18位（校验位）只能是数字或X"),
            {"position": 18, "char": number[-1], "length": length},
            "id_number",
        )
    if length == 15:
        for pos, ch in enumerate(number, start=1):
            if ch not in _ASCII_DIGITS:
                return RuleError(
                    "id_number.format",
                    N_(
                        "15位的旧公民身份号码应全部为数字，第%(position)d位是“%(char)s”；"
                        "请改填18位号码"
                    ),
                    {"position": pos, "char": ch, "length": length},
                    "id_number",
                )
    return RuleError(
        "id_number.format",
        N_(
            "公民身份号码应为18位（前17位数字，第18位数字或X），或旧的15位数字；"
            "现在填了%(length)d位"
        ),
        {"length": length},
        "id_number",
    )


def normalize_id_number(value: object) -> str:
    """Normalise a citizen ID number to its 18-character form, checking the format only.

    Shape: ``str -> str`` (18 characters ``\\d{17}[\\dX]``). Applies
    :func:`normalize_text`, removes all whitespace (also inside the number), turns
    ``x`` into ``X`` and converts a legacy 15-digit number (GB 11643-1989) by
    inserting ``19`` after the area code and appending the check character.
    Does NOT check the birth date or the check character of an 18-character
    number: use :func:`parse_id_number` to validate.

    Raises :class:`RuleError` (field ``"id_number"``): ``id_number.stored_as_number``
    (int/float/Decimal/bool: a numeric spreadsheet cell), ``id_number.missing``,
    ``id_number.format``. Raises ``TypeError`` for other non-string types.
    Source: GB 11643-1999; project decision on normalisation (DOMAIN.md).
    """
    if is_numeric_cell(value):
        raise RuleError(
            "id_number.stored_as_number",
            N_(
                "公民身份号码被存成了数字（%(value)s），不是文本：数字格式会丢失末尾的X，"
                "超过15位的数字也已丢失末几位。请把该列设置为“文本”格式，"
                "再重新录入完整的18位号码"
            ),
            {"value": describe_number(value)},
            "id_number",
        )
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = normalize_text(value)
    else:
        raise TypeError(
            f"normalize_id_number expects str or None, got {type(value).__name__}"
        )
    number = "".join(text.split()).upper()
    if not number:
        raise RuleError(
            "id_number.missing", N_("请填写公民身份号码"), {}, "id_number"
        )
    if _ID18_RE.fullmatch(number):
        return number
    if _ID15_RE.fullmatch(number):
        first17 = number[:6] + "19" + number[6:]
        return first17 + id_check_char(first17)
    raise _id_format_error(number)


# Province-level codes of GB/T 2260 (first two digits of an address code); 71 Taiwan,
# 81/82 Hong Kong/Macau, 83 residence permits of Taiwan residents (GB/T 2260, 2017).
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)


def parse_id_number(
    value: object, *, today: datetime.date | None = None
) -> IdNumberInfo:
    """Validate a citizen ID number and return what it encodes.

    Shape: ``str -> IdNumberInfo``. Normalises with :func:`normalize_id_number`
    (15 digits are converted, ``converted_from_15=True``), then checks the birth
    date (a real date, not before 1880-01-01, not after ``today``, default
    ``date.today()``) and, for 18-character input, the check character.

    Raises :class:`RuleError` (field ``"id_number"``): ``id_number.stored_as_number``,
    ``id_number.missing``, ``id_number.format``, ``id_number.birth_date``,
    ``id_number.checksum`` (params ``given``/``expected``). The birth date is checked
    before the check character, since a wrong date makes the "right" check
    character meaningless.
    Source: GB 11643-1999 (18 characters, MOD 11-2), GB 11643-1989 (15 digits).
    """
    if today is None:
        today = datetime.date.today()
    elif isinstance(today, datetime.datetime):
        raise TypeError("today must be a date, not a datetime")
    converted = False
    if isinstance(value, str):
        compact = "".join(normalize_text(value).split())
        converted = bool(_ID15_RE.fullmatch(compact))
    number = normalize_id_number(value)

    raw = number[6:14] if not converted else number[8:14]
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise RuleError(
            "id_number.birth_date",
            N_(
                "公民身份号码中的出生日期 %(raw)s 不是有效日期"
                "（18位号码第7–14位应为出生年月日，如 19491231）；请核对号码"
            ),
            {"raw": raw},
            "id_number",
        ) from None
    if birth > today:
        raise RuleError(
            "id_number.birth_date",
            N_(
                "公民身份号码中的出生日期 %(birth_date)s 晚于今天（%(today)s），"
                "请核对号码"
            ),
            {"raw": raw, "birth_date": birth.isoformat(), "today": today.isoformat()},
            "id_number",
        )
    if birth < _EARLIEST_BIRTH:
        raise RuleError(
            "id_number.birth_date",
            N_(
                "公民身份号码中的出生日期 %(birth_date)s 早于 1880-01-01，"
                "不可能是有效号码，请核对号码"
            ),
            {"raw": raw, "birth_date": birth.isoformat()},
            "id_number",
        )
    if number[:2] not in PROVINCE_CODES:
        raise RuleError(
            "id_number.area_code",
            N_(
                "公民身份号码前6位地址码 %(area)s 不属于任何省级行政区"
                "（前两位应为 11–65 或 71、81、82、83），请核对号码"
            ),
            {"area": number[:6]},
            "id_number",
        )
    expected = id_check_char(number[:17])
    if number[17] != expected:
        raise RuleError(
            "id_number.checksum",
            N_(
                "公民身份号码校验位错误：第18位应为 %(expected)s，实为 %(given)s，"
                "请核对号码"
            ),
            {"given": number[17], "expected": expected},
            "id_number",
        )
    sex = 1 if int(number[16]) % 2 == 1 else 2
    return IdNumberInfo(
        number=number,
        area_code=number[:6],
        birth_date=birth,
        sex=sex,
        converted_from_15=converted,
    )


_MISSING_BIRTH = object()


def parse_plain_id_number(
    value: object, today: datetime.date, births: dict | None = None
) -> IdNumberInfo | None:
    """:func:`parse_id_number` for the common case, fast enough for a roster of
    100,000 rows: the whole GB 11643-1999 check of an ID number already written as
    18 plain ASCII characters (``x`` for ``X`` accepted), and nothing else.

    Shape: ``(value, today, births) -> IdNumberInfo | None``. Returns exactly what
    ``parse_id_number(value, today=today)`` returns when ``value`` is a ``str`` of 18
    ASCII characters that passes every check there (birth date a real date from
    1880-01-01 to ``today``, province code of GB/T 2260, check character
    ISO 7064 MOD 11-2); returns ``None`` for anything else (a 15-digit number,
    full-width digits, spaces, other types, any invalid number), and the caller then
    calls :func:`parse_id_number`, which words the error. Never raises.
    ``births``: an optional cache of the birth date (or ``None`` when invalid) by
    characters 7–14, shared across calls with the same ``today`` (a roster repeats
    few birth dates). ``people/tests/test_rules.py`` checks that both functions agree.
    Source: GB 11643-1999 (as :func:`parse_id_number`).
    """
    if value.__class__ is not str or len(value) != 18 or not value.isascii():
        return None
    number = value.upper()
    if not _ID18_RE.fullmatch(number):
        return None
    key = number[6:14]
    birth = births.get(key, _MISSING_BIRTH) if births is not None else _MISSING_BIRTH
    if birth is _MISSING_BIRTH:
        try:
            birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        except ValueError:
            birth = None
        if birth is not None and (birth > today or birth < _EARLIEST_BIRTH):
            birth = None
        if births is not None:
            births[key] = birth
    if birth is None or number[:2] not in PROVINCE_CODES:
        return None
    total = 0
    for d, w in zip(number, _ID_WEIGHTS):
        total += (ord(d) - 48) * w
    if number[17] != _ID_CHECK_MAP[total % 11]:
        return None
    return IdNumberInfo(number, number[:6], birth, 1 if (ord(number[16]) - 48) % 2 == 1 else 2, False)


def check_consistency(
    info: IdNumberInfo,
    *,
    sex: int | str | None = None,
    birth_date: datetime.date | None = None,
) -> list[RuleError]:
    """Compare sex and birth date entered separately with what the ID number says.

    Shape: ``(IdNumberInfo, sex=…, birth_date=…) -> list[RuleError]`` (empty when
    consistent). ``sex`` accepts whatever :func:`parse_sex` accepts; 0 (unknown)
    and 9 (unstated) never conflict. Errors returned, not raised:
    ``sex.mismatch`` (field ``"sex"``, params ``given``/``expected`` as names),
    ``birth_date.mismatch`` (field ``"birth_date"``, params ``given``/``expected``
    as ISO dates). Raises ``sex.unknown`` if ``sex`` is unrecognisable and
    ``TypeError`` if ``birth_date`` is a datetime.
    Source: GB 11643-1999 (sequence parity, birth date field), GB/T 2261.1.
    """
    errors: list[RuleError] = []
    sex_code = parse_sex(sex)
    if sex_code in (1, 2) and info.sex is not None and sex_code != info.sex:
        errors.append(
            RuleError(
                "sex.mismatch",
                N_("性别与公民身份号码不符：号码显示为“%(expected)s”，填写的是“%(given)s”"),
                {"given": SEX_NAMES[sex_code], "expected": SEX_NAMES[info.sex]},
                "sex",
            )
        )
    if birth_date is not None:
        if isinstance(birth_date, datetime.datetime):
            raise TypeError("birth_date must be a date, not a datetime")
        if info.birth_date is not None and birth_date != info.birth_date:
            errors.append(
                RuleError(
                    "birth_date.mismatch",
                    N_(
                        "出生日期与公民身份号码不符：号码显示为 %(expected)s，"
                        "填写的是 %(given)s"
                    ) if info.id_type == "resident_id" else N_(
                        "出生日期与证件号码不符：号码显示为 %(expected)s，填写的是 %(given)s"
                    ),
                    {
                        "given": birth_date.isoformat(),
                        "expected": info.birth_date.isoformat(),
                    },
                    "birth_date",
                )
            )
    return errors


# ------------------------------------------------------- identity documents

RESIDENT_ID = "resident_id"
FOREIGN_PERMANENT_RESIDENCE = "foreign_permanent_residence"
PASSPORT = "passport"
HK_MACAO_PERMIT = "hk_macao_permit"
TAIWAN_PERMIT = "taiwan_permit"

ID_TYPES: dict[str, str] = {
    RESIDENT_ID: "居民身份证",
    FOREIGN_PERMANENT_RESIDENCE: "外国人永久居留身份证",
    PASSPORT: "护照",
    HK_MACAO_PERMIT: "港澳居民来往内地通行证",
    TAIWAN_PERMIT: "台湾居民来往大陆通行证",
}
"""Identity document types (``id_type``) → Chinese name, in the order offered.
``resident_id`` also covers 港澳台居民居住证 (GB 11643 numbers with address codes
810000/820000/830000). Source: DOMAIN.md, "Identity documents other than the resident
ID card"; glossary ``id_type``."""

ID_TYPE_ALIASES: dict[str, str] = {
    "身份证": RESIDENT_ID,
    "公民身份证": RESIDENT_ID,
    "港澳台居民居住证": RESIDENT_ID,
    "港澳居民居住证": RESIDENT_ID,
    "台湾居民居住证": RESIDENT_ID,
    "外国人永久居留证": FOREIGN_PERMANENT_RESIDENCE,
    "永久居留身份证": FOREIGN_PERMANENT_RESIDENCE,
    "回乡证": HK_MACAO_PERMIT,
    "台胞证": TAIWAN_PERMIT,
}
"""Common short names of the types. Not 港澳通行证: in everyday speech that is the
mainland residents' 往来港澳通行证, a different document that is not accepted here."""

DERIVING_ID_TYPES = frozenset({RESIDENT_ID, FOREIGN_PERMANENT_RESIDENCE})
"""Types whose numbers may encode the birth date (the resident ID card also the sex).
For the others birth date and sex are entered (DOMAIN.md)."""

# Number formats of the documents other than the resident ID card. The passport and
# permit formats are marked (check) in DOMAIN.md: they were not read in a primary text,
# so they are declared here as data, deliberately permissive, and are to be checked.
_FPR_2023_RE = re.compile(r"9[0-9]{16}[0-9X]")
"""外国人永久居留身份证, 2023 version: 9, issuing province (2), nationality (3 digits),
birth date YYYYMMDD, sequence (3), MOD 11-2 check character (DOMAIN.md)."""
_FPR_2017_RE = re.compile(r"[A-Z]{3}[0-9]{12}")
"""外国人永久居留身份证, 2017 version: 3 Latin letters (nationality) + 12 digits (DOMAIN.md)."""
DOCUMENT_PATTERNS: dict[str, re.Pattern] = {
    # (check) conservative: letters and digits as issued, 5–20 characters; passports of
    # every country are accepted, so no country's exact format is imposed.
    PASSPORT: re.compile(r"[A-Z0-9]{5,20}"),
    # (check) H (Hong Kong) or M (Macao) + 8 digits; 10 digits also accepted (the
    # 8-digit number followed by a 2-digit issue count on older cards).
    HK_MACAO_PERMIT: re.compile(r"[HM][0-9]{8}(?:[0-9]{2})?"),
    # (check) 8 digits (5-year card since 2015) or 10 digits (older cards).
    TAIWAN_PERMIT: re.compile(r"[0-9]{8}(?:[0-9]{2})?"),
}
"""Accepted number formats of passports and the two permits (normalised: no spaces,
upper case). To be checked against the issuing authorities' specifications."""

_ID_TYPE_LOOKUP = {**{code: code for code in ID_TYPES}, **{name: code for code, name in ID_TYPES.items()},
                   **ID_TYPE_ALIASES}


def parse_id_type(value: object) -> str:
    """Parse a document type to its code (``"passport"`` …).

    Shape: ``str | None -> str``. Accepts the codes of :data:`ID_TYPES` (any case),
    their Chinese names and :data:`ID_TYPE_ALIASES`; spaces and invisible characters
    are ignored. Blank (``None``, ``""``) gives ``"resident_id"`` (the default).
    Raises :class:`RuleError` ``id_type.unknown`` (field ``"id_type"``) otherwise.
    Source: DOMAIN.md glossary ``id_type``.
    """
    if value is None:
        return RESIDENT_ID
    if isinstance(value, str):
        text = "".join(normalize_text(value).split())
        if not text:
            return RESIDENT_ID
        code = _ID_TYPE_LOOKUP.get(text) or _ID_TYPE_LOOKUP.get(text.lower())
        if code:
            return code
    else:
        text = describe_number(value) if is_numeric_cell(value) else str(value)
    raise RuleError(
        "id_type.unknown",
        N_(
            "无法识别的证件类型“%(value)s”：请填写居民身份证、外国人永久居留身份证、护照、"
            "港澳居民来往内地通行证或台湾居民来往大陆通行证（也可填代码 resident_id、"
            "foreign_permanent_residence、passport、hk_macao_permit、taiwan_permit）"
        ),
        {"value": text[:50]},
        "id_type",
    )


@dataclass(frozen=True)
class DocumentInfo:
    """What a valid identity document number other than the resident ID card says.

    ``id_type``: a code of :data:`ID_TYPES`; ``number``: normalised; ``birth_date``:
    encoded in the number (外国人永久居留身份证 2023 version) or ``None``; ``sex``:
    always ``None`` here (no such document is documented to encode it; it is entered).
    """

    id_type: str
    number: str
    birth_date: datetime.date | None = None
    sex: int | None = None
    converted_from_15: bool = False


def _unknown_id_type(id_type: object) -> RuleError:
    return RuleError("id_type.unknown", N_("证件类型“%(value)s”不存在"), {"value": str(id_type)[:50]}, "id_type")


def normalise_document(id_type: str, raw: object) -> str:
    """Normalise a document number as typed, checking its format only for the
    resident ID card.

    Shape: ``(id_type, str) -> str``. ``resident_id``: exactly
    :func:`normalize_id_number` (15 digits converted, ``x`` → ``X`` …). Other types:
    :func:`normalize_text` (full-width to half-width, invisible characters removed),
    every space removed, upper case; the number is otherwise kept as issued.
    Raises :class:`RuleError` (field ``"id_number"``): ``id_number.stored_as_number``
    (a numeric cell: leading zeros and letters are lost), ``id_number.missing``,
    ``id_type.unknown`` (field ``"id_type"``) for a type not in :data:`ID_TYPES`, and,
    for ``resident_id``, ``id_number.format``.
    Source: DOMAIN.md ("normalise case and spaces, keep the number as issued").
    """
    if id_type == RESIDENT_ID:
        return normalize_id_number(raw)
    if id_type not in ID_TYPES:
        raise _unknown_id_type(id_type)
    if is_numeric_cell(raw):
        raise RuleError(
            "id_number.stored_as_number",
            N_(
                "证件号码被存成了数字（%(value)s），不是文本：数字格式会丢失开头的0和字母。"
                "请把该列设置为“文本”格式，再重新录入完整的号码"
            ),
            {"value": describe_number(raw)},
            "id_number",
        )
    if raw is not None and not isinstance(raw, str):
        raise TypeError(f"normalise_document expects str or None, got {type(raw).__name__}")
    number = "".join(normalize_text(raw or "").split()).upper()
    if not number:
        raise RuleError("id_number.missing", N_("请填写证件号码"), {}, "id_number")
    return number


_DOCUMENT_FORMAT_MESSAGES = {
    FOREIGN_PERMANENT_RESIDENCE: N_(
        "外国人永久居留身份证号码应为18位（2023年版：首位是9，前17位是数字，末位是数字或X）"
        "或15位（2017年版：3个英文字母加12位数字）；现在填了%(length)d个字符"
    ),
    PASSPORT: N_("护照号码应为5–20位英文字母或数字（按证件原样填写）；现在填了%(length)d个字符"),
    HK_MACAO_PERMIT: N_(
        "港澳居民来往内地通行证号码应为字母H（香港）或M（澳门）加8位或10位数字；现在填了%(length)d个字符"
    ),
    TAIWAN_PERMIT: N_("台湾居民来往大陆通行证号码应为8位或10位数字；现在填了%(length)d个字符"),
}


def _validate_fpr_2023(number: str, today: datetime.date) -> DocumentInfo:
    raw = number[6:14]
    try:
        birth = datetime.date(int(raw[:4]), int(raw[4:6]), int(raw[6:8]))
    except ValueError:
        birth = None
    if birth is None or birth > today or birth < _EARLIEST_BIRTH:
        raise RuleError(
            "id_number.birth_date",
            N_(
                "外国人永久居留身份证号码中的出生日期 %(raw)s 不是有效日期"
                "（第7–14位应为出生年月日，如 19850315，不晚于今天）；请核对号码"
            ),
            {"raw": raw},
            "id_number",
        )
    expected = id_check_char(number[:17])
    if number[17] != expected:
        raise RuleError(
            "id_number.checksum",
            N_("外国人永久居留身份证号码校验位错误：第18位应为 %(expected)s，实为 %(given)s，请核对号码"),
            {"given": number[17], "expected": expected},
            "id_number",
        )
    return DocumentInfo(FOREIGN_PERMANENT_RESIDENCE, number, birth_date=birth)


def validate_document(id_type: str, number: str, *, today: datetime.date | None = None):
    """Validate a normalised document number (from :func:`normalise_document`) and
    return what it encodes.

    Shape: ``(id_type, str) -> IdNumberInfo | DocumentInfo``.

    - ``resident_id``: :func:`parse_id_number` (GB 11643-1999; birth date and sex).
    - ``foreign_permanent_residence``: 2023 version, 18 characters ``9`` + 16 digits +
      digit or ``X``: birth date (characters 7–14, a real date from 1880-01-01 to
      ``today``) and MOD 11-2 check character as in GB 11643 (:func:`id_check_char`);
      the birth date is returned, the sex is not (not documented to be encoded).
      2017 version, 15 characters, 3 letters + 12 digits: format only.
    - ``passport``, ``hk_macao_permit``, ``taiwan_permit``: the format of
      :data:`DOCUMENT_PATTERNS` (marked (check)); nothing derived.

    Raises :class:`RuleError`: ``id_type.unknown`` (field ``"id_type"``);
    ``id_number.missing``, ``id_number.format``, ``id_number.birth_date``,
    ``id_number.checksum`` (field ``"id_number"``), and for ``resident_id`` every
    error of :func:`parse_id_number`.
    Source: DOMAIN.md, "Identity documents other than the resident ID card".
    """
    if id_type == RESIDENT_ID:
        return parse_id_number(number, today=today)
    if id_type not in ID_TYPES:
        raise _unknown_id_type(id_type)
    if today is None:
        today = datetime.date.today()
    if not number:
        raise RuleError("id_number.missing", N_("请填写证件号码"), {}, "id_number")
    if id_type == FOREIGN_PERMANENT_RESIDENCE:
        if _FPR_2023_RE.fullmatch(number):
            return _validate_fpr_2023(number, today)
        if _FPR_2017_RE.fullmatch(number):
            return DocumentInfo(id_type, number)
    elif DOCUMENT_PATTERNS[id_type].fullmatch(number):
        return DocumentInfo(id_type, number)
    raise RuleError("id_number.format", _DOCUMENT_FORMAT_MESSAGES[id_type], {"length": len(number)}, "id_number")


def parse_document(id_type: str, value: object, *, today: datetime.date | None = None):
    """:func:`normalise_document` then :func:`validate_document`: a document number as
    typed → ``IdNumberInfo`` (``resident_id``, exactly :func:`parse_id_number`, 15-digit
    numbers converted) or :class:`DocumentInfo`. Raises what both raise."""
    if id_type == RESIDENT_ID:
        return parse_id_number(value, today=today)
    return validate_document(id_type, normalise_document(id_type, value), today=today)


def document_key(id_type: str, number: str) -> str:
    """The text whose keyed hash identifies a person: the number alone for a resident
    ID (so the hashes stored before other documents existed stay valid), else
    ``"<id_type>:<number>"`` — so the same number under two types gives two hashes
    (two persons) and never equals a resident ID's (which has no ``:``).
    Shape: ``(id_type, normalised number) -> str``; ``""`` for an empty number."""
    if not number:
        return ""
    return number if id_type == RESIDENT_ID else f"{id_type}:{number}"


def document_candidates(q: str) -> list[tuple[str, str]]:
    """The documents other than the resident ID card that a search text could be:
    ``[(id_type, normalised number), …]`` for every type whose format the text fits
    (spaces removed, upper case). Only texts with at least one digit count (names and
    pinyin have none); a passport of letters only is not found through the search box.
    Shape: ``str -> list``. Source: project decision (search by whole number, any type).
    """
    text = "".join(normalize_text(q or "").split()).upper()
    if not text or not any(ch in _ASCII_DIGITS for ch in text) or not text.isascii():
        return []
    out = []
    if _FPR_2023_RE.fullmatch(text) or _FPR_2017_RE.fullmatch(text):
        out.append((FOREIGN_PERMANENT_RESIDENCE, text))
    for id_type, pattern in DOCUMENT_PATTERNS.items():
        if pattern.fullmatch(text):
            out.append((id_type, text))
    return out


def mask_document(id_type: str, number: str) -> str:
    """Mask a document number for display.

    Shape: ``(id_type, str) -> str`` of the same length. ``resident_id`` and the
    18-character 外国人永久居留身份证 (same layout: the birth date is characters 7–14):
    :func:`mask_id_number` (first 6 and last 4 kept). Other numbers: only the last 4
    characters are kept, and only when at least 6 characters stay hidden (10 or more
    characters); shorter numbers are all stars. The rule for 18 characters would show
    10 of the 11 characters of an H + 10-digit permit: a mask must not leave so little
    to guess. Blank gives ``""``.
    Source: project decision (issue 10: nothing shown beside a masked value may rebuild it).
    """
    if not number:
        return ""
    number = str(number)
    if id_type == RESIDENT_ID or len(number) == 18:
        return mask_id_number(number)
    if len(number) < 10:
        return "*" * len(number)
    return "*" * (len(number) - 4) + number[-4:]


# ------------------------------------------------------------------------- sex

SEX_NAMES: dict[int, str] = {0: "未知的性别", 1: "男", 2: "女", 9: "未说明的性别"}
"""GB/T 2261.1-2003 sex codes."""

_SEX_WORDS = {
    "0": 0, "1": 1, "2": 2, "9": 9,
    "男": 1, "男性": 1, "M": 1,
    "女": 2, "女性": 2, "F": 2,
    "未知": 0, "未知的性别": 0,
    "未说明": 9, "未说明的性别": 9,
}


def _sex_unknown(value: object) -> RuleError:
    return RuleError(
        "sex.unknown",
        N_("无法识别的性别“%(value)s”：请填写“男”或“女”（代码 1 男、2 女，0 未知，9 未说明）"),
        {"value": str(value)},
        "sex",
    )


def parse_sex(value: object) -> int | None:
    """Parse a sex value to its GB/T 2261.1 code.

    Shape: ``int | str | None -> int | None``. Accepts 0/1/2/9 (also as integral
    float cells and strings), 男, 女, 男性, 女性, M, F (any case), 未知, 未说明 and
    the full table names. ``None`` or blank gives ``None``.
    Raises :class:`RuleError` ``sex.unknown`` (field ``"sex"``) otherwise; ``True``
    and ``False`` are rejected.
    Source: GB/T 2261.1-2003.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise _sex_unknown(value)
    if is_numeric_cell(value):
        try:
            as_int = int(value)
            integral = as_int == value
        except (ValueError, TypeError, OverflowError):
            integral = False
        if integral and as_int in SEX_NAMES:
            return as_int
        raise _sex_unknown(describe_number(value))
    if not isinstance(value, str):
        raise _sex_unknown(value)
    text = "".join(normalize_text(value).split()).upper()
    if not text:
        return None
    if text in _SEX_WORDS:
        return _SEX_WORDS[text]
    raise _sex_unknown(text)


# ----------------------------------------------------------------------- names

MIDDLE_DOT = "\u00b7"
NAME_MAX_LENGTH = 50

# Characters typed instead of U+00B7 in transliterated names (买买提·艾力).
# NFKC turns U+FF0E into "." and U+FF65 into U+30FB, U+0387 into U+00B7; mapping
# runs after NFKC, and the table also lists the pre-NFKC forms so the result does
# not depend on the order.
_DOT_VARIANTS = frozenset(
    "\u2022"  # • BULLET
    "\u30fb"  # ・ KATAKANA MIDDLE DOT
    "\uff0e"  # ． FULLWIDTH FULL STOP
    "\uff65"  # ･ HALFWIDTH KATAKANA MIDDLE DOT
    "."       # FULL STOP
    "\u2027"  # ‧ HYPHENATION POINT
    "\u2219"  # ∙ BULLET OPERATOR
    "\u22c5"  # ⋅ DOT OPERATOR
    "\u2e31"  # ⸱ WORD SEPARATOR MIDDLE DOT
    "\u0387"  # · GREEK ANO TELEIA
    "\ufe52"  # ﹒ SMALL FULL STOP
    "\u00b7"  # · MIDDLE DOT itself
)
_DOT_TABLE = {ord(ch): MIDDLE_DOT for ch in _DOT_VARIANTS}
_SPACES_RE = re.compile(r"\s+")
_SPACES_AROUND_DOT_RE = re.compile(r"\s*\u00b7\s*")
_NAME_SEPARATORS = frozenset((MIDDLE_DOT, " ", "-"))


def char_label(ch: str) -> str:
    """A visible label for a character in a message (control chars as U+XXXX)."""
    if unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp") or not ch.isprintable():
        return f"U+{ord(ch):04X}"
    return ch


def _name_char_allowed(ch: str) -> bool:
    cat = unicodedata.category(ch)
    if cat[0] in "LM":  # letters (incl. all Han ideographs) and combining marks
        return True
    if cat == "Co":  # private use: rare name characters in legacy registers
        return True
    if cat == "Cn" and 0x20000 <= ord(ch) <= 0x3FFFF:
        # CJK extensions newer than this Python's Unicode database (e.g. Ext. H/I).
        return True
    return False


_NAME_INVALID_TEMPLATES = {
    "digit": N_("姓名中不能有数字“%(char)s”，请删除或改正"),
    "control": N_("姓名中有不可见的控制字符 %(char)s，请删除后重新输入"),
    "symbol": N_("姓名中不能有符号“%(char)s”：姓名只能由文字组成，译名各部分用间隔号“·”分隔"),
    "separator": N_(
        "姓名中的分隔符“%(char)s”位置不对：间隔号“·”、空格或连字符只能单个出现在两部分之间"
    ),
}


def _name_invalid(ch: str, kind: str) -> RuleError:
    return RuleError(
        "name.invalid",
        _NAME_INVALID_TEMPLATES[kind],
        {"char": char_label(ch), "kind": kind},
        "name",
    )


def _map_dots_and_spaces(text: str) -> str:
    text = text.translate(_DOT_TABLE)
    text = _SPACES_AROUND_DOT_RE.sub(MIDDLE_DOT, text)
    return text


def normalize_name(value: object) -> str:
    """Normalise and validate a person's name.

    Shape: ``str -> str``. :func:`normalize_text` (NFKC leaves rare ideographs such
    as 𠮷 U+20BB7 unchanged), then every middle-dot variant (• ・ ． ･ . ‧ ∙ ⋅ …)
    becomes U+00B7 and spaces around it are removed (买买提 • 艾力 → 买买提·艾力);
    runs of spaces collapse to one (``"Maria  Lopez"`` → ``"Maria Lopez"``).
    Up to :data:`NAME_MAX_LENGTH` (50) characters; no 2–4 character limit.

    Raises :class:`RuleError` (field ``"name"``): ``name.missing`` (blank),
    ``name.too_long``, ``name.invalid`` (a digit, a control character, punctuation
    or a symbol other than one middle dot, space or hyphen between name parts; the
    message names the character; control characters are shown as U+XXXX).
    Source: project rules; 间隔号 usage for transliterated names per GB/T 15834-2011.
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise TypeError(f"normalize_name expects str, got {type(value).__name__}")
    text = normalize_text(value)
    # Control characters are checked before whitespace is collapsed, so that an
    # embedded tab or newline is reported, not silently turned into a space.
    for ch in text:
        if unicodedata.category(ch) == "Cc":
            raise _name_invalid(ch, "control")
    text = _map_dots_and_spaces(text)
    text = _SPACES_RE.sub(" ", text).strip()
    if not text:
        raise RuleError("name.missing", N_("请填写姓名"), {}, "name")
    if len(text) > NAME_MAX_LENGTH:
        raise RuleError(
            "name.too_long",
            N_("姓名最长 %(max)d 个字，现在有 %(length)d 个字"),
            {"max": NAME_MAX_LENGTH, "length": len(text)},
            "name",
        )
    previous = ""
    for i, ch in enumerate(text):
        if ch in _NAME_SEPARATORS:
            if i == 0 or i == len(text) - 1 or previous in _NAME_SEPARATORS:
                raise _name_invalid(ch, "separator")
        elif unicodedata.category(ch)[0] == "N":
            raise _name_invalid(ch, "digit")
        elif not _name_char_allowed(ch):
            raise _name_invalid(ch, "symbol")
        previous = ch
    return text


# ---------------------------------------------------------------------- phones

_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
_PHONE_STRIP_RE = re.compile(r"[\s\-()\u2010-\u2015\u2212]")


def _phone_error(value: str) -> RuleError:
    return RuleError(
        "phone.format",
        N_(
            "电话号码“%(value)s”格式不对：手机号为以1开头的11位数字（如 13812345678），"
            "固定电话为区号加7–8位号码（如 0936-8212345）"
        ),
        {"value": value},
        "phone",
    )


def _split_landline(digits: str) -> tuple[str, str] | None:
    if not digits.startswith("0") or not set(digits) <= _ASCII_DIGITS:
        return None
    area_len = 3 if digits.startswith(("010", "02")) else 4
    area, local = digits[:area_len], digits[area_len:]
    if len(area) != area_len or not (7 <= len(local) <= 8) or local[0] in "01":
        return None
    return area, local


def is_plain_mobile(value: object) -> bool:
    """Whether ``value`` is a mobile number already written as :func:`normalize_phone`
    returns it (11 ASCII digits ``1[3-9]…``), so that ``normalize_phone(value) ==
    value``: the fast check of a bulk import, which calls :func:`normalize_phone` for
    anything else. Source: as :func:`normalize_phone`."""
    return value.__class__ is str and len(value) == 11 and value.isascii() and bool(_MOBILE_RE.fullmatch(value))


def normalize_phone(value: object) -> str:
    """Normalise a mobile or landline number.

    Shape: ``str | int | float | None -> str``. Returns ``""`` for blank (the phone
    is optional), 11 digits for a mobile (``1[3-9]`` + 9 digits) and
    ``"AREA-LOCAL"`` for a landline (``"0936-8212345"``). Accepts numeric cells
    (13812345678, 13812345678.0), full-width digits, spaces, dashes, parentheses
    and the prefixes +86 / 0086 / 86 (86 only before a mobile number; after +86 or
    0086 a landline area code may omit its 0). Area codes: 3 digits for 010 and
    02x, otherwise 4 digits; the local number has 7–8 digits and starts with 2–9.

    Raises :class:`RuleError` ``phone.format`` (field ``"phone"``) otherwise.
    Source: MIIT numbering plan (mobile 1[3-9]xx, area codes 0xx/0xxx); DOMAIN.md.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        raise _phone_error(str(value))
    if is_numeric_cell(value):
        try:
            as_int = int(value)
            integral = as_int == value
        except (ValueError, TypeError, OverflowError):
            integral = False
        if not integral or as_int < 0:
            raise _phone_error(describe_number(value))
        # A numeric cell has lost the leading 0 of a landline; only mobiles survive.
        text = str(as_int)
    elif isinstance(value, str):
        text = normalize_text(value)
    else:
        raise TypeError(f"normalize_phone expects str or number, got {type(value).__name__}")
    compact = _PHONE_STRIP_RE.sub("", text)
    if not compact:
        return ""
    international = False
    if compact.startswith("+86"):
        compact, international = compact[3:], True
    elif compact.startswith("0086"):
        compact, international = compact[4:], True
    elif compact.startswith("86") and len(compact) == 13 and _MOBILE_RE.fullmatch(compact[2:]):
        compact = compact[2:]
    if _MOBILE_RE.fullmatch(compact):
        return compact
    if international and compact[:1] not in ("", "0", "1"):
        compact = "0" + compact
    parts = _split_landline(compact)
    if parts:
        return f"{parts[0]}-{parts[1]}"
    raise _phone_error(text)


# ------------------------------------------------------------------------- age


def age_on(birth_date: datetime.date, on: datetime.date) -> int:
    """Age in full years (周岁) on date ``on``: THE age function of the project.

    Shape: ``(date, date) -> int``. The age is reached on the birthday; someone
    born on 29 February reaches it on 28 February in common years (month-end rule,
    Civil Code art. 201). Born 2000-02-29: 0 on 2001-02-27, 1 on 2001-02-28,
    3 on 2004-02-28, 4 on 2004-02-29.
    Raises ``TypeError`` for datetimes (birth dates are calendar dates) and
    ``ValueError`` if ``on`` is before ``birth_date``.
    Source: 民法典 第二百零一条; project decision (DOMAIN.md, "Age").
    """
    for arg in (birth_date, on):
        if isinstance(arg, datetime.datetime) or not isinstance(arg, datetime.date):
            raise TypeError("age_on expects datetime.date values, not datetimes")
    if on < birth_date:
        raise ValueError(
            f"age_on: {on.isoformat()} is before the birth date {birth_date.isoformat()}"
        )
    years = on.year - birth_date.year
    month, day = birth_date.month, birth_date.day
    if month == 2 and day == 29 and not _is_leap(on.year):
        day = 28
    if (on.month, on.day) < (month, day):
        years -= 1
    return years


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


# -------------------------------------------------------------- ethnic groups

ETHNIC_GROUPS: dict[str, str] = {
    "01": N_("汉族"), "02": N_("蒙古族"), "03": N_("回族"), "04": N_("藏族"), "05": N_("维吾尔族"),
    "06": N_("苗族"), "07": N_("彝族"), "08": N_("壮族"), "09": N_("布依族"), "10": N_("朝鲜族"),
    "11": N_("满族"), "12": N_("侗族"), "13": N_("瑶族"), "14": N_("白族"), "15": N_("土家族"),
    "16": N_("哈尼族"), "17": N_("哈萨克族"), "18": N_("傣族"), "19": N_("黎族"), "20": N_("傈僳族"),
    "21": N_("佤族"), "22": N_("畲族"), "23": N_("高山族"), "24": N_("拉祜族"), "25": N_("水族"),
    "26": N_("东乡族"), "27": N_("纳西族"), "28": N_("景颇族"), "29": N_("柯尔克孜族"), "30": N_("土族"),
    "31": N_("达斡尔族"), "32": N_("仫佬族"), "33": N_("羌族"), "34": N_("布朗族"), "35": N_("撒拉族"),
    "36": N_("毛南族"), "37": N_("仡佬族"), "38": N_("锡伯族"), "39": N_("阿昌族"), "40": N_("普米族"),
    "41": N_("塔吉克族"), "42": N_("怒族"), "43": N_("乌孜别克族"), "44": N_("俄罗斯族"), "45": N_("鄂温克族"),
    "46": N_("德昂族"), "47": N_("保安族"), "48": N_("裕固族"), "49": N_("京族"), "50": N_("塔塔尔族"),
    "51": N_("独龙族"), "52": N_("鄂伦春族"), "53": N_("赫哲族"), "54": N_("门巴族"), "55": N_("珞巴族"),
    "56": N_("基诺族"),
}
"""GB/T 3304-1991 codes of the 56 ethnic groups. The extra codes for unidentified
groups and citizens of foreign origin are not included (unverified, DOMAIN.md)."""

ETHNIC_GROUP_ALIASES: dict[str, str] = {"毛难族": "36", "崩龙族": "46"}
"""Former official names (毛难族 renamed 毛南族 1986, 崩龙族 renamed 德昂族 1985)."""


def _build_ethnic_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    pairs = [(name, code) for code, name in ETHNIC_GROUPS.items()]
    pairs += list(ETHNIC_GROUP_ALIASES.items())
    for name, code in pairs:
        lookup[name] = code
        lookup[name.removesuffix("族")] = code
    return lookup


_ETHNIC_LOOKUP = _build_ethnic_lookup()


def _code_key(value: object) -> str | None:
    """Common front end of the code-table parsers: '' for blank, None if unusable."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return None
    if is_numeric_cell(value):
        try:
            as_int = int(value)
        except (ValueError, TypeError, OverflowError):
            return None
        if as_int != value or as_int < 0:
            return None
        return f"{as_int:02d}"
    if not isinstance(value, str):
        return None
    text = "".join(normalize_text(value).split())
    if text.isascii() and text.isdigit() and len(text) <= 2:
        return text.zfill(2)
    return text


def parse_ethnic_group(value: object) -> str | None:
    """Parse an ethnic group to its GB/T 3304 two-digit code.

    Shape: ``str | int | None -> str | None``. Accepts the code (``"01"``, ``"1"``,
    ``1``), the official name (``"汉族"``), the name without 族 (``"汉"``), and the
    former names 毛难族 → ``"36"``, 崩龙族 → ``"46"``. Blank gives ``None``.
    Raises :class:`RuleError` ``ethnic_group.unknown`` (field ``"ethnic_group"``).
    Source: GB/T 3304-1991.
    """
    key = _code_key(value)
    if key == "":
        return None
    if key is not None:
        if key in ETHNIC_GROUPS:
            return key
        if key in _ETHNIC_LOOKUP:
            return _ETHNIC_LOOKUP[key]
    raise RuleError(
        "ethnic_group.unknown",
        N_("无法识别的民族“%(value)s”：请填写民族全称（如“汉族”“裕固族”）或两位代码 01–56"),
        {"value": key if key else str(value)},
        "ethnic_group",
    )


# ----------------------------------------------------------------- relations

RELATIONS: dict[str, str] = {
    "01": N_("本人"), "02": N_("户主"),
    "10": N_("配偶"), "11": N_("夫"), "12": N_("妻"),
    "20": N_("子"), "21": N_("独生子"), "22": N_("长子"), "23": N_("次子"), "24": N_("三子"),
    "25": N_("四子"), "26": N_("五子"), "27": N_("养子或继子"), "28": N_("女婿"), "29": N_("其他儿子"),
    "30": N_("女"), "31": N_("独生女"), "32": N_("长女"), "33": N_("次女"), "34": N_("三女"),
    "35": N_("四女"), "36": N_("五女"), "37": N_("养女或继女"), "38": N_("儿媳"), "39": N_("其他女儿"),
    "40": N_("孙子、孙女或外孙子、外孙女"), "41": N_("孙子"), "42": N_("孙女"), "43": N_("外孙子"),
    "44": N_("外孙女"), "45": N_("孙媳妇或外孙媳妇"), "46": N_("孙女婿或外孙女婿"),
    "47": N_("曾孙子或外曾孙子"), "48": N_("曾孙女或外曾孙女"),
    "49": N_("其他孙子、孙女或外孙子、外孙女"),
    "50": N_("父母"), "51": N_("父亲"), "52": N_("母亲"), "53": N_("公公"), "54": N_("婆婆"),
    "55": N_("岳父"), "56": N_("岳母"), "57": N_("继父或养父"), "58": N_("继母或养母"),
    "59": N_("其他父母关系"),
    "60": N_("祖父母或外祖父母"), "61": N_("祖父"), "62": N_("祖母"), "63": N_("外祖父"),
    "64": N_("外祖母"), "65": N_("配偶的祖父母或外祖父母"), "66": N_("曾祖父"), "67": N_("曾祖母"),
    "68": N_("配偶的曾祖父母或外曾祖父母"), "69": N_("其他祖父母或外祖父母关系"),
    "70": N_("兄弟姐妹"), "71": N_("兄"), "72": N_("嫂"), "73": N_("弟"), "74": N_("弟媳"),
    "75": N_("姐姐"), "76": N_("姐夫"), "77": N_("妹妹"), "78": N_("妹夫"), "79": N_("其他兄弟姐妹"),
    "80": N_("其他"), "81": N_("伯父"), "82": N_("伯母"), "83": N_("叔父"), "84": N_("婶母"),
    "85": N_("舅父"), "86": N_("舅母"), "87": N_("姨父"), "88": N_("姨母"), "89": N_("姑父"),
    "90": N_("姑母"), "91": N_("堂兄弟、堂姐妹"), "92": N_("表兄弟、表姐妹"), "93": N_("侄子"),
    "94": N_("侄女"), "95": N_("外甥"), "96": N_("外甥女"), "97": N_("其他亲属"), "99": N_("非亲属"),
}
"""GB/T 4761-2008 two-digit family relationship codes (relation to household head)."""

HEAD_RELATION = "02"
"""Relation code of the household head (户主)."""

RELATION_ALIASES: dict[str, str] = {
    "户主本人": "02",
    "丈夫": "11", "老公": "11",
    "妻子": "12", "老婆": "12",
    "儿子": "20", "女儿": "30",
    "儿媳妇": "38",
    "父": "51", "爸爸": "51",
    "母": "52", "妈妈": "52",
    "哥哥": "71", "嫂子": "72", "弟弟": "73",
    "姐": "75", "妹": "77",
    "其它": "80", "其它亲属": "97",
}
"""Common words for relations that are not the table names. 其它 is the variant
spelling of 其他 (code 80, as in the table); 孙子/孙女 are table names (41/42)."""


def _build_relation_lookup() -> dict[str, str]:
    lookup = {name: code for code, name in RELATIONS.items()}
    lookup.update(RELATION_ALIASES)
    return lookup


_RELATION_LOOKUP = _build_relation_lookup()


def parse_relation(value: object) -> str | None:
    """Parse a relation to the household head to its GB/T 4761 two-digit code.

    Shape: ``str | int | None -> str | None``. Accepts the code (``"02"``, ``"2"``,
    ``2``), the table name (``"户主"``, ``"妻"``, ``"长子"``) or an alias from
    :data:`RELATION_ALIASES` (``"妻子"`` → ``"12"``, ``"儿子"`` → ``"20"``).
    Blank gives ``None``.
    Raises :class:`RuleError` ``relation.unknown`` (field ``"relation_to_head"``).
    Source: GB/T 4761-2008.
    """
    key = _code_key(value)
    if key == "":
        return None
    if key is not None:
        if key in RELATIONS:
            return key
        if key in _RELATION_LOOKUP:
            return _RELATION_LOOKUP[key]
    raise RuleError(
        "relation.unknown",
        N_(
            "无法识别的与户主关系“%(value)s”：请填写如“户主”“配偶”“妻”“长子”“女”"
            "等称谓，或 GB/T 4761 的两位代码"
        ),
        {"value": key if key else str(value)},
        "relation_to_head",
    )


# ------------------------------------------------------------ search helpers

# Surname readings that differ from pypinyin's default reading of the character.
# Applied only to the first character(s) of a name; longest key first.
_SURNAME_READINGS: dict[str, tuple[str, ...]] = {
    "单于": ("chan", "yu"),
    "尉迟": ("yu", "chi"),
    "万俟": ("mo", "qi"),
    "单": ("shan",),
    "曾": ("zeng",),
    "解": ("xie",),
    "仇": ("qiu",),
    "朴": ("piao",),
    "查": ("zha",),
    "区": ("ou",),
    "盖": ("ge",),
    "翟": ("zhai",),
    "覃": ("qin",),
    "缪": ("miao",),
    "员": ("yun",),
    "召": ("shao",),
    "阚": ("kan",),
    "隗": ("wei",),
    "秘": ("bi",),
    "繁": ("po",),
    "种": ("chong",),
    "洗": ("xian",),
    "都": ("du",),
    "藏": ("zang",),
}
_SURNAME_KEYS = sorted(_SURNAME_READINGS, key=len, reverse=True)
_HAN_SYLLABLE_RE = re.compile(r"[a-z]+")  # pypinyin NORMAL style output


def _ascii_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


_PINYIN_WORDS: dict[str, tuple[str, ...]] = {}


def _lazy_pinyin(text: str) -> list[str]:
    """``pypinyin.lazy_pinyin(text, style=Style.NORMAL, errors="default")``, with the
    reading of each segmented word remembered: lazy_pinyin segments the text, then
    converts word by word, so the result is the same, without pypinyin's costly style
    conversion for every character of every name (names share their characters)."""
    from pypinyin import Style
    from pypinyin.core import _default_pinyin

    cache = _PINYIN_WORDS
    out: list[str] = []
    for word in _default_pinyin.seg(text):
        readings = cache.get(word)
        if readings is None:
            if len(cache) > 200_000:
                cache.clear()
            pys = _default_pinyin._converter.convert(word, Style.NORMAL, False, "default", strict=True)
            readings = cache[word] = tuple(py for item in pys for py in item)
        out.extend(readings)
    return out


def name_pinyin(name: str) -> tuple[str, str]:
    """Full pinyin and initials of a name, for search.

    Shape: ``str -> (full, initials)``, both lowercase ASCII without tones or
    separators: 张建国 → ``("zhangjianguo", "zjg")``; ü is written ``v``
    (吕小明 → ``"lvxiaoming"``); Latin letters are kept, lowercased and stripped of
    accents, one initial per word (Maria Lopez → ``("marialopez", "ml")``); the
    middle dot, spaces and characters pypinyin cannot read (e.g. 𠮷) are dropped.
    The first character uses its surname reading when it differs from the common
    one (单 shan, 曾 zeng, 解 xie, 仇 qiu, 朴 piao …; compound 单于 chanyu,
    尉迟 yuchi, 万俟 moqi).
    Source: pypinyin ``lazy_pinyin`` (Style.NORMAL); surname readings per 百家姓 usage.
    """
    text = _map_dots_and_spaces(normalize_text(name or ""))
    syllables: list[str] = []
    initials: list[str] = []
    rest = text
    for key in _SURNAME_KEYS:
        if text.startswith(key):
            for syl in _SURNAME_READINGS[key]:
                syllables.append(syl)
                initials.append(syl[0])
            rest = text[len(key):]
            break
    if rest:
        for token in _lazy_pinyin(rest):  # pypinyin: a local import, heavy dictionary load
            if _HAN_SYLLABLE_RE.fullmatch(token):  # one Han character's reading
                syllables.append(token)
                initials.append(token[0])
                continue
            # Anything pypinyin could not read: Latin words are kept (one initial
            # per word); dots, spaces and unreadable ideographs drop out here.
            for word in re.findall(r"[a-z]+", _ascii_fold(token)):
                syllables.append(word)
                initials.append(word[0])
    return "".join(syllables), "".join(initials)


def _gram_chars(text: str) -> list[str]:
    text = _map_dots_and_spaces(normalize_text(text or ""))
    return [ch for ch in text.lower() if ch not in _NAME_SEPARATORS and not ch.isspace()]


def _distinct(items) -> list[str]:
    return list(dict.fromkeys(items))


def name_grams(name: str) -> str:
    """Unigrams and bigrams of a name, for a full-text index.

    Shape: ``str -> str``, space-separated, distinct, unigrams then bigrams, each in
    order of first occurrence; middle dots, spaces and hyphens are ignored and
    letters lowercased: 张建国 → ``"张 建 国 张建 建国"``. Pair with
    :func:`search_grams` on the query side.
    Source: project decision (CJK n-gram indexing; PostgreSQL has no Chinese parser).
    """
    chars = _gram_chars(name)
    unigrams = _distinct(chars)
    bigrams = _distinct(a + b for a, b in zip(chars, chars[1:]))
    return " ".join(unigrams + bigrams)


def search_grams(fragment: str) -> list[str]:
    """Grams to look up for a name fragment typed in a search box.

    Shape: ``str -> list[str]``: ``[]`` for blank, ``[char]`` for one character,
    otherwise the distinct bigrams in order (``"张建国"`` → ``["张建", "建国"]``).
    Cleaning is the same as :func:`name_grams`.
    Source: project decision (matches :func:`name_grams`).
    """
    chars = _gram_chars(fragment)
    if len(chars) <= 1:
        return chars
    return _distinct(a + b for a, b in zip(chars, chars[1:]))


# -------------------------------------------------------------------- masking


def mask_id_number(n: str) -> str:
    """Mask an ID number for display: first 6 and last 4 characters kept.

    Shape: ``str -> str`` of the same length: ``"620702********123X"``. Values of
    10 characters or fewer are all stars (keeping 6 + 4 would show everything);
    ``None``/``""`` give ``""``.
    Source: project decision (common practice for personal-information display).
    """
    if not n:
        return ""
    n = str(n)
    if len(n) <= 10:
        return "*" * len(n)
    return n[:6] + "*" * (len(n) - 10) + n[-4:]


def mask_phone(p: str) -> str:
    """Mask a phone number for display.

    Shape: ``str -> str``. Mobile: first 3 and last 4 digits kept
    (``"138****5678"``); landline: area code and last 3 digits kept
    (``"0936-****345"``, ``"010-*****678"``). The input is normalised with
    :func:`normalize_phone` first; a value that is not a valid number becomes all
    stars; blank gives ``""``.
    Source: project decision (common practice for personal-information display).
    """
    if p is None or p == "":
        return ""
    try:
        phone = normalize_phone(p)
    except RuleError:
        return "*" * len(str(p))
    if not phone:
        return ""
    if "-" in phone:
        area, local = phone.split("-", 1)
        return f"{area}-{'*' * (len(local) - 3)}{local[-3:]}"
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


# -------------------------------------------------------------------- queries

_QUERY_ID_RE = re.compile(r"[0-9]{17}[0-9X]|[0-9]{15}")
_QUERY_MOBILE_RE = re.compile(r"(?:\+86|0086|86)?(1[3-9][0-9]{9})")
_QUERY_TAIL_RE = re.compile(r"[0-9]{4}|[0-9]{6}|[0-9]{3}X|[0-9]{5}X")
_QUERY_PINYIN_RE = re.compile(r"[A-Za-z]+(?: [A-Za-z]+)*")


def classify_query(q: str) -> tuple[str, str]:
    """Classify what was typed in the person search box.

    Shape: ``str -> (kind, value)`` after :func:`normalize_text`:

    - ``("id_number", 18 chars)`` for 18 ID-like characters (``x`` → ``X``) or
      15 digits (converted); the check character is not verified, so a mistyped
      number simply finds nobody;
    - ``("phone", 11 digits)`` for a mobile number (spaces, dashes, +86 removed),
      ``("phone", "0936-8212345")`` for a landline with area code;
    - ``("id_tail", value)`` for 4 or 6 digits, or 3/5 digits + X (uppercased);
    - ``("pinyin", lowercase letters)`` for ASCII letters only (spaces between
      words removed: ``"zhang san"`` → ``"zhangsan"``);
    - ``("name", fragment)`` otherwise (middle dots unified, spaces collapsed);
    - ``("", "")`` for blank input.
    Source: project decision.
    """
    text = normalize_text(q or "")
    if not text:
        return "", ""
    compact = re.sub(r"[\s\-]", "", text).upper()
    if _QUERY_ID_RE.fullmatch(compact):
        return "id_number", normalize_id_number(compact)
    mobile = _QUERY_MOBILE_RE.fullmatch(compact)
    if mobile:
        return "phone", mobile.group(1)
    if _QUERY_TAIL_RE.fullmatch(compact):
        return "id_tail", compact
    landline = _split_landline(re.sub(r"[()]", "", compact))
    if landline:
        return "phone", f"{landline[0]}-{landline[1]}"
    collapsed = _SPACES_RE.sub(" ", text)
    if _QUERY_PINYIN_RE.fullmatch(collapsed):
        return "pinyin", collapsed.replace(" ", "").lower()
    return "name", _SPACES_RE.sub(" ", _map_dots_and_spaces(text)).strip()
