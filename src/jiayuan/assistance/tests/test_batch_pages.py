"""The batch API (``/api/v1/assistance/batches``, ``/ledgers``) and pages
(``/assistance/batches/``, ``/assistance/ledgers/``): status codes, scope (404),
roles (403), the 409 naming the existing batch, the file read back.

Amounts (低保, standard 735.00 from January 2025): household A 3 members, per-capita
income 512.33 → (735.00 − 512.33) × 3 = 668.01; household B 1 member, no income →
735.00; total 1,403.01.
"""

import io

import pytest

from jiayuan.assistance.tests.factories import SUBSISTENCE, make_enrollment, month, set_standard, subsistence_inputs
from jiayuan.audit.services import Actor
from jiayuan.conftest import OWNER_COMMUNITY, PEER_COMMUNITY
from jiayuan.people.services import create_household

URL = "/api/v1/assistance/batches"


@pytest.fixture
def setup(users, make_person):
    set_standard(users["city"], "6207", month(2025, 1), "735.00")
    admin = Actor(users["admin"], "command")
    a = make_person(region=OWNER_COMMUNITY, name="李秀英")
    ha = create_household(admin, {"number": "A001", "region": OWNER_COMMUNITY}, a)
    b = make_person(region=PEER_COMMUNITY, name="王德福")
    hb = create_household(admin, {"number": "B001", "region": PEER_COMMUNITY}, b)
    make_enrollment(SUBSISTENCE, a, household=ha, inputs=subsistence_inputs(3, "512.33"))
    make_enrollment(SUBSISTENCE, b, household=hb, inputs=subsistence_inputs(1, "0"))


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_api_generate_twice_gives_409_with_the_existing_id(api_client, setup):
    county = api_client("county")
    resp = post(county, URL, {"program": SUBSISTENCE, "county": "620702", "month": "2025-03"})
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["total_amount"] == "1403.01" and body["line_count"] == 2 and body["status"] == "draft"
    again = post(api_client("city"), URL, {"program": SUBSISTENCE, "county": "620702", "month": "2025-03-01"})
    assert again.status_code == 409
    err = again.json()["error"]
    assert err["code"] == "batch.exists" and err["batch"] == body["id"]
    assert post(county, URL, {"program": SUBSISTENCE, "county": "620702", "month": "2025-3"}).status_code == 422
    assert post(county, URL, {"program": "nope", "county": "620702", "month": "2025-04"}).status_code == 422
    assert post(county, URL, {"program": SUBSISTENCE, "county": "620722", "month": "2025-04"}).status_code == 404


def test_api_scope_and_roles(api_client, setup):
    bid = post(api_client("county"), URL, {"program": SUBSISTENCE, "county": "620702", "month": "2025-03"}).json()["id"]
    assert api_client("city").get(f"{URL}/{bid}").status_code == 200
    assert api_client("outsider").get(f"{URL}/{bid}").status_code == 404  # another county
    assert api_client("township").get(f"{URL}/{bid}").status_code == 404  # batches are the county's
    assert api_client("township").get(URL).json()["count"] == 0
    assert api_client("grid_member").get(URL).status_code == 403  # no view_assistance
    assert api_client("auditor").get(f"{URL}/{bid}").status_code == 403
    # community workers may view assistance but not run payments; the county is outside their scope
    resp = post(api_client("community"), URL, {"program": SUBSISTENCE, "county": "620702", "month": "2025-04"})
    assert resp.status_code == 404
    resp = post(api_client("city"), f"{URL}/{bid}/review", {"version": 1})
    assert resp.status_code == 200 and resp.json()["status"] == "reviewed"


def test_api_lifecycle_export_and_results(api_client, setup):
    import openpyxl

    county, city = api_client("county"), api_client("city")
    b = post(county, URL, {"program": SUBSISTENCE, "county": "620702", "month": "2025-03"}).json()
    b = post(county, f"{URL}/{b['id']}/review", {"version": b["version"]}).json()
    stale = post(city, f"{URL}/{b['id']}/approve", {"version": b["version"] - 1})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "batch.version_conflict"
    own = post(county, f"{URL}/{b['id']}/approve", {"version": b["version"]})
    assert own.status_code == 403 and own.json()["error"]["code"] == "batch.four_eyes"
    b = post(city, f"{URL}/{b['id']}/approve", {"version": b["version"]}).json()
    assert b["status"] == "approved" and b["approved_by"] == "city"
    resp = county.post(f"{URL}/{b['id']}/export?format=xlsx&version={b['version']}")
    assert resp.status_code == 200 and resp["X-Export-Rows"] == "2"
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(resp.streaming_content))).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:5] == ("明细编号", "姓名", "公民身份号码", "发放账户", "金额（元）")
    assert sorted(r[4] for r in rows[1:]) == [668.01, 735.00]
    assert all("********" in r[2] for r in rows[1:])  # masked without sensitive=true
    assert api_client("community").post(f"{URL}/{b['id']}/export").status_code == 404
    lines = county.get(f"{URL}/{b['id']}/lines?page_size=1").json()
    assert lines["count"] == 2 and len(lines["results"]) == 1
    b = county.get(f"{URL}/{b['id']}").json()
    assert b["status"] == "exported"
    line_ids = [x[0] for x in rows[1:]]
    resp = post(county, f"{URL}/{b['id']}/results", {"version": b["version"], "results": [
        {"line": line_ids[0], "status": "failed", "note": "账户冻结"}], "rest_paid": True})
    assert resp.status_code == 200, resp.content
    out = resp.json()
    assert (out["paid"], out["failed"], out["pending"]) == (1, 1, 0)
    b = out["batch"]
    reopen = post(county, f"{URL}/{b['id']}/reopen", {"version": b["version"], "reason": "重算"})
    assert reopen.status_code == 422 and reopen.json()["error"]["code"] == "batch.already_exported"
    b = post(county, f"{URL}/{b['id']}/close", {"version": b["version"]}).json()
    assert b["status"] == "closed" and [e["kind"] for e in b["events"]] == [
        "generated", "reviewed", "approved", "exported", "results", "closed"]


def test_api_ledger_and_two_subsidies(api_client, setup):
    county = api_client("county")
    resp = county.get("/api/v1/assistance/ledgers?month_from=2025-03&program=subsistence_allowance")
    assert resp.status_code == 200 and resp.json()["total"]["amount"] == "0.00"
    assert county.get("/api/v1/assistance/ledgers?month_from=2025-03&region=620722").status_code == 404
    assert api_client("grid_member").get("/api/v1/assistance/ledgers?month_from=2025-03").status_code == 403
    resp = county.get("/api/v1/assistance/ledgers?month_from=2025-03&format=xlsx")
    assert resp.status_code == 200 and resp.content[:2] == b"PK"
    fig = county.get("/api/v1/assistance/ledgers/two-subsidies?year=2025&half=1").json()
    assert fig["persons"] == 0 and fig["region"] == "620702"
    assert county.get("/api/v1/assistance/ledgers/two-subsidies?year=2025&half=3").status_code == 422


def test_pages_generate_detail_actions_export(page_client, setup):
    import openpyxl

    county = page_client("county")
    page = county.get("/assistance/batches/")
    assert page.status_code == 200 and 'data-testid="generate-form"' in page.content.decode()
    resp = county.post("/assistance/batches/", {"program": SUBSISTENCE, "county": "620702", "month": "2025-03"})
    assert resp.status_code == 302
    detail_url = resp["Location"]
    html = county.get(detail_url).content.decode()
    assert "1,403.01" in html and "李秀英" in html and "审核通过" in html  # money shown 22,187.00-style (issue 10; was "1403.01")
    again = page_client("city").post("/assistance/batches/", {"program": SUBSISTENCE, "county": "620702",
                                                              "month": "2025-03"})
    assert again.status_code == 302 and again["Location"] == detail_url  # the existing batch
    bad = county.post("/assistance/batches/", {"program": SUBSISTENCE, "county": "620702", "month": "2025-13"})
    assert bad.status_code == 422 and "月份格式" in bad.content.decode()
    bid = int(detail_url.rstrip("/").rsplit("/", 1)[1])
    assert county.post(f"/assistance/batches/{bid}/review/", {"version": "1"}).status_code == 302
    html = county.get(detail_url).content.decode()
    assert "本批次由您生成" in html and "审批通过" not in html  # four eyes
    city = page_client("city")
    assert city.post(f"/assistance/batches/{bid}/approve/", {"version": "2"}).status_code == 302
    resp = city.post(f"/assistance/batches/{bid}/export/", {"format": "xlsx", "version": "3"})
    assert resp.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(resp.streaming_content))).active
    assert ws.max_row == 3
    resp = city.post(f"/assistance/batches/{bid}/export/", {"format": "csv", "sensitive": "1"})
    assert b"".join(resp.streaming_content).startswith(b"\xef\xbb\xbf")
    assert "已导出" in city.get(detail_url).content.decode()


def test_pages_scope_and_roles(page_client, setup, users):
    from jiayuan.assistance.models import PaymentBatch, Program
    from jiayuan.assistance.services.batches import generate_batch
    from jiayuan.regions.models import Region

    b = generate_batch(Actor(users["county"], "page"), Program.objects.get(code=SUBSISTENCE),
                       Region.objects.get(code="620702"), month(2025, 3))
    assert PaymentBatch.objects.count() == 1
    assert page_client("outsider").get(f"/assistance/batches/{b.pk}/").status_code == 404
    assert page_client("grid_member").get("/assistance/batches/").status_code == 403
    community = page_client("community")
    assert community.get("/assistance/batches/").status_code == 200
    assert 'data-testid="generate-form"' not in community.get("/assistance/batches/").content.decode()
    assert community.post(f"/assistance/batches/{b.pk}/review/", {"version": "1"}).status_code == 404
    # the township officer cannot see the county's batch at all
    assert page_client("township").post(f"/assistance/batches/{b.pk}/review/", {"version": "1"}).status_code == 404
    b.refresh_from_db()
    assert b.status == "draft"


def test_ledger_page_drill_down(page_client, setup):
    county = page_client("county")
    html = county.get("/assistance/ledgers/?month_from=2025-03&program=subsistence_allowance").content.decode()
    assert 'data-testid="ledger"' in html and "region=620702001" in html and "两项补贴" in html
    html = county.get("/assistance/ledgers/?month_from=2025-03&region=620702001").content.decode()
    assert "交通巷" in html
    assert county.get("/assistance/ledgers/?region=620722").status_code == 404
    resp = county.get("/assistance/ledgers/?month_from=2025-03&format=xlsx")
    assert resp.status_code == 200 and resp.content[:2] == b"PK"


def test_api_stale_lines_409_and_page_lists_them(api_client, page_client, setup, users):
    """李秀英 dies after generation: GET shows her under ``stale``; review answers 409
    batch.stale_lines listing her; the page lists her and says to regenerate."""
    from jiayuan.people.models import Person
    from jiayuan.people.services import set_life_status
    import datetime

    county = api_client("county")
    b = post(county, URL, {"program": SUBSISTENCE, "county": "620702", "month": "2025-03"}).json()
    assert b["stale"] == {"count": 0, "lines": []}
    set_life_status(Actor(users["admin"], "command"), Person.objects.get(name="李秀英"), "deceased",
                    datetime.date(2025, 3, 5))
    assert county.get(f"{URL}/{b['id']}").json()["stale"]["count"] == 1
    resp = post(county, f"{URL}/{b['id']}/review", {"version": b["version"]})
    assert resp.status_code == 409
    err = resp.json()["error"]
    assert err["code"] == "batch.stale_lines" and err["fields"]["lines"][0]["name"] == "李秀英"
    html = page_client("county").get(f"/assistance/batches/{b['id']}/").content.decode()
    assert 'data-testid="stale"' in html and "李秀英" in html and "重新生成" in html
    resp = page_client("county").post(f"/assistance/batches/{b['id']}/review/", {"version": b["version"]})
    assert resp.status_code == 302
    b = county.get(f"{URL}/{b['id']}").json()
    assert b["status"] == "draft"


def test_api_payee_account(api_client, setup):
    from jiayuan.assistance.models import Enrollment

    e = Enrollment.objects.get(person__name="李秀英")
    url = f"/api/v1/assistance/enrollments/{e.pk}/account"
    resp = post(api_client("county"), url, {"account": "6217 0000 1111 2222 333", "version": e.version})
    assert resp.status_code == 200, resp.content
    assert resp.json() == {"id": e.pk, "payee_account": "****2333", "version": e.version + 1}
    assert post(api_client("county"), url, {"account": "12ab", "version": e.version + 1}).status_code == 422
    assert post(api_client("county"), url, {"account": "6217000011112222333", "version": 1}).status_code == 409
    assert post(api_client("outsider"), url, {"account": "6217000011112222333"}).status_code == 404
    assert post(api_client("community"), url, {"account": "6217000011112222333"}).status_code == 403
