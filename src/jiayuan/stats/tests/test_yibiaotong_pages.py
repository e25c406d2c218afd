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
