"""Issue 11, finding 7: a control character (NUL, the other C0/C1 controls but TAB, LF
and CR, bidi overrides, zero-width space) in any text input is refused before any view
runs, whatever the Content-Type says — 422 with the standard error body for the API, a
400 page in Chinese — and nothing is written, the audit log included."""

import json

import pytest

from jiayuan.audit.models import AuditEntry
from jiayuan.cases.models import Case, Department
from jiayuan.conftest import GRID, OWNER_COMMUNITY
from jiayuan.regions.models import Region

pytestmark = pytest.mark.django_db

# (who, url, a valid body with the text field "{}" to fill)
ROUTES = {
    "case": ("grid_member", "/api/v1/cases",
             {"type": "grid_event", "region": GRID, "category": "x", "description": "楼道{}堆物"}),
    "certificate": ("community", "/api/v1/certificates", {"person": 1, "kind": "residence", "purpose": "办理{}入学"}),
    "grid": ("community", "/api/v1/grids", {"parent": OWNER_COMMUNITY, "name": "第{}二网格"}),
    "department": ("city", "/api/v1/departments", {"code": "zj01", "name": "住建{}局", "region": "6207"}),
}


def _snapshot():
    return (AuditEntry.objects.count(), Case.objects.count(), Department.objects.count(),
            Region.objects.filter(level="grid").count())


def _json(body: dict, char: str) -> str:
    return json.dumps({k: v.replace("{}", char) if isinstance(v, str) else v for k, v in body.items()},
                      ensure_ascii=False)


VARIANTS = {
    # the bypasses: the JSON sent as text/plain, or with a differently cased type
    "text/plain": lambda body: (_json(body, "\x00"), "text/plain"),
    "Application/JSON": lambda body: (_json(body, "\x00"), "Application/JSON"),
    "no content type": lambda body: (_json(body, "\x00"), ""),
    "escaped \\u0000": lambda body: (json.dumps({k: v.replace("{}", "\x00") if isinstance(v, str) else v
                                                 for k, v in body.items()}), "application/json"),
    "form field %00": lambda body: ("&".join(f"{k}={str(v).replace('{}', '%00')}" for k, v in body.items()),
                                    "application/x-www-form-urlencoded"),
    "bidi override U+202E": lambda body: (_json(body, "\u202e"), "application/json"),
    "escape U+001B": lambda body: (_json(body, "\x1b"), "application/json; charset=utf-8"),
}


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("route", ROUTES)
def test_a_control_character_in_a_create_body_is_422_and_writes_nothing(api_client, route, variant):
    who, url, body = ROUTES[route]
    client = api_client(who)
    before = _snapshot()
    data, ctype = VARIANTS[variant](body)
    resp = client.generic("POST", url, data.encode(), content_type=ctype)
    assert resp.status_code == 422, resp.content
    error = resp.json()["error"]
    assert error["code"] == "control_character"
    assert "控制字符" in error["message"]
    assert _snapshot() == before


@pytest.mark.parametrize("route", ROUTES)
def test_a_control_character_in_the_query_string_is_422(api_client, route):
    who, url, body = ROUTES[route]
    client = api_client(who)
    before = _snapshot()
    resp = client.post(url + "?note=a%00b", _json(body, ""), content_type="application/json")
    assert resp.status_code == 422
    assert resp.json()["error"]["fields"] == {"note": [{"code": "note.control_character", "message":
                                                        resp.json()["error"]["message"]}]}
    assert _snapshot() == before


def test_the_json_field_is_named(api_client):
    who, url, body = ROUTES["department"]
    resp = api_client(who).post(url, _json(body, "\x00"), content_type="text/plain")
    assert list(resp.json()["error"]["fields"]) == ["name"]
    assert "U+0000" in resp.json()["error"]["message"]


def test_a_multipart_text_field_is_inspected_but_not_the_file(api_client):
    client = api_client("community")
    from django.core.files.uploadedfile import SimpleUploadedFile

    resp = client.post("/api/v1/imports", {"region": "620702\x00", "file": SimpleUploadedFile("a.xlsx", b"PK\x00\x00")})
    assert resp.status_code == 422
    assert list(resp.json()["error"]["fields"]) == ["region"]
    # a NUL inside the uploaded file itself is the file's business, not refused here
    resp = client.post("/api/v1/imports", {"region": OWNER_COMMUNITY, "file": SimpleUploadedFile("a.xlsx", b"PK\x00\x00")})
    assert resp.status_code != 422 or resp.json()["error"]["code"] != "control_character"


def test_a_page_form_with_a_control_character_is_a_400_page_in_chinese(page_client):
    before = _snapshot()
    resp = page_client("grid_member").post("/grid/report/", {"description": "楼道\x00堆物", "region": GRID})
    assert resp.status_code == 400
    assert "控制字符" in resp.content.decode()
    assert _snapshot() == before


@pytest.mark.parametrize("text, allowed", [
    ("张三", True), ("第一行\n第二行\t制表\r\n", True), ("👨‍👩‍👧 一家", True), ("‏عربى", True),
    ("a\x00b", False), ("a\x07", False), ("a\x7f", False), ("a\x85", False), ("a\u202eb", False),
    ("a\u2066b", False), ("a\u200bb", False), ("\ufeffa", False),
])
def test_which_characters_are_refused(text, allowed):
    from jiayuan.web.middleware import control_character

    assert (control_character(text) is None) is allowed


def test_a_page_form_of_more_than_1000_fields_is_a_400_page_in_chinese(page_client):
    # the bound of every list a page form sends (DATA_UPLOAD_MAX_NUMBER_FIELDS)
    before = _snapshot()
    resp = page_client("grid_member").post("/grid/report/", {"description": "楼道堆物", "region": GRID,
                                                              "persons": [str(i) for i in range(1, 1002)]})
    assert resp.status_code == 400
    assert "表单字段过多（上限 1000 个）" in resp.content.decode()
    assert _snapshot() == before


def test_chinese_in_a_raw_query_string_is_not_mistaken_for_controls(api_client, page_client):
    # WSGI hands the query string over as latin-1; 王 read that way holds C1 bytes (U+0080–U+009F)
    assert api_client("community").get("/api/v1/persons?q=王秀英").status_code == 200
    assert page_client("community").get("/disability/new/?q=王秀英").status_code == 200
