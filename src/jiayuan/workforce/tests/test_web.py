"""Workforce API and pages: roles, scope, the worked-out fields, exports."""

from datetime import date
from urllib.parse import unquote

import pytest
from django.utils import timezone

from jiayuan.conftest import make_id_number

from .conftest import DONGJIE, GANQUAN, JIAOTONGXIANG

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def post(c, url, body):
    return c.post(url, body, content_type="application/json")


def test_api_registers_a_worker_with_grade_steps_worked_out(api_client, make_person):
    p = make_person(region=JIAOTONGXIANG, name="周华", id_number=make_id_number(date(1980, 8, 8)))
    c = api_client("township")
    since = date(TODAY.year - 6, 1, 1)
    r = post(c, "/api/v1/workforce/workers", {"person": p.pk, "community": JIAOTONGXIANG, "post": "deputy",
                                              "grade": 5, "grade_since": since.isoformat(),
                                              "started_on": date(TODAY.year - 8, 3, 1).isoformat()})
    assert r.status_code == 201, r.content
    d = r.json()
    # six full years in grade 5 (副职 4–15): two steps due, next on since + 9 years
    assert (d["steps_due"], d["due_grade"], d["top_grade"]) == (2, 7, 15)
    assert d["next_step_on"] == date(TODAY.year + 3, 1, 1).isoformat()
    assert d["years_of_service"] in (7, 8)
    r = post(c, f"/api/v1/workforce/workers/{d['id']}/grade-step", {"version": d["version"]})
    assert r.status_code == 200 and r.json()["grade"] == 6 and r.json()["steps_due"] == 1
    r = post(c, "/api/v1/workforce/workers", {"person": p.pk, "community": JIAOTONGXIANG, "post": "head",
                                              "grade": 3, "grade_since": "2020-01-01", "started_on": "2010-01-01"})
    assert r.status_code == 422 and r.json()["error"]["fields"]["grade"][0]["code"] == "grade.out_of_range"


def test_api_roles_and_scope(api_client, worker):
    w = worker()
    assert api_client("community").get("/api/v1/workforce/workers").status_code == 403
    assert api_client("county").get(f"/api/v1/workforce/workers/{w.pk}").status_code == 200
    assert api_client("outsider").get(f"/api/v1/workforce/workers/{w.pk}").status_code == 404
    r = api_client("township").get("/api/v1/workforce/workers?format=xlsx")
    assert "东街街道-社区工作者名册-" in unquote(r["Content-Disposition"])


def test_api_exam_outcome_and_hours(api_client, make_person):
    p = make_person(region=JIAOTONGXIANG, name="孙丽", id_number=make_id_number(date(1993, 3, 3), 2))
    c = api_client("township")
    r = post(c, "/api/v1/workforce/exams", {"person": p.pk, "level": "assistant", "year": 2025})
    assert r.status_code == 201
    eid = r.json()["id"]
    post(c, f"/api/v1/workforce/exams/{eid}/results", {"subject": "comprehensive", "score": "61"})
    r = post(c, f"/api/v1/workforce/exams/{eid}/results", {"subject": "practice", "score": "60", "pass_mark": "60"})
    assert r.status_code == 201 and r.json()["qualified_year"] == 2025 and r.json()["missing"] == []
    r = post(c, "/api/v1/workforce/social-workers", {"person": p.pk, "level": "assistant",
                                                     "certificate_number": "A2025-001", "certified_on": "2025-12-01"})
    assert r.status_code == 201
    sid = r.json()["id"]
    assert (r.json()["required_hours"], r.json()["hours"], r.json()["shortfall"]) == ("72", "0", "72")
    r = post(c, f"/api/v1/workforce/social-workers/{sid}/hours", {"on": "2025-12-10", "hours": "16",
                                                                  "title": "社会工作伦理"})
    # 72 − 16.0 = 56.0 hours still to do in the period 2025-12-01 … 2028-11-30
    assert r.status_code == 201 and (r.json()["hours"], r.json()["shortfall"]) == ("16.0", "56.0")


def test_api_training_and_figures(api_client, worker):
    a, b = worker("李娜"), worker("张伟", community=GANQUAN)
    c = api_client("township")
    r = post(c, "/api/v1/workforce/training", {"title": "考前辅导", "organizer": "甘州区民政局",
                                               "kind": "exam_preparation", "region": DONGJIE,
                                               "starts_on": f"{TODAY.year}-03-01", "ends_on": f"{TODAY.year}-03-05",
                                               "hours": "30"})
    assert r.status_code == 201, r.content
    sid = r.json()["id"]
    r = post(c, f"/api/v1/workforce/training/{sid}/participants", {"workers": [a.pk, b.pk]})
    assert r.json()["enrolled"] == 2 and r.json()["attended"] == 0
    r = post(c, f"/api/v1/workforce/training/{sid}/attendance", {"worker": b.pk, "attended": True})
    assert r.json()["attended"] == 1
    r = c.get(f"/api/v1/workforce/figures?region={DONGJIE}")
    d = r.json()
    assert (d["exam_classes"], d["exam_trainees"], d["workers"]) == (1, 1, 2)
    assert c.get("/api/v1/workforce/figures?start=2025-13-01").status_code == 422


def test_pages_of_the_workforce(page_client, worker, make_person):
    w = worker(since=date(TODAY.year - 4, 1, 1), started=date(TODAY.year - 6, 1, 1))
    c = page_client("township")
    for url in ("/workforce/", f"/workforce/{w.pk}/", "/workforce/social-workers/", "/workforce/exams/",
                "/workforce/training/", "/workforce/summary/", "/workforce/training/new/", f"/workforce/{w.pk}/edit/",
                "/workforce/new/?q=李", f"/workforce/exams/?choose=1&q=李"):
        assert c.get(url).status_code == 200, url
    assert "应晋升 1 级" in c.get(f"/workforce/{w.pk}/").content.decode()
    r = c.post(f"/workforce/{w.pk}/grade-step/", {"version": w.version})
    assert r.status_code == 302
    r = c.post("/workforce/training/new/", {"title": "", "organizer": "东街街道", "kind": "cadre_training",
                                            "region": DONGJIE, "starts_on": "2026-05-02", "ends_on": "2026-05-01",
                                            "hours": "8"})
    assert r.status_code == 422
    r = c.post("/workforce/training/new/", {"title": "社区干部培训", "organizer": "东街街道", "kind": "cadre_training",
                                            "region": DONGJIE, "starts_on": "2026-05-01", "ends_on": "2026-05-02",
                                            "hours": "8"})
    assert r.status_code == 302
    sid = int(r["Location"].rstrip("/").split("/")[-1])
    assert c.post(f"/workforce/training/{sid}/enroll/", {"workers": [w.pk]}).status_code == 302
    assert c.post(f"/workforce/training/{sid}/attendance/", {"worker": w.pk, "attended": "1"}).status_code == 302
    assert "已参训 1 / 报名 1" in c.get(f"/workforce/training/{sid}/").content.decode()
    p = make_person(region=JIAOTONGXIANG, name="吴静", id_number=make_id_number(date(1995, 5, 5), 2))
    r = c.post(f"/workforce/social-workers/new/?person={p.pk}", {"person": p.pk, "level": "intermediate",
                                                                  "certificate_number": "S-9",
                                                                  "certified_on": "2024-06-01", "region": JIAOTONGXIANG})
    assert r.status_code == 302
    r = c.get("/workforce/summary/?format=xlsx")
    assert "东街街道-社区工作者队伍统计-" in unquote(r["Content-Disposition"])
    assert page_client("community").get("/workforce/").status_code == 403
    assert page_client("county").get(f"/workforce/{w.pk}/").status_code == 200
