"""Words for what the rules return as codes: categories, kinds, facts, grades, slots (in the
page's language; the Chinese names are the msgids, marked in :mod:`.rules`)."""

from django.utils.translation import gettext as _

from . import rules, selectors


def category_name(code: str) -> str:
    return _(rules.CATEGORIES[code]) if code in rules.CATEGORIES else code


def fact_text(fact: dict) -> str:
    """One fact ``{"code", "params"}`` as a sentence."""
    code, params = fact.get("code", ""), dict(fact.get("params") or {})
    template = rules.FACTS.get(code)
    if template is None:
        return code
    if code == "parent":
        params["role"] = _(rules.PARENT_ROLES.get(params.get("role"), params.get("role", "")))
        params["situations"] = "、".join(_(rules.SITUATIONS.get(s, s)) for s in params.get("situations") or [])
    try:
        return _(template) % params
    except (KeyError, TypeError, ValueError):
        return template


def describe(categories: list[dict] | None) -> list[dict]:
    """Rows for the page: ``[{"code", "name", "kinds": [names], "facts": [sentences]}]``."""
    out = []
    for c in categories or []:
        out.append({"code": c["code"], "name": category_name(c["code"]),
                    "kinds": [_(rules.DIFFICULTY_KINDS.get(k, k)) for k in c.get("kinds") or []],
                    "facts": [fact_text(f) for f in c.get("facts") or []]})
    return out


from ..people.rules import N_  # noqa: E402

CHANGE_NAMES = {"added": N_("新增"), "removed": N_("不再符合"), "changed": N_("依据变化")}


def review_text(reasons: list[dict]) -> list[str]:
    """The changes waiting for review, in words: 新增：农村留守儿童."""
    return [f"{_(CHANGE_NAMES.get(r['change'], r['change']))}：{category_name(r['code'])}" for r in reasons or []]


def grade_name(code: str) -> str:
    return _(selectors.risk_grade(code)["name"]) if code else ""


def slot_name(code: str) -> str:
    for s in selectors.care_slots():
        if s["code"] == code:
            return _(s["name"])
    return code


def close_reason(code: str) -> str:
    return _(rules.CLOSE_REASONS[code]) if code in rules.CLOSE_REASONS else code
