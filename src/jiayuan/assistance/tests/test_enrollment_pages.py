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
    url = f"/assistance/enrollments/{e.pk}/action/"
    # the review form has one field per fact (no JSON): 城乡类别, 保障人数, 家庭人均月收入 …
    page = page_client("county").get(f"/assistance/enrollments/{e.pk}/").content.decode()
    assert '<select class="form-select form-select-sm" name="in_area"' in page
    assert 'name="in_members" id="rv-in_members" value="3" min="1" max="99"' in page
    assert 'name="in_per_capita_income" id="rv-in_per_capita_income" value="512.33"' in page
    assert "家庭人均月收入（元）" in page and 'name="inputs"' not in page
    assert '<input class="form-control mb-2" type="month" id="review-month" name="month"' in page
    resp = page_client("county").post(url, {
        "action": "review", "version": 1, "reason": "半年复核", "month": "2024-07",
        "in_area": "urban", "in_members": "3", "in_per_capita_income": "700.00"})
    assert resp.status_code == 302, resp.content.decode()[:3000]
    e.refresh_from_db()
    # July standard 770.00: (770.00 − 700.00) × 3 = 210.00
    assert str(e.amount) == "210.00"
    assert e.inputs == {"area": "urban", "members": 3, "per_capita_income": "700.00"}
    # a missing required fact comes back on the page, with what was typed kept
    bad = page_client("county").post(url, {
        "action": "review", "version": e.version, "reason": "复核", "month": "2024-07",
        "in_area": "urban", "in_members": "", "in_per_capita_income": "650.00"})
    html = bad.content.decode()
    assert bad.status_code == 422 and "测算依据缺少“保障人数”" in html
    assert 'name="in_per_capita_income" id="rv-in_per_capita_income" value="650.00"' in html
    e.refresh_from_db()
    assert str(e.amount) == "210.00"


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


def _pay_month(users, benefit_month):
    """A 低保 batch of 甘州区 for ``benefit_month`` taken to the end: generated and
    reviewed by the county, approved by the city, exported, every line paid."""
    from jiayuan.assistance.models import Program
    from jiayuan.assistance.services import batches
    from jiayuan.regions.models import Region

    county, city = act(users, "county"), act(users, "city")
    b = batches.generate_batch(county, Program.objects.get(code="subsistence_allowance"),
                               Region.objects.get(code="620702"), benefit_month)
    b = batches.review_batch(county, b, version=b.version)
    b = batches.approve_batch(city, b, version=b.version)
    batches.export_batch(county, b, version=b.version)
    b.refresh_from_db()
    batches.record_results(county, b, [], version=b.version, rest_paid=True)
    return b


def test_enrollment_page_amount_now_last_payment_and_labelled_basis(users, params, family, page_client):  # noqa: F811
    # Finding: the page showed the amount computed at enrolment (668.01 with January
    # 2024's 735.00) although batches pay with the standard in force (770.00 from July
    # 2024), and "最后发放月份 —" although a month was paid.
    e = enroll_family(users, family)
    batch = _pay_month(users, datetime.date(2024, 8, 1))
    html = page_client("county").get(f"/assistance/enrollments/{e.pk}/").content.decode()
    # this month the July 2024 row is in force: (770.00 − 512.33) × 3 = 257.67 × 3 = 773.01
    assert 'data-testid="amount">773.01 元<' in html and "按本月标准测算" in html
    # the last paid line: August 2024, 773.01 (same standard), with the batch's link
    assert "2024-08 月 · 773.01 元" in html and f'href="/assistance/batches/{batch.pk}/"' in html
    # the amount of the enrolment (735.00 − 512.33) × 3 = 668.01 stays in the history
    assert "纳入时测算金额 668.01 元（按 2024-01 标准）" in html
    # 测算依据 as a labelled table, money in yuan; no JSON, the rule id only in a tooltip
    assert "<th scope=\"row\" class=\"fw-normal text-secondary w-50\">家庭人均月收入</th><td class=\"text-end\">512.33 元</td>" in html
    assert "<th scope=\"row\" class=\"fw-normal text-secondary w-50\">城乡类别</th><td class=\"text-end\">城市</td>" in html
    assert "保障标准（元/人·月）</th><td class=\"text-end\">770.00 元" in html
    assert 'title="规则 subsistence_allowance.gap/v1"' in html
    assert "&quot;per_capita_income&quot;" not in html and '"per_capita_income"' not in html
    assert "<code>subsistence_allowance.gap/v1</code>" not in html
    assert "尚未发放" not in html  # paid once: the last payment is shown, not "none yet"


def test_enrollment_page_before_any_payment_and_month_fields(users, params, family, page_client):  # noqa: F811
    e = enroll_family(users, family)
    html = page_client("county").get(f"/assistance/enrollments/{e.pk}/").content.decode()
    assert "尚未发放" in html
    assert 'type="month" id="end-month" name="end_month"' in html and 'type="date"' not in html
    bad = page_client("county").post(f"/assistance/enrollments/{e.pk}/action/", {
        "action": "terminate", "version": 1, "reason": "迁出", "end_month": "五月"})
    assert bad.status_code == 422 and "请按 年-月 填写月份，如 2025-07" in bad.content.decode()
    # 按 年-月 (what <input type="month"> sends) is accepted for the last month paid
    resp = page_client("county").post(f"/assistance/enrollments/{e.pk}/action/", {
        "action": "terminate", "version": 1, "reason": "全家迁出本市", "end_month": "2024-05"})
    assert resp.status_code == 302
    e.refresh_from_db()
    assert e.end_month == datetime.date(2024, 5, 1) and e.status == "terminated"
    assert "终止：最后发放月份</div><div class=\"field-value\">2024-05<" in page_client("county").get(
        f"/assistance/enrollments/{e.pk}/").content.decode()


def test_reasons_keep_chinese_punctuation(users, params, family, page_client):  # noqa: F811
    # Finding: "演示：在册低保家庭" was stored as "演示:在册低保家庭" (NFKC).
    e = enroll_family(users, family, reason="演示：在册低保家庭（测试）")
    assert e.events.get(kind="enrolled").reason == "演示：在册低保家庭（测试）"
    # a control character (BEL) is refused for the whole form (issue 11 finding 7: a 400
    # page, nothing written; it used to be removed silently)
    resp = page_client("county").post(f"/assistance/enrollments/{e.pk}/action/", {
        "action": "suspend", "version": 1, "reason": "  待核实：收入变化，\x07暂停发放。\r\n第二行 "})
    assert resp.status_code == 400 and "控制字符" in resp.content.decode()
    assert not e.events.filter(kind="suspended").exists()
    resp = page_client("county").post(f"/assistance/enrollments/{e.pk}/action/", {
        "action": "suspend", "version": 1, "reason": "  待核实：收入变化，暂停发放。\r\n第二行 "})
    assert resp.status_code == 302
    # line break kept, trimmed, punctuation as typed
    assert e.events.get(kind="suspended").reason == "待核实：收入变化，暂停发放。\n第二行"
