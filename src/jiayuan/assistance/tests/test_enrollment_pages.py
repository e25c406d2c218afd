"""Pages: the assistance hub, enrollments (list, detail, actions) and programs with
their parameters; scope (out of scope: 404) and roles (403)."""

import datetime

from jiayuan.assistance.models import Enrollment, ProgramParameter
from jiayuan.people import services as people_services

from .test_enrollments import JAN, act, enroll_family, family, params  # noqa: F401 (fixtures)


def test_hub_counts_and_roles(users, params, family, page_client):  # noqa: F811
    enroll_family(users, family, review_months=6)  # next review 2024-07-01: due
    people_services.set_life_status(act(users, "community"), family["spouse"], "deceased", datetime.date(2024, 3, 5))
    resp = page_client("community").get("/assistance/")
    assert resp.status_code == 200
    assert resp.context["counts"]["flagged"] == 1 and resp.context["counts"]["due"] == 1
    assert resp.context["counts"]["active"] == 1
    html = resp.content.decode()
    assert "待处理（死亡、迁出等）" in html and "/assistance/enrollments/?flag=any" in html
    assert "/assistance/programs/" in html
    peer = page_client("peer").get("/assistance/")
    assert peer.context["counts"]["flagged"] == 0 and peer.context["counts"]["active"] == 0
    for who in ("auditor", "grid_member", "org"):
        assert page_client(who).get("/assistance/").status_code == 403


def test_enrollment_list_and_detail_scope(users, params, family, page_client):  # noqa: F811
    e = enroll_family(users, family)
    resp = page_client("community").get("/assistance/enrollments/?program=subsistence_allowance")
    assert resp.status_code == 200 and "王建国" in resp.content.decode()
    assert "王建国" not in page_client("peer").get("/assistance/enrollments/").content.decode()
    detail = page_client("community").get(f"/assistance/enrollments/{e.pk}/")
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "668.01" in html and "纳入保障" in html
    assert 'data-testid="actions"' not in html  # a community worker may not change it
    for who in ("peer", "outsider"):
        assert page_client(who).get(f"/assistance/enrollments/{e.pk}/").status_code == 404


def test_actions_roles_scope_version(users, params, family, page_client):  # noqa: F811
    e = enroll_family(users, family)
    url = f"/assistance/enrollments/{e.pk}/action/"
    data = {"action": "suspend", "version": 1, "reason": "待核实收入"}
    assert page_client("community").post(url, data).status_code == 403
    assert page_client("peer").post(url, data).status_code == 404
    county = page_client("county")
    assert 'data-testid="actions"' in county.get(f"/assistance/enrollments/{e.pk}/").content.decode()
    resp = county.post(url, data)
    assert resp.status_code == 302
    e.refresh_from_db()
    assert e.status == "suspended" and e.version == 2
    stale = county.post(url, {"action": "resume", "version": 1, "reason": "核实"})
    assert stale.status_code == 409 and "已被他人修改" in stale.content.decode()
    missing = county.post(url, {"action": "terminate", "version": 2, "reason": ""})
    assert missing.status_code == 422
    e.refresh_from_db()
    assert e.status == "suspended"
    bad_month = county.post(url, {"action": "terminate", "version": 2, "reason": "迁出", "end_month": "2024-05-15"})
    assert bad_month.status_code == 422 and "月份须为某月1日" in bad_month.content.decode()
    done = county.post(url, {"action": "terminate", "version": 2, "reason": "全家迁出本市", "end_month": "2024-05-01"})
    assert done.status_code == 302
    page = county.get(f"/assistance/enrollments/{e.pk}/").content.decode()
    assert "全家迁出本市" in page and "2024 年 6 月起停止发放" in page


def test_review_page_recomputes(users, params, family, page_client):  # noqa: F811
    e = enroll_family(users, family)
    resp = page_client("county").post(f"/assistance/enrollments/{e.pk}/action/", {
        "action": "review", "version": 1, "reason": "半年复核", "month": "2024-07-01",
        "inputs": '{"area": "urban", "members": 3, "per_capita_income": "700.00"}'})
    assert resp.status_code == 302
    e.refresh_from_db()
    # July standard 770.00: (770.00 − 700.00) × 3 = 210.00
    assert str(e.amount) == "210.00"
    bad = page_client("county").post(f"/assistance/enrollments/{e.pk}/action/", {
        "action": "review", "version": e.version, "reason": "复核", "inputs": "{not json"})
    assert bad.status_code == 422 and "不是有效的 JSON" in bad.content.decode()


def test_program_pages(users, params, page_client):  # noqa: F811
    resp = page_client("community").get("/assistance/programs/")
    assert resp.status_code == 200 and "最低生活保障" in resp.content.decode()
    detail = page_client("community").get("/assistance/programs/subsistence_allowance/")
    html = detail.content.decode()
    assert "城市低保标准" in html and "735.00" in html and "770.00" in html
    assert 'data-testid="parameter-new"' not in html
    assert page_client("community").get("/assistance/programs/subsistence_allowance/parameters/new/").status_code == 403
    assert page_client("auditor").get("/assistance/programs/").status_code == 403
    assert page_client("community").get("/assistance/programs/nope/").status_code == 404


def test_parameter_form(users, params, page_client):  # noqa: F811
    county = page_client("county")
    form = county.get("/assistance/programs/elderly_allowance/parameters/new/")
    assert form.status_code == 200
    # prefilled with the city's bands in force
    assert "min_age" in form.content.decode()
    url = "/assistance/programs/elderly_allowance/parameters/new/"
    bad = county.post(url, {"region": "620702", "effective_from": "2024-03-01",
                            "p_bands": '[{"min_age": 80, "max_age": 95, "amount": "100"}, '
                                       '{"min_age": 90, "max_age": null, "amount": "200"}]'})
    assert bad.status_code == 422 and "年龄段重叠" in bad.content.decode()
    ok = county.post(url, {"region": "620702", "effective_from": "2024-03-01", "p_local_registration_required": "on",
                           "p_bands": '[{"min_age": 80, "max_age": null, "amount": "120"}]', "policy": "甘州区文件"})
    assert ok.status_code == 302
    row = ProgramParameter.objects.get(program_id="elderly_allowance", region_id="620702")
    assert row.values == {"bands": [{"min_age": 80, "max_age": None, "amount": "120.00"}],
                          "local_registration_required": True}
    # a county officer cannot choose the city
    city_try = county.post(url, {"region": "6207", "effective_from": "2024-03-01",
                                 "p_bands": '[{"min_age": 80, "max_age": null, "amount": "120"}]'})
    assert city_try.status_code == 422
    assert Enrollment.objects.count() == 0


def test_terminate_page_with_year_9999_is_a_form_error_not_500(users, params, family, page_client):  # noqa: F811
    # Finding 5: end_month 9999-12-01 raised ValueError (year 10000) in add_months.
    e = enroll_family(users, family)
    url = f"/assistance/enrollments/{e.pk}/action/"
    resp = page_client("county").post(url, {"action": "terminate", "version": 1, "reason": "迁出",
                                             "end_month": "9999-12-01"})
    assert resp.status_code == 422 and "最后发放月份应在 2000-01 至" in resp.content.decode()
    long = page_client("county").post(url, {"action": "terminate", "version": 1, "reason": "理" * 501,
                                            "end_month": "2024-05-01"})
    assert long.status_code == 422
    e.refresh_from_db()
    assert e.status == "active"


def test_clear_flag_page_refused_while_deceased(users, params, family, page_client):  # noqa: F811
    e = enroll_family(users, family)
    people_services.set_life_status(act(users, "community"), family["head"], "deceased", datetime.date(2024, 3, 5))
    resp = page_client("county").post(f"/assistance/enrollments/{e.pk}/action/", {
        "action": "clear_flag", "version": 2, "reason": "登记有误"})
    assert resp.status_code == 409 and "终止待遇" in resp.content.decode()
    e.refresh_from_db()
    assert e.flag == "deceased"
