"""The application page in English (language cookie): the state, the public status,
the actions, the program names, the materials and the income kinds come from declared
data (case_types.py, rules.py, the seeded programs) and are translated when shown; the
stored texts stay Chinese. Without the cookie the page is Chinese."""

import re

import pytest
from django.conf import settings
from django.utils import translation

from jiayuan.assistance import labels, rules
from jiayuan.assistance.services import applications as svc
from jiayuan.audit.services import Actor


pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def _recorded_application(users, take):
    # a 低保 application with every material: accepted at once, now at 家庭经济状况核对
    # (public status 审核中); one wage income recorded so that 完成家庭经济状况核对 is offered
    app, _ = take(["subsistence_allowance"])
    svc.record_economic_status(Actor(users["community"], "api"), app,
                               incomes=[{"kind": "wages", "monthly_amount": "1200.00"}])
    return app


def test_application_page_in_english_with_the_cookie(page_client, users, family, params, take):
    app = _recorded_application(users, take)
    c = page_client("community")
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    r = c.get(f"/assistance/applications/{app.case.number}/")
    assert r.status_code == 200
    html, text = r.content.decode(), text_of(r)
    text = text.replace(app.case.title, "")   # the stored title (社会救助申请：最低生活保障) is data
    assert re.search(r'data-testid="state">\s*Household economic check\s*<', html)
    assert re.search(r'data-testid="public-status">\s*Under review\s*<', html)
    for s in ("Subsistence allowance (dibao)",            # the program (part) name
              "Complete the household economic check",    # the action
              "Applicant withdraws",                      # the ending action (申请人撤回)
              "Written application", "Resident identity card",   # materials received
              "Wage income"):                             # the income kind
        assert s in text, s
    for s in ("家庭经济状况核对", "最低生活保障", "完成家庭经济状况核对", "申请人撤回", "书面申请", "工资性收入"):
        assert s not in text, s


def test_application_page_in_chinese_without_the_cookie(page_client, users, family, params, take):
    app = _recorded_application(users, take)
    r = page_client("community").get(f"/assistance/applications/{app.case.number}/")
    html, text = r.content.decode(), text_of(r)
    assert re.search(r'data-testid="state">\s*家庭经济状况核对\s*<', html)
    for s in ("最低生活保障", "完成家庭经济状况核对", "申请人撤回", "书面申请", "工资性收入"):
        assert s in text, s
    for s in ("Subsistence allowance", "Household economic check", "Wage income"):
        assert s not in text, s


def test_application_list_names_the_program_and_state_in_english(page_client, users, family, params, take):
    _recorded_application(users, take)
    c = page_client("community")
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = text_of(c.get("/assistance/applications/"))
    assert "Subsistence allowance (dibao)" in text and "Household economic check" in text


def test_seeded_program_and_label_names_have_english_translations():
    from importlib import import_module

    # the labels module lists exactly the programs the migrations seed (the children's
    # allowances are seeded by the children module, which owns their files)
    seeded = import_module("jiayuan.assistance.migrations.0002_programs").PROGRAMS
    children = import_module("jiayuan.children.migrations.0003_allowance_programs").PROGRAMS
    assert {code: name for code, name, *_ in [*seeded, *children]} == labels.PROGRAM_NAMES
    names = list(labels.PROGRAM_NAMES.values()) + list(labels.PROGRAM_DEPARTMENTS)
    for d in (rules.AREAS, rules.SELF_CARE, rules.CAPACITY_LEVELS, rules.ECONOMIC_STATUS, rules.OVERLAP_KINDS,
              rules.INCOME_KINDS, rules.ASSET_KINDS, rules.HARDSHIPS):
        names += list(d.values())
    with translation.override("en"):
        untranslated = [n for n in names if translation.gettext(n) == n]
    assert not untranslated, untranslated
