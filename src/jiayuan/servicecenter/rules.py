"""Pure rules of the service desk (no Django, no I/O).

Certificate templates (证明模板) are ``string.Template`` texts with ``${name}``
placeholders filled from the registry (:data:`CERTIFICATE_FIELDS`). A certificate is an
official document: one that would print a blank where the template expects a value
(现居（租）住于 ，系本社区居民) or a placeholder nobody fills (``${foo}``) is refused
before it is numbered, naming what to fill in. Source: project decision, after a trial
issued a 居（租）住证明 with an empty address.
"""

from __future__ import annotations

import string

from ..people.rules import N_, RuleError

CERTIFICATE_FIELDS: dict[str, str] = {
    "name": N_("姓名"),
    "sex": N_("性别"),
    "birth_date": N_("出生日期"),
    "id_number": N_("公民身份号码"),
    "address": N_("现住址"),
    "purpose": N_("证明用途"),
    "community": N_("出具单位（社区）"),
    "community_full": N_("出具单位全称"),
    "date": N_("出具日期"),
    "number": N_("证明编号"),
}
"""Placeholder → what it is (the label a message names), the only placeholders a
certificate template may use."""

FILLED_AFTER_NUMBERING = frozenset({"number"})
"""Placeholders whose value is set when the certificate is numbered, after the check."""


def template_placeholders(template: str) -> list[str]:
    """The placeholder names a template uses, in order of first use (``$$`` is a literal
    ``$``; a malformed ``$`` is not a placeholder)."""
    seen: list[str] = []
    for match in string.Template.pattern.finditer(template):
        name = match.group("named") or match.group("braced")
        if name and name not in seen:
            seen.append(name)
    return seen


def check_certificate_values(template: str, values: dict) -> None:
    """Raise if ``template`` cannot be filled from ``values`` (placeholder → text).

    Raises :class:`RuleError` ``certificate.unknown_placeholder`` (a placeholder outside
    :data:`CERTIFICATE_FIELDS`, params ``placeholder``) or ``certificate.missing_value``
    (params ``fields``: the labels of every used placeholder whose value is blank, joined
    with 、), field ``None``. Placeholders of :data:`FILLED_AFTER_NUMBERING` are not
    checked here.
    """
    used = template_placeholders(template)
    unknown = [p for p in used if p not in CERTIFICATE_FIELDS]
    if unknown:
        raise RuleError("certificate.unknown_placeholder",
                        N_("证明模板中的占位符 ${%(placeholder)s} 无法识别：请管理员修改模板"),
                        {"placeholder": unknown[0]})
    missing = [p for p in used if p not in FILLED_AFTER_NUMBERING and not str(values.get(p) or "").strip()]
    if missing:
        raise RuleError("certificate.missing_value",
                        N_("证明需要填写“%(fields)s”，该居民的登记信息中没有：请先在居民档案中补填后再出具"),
                        {"fields": "、".join(CERTIFICATE_FIELDS[p] for p in missing), "placeholders": missing})


def masked_birth_date(template: str, birth_year: int | None, birth_text: str) -> str:
    """What ``${birth_date}`` prints in ``template``: the whole date (``birth_text``) unless
    the template also prints the ID number, which a certificate shows masked
    (``620702********123X``): the eight hidden digits are the birth date, so beside the
    mask only the year is printed (``1956年``), and nothing shown rebuilds the number.
    Source: project decision (issue 10: nothing shown beside a masked value may rebuild it)."""
    used = template_placeholders(template)
    if "id_number" in used and "birth_date" in used and birth_year:
        return f"{birth_year}年"
    return birth_text
