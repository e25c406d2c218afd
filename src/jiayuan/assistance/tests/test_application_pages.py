"""The application pages after the new-user findings: the home visit's form sent back
on the application page (lists kept), the next step as the main action, the totals of
the economic-status record against the 低保 standard, the asset kinds, and notes
keeping Chinese punctuation."""

import re

import pytest

from jiayuan.assistance import rules
from jiayuan.assistance.services import applications as svc
from jiayuan.audit.services import Actor
from jiayuan.cases.models import Case

from .helpers import app_of, at

pytestmark = pytest.mark.django_db


def _visiting(users, family, take, act):
    app, _ = take(["subsistence_allowance"])
    svc.record_economic_status(Actor(users["community"], "api"), app, incomes=[])
    act("community", app, "finish_economic_check", at(2025, 9, 29))
    return app_of(app)


def test_home_visit_error_comes_back_on_the_application_page_with_the_lists(
        page_client, users, family, params, take, act):
    app = _visiting(users, family, take, act)
    number = app.case.number
    client = page_client("community")
    page = client.get(f"/assistance/applications/{number}/").content.decode()
    # the application page posts its actions to its own address
    assert f'action="/assistance/applications/{number}/act/home_visit/"' in page
    resp = client.post(f"/assistance/applications/{number}/act/home_visit/", {
        "home_visit-version": app.case.version, "home_visit-field_visitor_1": str(users["community"].pk),
        "home_visit-field_visitor_2": str(users["township"].pk), "home_visit-field_visit_date": "2025-09-30",
        "home_visit-field_findings": "", "next": f"/assistance/applications/{number}/"})
    html = resp.content.decode()
    assert resp.status_code == 422
    assert resp.templates[0].name == "assistance/application_detail.html"   # not the case page
    # both visitors are still lists, with the chosen staff selected (not text boxes of ids)
    for name, who in (("visitor_1", "community"), ("visitor_2", "township")):
        select = re.search(rf'<select name="home_visit-field_{name}".*?</select>', html, re.S)
        assert select is not None, name
        assert f'<option value="{users[who].pk}" selected>' in select.group(0)
    assert 'type="text" name="home_visit-field_visitor_1"' not in html
    assert 'value="2025-09-30"' in html
    assert "调查情况" in html and re.search(r'data-field-error="field_findings">[^<]*[\u4e00-\u9fff]', html)
    assert Case.objects.get(pk=app.case_id).state == "visiting"
    # fixed and sent again: done, back on the application page
    ok = client.post(f"/assistance/applications/{number}/act/home_visit/", {
        "home_visit-version": app.case.version, "home_visit-field_visitor_1": str(users["community"].pk),
        "home_visit-field_visitor_2": str(users["township"].pk), "home_visit-field_visit_date": "2025-09-30",
        "home_visit-field_findings": "属实：住房简陋", "next": f"/assistance/applications/{number}/"})
    assert ok.status_code == 302 and ok["Location"] == f"/assistance/applications/{number}/"
    assert Case.objects.get(pk=app.case_id).state == "initial_review"
    # another community's worker cannot act through this address
    assert page_client("peer").post(f"/assistance/applications/{number}/act/void/", {}).status_code == 404


def test_fresh_application_main_action_is_the_economic_record(page_client, users, family, params, take):
    app, _ = take(["subsistence_allowance"])
    html = page_client("community").get(f"/assistance/applications/{app.case.number}/").content.decode()
    nxt = html.index('data-testid="next-step"')
    ending = html.index('data-testid="ending-actions"')
    assert nxt < ending
    assert f'class="btn btn-danger btn-lg w-100" href="/assistance/applications/{app.case.number}/economic-status/"' \
        in html
    # withdrawal is secondary: inside the closed "撤回或作废申请", a small outlined button
    tail = html[ending:]
    assert 'data-action="withdraw"' in tail and 'data-action="withdraw"' not in html[:ending]
    assert "<details class=\"mb-2 small\" data-testid=\"ending-actions\">" in html    # closed
    button = re.search(r'<button class="btn ([^"]*)" type="submit"\s+data-busy-label="[^"]*">确认申请人撤回', tail)
    assert button and button.group(1) == "btn-sm btn-outline-secondary"
    assert "btn-lg w-100 btn-danger\" type=\"submit\"" not in html
    # once recorded, the engine's 完成家庭经济状况核对 is the main action, no longer the link
    svc.record_economic_status(Actor(users["community"], "api"), app, incomes=[])
    html = page_client("community").get(f"/assistance/applications/{app.case.number}/").content.decode()
    assert 'data-testid="next-step"' not in html and 'data-action="finish_economic_check"' in html


def test_economic_page_totals_against_the_standard(page_client, users, family, params, take):
    app, _ = take(["subsistence_allowance"])
    h, s, c = family["head"].pk, family["spouse"].pk, family["child"].pk
    svc.record_economic_status(
        Actor(users["community"], "api"), app,
        members=[{"person": h, "co_resident": True}, {"person": s, "co_resident": False},
                 {"person": c, "co_resident": True}],
        incomes=[{"person": h, "kind": "wages", "monthly_amount": "900.00"},
                 {"person": s, "kind": "wages", "monthly_amount": "3000.00"},   # not co-resident: not counted
                 {"person": None, "kind": "transfer", "monthly_amount": "300.01"}])
    html = page_client("community").get(f"/assistance/applications/{app.case.number}/economic-status/") \
        .content.decode()
    # counted: 900.00 + 300.01 = 1200.01 for 2 co-resident members → 600.005 exactly (shown
    # 600.01, half up); 交通巷社区 is urban: standard 735.00 (params, from January 2025) →
    # 735.00 − 600.005 = 134.995 below, rounded once: 135.00 (not 735.00 − 600.01 = 134.99)
    assert 'data-testid="total-income">1,200.01 元<' in html  # 22,187.00 style since issue 10 (was 1200.01)
    assert 'data-testid="total-members">2 人<' in html
    assert 'data-testid="total-pci">600.01 元<' in html
    assert 'data-testid="total-standard">735.00 元/人·月<' in html
    assert "人均月收入低于低保标准 135.00 元" in html
    detail = page_client("community").get(f"/assistance/applications/{app.case.number}/").content.decode()
    assert "人均月收入低于低保标准 135.00 元" in detail


def test_economic_page_income_above_the_standard(page_client, users, family, params, take):
    app, _ = take(["subsistence_allowance"])
    svc.record_economic_status(Actor(users["community"], "api"), app,
                               members=[{"person": family["head"].pk, "co_resident": True}],
                               incomes=[{"person": None, "kind": "wages", "monthly_amount": "735.00"}])
    html = page_client("community").get(f"/assistance/applications/{app.case.number}/economic-status/") \
        .content.decode()
    # 1 member, 735.00 = the standard: not below it (低保 needs strictly below)
    assert "人均月收入等于低保标准" in html and "低于低保标准" not in html


def test_asset_kinds_are_distinct_and_stored_codes_kept(page_client, users, family, params, take):
    labels = list(rules.ASSET_KINDS.values())
    assert len(labels) == len(set(labels))
    assert rules.ASSET_KINDS["deposits"] == "存款（含现金）"
    assert rules.ASSET_KINDS["securities"] == "有价证券（股票、基金、债券）"
    # no label contains another kind's name (存款及有价证券 next to 有价证券 did)
    assert not any("有价证券" in v for k, v in rules.ASSET_KINDS.items() if k != "securities")
    app, _ = take(["subsistence_allowance"])
    svc.record_economic_status(Actor(users["community"], "api"), app,
                               members=[{"person": family["head"].pk, "co_resident": True}], incomes=[],
                               assets=[{"kind": "deposits", "value": "3000.00", "quantity": 1},
                                       {"kind": "securities", "value": "2000.00", "quantity": 1}])
    html = page_client("community").get(f"/assistance/applications/{app.case.number}/").content.decode()
    assert "存款（含现金）" in html and "有价证券（股票、基金、债券）" in html


def test_record_notes_and_reason_keep_chinese_punctuation(users, family, params, take):
    # Finding: "演示：在册低保家庭" was stored as "演示:在册低保家庭" (NFKC).
    app, _ = take(["subsistence_allowance"], reason="演示：在册低保家庭（测试）")
    assert app_of(app).reason == "演示：在册低保家庭（测试）"
    svc.record_economic_status(
        Actor(users["community"], "api"), app,
        members=[{"person": family["head"].pk, "co_resident": True,
                  "note": "外出务工：兰州，\x1b每年回家  两次"}],
        incomes=[{"person": None, "kind": "transfer", "monthly_amount": "100.00", "note": "子女赡养费（现金）"}])
    m = app.members.get()
    # ESC removed, the double space folded (one line), full-width punctuation kept
    assert m.note == "外出务工：兰州，每年回家 两次"
    assert app.incomes.get().note == "子女赡养费（现金）"
