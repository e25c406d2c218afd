"""The API contract: error body ``{"error": {"code", "message", "fields": {field:
[{"code", "message"}]}}}`` with stable codes (422 validation, 404 out of scope, 409
conflict, 403, 401, 400), dates ``YYYY-MM-DD``, datetimes with their offset (+08:00,
Asia/Shanghai), regions by code, masked sensitive fields, OpenAPI and docs."""

import json
import re
from datetime import date, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from jiayuan.audit.models import AuditEntry
from jiayuan.conftest import GRID, OWNER_COMMUNITY, PASSWORD

pytestmark = pytest.mark.django_db

FEMALE_1949 = "11010519491231002X"  # the standard's example: born 1949-12-31, female


def post(client, url, body):
    return client.post(url, json.dumps(body) if not isinstance(body, str) else body,
                       content_type="application/json")


def patch(client, url, body):
    return client.patch(url, json.dumps(body), content_type="application/json")


def assert_error_shape(body: dict) -> None:
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert isinstance(body["error"]["code"], str) and isinstance(body["error"]["message"], str)
    for field, errors in body["error"]["fields"].items():
        assert isinstance(field, str)
        assert errors and all(set(e) == {"code", "message"} for e in errors)


@pytest.fixture
def worker(api_client):
    return api_client("community")


# --- 422 --------------------------------------------------------------------------------

def test_a_validation_error_is_422_with_the_field_and_its_stable_code(worker):
    resp = post(worker, "/api/v1/persons", {"name": "李秀英", "id_number": "110105194912310021",
                                            "region": OWNER_COMMUNITY})
    assert resp.status_code == 422
    assert resp.json() == {"error": {
        "code": "id_number.checksum",
        "message": "公民身份号码校验位错误：第18位应为 X，实为 1，请核对号码",
        "fields": {"id_number": [{"code": "id_number.checksum",
                                  "message": "公民身份号码校验位错误：第18位应为 X，实为 1，请核对号码"}]},
    }}


def test_an_id_number_sent_as_a_json_number_is_refused(worker):
    resp = post(worker, "/api/v1/persons",
                '{"name": "李秀英", "id_number": 110105194912310020, "region": "620702001001"}')
    assert resp.status_code == 422
    body = resp.json()
    assert_error_shape(body)
    assert body["error"]["code"] == "id_number.stored_as_number"
    assert [e["code"] for e in body["error"]["fields"]["id_number"]] == ["id_number.stored_as_number"]


def test_several_field_errors_come_together_under_the_code_validation(worker):
    resp = post(worker, "/api/v1/persons", {"name": "张3", "id_number": FEMALE_1949, "sex": "男",
                                            "phone": "123", "region": OWNER_COMMUNITY})
    assert resp.status_code == 422
    body = resp.json()
    assert_error_shape(body)
    assert body["error"]["code"] == "validation"
    assert {f: [e["code"] for e in errs] for f, errs in body["error"]["fields"].items()} == {
        "name": ["name.invalid"], "sex": ["sex.mismatch"], "phone": ["phone.format"]}


@pytest.mark.parametrize("body, field", [
    ({"name": "第二网格"}, "parent"),                       # required field missing
    ({"parent": OWNER_COMMUNITY, "name": ["a"]}, "name"),   # wrong type
])
def test_a_malformed_request_is_422_in_the_same_shape(worker, body, field):
    resp = post(worker, "/api/v1/grids", body)
    assert resp.status_code == 422
    assert_error_shape(resp.json())
    assert resp.json()["error"]["code"] == "validation"
    assert field in resp.json()["error"]["fields"]


def test_an_unparseable_body_is_400_in_the_same_shape(worker):
    resp = post(worker, "/api/v1/grids", "{not json")
    assert resp.status_code == 400
    assert_error_shape(resp.json())
    assert resp.json()["error"]["code"] == "bad_request"


# --- 404, 409, 403, 401 -----------------------------------------------------------------

def test_out_of_scope_is_404_with_code_not_found(api_client, make_person):
    p = make_person()
    resp = api_client("outsider").get(f"/api/v1/persons/{p.pk}")
    assert resp.status_code == 404
    assert resp.json() == {"error": {"code": "not_found", "message": "未找到该对象，或不在您的管辖范围内",
                                     "fields": {}}}


def test_an_edit_from_a_stale_version_is_409_and_changes_nothing(worker, make_person):
    p = make_person(name="张建国")
    assert patch(worker, f"/api/v1/persons/{p.pk}", {"name": "张建民", "version": 1}).json()["version"] == 2
    resp = patch(worker, f"/api/v1/persons/{p.pk}", {"name": "张三丰", "version": 1})
    assert resp.status_code == 409
    assert_error_shape(resp.json())
    assert resp.json()["error"]["code"] == "person.conflict"
    assert worker.get(f"/api/v1/persons/{p.pk}").json()["name"] == "张建民"


def test_a_stale_household_edit_is_409(api_client, make_person):
    c = api_client("community")
    head = make_person(name="王建国")
    hh = post(c, "/api/v1/households", {"number": "0001", "region": GRID, "head": head.pk}).json()
    assert patch(c, f"/api/v1/households/{hh['id']}", {"address": "南关 1 号", "version": 1}).status_code == 200
    resp = patch(c, f"/api/v1/households/{hh['id']}", {"address": "北关 1 号", "version": 1})
    assert (resp.status_code, resp.json()["error"]["code"]) == (409, "household.conflict")


def test_a_forbidden_action_is_403_with_code_permission_denied(api_client):
    resp = patch(api_client("grid_member"), f"/api/v1/grids/{GRID}", {"name": "改名"})
    assert resp.status_code == 403
    assert resp.json() == {"error": {"code": "permission_denied", "message": "您的角色无权执行此操作", "fields": {}}}


# --- shapes of values -------------------------------------------------------------------

def test_a_created_person_comes_back_masked_with_dates_and_region_codes(worker):
    resp = post(worker, "/api/v1/persons", {"name": "李秀英", "id_number": "110105491231002",  # 15 digits
                                            "phone": "138 1234 5678", "region": GRID})
    assert resp.status_code == 201
    body = resp.json()
    assert body["id_number"] == "110105********002X"
    assert body["phone"] == "138****5678"
    assert (body["sex"], body["birth_date"], body["region"]) == (2, "1949-12-31", "620702001001001")
    assert (body["household"], body["life_status_date"], body["version"], body["tags"]) == (None, None, 1, [])
    assert "id_number_hash" not in body and "id_number_cipher" not in body


def test_age_is_worked_out_on_the_day(worker, make_person, monkeypatch):
    p = make_person(birth=date(1980, 5, 17))
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: date(2025, 5, 16))
    assert worker.get(f"/api/v1/persons/{p.pk}").json()["age"] == 44
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: date(2025, 5, 17))
    assert worker.get(f"/api/v1/persons/{p.pk}").json()["age"] == 45


def test_tags_carry_dates_as_yyyy_mm_dd(worker, make_person, users):
    from jiayuan.audit.services import Actor
    from jiayuan.people.services import add_tag

    p = make_person()
    add_tag(Actor(users["community"], "page"), p, "disabled", valid_from=date(2024, 1, 5), valid_to=date(2024, 12, 31))
    assert worker.get(f"/api/v1/persons/{p.pk}").json()["tags"] == [
        {"kind": "disabled", "name": "残疾人", "valid_from": "2024-01-05", "valid_to": "2024-12-31"}]


def test_reveal_returns_the_whole_values_and_is_audited(worker, make_person):
    p = make_person(id_number=FEMALE_1949, name="李秀英", phone="13812345678")
    resp = post(worker, f"/api/v1/persons/{p.pk}/reveal", {"purpose": "办理低保"})
    assert resp.json() == {"id_number": FEMALE_1949, "phone": "13812345678"}
    entry = AuditEntry.objects.get(action="person.view_sensitive")
    assert (entry.actor_name, entry.source, entry.object_id) == ("community", "api", str(p.pk))
    assert entry.extra == {"fields": ["id_number", "phone"], "purpose": "办理低保"}


def test_regions_are_named_by_code(worker):
    body = worker.get(f"/api/v1/regions/{OWNER_COMMUNITY}").json()
    assert body == {"code": "620702001001", "name": "交通巷社区居民委员会", "level": "village",
                    "kind": "community", "parent": "620702001", "boundary": None, "grid_members": None,
                    "warning": ""}
    children = worker.get(f"/api/v1/regions/{OWNER_COMMUNITY}/children").json()
    assert children == [{"code": GRID, "name": "第一网格", "level": "grid", "kind": "", "parent": OWNER_COMMUNITY}]


def test_a_household_names_its_region_and_community_by_code(worker, make_person):
    head = make_person(name="王建国")
    body = post(worker, "/api/v1/households", {"number": "0001", "region": GRID, "head": head.pk,
                                               "address": "南关 3 号"}).json()
    assert (body["region"], body["community"], body["number"]) == (GRID, OWNER_COMMUNITY, "0001")
    assert body["members"] == [{"id": head.pk, "name": "王建国", "relation_to_head": "02", "relation_name": "户主",
                                "id_number": head.id_number_masked, "sex": 1, "birth_date": "1980-05-17",
                                "age": _age_of_1980_05_17()}]


def _age_of_1980_05_17() -> int:
    # full years since 17 May 1980: one less before this year's birthday
    today = timezone.localdate()
    return today.year - 1980 - ((today.month, today.day) < (5, 17))


def test_birth_date_is_hidden_from_roles_that_may_not_see_whole_id_numbers(api_client, make_person):
    # characters 7–14 of the ID number are the birth date: beside the masked ID
    # (620702********xxxx) it would give the whole number back to a grid member
    p = make_person(region=GRID, name="王建国")
    grid_view = api_client("grid_member").get(f"/api/v1/persons/{p.pk}").json()
    worker_view = api_client("community").get(f"/api/v1/persons/{p.pk}").json()
    assert (grid_view["birth_date"], grid_view["age"]) == (None, _age_of_1980_05_17())
    assert worker_view["birth_date"] == "1980-05-17"


def test_a_new_grid_is_answered_with_its_code(worker):
    resp = post(worker, "/api/v1/grids", {"parent": OWNER_COMMUNITY, "name": "第二网格"})
    assert resp.status_code == 201
    assert (resp.json()["code"], resp.json()["parent"]) == ("620702001001002", OWNER_COMMUNITY)


def test_person_list_pages(worker, make_person):
    for _ in range(3):
        make_person(name="张建国")
    body = worker.get("/api/v1/persons", {"page_size": 2, "page": 2}).json()
    assert (body["count"], body["page"], body["page_size"], len(body["results"])) == (3, 2, 2, 1)
    assert worker.get("/api/v1/persons", {"page_size": 100000}).json()["page_size"] == 200


# --- token --------------------------------------------------------------------------------

def test_a_token_expires_in_12_hours_written_with_the_shanghai_offset(users):
    before = timezone.now()
    resp = post(Client(), "/api/v1/auth/token", {"username": "community", "password": PASSWORD})
    assert resp.status_code == 200
    body = resp.json()
    assert re.fullmatch(r"jy_[A-Za-z0-9_-]{43}", body["token"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+08:00", body["expires"])
    expires = datetime.fromisoformat(body["expires"])
    assert timedelta(hours=12) <= expires - before <= timedelta(hours=12, seconds=30)


# --- OpenAPI and docs ---------------------------------------------------------------------

def test_the_openapi_document_lists_the_routes():
    resp = Client().get("/api/v1/openapi.json")
    assert resp.status_code == 200
    doc = resp.json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    for path, methods in {
        "/api/v1/auth/token": {"post"},
        "/api/v1/regions": {"get"},
        "/api/v1/regions/{code}": {"get"},
        "/api/v1/regions/{code}/children": {"get"},
        "/api/v1/grids": {"get", "post"},
        "/api/v1/persons": {"get", "post"},
        "/api/v1/persons/{person_id}": {"get", "patch"},
        "/api/v1/households": {"get", "post"},
        "/api/v1/households/{household_id}": {"get", "patch"},
    }.items():
        assert methods <= set(paths[path]), path
    assert doc["components"]["securitySchemes"]["BearerAuth"]["scheme"] == "bearer"


def test_the_docs_page_answers():
    resp = Client().get("/api/v1/docs")
    assert resp.status_code == 200
    assert b"openapi.json" in resp.content
