"""一表通 pages and API: the flow through the pages (catalogue → approve → issue → fill →
submit → completion), exports downloaded and read back, to-do items, scope as 404."""

import datetime
import io

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from jiayuan.stats.models import ReportForm, ReportSubmission, ReportTask
from jiayuan.stats.tests.crawl_data import seed_yibiaotong
from jiayuan.web import todo

OWNER = "620702001001"
PEER = "620702001005"


def _client(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def seeded(users):
    seed_yibiaotong(users)
    return ReportTask.objects.get()


def test_the_flow_through_the_pages(users, seeded):
    community = _client(users["community"])
    sub = ReportSubmission.objects.get(task=seeded, unit_id=OWNER)
    page = community.get("/stats/yibiaotong/fill/").content.decode()
    assert "社区基本情况统计表" in page
    html = community.get(f"/stats/yibiaotong/fill/{sub.pk}/").content.decode()
    assert 'data-provenance="entered"' in html and 'data-provenance="missing"' in html
    r = community.post(f"/stats/yibiaotong/fill/{sub.pk}/", {"action": "value", "element": "entered.council_meetings",
                                                             "value": "-1"}, follow=True)
    assert "数值不能为负数" in r.content.decode()
    community.post(f"/stats/yibiaotong/fill/{sub.pk}/", {"action": "value", "element": "entered.council_meetings",
                                                         "value": "5"})
    community.post(f"/stats/yibiaotong/fill/{sub.pk}/", {"action": "submit"})
    sub.refresh_from_db()
    assert sub.submitted_by == users["community"]
    assert sub.values["entered.council_meetings"][:2] == ["5", "entered"]
    assert sub.values["registry.persons"][1] == "confirmed"   # confirmed by the submission

    township = _client(users["township"])
    html = township.get(f"/stats/yibiaotong/tasks/{seeded.pk}/").content.decode()
    assert 'data-testid="count-submitted">2 /' in html
    r = township.get(f"/stats/yibiaotong/tasks/{seeded.pk}/?format=xlsx")
    rows = [list(x) for x in openpyxl.load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True)]
    total = next(r for r in rows if r[1] == "合计")
    assert total[3:5] == [240, 8]   # office area max(180, 240); meetings 5 + 3
    r = community.get(f"/stats/yibiaotong/fill/{sub.pk}/?format=json")
    assert r.json()["values"]["entered.office_area_m2"]["provenance"] == "entered"


def test_scope_and_roles(users, seeded, api_client):
    sub = ReportSubmission.objects.get(task=seeded, unit_id=OWNER)
    assert _client(users["peer"]).get(f"/stats/yibiaotong/fill/{sub.pk}/").status_code == 404
    assert _client(users["outsider"]).get(f"/stats/yibiaotong/tasks/{seeded.pk}/").status_code == 403
    assert _client(users["county"]).get(f"/stats/yibiaotong/tasks/{seeded.pk}/").status_code == 200
    assert _client(users["community"]).get("/stats/yibiaotong/forms/").status_code == 403
    assert api_client("peer").get(f"/api/v1/report-submissions/{sub.pk}").status_code == 404
    cells = api_client("community").get(f"/api/v1/report-submissions/{sub.pk}").json()["cells"]
    assert {c["element"]: c["provenance"] for c in cells}["entered.office_area_m2"] == "entered"
    got = api_client("township").get(f"/api/v1/report-tasks/{seeded.pk}").json()
    assert got["completion"]["submitted"] == 1 and got["completion"]["total"] == len(got["units"])


def test_approval_and_issue_through_the_pages(users, seeded):
    draft = ReportForm.objects.get(code="YBT-03")
    county = _client(users["county"])
    html = county.get(f"/stats/yibiaotong/forms/{draft.pk}/").content.decode()
    assert 'data-testid="approve"' not in html            # the author does not approve
    r = _client(users["township"]).post("/stats/yibiaotong/tasks/new/", {
        "form": str(draft.pk), "period": "2026", "deadline": (timezone.localdate() + datetime.timedelta(days=3)).isoformat()})
    assert ReportTask.objects.filter(form=draft).count() == 0   # not approved: not offered, not issued
    assert r.status_code == 200
    _client(users["city"]).post(f"/stats/yibiaotong/forms/{draft.pk}/", {"action": "approve"})
    draft.refresh_from_db()
    assert draft.status == "approved" and draft.approved_by == users["city"]


def test_todo_sources(users, seeded):
    community, township = users["community"], users["township"]
    sources = {s.code: s for s in todo.sources_for(community)}
    assert sources["report_forms_waiting"].count(community) == 1
    assert sources["report_forms_waiting"].items(community, 10)[0].title == "社区基本情况统计表"
    ReportTask.objects.filter(pk=seeded.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=1))
    src = {s.code: s for s in todo.sources_for(township)}["report_tasks_overdue"]
    assert src.count(township) == 1
    n_units = seeded.submissions.count()
    assert str(n_units - 1) in src.items(township, 10)[0].detail   # all but the peer are late


def test_retire_a_form_through_its_page(users, seeded):
    """停用: the button is offered to a ``manage_report_forms`` holder on an approved form
    only; after it the form says who retired it, when and why (also in its history), the
    task page no longer offers it, a forged issue is refused, and the past task and the
    unit's form stay readable."""
    form = seeded.form
    county, township = _client(users["county"]), _client(users["township"])
    assert 'data-testid="retire"' not in township.get(f"/stats/yibiaotong/forms/{form.pk}/").content.decode()
    r = township.post(f"/stats/yibiaotong/forms/{form.pk}/", {"action": "retire", "reason": "不再使用"}, follow=True)
    assert "您的角色不能进行此操作" in r.content.decode()            # issue_report_tasks alone is not enough
    draft = ReportForm.objects.get(code="YBT-03")
    assert 'data-testid="retire"' not in county.get(f"/stats/yibiaotong/forms/{draft.pk}/").content.decode()
    assert 'data-testid="retire"' in county.get(f"/stats/yibiaotong/forms/{form.pk}/").content.decode()
    r = county.post(f"/stats/yibiaotong/forms/{form.pk}/", {"action": "retire", "reason": ""}, follow=True)
    assert "此项必填" in r.content.decode()
    form.refresh_from_db()
    assert form.status == "approved"
    r = county.post(f"/stats/yibiaotong/forms/{form.pk}/", {"action": "retire", "reason": "改用新版"}, follow=True)
    html = r.content.decode()
    assert "报表已停用" in html and 'data-testid="form-status">已停用<' in html
    assert "改用新版" in html.split('data-testid="form-retired"')[1].split("</dd>")[0]
    history = html.split('data-testid="history"')[1]
    assert "停用报表" in history and "改用新版" in history and "审定报表" in history
    assert 'data-testid="retire"' not in html
    form.refresh_from_db()
    assert (form.status, form.retired_by) == ("retired", users["county"])

    page = township.get("/stats/yibiaotong/tasks/new/").content.decode()
    assert f'value="{form.pk}"' not in page
    township.post("/stats/yibiaotong/tasks/new/", {"form": str(form.pk), "period": "2026",
                                                   "deadline": timezone.localdate().isoformat()})
    assert ReportTask.objects.filter(form=form).count() == 1
    assert township.get(f"/stats/yibiaotong/tasks/{seeded.pk}/").status_code == 200
    sub = ReportSubmission.objects.get(task=seeded, unit_id=OWNER)
    assert _client(users["community"]).get(f"/stats/yibiaotong/fill/{sub.pk}/").status_code == 200


def _township_form(users):
    """An approved form filled by townships (author county, approver city): persons in
    the registry (sum) and council meetings (entered, sum)."""
    from jiayuan.audit.services import Actor
    from jiayuan.stats.yibiaotong import services as ybt

    ybt.seed_elements(Actor(users["city"], "command"))
    form = ybt.create_form(Actor(users["county"], "command"),
                           {"code": "YBT-T1", "title": "乡镇（街道）议事协商汇总表", "units": "townships"},
                           [("registry.persons", "sum"), ("entered.council_meetings", "sum")])
    return ybt.approve_form(Actor(users["city"], "command"), form)


def test_township_level_task_issued_filled_and_reviewed_through_pages_and_api(users, api_client, make_person):
    """A form filled by townships: the street cannot issue it (only a county may: the page
    says so, nothing is written); the county issues it through the page to the townships
    of 甘州区 — 东街街道 among them, no community; 东街 fills its own form through the API
    (persons: two in 交通巷 and one in 甘泉 = 3 from the records; 4 meetings entered) and
    submits through the page; the county reviews on the task page and through the API
    (1 submitted, totals 3 and 4); a community of the street cannot open the street's form."""
    form = _township_form(users)
    for region, name in ((OWNER, "张一"), (OWNER, "张二"), (PEER, "李三")):
        make_person(region=region, name=name)
    deadline = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    township, county = _client(users["township"]), _client(users["county"])
    r = township.post("/stats/yibiaotong/tasks/new/", {"form": str(form.pk), "period": "2026", "deadline": deadline})
    assert r.status_code == 200 and "只能由县（区）下发" in r.content.decode()
    assert not ReportTask.objects.filter(form=form).exists()

    r = county.post("/stats/yibiaotong/tasks/new/", {"form": str(form.pk), "period": "2026", "deadline": deadline})
    task = ReportTask.objects.get(form=form)
    assert r.status_code == 302 and r["Location"] == f"/stats/yibiaotong/tasks/{task.pk}/"
    units = set(task.submissions.values_list("unit_id", flat=True))
    assert {"620702001", "620702100"} <= units and all(len(u) == 9 for u in units)   # townships only
    n = len(units)

    street = api_client("township")
    sub = ReportSubmission.objects.get(task=task, unit_id="620702001")
    got = street.get(f"/api/v1/report-submissions/{sub.pk}").json()
    cells = {c["element"]: c for c in got["cells"]}
    assert (cells["registry.persons"]["value"], cells["registry.persons"]["provenance"]) == ("3", "records")
    assert cells["entered.council_meetings"]["provenance"] == "missing" and got["can_fill"] is True
    r = street.post(f"/api/v1/report-submissions/{sub.pk}/values", {"element": "entered.council_meetings", "value": "4"},
                    content_type="application/json")
    assert r.status_code == 200
    assert {c["element"]: c["provenance"] for c in r.json()["cells"]}["entered.council_meetings"] == "entered"
    assert _client(users["community"]).get(f"/stats/yibiaotong/fill/{sub.pk}/").status_code == 404
    assert api_client("community").get(f"/api/v1/report-submissions/{sub.pk}").status_code == 404
    page = township.get("/stats/yibiaotong/fill/").content.decode()
    assert "乡镇（街道）议事协商汇总表" in page
    township.post(f"/stats/yibiaotong/fill/{sub.pk}/", {"action": "submit"})
    sub.refresh_from_db()
    assert sub.submitted_by == users["township"]
    assert (sub.values["registry.persons"][:2], sub.values["entered.council_meetings"][:2]) == (
        ["3", "confirmed"], ["4", "entered"])

    html = county.get(f"/stats/yibiaotong/tasks/{task.pk}/").content.decode()
    assert f'data-testid="count-submitted">1 / {n}<' in html
    review = api_client("county").get(f"/api/v1/report-tasks/{task.pk}").json()
    assert review["completion"]["submitted"] == 1 and review["completion"]["total"] == n
    assert review["elements"] == ["registry.persons", "entered.council_meetings"] and review["totals"] == ["3", "4"]
    states = {u["unit"]: u["state"] for u in review["units"]}
    assert states["620702001"] == "submitted" and states["620702100"] == "not_started"
    # the street follows only tasks issued in its scope: not the county's
    assert api_client("township").get(f"/api/v1/report-tasks/{task.pk}").status_code == 404


def test_a_township_issues_and_reviews_through_the_page_and_the_api(users, api_client):
    """The street (东街街道) issues a communities' form through the page — one submission
    for each of its five communities — and reviews it: the API lists the task with 0 of
    5, then, after 交通巷 submits (values through the API, submission through the page),
    1 of 5 with its values as totals; the task page says the same."""
    from jiayuan.audit.services import Actor
    from jiayuan.stats.yibiaotong import services as ybt

    ybt.seed_elements(Actor(users["city"], "command"))
    form = ybt.approve_form(Actor(users["city"], "command"), ybt.create_form(
        Actor(users["county"], "command"), {"code": "YBT-C1", "title": "社区议事情况表", "units": "communities"},
        [("entered.council_meetings", "sum"), ("entered.office_area_m2", "max")]))
    township = _client(users["township"])
    r = township.post("/stats/yibiaotong/tasks/new/", {
        "form": str(form.pk), "period": "2026", "deadline": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
        "note": "请如实填报"})
    task = ReportTask.objects.get(form=form)
    assert r.status_code == 302 and task.region_id == "620702001" and task.issuer == users["township"]
    assert sorted(task.submissions.values_list("unit_id", flat=True)) == [
        f"620702001{s}" for s in ("001", "005", "006", "007", "008")]
    listed = {t["id"]: t for t in api_client("township").get("/api/v1/report-tasks").json()}
    assert listed[task.pk]["completion"]["submitted"] == 0 and listed[task.pk]["completion"]["total"] == 5

    sub = ReportSubmission.objects.get(task=task, unit_id=OWNER)
    community = api_client("community")
    for element, value in (("entered.council_meetings", "7"), ("entered.office_area_m2", "150.5")):
        assert community.post(f"/api/v1/report-submissions/{sub.pk}/values", {"element": element, "value": value},
                              content_type="application/json").status_code == 200
    _client(users["community"]).post(f"/stats/yibiaotong/fill/{sub.pk}/", {"action": "submit"})
    review = api_client("township").get(f"/api/v1/report-tasks/{task.pk}").json()
    assert review["completion"]["submitted"] == 1 and review["totals"] == ["7", "150.50"]   # m² with two decimals
    html = township.get(f"/stats/yibiaotong/tasks/{task.pk}/").content.decode()
    assert 'data-testid="count-submitted">1 / 5<' in html and 'data-testid="count-not-started">4<' in html
