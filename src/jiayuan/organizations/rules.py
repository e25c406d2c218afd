"""Pure rules of the unified social credit code (统一社会信用代码, GB 32100-2015).

No Django, no I/O. The code has 18 characters from ``0-9 A-H J-N P-R T U W-Y`` (no I,
O, Z, S, V): position 1 the registration authority (``5`` civil affairs, ``9`` market
regulation 工商, ``1`` institutional staffing, …), position 2 the organization type
within that authority (civil affairs: ``1`` social group, ``2`` social service
institution, ``3`` foundation, ``9`` other), positions 3–8 the division code of the
registering authority, 9–17 the organization code, 18 the check character:
``(31 − Σ value(cᵢ)·wᵢ mod 31) mod 31`` with weights ``wᵢ = 3ⁱ mod 31`` (1 3 9 27 19 26 16
17 20 29 25 13 8 24 10 30 28). Source: GB 32100-2015 §4–§5; DOMAIN.md "Other identifiers".

Errors are :class:`jiayuan.people.rules.RuleError` with ``field="uscc"`` and the stable
codes ``uscc.format`` (length or a character outside the set), ``uscc.checksum`` (wrong
check character) and ``uscc.kind_mismatch`` (authority and type characters disagree
with the organization's kind).
"""

from __future__ import annotations

from ..people.rules import N_, RuleError

__all__ = ["ALPHABET", "WEIGHTS", "KIND_PREFIXES", "normalize_uscc", "uscc_check_character", "check_uscc"]

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters of the code, in value order (value = index)."""

WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
"""Weights of positions 1–17: 3ⁱ mod 31."""

LENGTH = 18
FIELD = "uscc"

KIND_PREFIXES: dict[str, tuple[str, ...]] = {
    "social_group": ("51",),                 # 民政 + 社会团体
    "social_service_institution": ("52",),   # 民政 + 民办非企业单位 / 社会服务机构
    "foundation": ("53",),                   # 民政 + 基金会
    "enterprise": ("91", "92", "93"),        # 工商: 企业, 个体工商户, 农民专业合作社
    "community_filed": ("5",),               # 备案 community organizations: a code, if any, is civil affairs'
}
"""Organization kind → the leading characters its code must start with (GB 32100
Annex A: registration authority and organization type codes)."""

_FULLWIDTH = {ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ"}


def normalize_uscc(raw: str) -> str:
    """Upper-case, without spaces and dashes, full-width letters and digits made ASCII."""
    return "".join(str(raw or "").translate(_FULLWIDTH).upper().split()).replace("-", "")


def uscc_check_character(first17: str) -> str:
    """The check character for the first 17 characters (each in :data:`ALPHABET`).

    Worked example (DOMAIN.md): ``91350100M000100Y4`` → ``3``."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def check_uscc(raw: str, kind: str | None = None) -> str:
    """The normalised 18-character code, or :class:`RuleError` (``uscc.format``,
    ``uscc.checksum``, ``uscc.kind_mismatch``). ``kind`` (a key of
    :data:`KIND_PREFIXES`), when given, must agree with characters 1–2."""
    code = normalize_uscc(raw)
    if len(code) != LENGTH:
        raise RuleError("uscc.format", N_("统一社会信用代码应为 18 位，当前为 %(length)d 位"),
                        {"length": len(code)}, FIELD)
    bad = [c for c in code if c not in ALPHABET]
    if bad:
        raise RuleError("uscc.format", N_("统一社会信用代码含有不允许的字符“%(char)s”（不使用 I、O、Z、S、V）"),
                        {"char": bad[0]}, FIELD)
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise RuleError("uscc.checksum", N_("统一社会信用代码校验位错误：最后一位应为 %(expected)s，请核对证书"),
                        {"expected": expected}, FIELD)
    if kind is not None and kind in KIND_PREFIXES and not code.startswith(KIND_PREFIXES[kind]):
        raise RuleError("uscc.kind_mismatch",
                        N_("统一社会信用代码前两位“%(prefix)s”与组织类型不符（应以 %(expected)s 开头）"),
                        {"prefix": code[:2], "expected": "、".join(KIND_PREFIXES[kind])}, FIELD)
    return code
