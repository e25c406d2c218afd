"""/api/v1 for cases, catalogs, certificates and community tasks, through the HTTP client."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jiayuan.conftest import GRID
from jiayuan.tests.helpers import CITY_MGMT, png_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]
JSON = "application/json"


@pytest.fixture
def client_of(api_client, more_users):
    cache = {}

    def get(who):
        if who not in cache:
            cache[who] = api_client(who)
        return cache[who]

    return get


def upload(client, data=None, name="p.png"):
    return client.post("/api/v1/attachments", {"file": SimpleUploadedFile(name, data or png_bytes(), "image/png")})


def report(client, **extra):
    body = {"type": "grid_event", "region": GRID, "category": "facility.streetlight",
            "description": "交通巷路灯不亮", **extra}
    return client.post("/api/v1/cases", body, content_type=JSON)


def act(client, number, action, version, **extra):
    return client.post(f"/api/v1/cases/{number}/transitions", {"action": action, "version": version, **extra},
                       content_type=JSON)


def test_report_with_photo_then_handle_through_the_api(client_of, depts):
    gm = client_of("grid_member")
    r = upload(gm)
    assert r.status_code == 201, r.content
    photo_id = r.json()["id"]
    r = report(gm, attachments=[photo_id], lat=38.9352, lon=100.4553)
    assert r.status_code == 201, r.content
    case = r.json()
    number = case["number"]
    assert case["state"] == "reported" and case["state_name"] == "已上报" and case["version"] == 1
    assert case["timeline"][0]["attachments"] == [photo_id]
    assert case["actions"] == [] or [a["action"] for a in case["actions"]] == ["resolve_on_spot"]
    assert case["due_at"].endswith("+08:00")

    ts = client_of("township")
    detail = ts.get(f"/api/v1/cases/{number}").json()
    assert [a["action"] for a in detail["actions"]] == ["accept", "return", "void"]
    r = act(ts, number, "accept", 1)
    assert r.status_code == 200 and r.json()["version"] == 2
    deps = ts.get("/api/v1/departments", {"case": number}).json()
    assert CITY_MGMT in [d["code"] for d in deps]
    r = act(ts, number, "dispatch", 2, fields={"department": CITY_MGMT})
    assert r.status_code == 200 and r.json()["department"]["code"] == CITY_MGMT

    dept = client_of("dept")
    queue = dept.get("/api/v1/cases", {"mine": 1}).json()
    assert [c["number"] for c in queue["results"]] == [number]
    r = act(dept, number, "handle", 3, comment="已更换灯泡")
    assert r.status_code == 422 and r.json()["error"]["code"] == "attachments.required"
    fix = upload(dept).json()["id"]
    r = act(dept, number, "handle", 3, comment="已更换灯泡", attachments=[fix])
    assert r.status_code == 200 and r.json()["state"] == "handled"
    r = act(gm, number, "verify", 4)
    r = act(ts, number, "close", 5)
    assert r.status_code == 200 and r.json()["state"] == "closed" and r.json()["closed_at"]
    # the photos can be fetched by who sees the case, not by others
    assert gm.get(f"/api/v1/attachments/{fix}").status_code == 200
    assert client_of("peer").get(f"/api/v1/attachments/{fix}").status_code == 404


def test_conflicts_and_refusals_have_stable_codes(client_of):
    gm, ts, county = client_of("grid_member"), client_of("township"), client_of("county")
    number = report(gm).json()["number"]
    assert act(ts, number, "accept", 1).status_code == 200
    r = act(county, number, "return", 1, comment="请补充")       # acted on version 1: stale
    assert r.status_code == 409
    err = r.json()["error"]
    assert err["code"] == "case.version_conflict" and "已被他人处理" in err["message"] and "已立案" in err["message"]
    r = act(ts, number, "close", 2)
    assert r.status_code == 409 and r.json()["error"]["code"] == "case.invalid_state"
    r = act(gm, number, "dispatch", 2, fields={"department": CITY_MGMT})
    assert r.status_code == 403 and r.json()["error"]["code"] == "case.role_forbidden"
    r = act(ts, number, "park", 2)
    assert r.status_code == 422 and r.json()["error"]["code"] == "comment.required"
    r = ts.post(f"/api/v1/cases/{number}/transitions", {"action": "park"}, content_type=JSON)
    assert r.status_code == 422 and r.json()["error"]["code"] == "version.missing"
    r = act(ts, number, "fly", 2)
    assert r.status_code == 400 and r.json()["error"]["code"] == "case.unknown_action"
    outsider = client_of("outsider")
    assert outsider.get(f"/api/v1/cases/{number}").status_code == 404
    assert act(outsider, number, "park", 2, comment="x").status_code == 404
    assert client_of("auditor").get(f"/api/v1/cases/{number}").status_code == 404
    assert ts.get("/api/v1/cases/not-a-number").status_code == 404


def test_double_submit_creates_one_case_and_one_transition(client_of):
    gm, ts = client_of("grid_member"), client_of("township")
    first = report(gm, request_key="tok-1")
    again = gm.post("/api/v1/cases", {"type": "grid_event", "region": GRID, "category": "facility.streetlight",
                                      "description": "交通巷路灯不亮"}, content_type=JSON,
                    headers={"Idempotency-Key": "tok-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["number"] == again.json()["number"]
    number = first.json()["number"]
    a = act(ts, number, "accept", 1, request_key="click-1")
    b = act(ts, number, "accept", 1, request_key="click-1")
    assert a.status_code == b.status_code == 200 and b.json()["version"] == 2
    assert [e["action"] for e in b.json()["timeline"]] == ["open", "accept"]


def test_list_filters_and_urge(client_of):
    gm, ts, county = client_of("grid_member"), client_of("township"), client_of("county")
    n1 = report(gm).json()["number"]
    n2 = report(gm, category="safety.fire", description="楼道堆放杂物堵塞消防通道").json()["number"]
    r = ts.get("/api/v1/cases", {"mine": 1})
    # fire hazards must be accepted within 4 hours: due first
    assert [c["number"] for c in r.json()["results"]] == [n2, n1]
    assert ts.get("/api/v1/cases", {"category": "safety"}).json()["count"] == 1
    assert ts.get("/api/v1/cases", {"state": "accepted"}).json()["count"] == 0
    assert client_of("peer").get("/api/v1/cases").json()["count"] == 0
    r = county.post(f"/api/v1/cases/{n1}/urge", {"note": "请今日立案"}, content_type=JSON)
    assert r.status_code == 200 and r.json()["urge_count"] == 1 and r.json()["timeline"][-1]["kind"] == "urge"
    assert gm.post(f"/api/v1/cases/{n1}/urge", {"note": "x"}, content_type=JSON).status_code == 403
    counts = ts.get("/api/v1/case-counts").json()
    assert {(c["category"], c["n"]) for c in counts} == {("facility.streetlight", 1), ("safety.fire", 1)}


def test_upload_rejects_what_is_not_an_image(client_of):
    r = upload(client_of("grid_member"), b"%PDF-1.4 not an image", "x.png")
    assert r.status_code == 422 and r.json()["error"]["code"] == "attachment.not_image"


def test_catalog_endpoints(client_of):
    gm = client_of("grid_member")
    cats = gm.get("/api/v1/grid/event-categories").json()
    assert [c["name"] for c in cats][:3] == ["安全隐患", "矛盾纠纷", "环境卫生"]
    assert cats[0]["children"][0]["limits"]["reported"] == {"amount": 4, "unit": "hours"}
    items = client_of("community").get("/api/v1/service-items").json()
    assert len(items) == 15
    public = Client().get("/api/v1/public/service-items").json()
    assert {i["code"] for i in public} == {i["code"] for i in items if i["public"]}
    kinds = client_of("community").get("/api/v1/certificates/kinds").json()
    assert sum(k["list_kind"] == "forbidden" for k in kinds) == 20
    types = gm.get("/api/v1/case-types").json()
    assert {"grid_event", "service_request"} <= {t["code"] for t in types}


def test_service_request_and_public_status(client_of, make_person):
    person = make_person(name="赵桂兰", phone="13993661188")
    cw = client_of("community")
    r = cw.post("/api/v1/cases", {"type": "service_request", "item": "sf.legal_aid", "person": person.pk,
                                  "materials": ["身份证"]}, content_type=JSON)
    assert r.status_code == 201, r.content
    case = r.json()
    assert case["state"] == "awaiting_materials"
    anon = Client()
    r = anon.get("/api/v1/public/case-status", {"number": case["number"], "phone_tail": "1188"})
    assert r.status_code == 200 and r.json()["status"] == "待补正材料"
    assert "赵桂兰" not in r.content.decode()
    r = anon.get("/api/v1/public/case-status", {"number": case["number"], "phone_tail": "1189"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "lookup.not_found"


def test_certificates_through_the_api(client_of, make_person):
    person = make_person(name="刘洋", address="甘州区东街交通巷 3 号")
    cw = client_of("community")
    r = cw.post("/api/v1/certificates", {"person": make_person(name="刘海").pk, "kind": "居住证明", "purpose": "求职"},
                content_type=JSON)  # no address: the template's 现住址 would print blank
    assert r.status_code == 422 and r.json()["error"]["code"] == "certificate.missing_value"
    assert "现住址" in r.json()["error"]["message"]
    r = cw.post("/api/v1/certificates", {"person": person.pk, "kind": "无犯罪记录证明", "purpose": "求职"},
                content_type=JSON)
    assert r.status_code == 422 and r.json()["error"]["code"] == "certificate.forbidden"
    assert "民发〔2020〕20号" in r.json()["error"]["message"]
    r = cw.post("/api/v1/certificates", {"person": person.pk, "kind": "居住证明", "purpose": "子女入学"},
                content_type=JSON)
    assert r.status_code == 201
    number, code = r.json()["number"], r.json()["verify_code"]
    v = Client().get(f"/api/v1/public/certificates/{number}", {"code": code})
    assert v.status_code == 200 and v.json()["holder"] == "刘*" and v.json()["status"] == "valid"
    assert Client().get("/api/v1/public/certificates/620702001001-ZM20990101-0009",
                        {"code": code}).status_code == 404
    r = cw.post("/api/v1/certificates", {"person": person.pk, "kind": "志愿服务证明", "purpose": "评优"},
                content_type=JSON)
    assert r.status_code == 409 and r.json()["error"]["code"] == "certificate.needs_decision"
    r = client_of("director").post("/api/v1/certificate-decisions", {
        "community": "620702001001", "kind_name": "志愿服务证明", "allowed": True,
        "legal_basis": "《志愿服务条例》"}, content_type=JSON)
    assert r.status_code == 201
    r = cw.post("/api/v1/certificates", {"person": person.pk, "kind": "志愿服务证明", "purpose": "评优"},
                content_type=JSON)
    assert r.status_code == 201


def test_community_tasks_through_the_api(client_of, depts):
    dept = client_of("dept")
    r = dept.post("/api/v1/community-tasks", {"community": "620702001001", "title": "创卫检查", "kind": "inspection",
                                              "occurs_on": "2025-10-20"}, content_type=JSON)
    assert r.status_code == 201 and r.json()["status"] == "pending"
    task_id = r.json()["id"]
    r = client_of("township").post(f"/api/v1/community-tasks/{task_id}/decision", {"approve": True},
                                   content_type=JSON)
    assert r.status_code == 200 and r.json()["status"] == "approved"
    tally = client_of("township").get("/api/v1/community-tasks/tally", {"month": "2025-10"}).json()
    assert tally[0]["inspection"] == 1
    assert client_of("township").get("/api/v1/community-tasks/tally", {"month": "10/2025"}).status_code == 422
