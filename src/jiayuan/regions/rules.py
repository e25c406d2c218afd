"""Rules of administrative division codes (统计用区划代码) and grid codes.

Source: NBS 统计用区划代码编制规则 — 2 digits province, 2 prefecture, 2 county,
3 township/street, 3 village/community; village-level 001–199 are residents'
committees (urban communities), 200–399 villagers' committees (rural villages),
4xx/5xx virtual units. Project decision (DOMAIN.md): a grid's code is its community's
or village's 12-digit code followed by a 3-digit sequence.

A region's code is its path, so "inside a scope" is a prefix test.
"""

import re

LEVELS = ("province", "prefecture", "county", "township", "village", "grid")
LEVEL_BY_LENGTH = {2: "province", 4: "prefecture", 6: "county", 9: "township", 12: "village", 15: "grid"}
LENGTH_BY_LEVEL = {level: length for length, level in LEVEL_BY_LENGTH.items()}

_CODE_RE = re.compile(r"^\d+$")


def level_of(code: str) -> str:
    """Level name of a region code by its length; ``ValueError`` for a malformed code."""
    if not isinstance(code, str) or not _CODE_RE.match(code) or len(code) not in LEVEL_BY_LENGTH:
        raise ValueError(f"区划代码格式错误：{code!r}（应为 2、4、6、9、12 或 15 位数字）")
    return LEVEL_BY_LENGTH[code.__len__()]


def parent_code(code: str) -> str:
    """Code of the parent level ('' for a province)."""
    lengths = sorted(LEVEL_BY_LENGTH)
    i = lengths.index(len(code))
    return code[: lengths[i - 1]] if i else ""


def village_kind(code: str) -> str:
    """Kind of a village-level unit from the last three digits of its 12-digit code.

    Returns ``"community"`` (001–199, 居民委员会), ``"village"`` (200–399, 村民委员会) or
    ``"virtual"`` (4xx/5xx and anything else: 虚拟社区/虚拟生活区).
    """
    seq = int(code[9:12])
    if 1 <= seq <= 199:
        return "community"
    if 200 <= seq <= 399:
        return "village"
    return "virtual"


def is_within(code: str, scope_code: str) -> bool:
    """Whether ``code`` lies in the subtree of ``scope_code`` ('' is the whole tree)."""
    return code.startswith(scope_code)


def next_grid_code(village_code: str, existing: list[str]) -> str:
    """The next free grid code under a village-level unit: its 12 digits + 001…999.

    Raises ``ValueError`` when all 999 sequence numbers are used.
    """
    used = {int(c[12:15]) for c in existing if c.startswith(village_code) and len(c) == 15}
    for seq in range(1, 1000):
        if seq not in used:
            return f"{village_code}{seq:03d}"
    raise ValueError("该社区（村）的网格编号已用尽（最多 999 个）")


# Grid staffing rule of thumb in Zhangye: 2–5 staff per grid (DOMAIN.md, figures 2019).
GRID_MEMBERS_MIN = 2
GRID_MEMBERS_MAX = 5


def N_(s: str) -> str:
    """Marks a message template for translation (makemessages --keyword=N_)."""
    return s


STAFFING_TOO_FEW = N_("本网格仅有 %(n)s 名网格员，少于建议的 %(min)s 名")
STAFFING_TOO_MANY = N_("本网格有 %(n)s 名网格员，多于建议的 %(max)s 名")


def grid_staffing_warning(member_count: int, gettext=lambda s: s) -> str:
    """Warning when a grid's staff count lies outside 2–5, else ''. Chinese unless the
    caller passes Django's ``gettext`` to translate the template."""
    params = {"n": member_count, "min": GRID_MEMBERS_MIN, "max": GRID_MEMBERS_MAX}
    if member_count < GRID_MEMBERS_MIN:
        return gettext(STAFFING_TOO_FEW) % params
    if member_count > GRID_MEMBERS_MAX:
        return gettext(STAFFING_TOO_MANY) % params
    return ""
