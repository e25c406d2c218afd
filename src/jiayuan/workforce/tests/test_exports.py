"""The rosters' exports go through the services: the export right is checked (403
without it, page and API alike) and each export leaves one audit entry with the row
count; and ``GET /api/v1/workforce/exams`` lists registrations as the exams page does."""

from datetime import date
from urllib.parse import unquote

import pytest

from jiayuan.accounts import permissions
from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.conftest import OUTSIDE_VILLAGE, make_id_number
from jiayuan.workforce import services

from .conftest import GANQUAN, JIAOTONGXIANG

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_export(monkeypatch):
    """The township officer's role without the export right (every role that sees the
    workforce has it by default)."""
    monkeypatch.setitem(permissions.ROLE_PERMISSIONS, "township_officer",
                        permissions.ROLE_PERMISSIONS["township_officer"] - {permissions.Perm.EXPORT})


def test_without_the_export_right_the_rosters_are_403_and_nothing_is_audited(worker, api_client, page_client,
                                                                            no_export):
    worker()
    assert api_client("township").get("/api/v1/workforce/workers?format=xlsx").status_code == 403
    c = page_client("township")
    assert c.get("/workforce/?format=xlsx").status_code == 403
    assert c.get("/workforce/social-workers/?format=xlsx").status_code == 403
    assert not AuditEntry.objects.filter(action__in=("worker.export", "social_worker.export")).exists()
    # the lists themselves still answer, without the export link
    page = c.get("/workforce/")
    assert page.status_code == 200 and 'data-testid="export-link"' not in page.content.decode()
    assert api_client("township").get("/api/v1/workforce/workers").status_code == 200


def test_each_roster_export_leaves_one_audit_entry_with_its_rows(worker, township, make_person, api_client,
                                                                 page_client):
    worker("李娜")
    worker("张伟", community=GANQUAN)
    worker("王芳", community=GANQUAN, post="deputy", grade=5)
    r = api_client("township").get(f"/api/v1/workforce/workers?format=xlsx&region={GANQUAN}")
    assert r.status_code == 200 and "社区工作者名册" in unquote(r["Content-Disposition"])
    entry = AuditEntry.objects.get(action="worker.export")
    # 甘泉: 张伟 and 王芳 (李娜 works in 交通巷)
    assert entry.extra["rows"] == 2 and entry.extra["filters"]["region"] == GANQUAN
    assert entry.region_code == GANQUAN
    r = page_client("township").get("/workforce/?format=xlsx&post=deputy")
    assert r.status_code == 200
    assert AuditEntry.objects.filter(action="worker.export").count() == 2
    assert AuditEntry.objects.filter(action="worker.export").latest("id").extra["rows"] == 1   # 王芳 only
    p = make_person(region=JIAOTONGXIANG, name="赵敏", id_number=make_id_number(date(1990, 2, 2), 2))
    services.record_social_worker(township, p, {"level": "assistant", "certificate_number": "Z-1",
                                                "certified_on": "2024-06-01"})
    r = page_client("township").get("/workforce/social-workers/?format=xlsx")
    assert r.status_code == 200 and "社会工作者名册" in unquote(r["Content-Disposition"])
    entry = AuditEntry.objects.get(action="social_worker.export")
    assert (entry.extra["rows"], entry.region_code) == (1, "620702001")


def test_the_export_service_itself_refuses_without_the_right(users, no_export):
    from jiayuan.errors import Forbidden

    with pytest.raises(Forbidden):
        services.export_workers(Actor(users["township"], "api"))
    with pytest.raises(Forbidden):
        services.export_social_workers(Actor(users["township"], "api"))


def test_api_lists_exam_registrations_with_their_results_scoped_like_the_page(township, make_person, users,
                                                                              api_client):
    a = make_person(region=JIAOTONGXIANG, name="钱敏", id_number=make_id_number(date(1992, 4, 4), 2))
    b = make_person(region=GANQUAN, name="孙丽", id_number=make_id_number(date(1993, 3, 3), 2))
    r1 = services.register_exam(township, a, "intermediate", 2023)
    services.record_result(township, r1, "practice", "58.5")
    services.record_result(township, r1, "comprehensive", "72")
    r2 = services.register_exam(township, a, "intermediate", 2024)
    services.record_result(township, r2, "practice", "66")
    services.record_result(township, r2, "law_policy", "61")
    r3 = services.register_exam(township, b, "assistant", 2024)
    # a registration of 民乐县 (another county), recorded by the city's administrator
    far = make_person(region=OUTSIDE_VILLAGE, name="周华", id_number=make_id_number(date(1988, 8, 8), 2))
    services.register_exam(Actor(users["admin"], "command"), far, "assistant", 2024)
    c = api_client("township")
    got = c.get("/api/v1/workforce/exams").json()
    # 东街's three registrations, newest exam year first
    assert got["count"] == 3
    assert [x["year"] for x in got["results"]] == [2024, 2024, 2023]
    assert {x["id"] for x in got["results"]} == {r1.pk, r2.pk, r3.pk}
    first = next(x for x in got["results"] if x["id"] == r1.pk)
    # results by subject code: comprehensive 72 passed, practice 58.5 failed
    assert [(x["subject"], x["score"], x["passed"]) for x in first["results"]] == [
        ("comprehensive", "72.0", True), ("practice", "58.5", False)]
    # 综合能力 2023 + 实务, 法规 2024: all three within two consecutive years → qualified 2024
    assert first["qualified_year"] == 2024 and first["missing"] == []
    got = c.get("/api/v1/workforce/exams?year=2024&level=assistant").json()
    assert [x["id"] for x in got["results"]] == [r3.pk]
    assert got["results"][0]["results"] == [] and got["results"][0]["missing"] == ["comprehensive", "practice"]
    assert c.get(f"/api/v1/workforce/exams?person={a.pk}").json()["count"] == 2
    got = c.get("/api/v1/workforce/exams?page_size=1&page=2").json()
    assert (got["count"], got["page_size"], len(got["results"])) == (3, 1, 1)
    assert c.get("/api/v1/workforce/exams?page_size=100000").json()["page_size"] == 200
    r = c.get("/api/v1/workforce/exams?level=master")
    assert r.status_code == 422 and r.json()["error"]["fields"]["level"][0]["code"] == "level.unknown"
    assert c.get(f"/api/v1/workforce/exams?page={2 ** 63}").status_code == 422
    assert api_client("county").get("/api/v1/workforce/exams").json()["count"] == 3
    assert api_client("city").get("/api/v1/workforce/exams").json()["count"] == 4
    assert api_client("community").get("/api/v1/workforce/exams").status_code == 403
