"""Pure rules of the second-generation disability certificate (第二代残疾人证).

No Django, no I/O. The certificate number is the holder's 18-character citizen ID number
(GB 11643-1999) + one digit of disability type (1 视力 visual, 2 听力 hearing, 3 言语
speech, 4 肢体 physical, 5 智力 intellectual, 6 精神 mental, 7 多重 multiple) + one digit
of grade (1 一级, the most severe … 4 四级). Source: DOMAIN.md "Other identifiers";
中国残疾人联合会《第二代中华人民共和国残疾人证》(2008) number layout.

Errors are :class:`jiayuan.people.rules.RuleError` with a stable ``code``, a Chinese
template (marked ``N_``) and ``field="number"``, so services turn them into a 422 with
``ValidationFailed.from_rule_errors`` like every other field error.
"""

from __future__ import annotations

import datetime
from typing import NamedTuple

from ..people import rules as people_rules
from ..people.rules import N_, RuleError

__all__ = [
    "TYPE_NAMES",
    "GRADE_NAMES",
    "CertificateInfo",
    "normalize_certificate_number",
    "check_certificate_number",
    "build_certificate_number",
    "mask_certificate_number",
    "describe",
]

TYPE_NAMES: dict[int, str] = {
    1: N_("视力残疾"),
    2: N_("听力残疾"),
    3: N_("言语残疾"),
    4: N_("肢体残疾"),
    5: N_("智力残疾"),
    6: N_("精神残疾"),
    7: N_("多重残疾"),
}
"""Disability type digit (19th character) → name. Same labels as models.DisabilityType."""

GRADE_NAMES: dict[int, str] = {1: N_("一级"), 2: N_("二级"), 3: N_("三级"), 4: N_("四级")}
"""Grade digit (20th character) → name; 一级 is the most severe."""

NUMBER_LENGTH = 20
FIELD = "number"
_TYPE_HELP = "1视力 2听力 3言语 4肢体 5智力 6精神 7多重"


class CertificateInfo(NamedTuple):
    """What a valid certificate number says. Unpacks as ``(disability_type, grade)``;
    ``number`` is the normalised 20 characters."""

    disability_type: int
    grade: int
    number: str


def normalize_certificate_number(value: object) -> str:
    """Normalise a typed or pasted certificate number, checking nothing else.

    Shape: ``str -> str``. Same normalisation as citizen ID numbers (DOMAIN.md,
    decision): invisible format characters removed, NFKC (full-width digits and
    letters to half-width), every whitespace removed (also inside), ``x`` → ``X``.
    Raises :class:`RuleError` (field ``"number"``): ``certificate.stored_as_number``
    for an int/float/Decimal (a numeric spreadsheet cell: 20 digits cannot survive a
    float), ``certificate.missing`` for blank; ``TypeError`` for other non-strings.
    """
    if isinstance(value, bool) or people_rules.is_numeric_cell(value):
        raise RuleError(
            "certificate.stored_as_number",
            N_("残疾人证号被存成了数字（%(value)s），不是文本：数字格式会丢失末几位和X。"
               "请把该列设置为“文本”格式，再重新录入完整的20位证号"),
            {"value": people_rules.describe_number(value)},
            FIELD,
        )
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = people_rules.normalize_text(value)
    else:
        raise TypeError(f"normalize_certificate_number expects str or None, got {type(value).__name__}")
    number = "".join(text.split()).upper()
    if not number:
        raise RuleError("certificate.missing", N_("请填写残疾人证号（20位）"), {}, FIELD)
    return number


def check_certificate_number(
    number: object, holder_id_number: str, *, today: datetime.date | None = None
) -> CertificateInfo:
    """Validate a second-generation certificate number against its holder.

    Shape: ``(str, str) -> CertificateInfo(disability_type 1–7, grade 1–4, number)``;
    ``holder_id_number`` is the holder's ID number as stored (normalised again here).

    Checks, in this order (the first failure is raised, field ``"number"``):

    - ``certificate.stored_as_number`` / ``certificate.missing`` (see
      :func:`normalize_certificate_number`);
    - ``certificate.length``: not exactly 20 characters (param ``length``);
    - ``certificate.id_invalid``: characters 1–18 are not a valid citizen ID number
      (GB 11643-1999 format, birth date, address code, check character; param
      ``detail`` is the ID rule's own message);
    - ``certificate.holder_mismatch``: characters 1–18 are a valid ID number but not
      the holder's (params ``given`` and ``holder``, both masked);
    - ``certificate.type_invalid``: the 19th character is not a digit 1–7;
    - ``certificate.grade_invalid``: the 20th character is not a digit 1–4.

    ``today`` is passed to the ID check (a birth date after today is invalid).
    Source: DOMAIN.md "Other identifiers"; GB 11643-1999.
    """
    value = normalize_certificate_number(number)
    if len(value) != NUMBER_LENGTH:
        if len(value) == 18:
            template = N_("残疾人证号应为20位：18位公民身份号码 + 1位残疾类别 + 1位残疾等级；"
                          "现在只填了18位，缺少最后的类别和等级两位")
        else:
            template = N_("残疾人证号应为20位：18位公民身份号码 + 1位残疾类别 + 1位残疾等级；"
                          "现在填了%(length)d位，请核对")
        raise RuleError("certificate.length", template, {"length": len(value)}, FIELD)
    first18, type_char, grade_char = value[:18], value[18], value[19]
    try:
        info = people_rules.parse_id_number(first18, today=today)
    except RuleError as err:
        raise RuleError(
            "certificate.id_invalid",
            N_("残疾人证号前18位应为持证人的公民身份号码，但不是有效号码：%(detail)s"),
            {"detail": err.message},
            FIELD,
        ) from None
    holder = people_rules.normalize_id_number(holder_id_number)
    if info.number != holder:
        raise RuleError(
            "certificate.holder_mismatch",
            N_("残疾人证号前18位（%(given)s）与持证人的公民身份号码（%(holder)s）不一致："
               "请核对证号，或确认选择的居民是否正确"),
            {"given": people_rules.mask_id_number(info.number), "holder": people_rules.mask_id_number(holder)},
            FIELD,
        )
    if type_char not in "1234567":
        raise RuleError(
            "certificate.type_invalid",
            N_("残疾人证号第19位是残疾类别，应为1–7（%(types)s），现在是“%(char)s”"),
            {"char": type_char, "types": _TYPE_HELP},
            FIELD,
        )
    if grade_char not in "1234":
        raise RuleError(
            "certificate.grade_invalid",
            N_("残疾人证号第20位是残疾等级，应为1–4（1为一级，最重；4为四级），现在是“%(char)s”"),
            {"char": grade_char},
            FIELD,
        )
    return CertificateInfo(int(type_char), int(grade_char), value)


def build_certificate_number(id_number: str, disability_type: int, grade: int) -> str:
    """The 20-character number from the holder's ID number, type and grade.

    Shape: ``(str, int 1–7, int 1–4) -> str``; the ID number is normalised
    (:func:`jiayuan.people.rules.normalize_id_number`). Raises ``ValueError`` for a type
    or grade out of range (stored rows cannot have one: check constraints).
    """
    if disability_type not in TYPE_NAMES or grade not in GRADE_NAMES:
        raise ValueError(f"disability type {disability_type!r} / grade {grade!r} out of range")
    return f"{people_rules.normalize_id_number(id_number)}{disability_type}{grade}"


def mask_certificate_number(number: str) -> str:
    """Mask a certificate number for display like the ID number it contains: the ID part
    masked by :func:`jiayuan.people.rules.mask_id_number` (first 6 and last 4 kept), the
    type and grade digits kept: ``"620702********123452"``. Blank gives ``""``; a value
    that is not 20 characters is masked as a whole."""
    if not number:
        return ""
    number = str(number)
    if len(number) != NUMBER_LENGTH:
        return people_rules.mask_id_number(number)
    return people_rules.mask_id_number(number[:18]) + number[18:]


def describe(disability_type: int, grade: int) -> str:
    """``(5, 2) -> "智力残疾二级"`` (untranslated Chinese; callers in Django translate the
    two parts with gettext if they need another language)."""
    return f"{TYPE_NAMES.get(disability_type, str(disability_type))}{GRADE_NAMES.get(grade, str(grade))}"
