"""Applications through the HTTP API (/api/v1/assistance/applications, with the stages
through /api/v1/cases/{number}/transitions) and the pages (/assistance/applications/…)."""

import re

import pytest
from django.utils import timezone

from jiayuan.assistance.models import AssistanceApplication, NoticeObjection

from .helpers import FULL_DIBAO, app_of

pytestmark = pytest.mark.django_db

URL = "/api/v1/assistance/applications"


def body(family, **kw):
    data = {"household": family["household"].pk, "applicant": family["head"].pk,
            "parts": ["subsistence_allowance", {"kind": "medical_assistance"}], "materials": FULL_DIBAO + ["诊断证明"],
            "reason": "丈夫失业，孩子上学", "request_key": "k-1"}
    data.update(kw)
    return data


def test_take_application_over_the_api(api_client, family, params, medical_dept):
    client = api_client("community")
    resp = client.post(URL, body(family), content_type="application/json")
    assert resp.status_code == 201, resp.content
    d = resp.json()
    number = d["number"]
    # 医疗费用票据 missing → one notice naming it; the household sees "待补正材料"
    assert d["state"] == "awaiting_materials" and d["status"] == "待补正材料"
    assert d["materials_missing"] == ["医疗费用票据"]
    assert {p["kind"]: p["handled_by"] for p in d["parts"]} == {"subsistence_allowance": "民政",
                                                                "medical_assistance": "甘州区医疗保障局"}
    assert [e["action"] for e in d["case"]["timeline"]] == ["open", "request_materials"]
    assert "accept" in [a["action"] for a in d["case"]["actions"]]
    # a repeat of the same submission returns the first one
    again = client.post(URL, body(family), content_type="application/json")
    assert again.status_code == 200 and again.json()["number"] == number
    assert AssistanceApplication.objects.count() == 1

    # accepted through the engine's transitions endpoint; the department gets its task
    version = d["case"]["version"]
    resp = client.post(f"/api/v1/cases/{number}/transitions", {"action": "accept", "version": version,
                                                               "comment": "材料已补齐"},
                       content_type="application/json")
    assert resp.status_code == 200, resp.content
    detail = client.get(f"{URL}/{number}").json()
    assert detail["state"] == "accepted" and detail["materials_missing"] == []
    assert detail["process_due"] is not None
    assert [t["department"]["code"] for t in detail["case"]["tasks"]] == ["gz-ybj"]

    # the economic-status record
    resp = client.put(f"{URL}/{number}/economic-status", {
        "incomes": [{"person": family["head"].pk, "kind": "wages", "monthly_amount": "1200.00"}],
        "assets": [{"kind": "vehicle", "value": "15000", "quantity": 1, "note": "电动三轮车"}]},
        content_type="application/json")
    assert resp.status_code == 200, resp.content
    d = resp.json()
    assert len(d["members"]) == 3 and all(m["co_resident"] for m in d["members"])
    assert d["incomes"][0]["monthly_amount"] == "1200.00"
    bad = client.put(f"{URL}/{number}/economic-status", {"incomes": [{"kind": "lottery", "monthly_amount": "-1"}]},
                     content_type="application/json")
    assert bad.status_code == 422 and bad.json()["error"]["fields"]["incomes.0.kind"][0]["code"] == "incomes.kind"

    # a community worker cannot decide: 403 with the engine's code
    version = client.get(f"/api/v1/cases/{number}").json()["version"]
    resp = client.post(f"/api/v1/cases/{number}/transitions", {"action": "approve", "version": version},
                       content_type="application/json")
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "case.role_forbidden"

    # the list
    listed = client.get(URL, {"open": "true"}).json()
    assert listed["count"] == 1 and listed["results"][0]["number"] == number


def test_scope_and_wrong_door(api_client, family, params):
    client = api_client("community")
    number = client.post(URL, body(family, parts=["subsistence_allowance"], materials=FULL_DIBAO),
                         content_type="application/json").json()["number"]
    peer = api_client("peer")
    assert peer.get(f"{URL}/{number}").status_code == 404
    assert peer.get(URL).json()["count"] == 0
    assert peer.put(f"{URL}/{number}/economic-status", {}, content_type="application/json").status_code == 404
    assert peer.post(f"/api/v1/cases/{number}/transitions", {"action": "withdraw", "version": 1},
                     content_type="application/json").status_code == 404
    resp = peer.post(URL, body(family, request_key="p-1"), content_type="application/json")
    assert resp.status_code == 422 and resp.json()["error"]["fields"]["household"][0]["code"] == "household.not_found"
    # the county sees it
    assert api_client("county").get(f"{URL}/{number}").status_code == 200
    # the generic case endpoint does not take applications (no application row would exist)
    resp = client.post("/api/v1/cases", {"type": "assistance_application", "household": family["household"].pk},
                       content_type="application/json")
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "assistance.use_applications_api"


def test_objections_over_the_api(api_client, family, params, users):
    from jiayuan.assistance.models import AssistanceApplication
    from jiayuan.audit.services import Actor
    from jiayuan.cases.services import transition

    client = api_client("community")
    number = client.post(URL, body(family, parts=["subsistence_allowance"], materials=FULL_DIBAO),
                         content_type="application/json").json()["number"]
    resp = client.post(f"{URL}/{number}/objections", {"received_on": "2025-10-10", "content": "有车"},
                       content_type="application/json")
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "application.not_in_notice"
    app = AssistanceApplication.objects.get(case__number=number)
    client.put(f"{URL}/{number}/economic-status", {"incomes": []}, content_type="application/json")
    actor = Actor(users["community"], "api")
    for action, fields in (("finish_economic_check", None),
                           ("home_visit", {"visitor_1": "community", "visitor_2": "township",
                                           "visit_date": timezone.localdate().isoformat(), "findings": "属实"}),
                           ("initial_opinion", {"opinion": "eligible"})):
        case = app.case.__class__.objects.get(pk=app.case_id)
        transition(actor, case, action, version=case.version, comment="初审同意", fields=fields)
    today = timezone.localdate().isoformat()
    resp = client.post(f"{URL}/{number}/objections", {"received_on": today, "content": "该户有一辆小汽车"},
                       content_type="application/json")
    assert resp.status_code == 201, resp.content
    oid = resp.json()["id"]
    resp = client.post(f"{URL}/{number}/objections/{oid}/resolution", {"resolution": "", "upheld": False},
                       content_type="application/json")
    assert resp.status_code == 422
    resp = client.post(f"{URL}/{number}/objections/{oid}/resolution",
                       {"resolution": "车辆登记在其兄名下", "upheld": False}, content_type="application/json")
    assert resp.status_code == 200 and resp.json()["upheld"] is False
    assert NoticeObjection.objects.get(pk=oid).resolution == "车辆登记在其兄名下"
    detail = client.get(f"{URL}/{number}").json()
    assert detail["objections"][0]["upheld"] is False and detail["notice_until"] is not None


def test_pages_intake_detail_and_economic_form(page_client, family, params):
    client = page_client("community")
    assert client.get("/assistance/applications/new/").status_code == 200
    resp = client.post("/assistance/applications/new/", {
        "request_key": "page-1", "person": family["head"].pk, "kind": ["subsistence_allowance"],
        "material": ["书面申请", "居民身份证"], "reason": "家庭困难"})
    assert resp.status_code == 302, resp.content.decode()[:2000]
    app = AssistanceApplication.objects.get()
    assert resp["Location"] == f"/assistance/applications/{app.case.number}/"
    page = client.get(resp["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "待补正材料" in html and "户口簿、家庭收入和财产状况声明、家庭经济状况核对授权书" in html
    assert 'data-action="accept"' in html                     # the engine's action form, reused
    # a repeated submit of the same form lands on the same application
    again = client.post("/assistance/applications/new/", {
        "request_key": "page-1", "person": family["head"].pk, "kind": ["subsistence_allowance"]})
    assert again.status_code == 302 and AssistanceApplication.objects.count() == 1
    # missing applicant and kinds: the form comes back with messages
    bad = client.post("/assistance/applications/new/", {"request_key": "page-2"})
    assert bad.status_code == 422 and "请查找并选择申请人" in bad.content.decode()
    # the list
    assert app.case.number in client.get("/assistance/applications/").content.decode()
    # another community: 404
    assert page_client("peer").get(f"/assistance/applications/{app.case.number}/").status_code == 404


def test_page_economic_form_saves_the_record(page_client, family, params, take):
    app, _ = take(["subsistence_allowance"])
    client = page_client("community")
    url = f"/assistance/applications/{app.case.number}/economic-status/"
    assert client.get(url).status_code == 200
    h, s, c = family["head"].pk, family["spouse"].pk, family["child"].pk
    resp = client.post(url, {"member": [h, s, c], "co_resident": [h, c], f"note_{s}": "长期在外地",
                             "income_kind": ["wages", ""], "income_person": [h, ""], "income_amount": ["1000", ""],
                             "income_note": ["", ""], "asset_kind": ["deposits"], "asset_value": ["3000"],
                             "asset_quantity": ["1"], "asset_note": [""]})
    assert resp.status_code == 302, resp.content.decode()[:2000]
    app.refresh_from_db()
    assert {m.person_id: m.co_resident for m in app.members.all()} == {h: True, s: False, c: True}
    assert [str(i.monthly_amount) for i in app.incomes.all()] == ["1000.00"]
    bad = client.post(url, {"member": [h], "co_resident": [], "income_kind": ["wages"], "income_person": [""],
                            "income_amount": ["abc"], "income_note": [""]})
    assert bad.status_code == 422 and "共同生活" in bad.content.decode()
    detail = client.get(f"/assistance/applications/{app.case.number}/").content.decode()
    assert "长期在外地" not in detail and "非共同生活" in detail


def test_page_shows_assessment_notice_objections_and_actions(page_client, users, family, params, take, act):
    from jiayuan.assistance.services import applications as svc
    from jiayuan.audit.services import Actor

    from .helpers import at

    app, _ = take(["subsistence_allowance"])
    svc.record_economic_status(Actor(users["community"], "api"), app, incomes=[
        {"person": family["head"].pk, "kind": "wages", "monthly_amount": "1536.99"}])
    act("community", app, "finish_economic_check", at(2025, 9, 29))
    act("community", app, "home_visit", at(2025, 9, 30), fields={
        "visitor_1": "community", "visitor_2": "township", "visit_date": "2025-09-30", "findings": "属实"})
    act("community", app, "initial_opinion", at(2025, 10, 9), comment="符合", fields={"opinion": "eligible"})
    svc.record_objection(Actor(users["community"], "api"), app, "2025-10-10", "邻居反映有存款", now=at(2025, 10, 10))
    html = page_client("community").get(f"/assistance/applications/{app.case.number}/").content.decode()
    assert "公示期：2025-10-09 至 2025-10-15（7 天）" in html
    assert "邻居反映有存款" in html and "记录处理结果" in html
    assert "家庭人均月收入 512.33 元低于城市低保标准 735.00 元" in html    # 1536.99 / 3
    assert 'data-action="close_notice"' not in html     # guard: notice not over, objection open
    assert "2025-09-26 受理，办结时限 2025-11-13" in html
    # the township sees the same page, and the resident's status is one word
    page = page_client("township").get(f"/assistance/applications/{app.case.number}/")
    assert page.status_code == 200 and 'data-testid="public-status">公示中<' in page.content.decode()


def _prepared(client, family):
    """An application of the family taken over the API today (低保, materials complete):
    accepted, waiting for the economic-status record. Returns its number."""
    resp = client.post(URL, body(family, parts=["subsistence_allowance"], materials=FULL_DIBAO),
                       content_type="application/json")
    assert resp.status_code == 201, resp.content
    return resp.json()["number"]


def _act(client, number, action, fields=None, comment="", **extra):
    version = client.get(f"/api/v1/cases/{number}").json()["version"]
    return client.post(f"/api/v1/cases/{number}/transitions",
                       {"action": action, "version": version, "comment": comment, "fields": fields or {}, **extra},
                       content_type="application/json")


def test_economic_status_amounts_are_checked_in_chinese_with_clean_keys(api_client, family, params):
    """Finding: 1200.5 as a JSON number answered pydantic's English "Input should be a
    valid integer" under ``incomes.0.monthly_amount.str``. Money is text (or a whole
    number); every bad amount is named in Chinese under the key of its place."""
    client = api_client("community")
    number = _prepared(client, family)
    url = f"{URL}/{number}/economic-status"
    bad_amounts = [1200.5, "1e3", "NaN", "Infinity", "-1", "12.345", "abc", "", True, "0x10"]
    resp = client.put(url, {
        "incomes": [{"kind": "wages", "monthly_amount": a} for a in bad_amounts],
        "assets": [{"kind": "deposits", "value": 3000.25, "quantity": 1.5},
                   {"kind": "vehicle", "value": "-5", "quantity": "2"}]}, content_type="application/json")
    assert resp.status_code == 422, resp.content
    text = resp.content.decode()
    assert "Input should" not in text and ".str" not in text
    fields = resp.json()["error"]["fields"]
    assert sorted(fields) == sorted([f"incomes.{i}.monthly_amount" for i in range(len(bad_amounts))]
                                    + ["assets.0.value", "assets.0.quantity", "assets.1.value"])
    msg = {k: v[0]["message"] for k, v in fields.items()}
    assert fields["incomes.0.monthly_amount"][0]["code"] == "incomes.amount"
    assert msg["incomes.0.monthly_amount"].startswith("第 1 项收入：") and "文字" in msg["incomes.0.monthly_amount"]
    assert "格式错误" in msg["incomes.1.monthly_amount"]          # 1e3
    assert "格式错误" in msg["incomes.2.monthly_amount"]          # NaN
    assert "格式错误" in msg["incomes.3.monthly_amount"]          # Infinity
    assert "不能为负数" in msg["incomes.4.monthly_amount"]
    assert "两位小数" in msg["incomes.5.monthly_amount"]           # 12.345
    assert "请填写金额" in msg["incomes.7.monthly_amount"]
    assert msg["assets.0.quantity"] == "第 1 项财产的数量须为 1–999 的整数"
    assert "不能为负数" in msg["assets.1.value"]
    # nothing was written
    assert client.get(f"{URL}/{number}").json()["incomes"] == []

    # text with separators and full-width digits, a whole number, 2 decimals: accepted
    resp = client.put(url, {"incomes": [{"kind": "wages", "monthly_amount": "1,200.50"},
                                        {"kind": "transfer", "monthly_amount": 300},
                                        {"kind": "other", "monthly_amount": "１２．０５"}],
                            "assets": [{"kind": "deposits", "value": "9999999999.99", "quantity": "1"}]},
                      content_type="application/json")
    assert resp.status_code == 200, resp.content
    d = resp.json()
    assert [i["monthly_amount"] for i in d["incomes"]] == ["1200.50", "300.00", "12.05"]
    assert d["assets"][0]["value"] == "9999999999.99"
    resp = client.put(url, {"assets": [{"kind": "deposits", "value": "10000000000"}]}, content_type="application/json")
    assert resp.status_code == 422 and "金额过大" in resp.json()["error"]["fields"]["assets.0.value"][0]["message"]


def test_economic_status_notes_longer_than_200_are_refused_not_cut(api_client, family, params):
    """Finding: a 201-character note was cut to 200 silently. Now 422; exactly 200 is
    kept; control characters are removed (people.rules.clean_free_text)."""
    client = api_client("community")
    number = _prepared(client, family)
    url = f"{URL}/{number}/economic-status"
    h = family["head"].pk
    resp = client.put(url, {"members": [{"person": h, "note": "长" * 201}],
                            "incomes": [{"kind": "wages", "monthly_amount": "100", "note": "收" * 201}],
                            "assets": [{"kind": "vehicle", "value": "100", "note": "车" * 201}]},
                      content_type="application/json")
    assert resp.status_code == 422, resp.content
    fields = resp.json()["error"]["fields"]
    assert {k: v[0]["code"] for k, v in fields.items()} == {
        "members.0.note": "note.too_long", "incomes.0.note": "note.too_long", "assets.0.note": "note.too_long"}
    assert "不能超过 200 个字（现为 201 个字）" in fields["incomes.0.note"][0]["message"]
    # Control characters are refused for the whole request by the middleware (issue 11
    # finding 7: 422 control_character, naming the field; they used to be stripped here)
    resp = client.put(url, {"members": [{"person": h, "note": "在\x1f家\x1b"}],
                            "incomes": [{"kind": "wages", "monthly_amount": "100", "note": "收" * 200}],
                            "assets": [{"kind": "vehicle", "value": "100", "note": "电动\u0007三轮车"}]},
                      content_type="application/json")
    assert resp.status_code == 422, resp.content
    assert resp.json()["error"]["fields"]["members.0.note"][0]["code"] == "members.0.note.control_character"
    resp = client.put(url, {"members": [{"person": h, "note": "在家"}],
                            "incomes": [{"kind": "wages", "monthly_amount": "100", "note": "收" * 200}],
                            "assets": [{"kind": "vehicle", "value": "100", "note": "电动三轮车"}]},
                      content_type="application/json")
    assert resp.status_code == 200, resp.content
    d = resp.json()
    assert d["members"][0]["note"] == "在家"
    assert d["incomes"][0]["note"] == "收" * 200
    assert d["assets"][0]["note"] == "电动三轮车"


def test_roles_without_view_assistance_get_403_departments_keep_their_cases(
        api_client, family, params, medical_dept, users):
    """Finding: auditor, org staff and department staff got 200 with an empty list.
    docs/permissions.md: view_assistance is for the city, county, township, community;
    the others get 403. Department staff (医保 ``yibao``) still see the application's
    case and handle their part through /api/v1/cases (the engine's tasks)."""
    client = api_client("community")
    resp = client.post(URL, body(family, parts=["subsistence_allowance", {"kind": "medical_assistance"}],
                                 materials=FULL_DIBAO + ["医疗费用票据", "诊断证明"]),
                       content_type="application/json")
    assert resp.status_code == 201, resp.content
    number = resp.json()["number"]
    for who in ("auditor", "org", "grid_member", "yibao"):
        c = api_client(who)
        for resp in (c.get(URL), c.get(f"{URL}/{number}"),
                     c.put(f"{URL}/{number}/economic-status", {}, content_type="application/json"),
                     c.post(f"{URL}/{number}/objections", {"received_on": "2025-10-10", "content": "x"},
                            content_type="application/json"),
                     c.post(URL, body(family, request_key=f"r-{who}"), content_type="application/json")):
            assert resp.status_code == 403, (who, resp.status_code, resp.content)
            assert resp.json()["error"]["code"] == "permission_denied"
    yibao = api_client("yibao")
    assert [r["number"] for r in yibao.get("/api/v1/cases").json()["results"]] == [number]
    assert yibao.get(f"/api/v1/cases/{number}").status_code == 200
    resp = _act(yibao, number, "complete_part", comment="已纳入医疗救助")
    assert resp.status_code == 200, resp.content
    assert client.get(f"{URL}/{number}").json()["parts"][1]["status"] == "done"


def test_home_visit_over_the_api_by_user_id(api_client, family, params, users):
    client = api_client("community")
    number = _prepared(client, family)
    assert client.put(f"{URL}/{number}/economic-status", {"incomes": []},
                      content_type="application/json").status_code == 200
    assert _act(client, number, "finish_economic_check").status_code == 200
    today = timezone.localdate().isoformat()
    c, t = users["community"].pk, users["township"].pk
    resp = _act(client, number, "home_visit", {"visitor_1": c, "visitor_2": c, "visit_date": today,
                                               "findings": "属实"})
    assert resp.status_code == 422
    err = resp.json()["error"]
    assert err["fields"]["visitor_2"][0]["code"] == "visitors.two_required" and "两名不同" in err["message"]
    resp = _act(client, number, "home_visit", {"visitor_1": c, "visitor_2": users["peer"].pk, "visit_date": today,
                                               "findings": "属实"})
    assert resp.status_code == 422 and resp.json()["error"]["fields"]["visitor_2"][0]["code"] == "visitors.not_staff"
    resp = _act(client, number, "home_visit", {"visitor_1": c, "visitor_2": t, "visit_date": today,
                                               "findings": "属实"})
    assert resp.status_code == 200, resp.content
    visits = client.get(f"{URL}/{number}").json()["home_visits"]
    assert [v["id"] for v in visits[0]["visitors"]] == [c, t]
    assert [v["name"] for v in visits[0]["visitors"]] == ["community", "township"]


def test_backdated_notice_is_refused_over_the_api(api_client, family, params, take, users):
    """Finding: on an application accepted weeks ago, notice_from 19 days back was
    accepted and close_notice succeeded the same minute. Now the notice starts on the
    day of the initial opinion (today) at the earliest: 7 days from today."""
    import datetime

    from jiayuan.assistance.services import applications as svc
    from jiayuan.audit.services import Actor

    app, _ = take(["subsistence_allowance"], when=timezone.now() - datetime.timedelta(days=25))
    svc.record_economic_status(Actor(users["community"], "api"), app, incomes=[])
    client = api_client("community")
    number = app.case.number
    assert _act(client, number, "finish_economic_check").status_code == 200
    today = timezone.localdate()
    assert _act(client, number, "home_visit", {"visitor_1": "community", "visitor_2": "township",
                                               "visit_date": today.isoformat(),
                                               "findings": "属实"}).status_code == 200
    back = (today - datetime.timedelta(days=19)).isoformat()
    resp = _act(client, number, "initial_opinion", {"opinion": "eligible", "notice_from": back}, comment="符合")
    assert resp.status_code == 422, resp.content
    assert resp.json()["error"]["fields"]["notice_from"][0]["code"] == "notice_from.invalid"
    resp = _act(client, number, "initial_opinion", {"opinion": "eligible"}, comment="符合")
    assert resp.status_code == 200, resp.content
    d = client.get(f"{URL}/{number}").json()
    assert d["notice_from"] == today.isoformat()
    assert d["notice_until"] == (today + datetime.timedelta(days=6)).isoformat()
    resp = _act(client, number, "close_notice")
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "case.guard"
    assert (today + datetime.timedelta(days=7)).isoformat() in resp.json()["error"]["message"]


def test_page_home_visit_offers_the_staff_of_the_area(page_client, users, family, params, take, act):
    from jiayuan.accounts.models import User
    from jiayuan.assistance.services import applications as svc
    from jiayuan.audit.services import Actor

    from .helpers import at

    director = User.objects.create(username="zhuren", full_name="马主任", role="community_director",
                                   scope_id="620702001001")
    app, _ = take(["subsistence_allowance"])
    svc.record_economic_status(Actor(users["community"], "api"), app, incomes=[])
    act("community", app, "finish_economic_check", at(2025, 9, 29))
    client = page_client("community")
    html = client.get(f"/assistance/applications/{app.case.number}/").content.decode()
    select = re.search(r'<select name="home_visit-field_visitor_1".*?</select>', html, re.S).group(0)
    offered = set(re.findall(r'<option value="(\d+)"', select))
    # the community's worker and director, the street's and the county's officers; not
    # the other community, the other county, the grid member, the city admin, the auditor
    assert offered == {str(users[k].pk) for k in ("community", "township", "county")} | {str(director.pk)}
    assert "马主任（zhuren） · 社区（村）负责人" in select
    resp = client.post(f"/cases/{app.case.number}/act/home_visit/", {
        "home_visit-version": app_of(app).case.version, "home_visit-field_visitor_1": str(director.pk),
        "home_visit-field_visitor_2": str(users["township"].pk), "home_visit-field_visit_date": "2025-09-30",
        "home_visit-field_findings": "属实", "next": f"/assistance/applications/{app.case.number}/"})
    assert resp.status_code == 302, resp.content.decode()[:3000]
    html = client.get(f"/assistance/applications/{app.case.number}/").content.decode()
    assert "调查人员（一）：马主任（zhuren）" in html and "调查人员（二）：township（township）" in html
