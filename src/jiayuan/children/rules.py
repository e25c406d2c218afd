"""Pure rules of children's care: which categories a child falls under, and when the next
visit falls due. No Django import; errors are :class:`RuleError` with stable codes.

Categories (codes of the API contract)
--------------------------------------

``left_behind`` — 农村留守儿童, 国务院关于加强农村留守儿童关爱保护工作的意见 (国发〔2016〕13号):
"父母双方外出务工或一方外出务工另一方无监护能力、不满十六周岁的未成年人", with rural household
registration (the 2016 摸底排查 of 民政部 says 农村户籍). "无监护能力" is explained there as
"因重病、重残等原因丧失监护能力". **Decision** (DOMAIN.md "Children"): the other parent lacks
the ability to care when seriously ill, severely disabled, imprisoned, in compulsory drug
rehabilitation, lost contact, declared missing or deceased — the situations in which
民发〔2019〕62号 also treats a parent as not bringing the child up. Under 16 means the 16th
birthday is not reached (周岁, :func:`jiayuan.people.rules.age_on`).

``de_facto_unsupported`` — 事实无人抚养儿童, 民政部等12部门关于进一步加强事实无人抚养儿童保障工作的
意见 (民发〔2019〕62号): under 18, and either both parents are each in one of the situations 重残,
重病, 服刑在押, 强制隔离戒毒 (or other restriction of liberty), 失联; or one parent is deceased
or declared missing (失踪: 人民法院宣告失踪) and the other is in one of those situations.
重残 = disability grade 一级 or 二级, or grade 三级/四级 of the mental (精神) or intellectual
(智力) type; 失联 = lost contact and not bringing the child up for 6 months or more
(``lost_contact_since`` at least 6 calendar months before the day of the derivation).
A deceased parent together with a declared-missing parent is *not* this category (失踪 is
only in the first half of the text): that child has lost both parents, an orphan (孤儿),
which is a child in difficulty for lack of guardianship.

``in_difficulty`` — 困境儿童, 国务院关于加强困境儿童保障工作的意见 (国发〔2016〕36号): under 18, in
one or more of three kinds: ``poverty`` (因家庭贫困导致生活、就医、就学等困难: the child or a
member of the household is a current 低保对象 or 特困人员), ``disability_illness`` (因自身残疾或
重病: the child holds a valid disability certificate or is seriously ill), ``guardianship``
(因家庭监护缺失或监护不当: both parents deceased or declared missing — an orphan —, the child
is 事实无人抚养, or a want or abuse of guardianship is recorded on the file).

Each category comes with the facts that produced it: ``{"code": ..., "params": {...}}``,
codes listed in :data:`FACTS` (Chinese templates for the pages).

Visits
------
Risk grades and their visit frequency in calendar months are configuration (DOMAIN.md:
"local practice"); :data:`DEFAULT_RISK_GRADES` is the default (red monthly, yellow every
two months, blue and green quarterly). The next visit is due the frequency's number of
months after the last visit (or after the file was opened when there is none), the day
of the month kept and clamped to the month's end (31 January + 1 month = 28/29 February).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from ..people.rules import N_, RuleError, age_on

LEFT_BEHIND = "left_behind"
IN_DIFFICULTY = "in_difficulty"
DE_FACTO_UNSUPPORTED = "de_facto_unsupported"
CATEGORIES = {
    LEFT_BEHIND: N_("农村留守儿童"),
    IN_DIFFICULTY: N_("困境儿童"),
    DE_FACTO_UNSUPPORTED: N_("事实无人抚养儿童"),
}
CATEGORY_ORDER = (LEFT_BEHIND, IN_DIFFICULTY, DE_FACTO_UNSUPPORTED)

DIFFICULTY_KINDS = {
    "poverty": N_("家庭贫困"),
    "disability_illness": N_("自身残疾或重病"),
    "guardianship": N_("监护缺失或监护不当"),
}

LEFT_BEHIND_AGE = 16   # 国发〔2016〕13号: 不满十六周岁
CHILD_AGE = 18         # 未成年人 (国发〔2016〕36号, 民发〔2019〕62号)
LOST_CONTACT_MONTHS = 6  # 民发〔2019〕62号: 失联 6 个月以上

# A parent's situations (codes stored on the file's parents) and their names.
SITUATIONS = {
    "working_away": N_("外出务工"),
    "severely_disabled": N_("重残"),
    "seriously_ill": N_("重病"),
    "imprisoned": N_("服刑在押或被限制人身自由"),
    "drug_rehab": N_("强制隔离戒毒"),
    "lost_contact": N_("失联（6个月以上）"),
    "missing": N_("宣告失踪"),
    "deceased": N_("死亡"),
}
# 民发〔2019〕62号: situations in which a parent does not bring the child up.
UNSUPPORTING = ("severely_disabled", "seriously_ill", "imprisoned", "drug_rehab", "lost_contact")
GONE = ("deceased", "missing")
# Decision: the other parent of a left-behind child "无监护能力" (see the module docstring).
UNABLE_TO_CARE = UNSUPPORTING + GONE

PARENT_ROLES = {"father": N_("父亲"), "mother": N_("母亲")}

FACTS = {
    "age": N_("%(age)s 周岁（出生于 %(birth_date)s）"),
    "rural": N_("农村户籍（%(region)s）"),
    "urban": N_("城镇户籍（%(region)s）"),
    "registration_unknown": N_("户籍城乡类别不明"),
    "parent": N_("%(role)s：%(situations)s"),
    "poverty": N_("家庭享受%(program)s"),
    "own_disability": N_("本人持残疾人证（%(grade)s）"),
    "own_illness": N_("本人患重病"),
    "guardianship_problem": N_("记录有监护缺失或监护不当"),
    "orphan": N_("父母双方死亡或宣告失踪（孤儿）"),
    "de_facto_unsupported": N_("属事实无人抚养儿童"),
}


def severe_disability(disability_type: int, grade: int) -> bool:
    """重残 per 民发〔2019〕62号: grade 1 or 2 of any type, or grade 3 or 4 of the mental (6)
    or intellectual (5) type (GB/T 26341 types 1–7, grades 1–4)."""
    return grade in (1, 2) or (grade in (3, 4) and disability_type in (5, 6))


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` plus ``months`` calendar months, the day clamped to the month's end
    (2026-01-31 + 1 → 2026-02-28; 2028-01-31 + 1 → 2028-02-29)."""
    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    nxt = datetime.date(year + (month == 12), month % 12 + 1, 1)
    last = (nxt - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last))


@dataclass(frozen=True)
class ParentFacts:
    """One parent's situation on a day. ``role`` father/mother; ``known`` False when the
    file names no such parent (a parent unknown is in no situation); ``situations``: the
    codes of :data:`SITUATIONS` that hold (``lost_contact`` only when it has lasted 6
    months: see :func:`parent_situations`)."""

    role: str
    situations: frozenset[str] = frozenset()
    known: bool = True


def parent_situations(*, working_away=False, severely_disabled=False, seriously_ill=False, imprisoned=False,
                      drug_rehab=False, missing=False, deceased=False, lost_contact_since=None,
                      on: datetime.date) -> frozenset[str]:
    """The situation codes of a parent on day ``on`` from the recorded facts. A parent
    lost contact counts from ``lost_contact_since`` + 6 months (民发〔2019〕62号); a deceased
    parent is in no other situation."""
    if deceased:
        return frozenset({"deceased"})
    out = set()
    for code, holds in (("working_away", working_away), ("severely_disabled", severely_disabled),
                        ("seriously_ill", seriously_ill), ("imprisoned", imprisoned), ("drug_rehab", drug_rehab),
                        ("missing", missing)):
        if holds:
            out.add(code)
    if lost_contact_since is not None and add_months(lost_contact_since, LOST_CONTACT_MONTHS) <= on:
        out.add("lost_contact")
    return frozenset(out)


@dataclass(frozen=True)
class ChildFacts:
    """What the rules read. ``registration``: ``rural``/``urban``/``""`` (unknown, e.g. a
    floating child registered elsewhere); ``region_name`` for the fact's wording;
    ``poverty_program``: the name of the program the household gets (低保/特困) or "";
    ``own_disability_grade``: a name such as "智力残疾二级" or ""; ``own_illness`` and
    ``guardianship_problem``: entered on the file."""

    birth_date: datetime.date
    on: datetime.date
    registration: str = ""
    region_name: str = ""
    father: ParentFacts = field(default_factory=lambda: ParentFacts("father", known=False))
    mother: ParentFacts = field(default_factory=lambda: ParentFacts("mother", known=False))
    poverty_program: str = ""
    own_disability_grade: str = ""
    own_illness: bool = False
    guardianship_problem: bool = False


@dataclass(frozen=True)
class Category:
    """A category the child falls under: ``code``, ``kinds`` (for in_difficulty) and the
    ``facts`` that produced it, each ``{"code", "params"}``."""

    code: str
    facts: tuple = ()
    kinds: tuple = ()

    def as_dict(self) -> dict:
        return {"code": self.code, "kinds": list(self.kinds), "facts": [dict(f) for f in self.facts]}


def _fact(code: str, **params) -> dict:
    return {"code": code, "params": {k: (v.isoformat() if isinstance(v, datetime.date) else v)
                                     for k, v in params.items()}}


def _parent_fact(p: ParentFacts, names: tuple) -> dict:
    return _fact("parent", role=p.role, situations=[s for s in SITUATIONS if s in p.situations and s in names])


def derive_categories(c: ChildFacts) -> list[Category]:
    """The categories of the child on ``c.on``, in :data:`CATEGORY_ORDER`, each with its
    facts (see the module docstring for the texts). Raises RuleError
    ``child.not_born`` when ``on`` is before the birth date."""
    if c.on < c.birth_date:
        raise RuleError("child.not_born", N_("日期早于出生日期"), field="birth_date")
    age = age_on(c.birth_date, c.on)
    age_fact = _fact("age", age=age, birth_date=c.birth_date)
    if age >= CHILD_AGE:
        return []
    out: list[Category] = []
    f, m = c.father, c.mother

    # 国发〔2016〕13号
    if age < LEFT_BEHIND_AGE and c.registration == "rural":
        reg = _fact("rural", region=c.region_name)
        both_away = "working_away" in f.situations and "working_away" in m.situations
        if both_away:
            out.append(Category(LEFT_BEHIND, (age_fact, reg, _parent_fact(f, ("working_away",)),
                                              _parent_fact(m, ("working_away",)))))
        else:
            for away, other in ((f, m), (m, f)):
                unable = [s for s in UNABLE_TO_CARE if s in other.situations]
                if "working_away" in away.situations and unable:
                    out.append(Category(LEFT_BEHIND, (age_fact, reg, _parent_fact(away, ("working_away",)),
                                                      _parent_fact(other, tuple(unable)))))
                    break

    # 民发〔2019〕62号
    unsupported = None
    fs = [s for s in UNSUPPORTING if s in f.situations]
    ms = [s for s in UNSUPPORTING if s in m.situations]
    if fs and ms:
        unsupported = Category(DE_FACTO_UNSUPPORTED, (age_fact, _parent_fact(f, tuple(fs)), _parent_fact(m, tuple(ms))))
    else:
        for gone, other, other_s in ((f, m, ms), (m, f, fs)):
            g = [s for s in GONE if s in gone.situations]
            if g and other_s:
                unsupported = Category(DE_FACTO_UNSUPPORTED, (age_fact, _parent_fact(gone, tuple(g)),
                                                              _parent_fact(other, tuple(other_s))))
                break

    # 国发〔2016〕36号
    kinds, facts = [], [age_fact]
    if c.poverty_program:
        kinds.append("poverty")
        facts.append(_fact("poverty", program=c.poverty_program))
    if c.own_disability_grade or c.own_illness:
        kinds.append("disability_illness")
        if c.own_disability_grade:
            facts.append(_fact("own_disability", grade=c.own_disability_grade))
        if c.own_illness:
            facts.append(_fact("own_illness"))
    orphan = any(s in f.situations for s in GONE) and any(s in m.situations for s in GONE)
    if orphan or unsupported or c.guardianship_problem:
        kinds.append("guardianship")
        if orphan:
            facts += [_fact("orphan"), _parent_fact(f, GONE), _parent_fact(m, GONE)]
        if unsupported:
            facts.append(_fact("de_facto_unsupported"))
        if c.guardianship_problem:
            facts.append(_fact("guardianship_problem"))
    if kinds:
        out.append(Category(IN_DIFFICULTY, tuple(facts), tuple(kinds)))
    if unsupported:
        out.append(unsupported)
    return out


def category_codes(categories) -> list[str]:
    """The codes of ``categories`` (Category objects or their dicts), in order."""
    codes = {c.code if isinstance(c, Category) else c["code"] for c in categories}
    return [c for c in CATEGORY_ORDER if c in codes]


def compare(before: list[dict], after: list[dict]) -> list[dict]:
    """What changed between two derivations (lists of :meth:`Category.as_dict`): a list
    of ``{"code", "change": "added"|"removed"|"changed"}`` — ``changed`` when the category
    stays but its kinds or facts differ. Empty when nothing changed."""
    b = {c["code"]: c for c in before}
    a = {c["code"]: c for c in after}
    out = []
    for code in CATEGORY_ORDER:
        if code in a and code not in b:
            out.append({"code": code, "change": "added"})
        elif code in b and code not in a:
            out.append({"code": code, "change": "removed"})
        elif code in a and (a[code].get("kinds") != b[code].get("kinds") or a[code].get("facts") != b[code].get("facts")):
            out.append({"code": code, "change": "changed"})
    return out


# ------------------------------------------------------------------ risk grades and visits

DEFAULT_RISK_GRADES = (
    {"code": "red", "name": N_("红色（高风险）"), "color": "#dc3545", "months": 1},
    {"code": "yellow", "name": N_("黄色（中风险）"), "color": "#ffc107", "months": 2},
    {"code": "blue", "name": N_("蓝色（低风险）"), "color": "#0d6efd", "months": 3},
    {"code": "green", "name": N_("绿色（健康）"), "color": "#198754", "months": 3},
)

DEFAULT_CARE_SLOTS = (
    {"code": "cadre", "name": N_("村（社区）干部或代理家长")},
    {"code": "teacher", "name": N_("教师")},
    {"code": "volunteer", "name": N_("志愿者或社会工作者")},
)


_GRADE_CODE = re.compile(r"^[a-z][a-z0-9_]{0,19}$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def check_risk_grades(grades) -> list[dict]:
    """``grades`` (the configuration) as a list of dicts after checking: each has a unique
    ``code`` (lower-case letters, digits, ``_``; it names a CSS class), a ``name``, a
    ``color`` (#rrggbb) and ``months`` 1–12. Raises RuleError ``risk_grades.invalid``
    naming the first bad entry."""
    out, seen = [], set()
    for g in grades:
        code = str(g.get("code", ""))
        months = g.get("months")
        color = str(g.get("color", ""))
        ok = (_GRADE_CODE.match(code) and code not in seen and g.get("name") and isinstance(months, int)
              and 1 <= months <= 12 and _COLOR.match(color))
        if not ok:
            raise RuleError("risk_grades.invalid", N_("风险等级配置有误：%(code)s"), {"code": code or "?"})
        seen.add(code)
        out.append(dict(g))
    if not out:
        raise RuleError("risk_grades.invalid", N_("风险等级配置有误：%(code)s"), {"code": "—"})
    return out


def text_color(color: str) -> str:
    """Black or white text on background ``color`` (#rrggbb): black when its brightness
    (W3C AERT formula (299 R + 587 G + 114 B) / 1000, as Bootstrap's colour contrast) is
    150 or more, white otherwise."""
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return "#000000" if (299 * r + 587 * g + 114 * b) / 1000 >= 150 else "#ffffff"


def next_visit_due(grades, grade: str, last_visit: datetime.date | None, opened: datetime.date) -> datetime.date:
    """When the next visit falls due: ``months`` of ``grade`` after ``last_visit`` (or
    after ``opened`` without a visit). Raises RuleError ``risk.unknown`` for a grade not
    in ``grades``."""
    by_code = {g["code"]: g for g in grades}
    if grade not in by_code:
        raise RuleError("risk.unknown", N_("未知的风险等级：%(grade)s"), {"grade": grade}, field="risk")
    return add_months(last_visit or opened, by_code[grade]["months"])


# --- closing a file (销档) ------------------------------------------------------------------

# Why a file is closed. The age reasons are checked against the child's age on the day of
# closing (周岁, :func:`jiayuan.people.rules.age_on`): a left-behind child leaves the
# category on the 16th birthday (国发〔2016〕13号 不满十六周岁), every child the others on
# the 18th (未成年人). 父母返乡 and 迁出 are facts the 儿童主任 states (the registry may
# not know them yet).
CLOSE_REASONS = {
    "age_16": N_("年满16周岁，不再属于农村留守儿童"),
    "age_18": N_("年满18周岁"),
    "parents_back": N_("父母返乡或恢复监护"),
    "moved_away": N_("迁出本地"),
    "adopted": N_("被依法收养"),
    "deceased": N_("死亡"),
    "other": N_("其他"),
}


def check_close(reason: str, *, birth_date: datetime.date, on: datetime.date, categories: list[str],
                note: str) -> list[RuleError]:
    """Errors that stop closing a file for ``reason`` on ``on`` (empty: it may close).

    - ``close.reason``: not one of :data:`CLOSE_REASONS`;
    - ``close.too_young``: ``age_16`` before the 16th birthday, ``age_18`` before the
      18th (the day of the birthday counts: :func:`age_on`);
    - ``close.still_in_category``: ``age_16`` while the file is still confirmed as 困境
      or 事实无人抚养 (those last to 18: the file stays open);
    - ``close.note_required``: ``other`` without a note saying why."""
    if reason not in CLOSE_REASONS:
        return [RuleError("close.reason", N_("请选择销档原因"), field="reason")]
    errors = []
    age = age_on(birth_date, max(on, birth_date))
    if reason == "age_16" and age < LEFT_BEHIND_AGE or reason == "age_18" and age < CHILD_AGE:
        errors.append(RuleError("close.too_young", N_("儿童在销档日尚未满 %(age)s 周岁"),
                                {"age": LEFT_BEHIND_AGE if reason == "age_16" else CHILD_AGE}, field="reason"))
    if reason == "age_16" and set(categories) & {IN_DIFFICULTY, DE_FACTO_UNSUPPORTED}:
        errors.append(RuleError("close.still_in_category",
                                N_("该儿童仍属于困境儿童或事实无人抚养儿童（保障至18周岁），不能以年满16周岁销档"),
                                field="reason"))
    if reason == "other" and not note.strip():
        errors.append(RuleError("close.note_required", N_("请说明销档原因"), field="note"))
    return errors
