"""``/api/v1/eldercare/…`` writes of home-care orders and settlements, and reads of
contracts and plans: each step through the API with 403 without the duty or right, 404
outside scope or for another's order, 409 in the wrong state, 422 naming the field."""

import base64
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from jiayuan.accounts.models import User
from jiayuan.conftest import PASSWORD
from jiayuan.eldercare.models import OrderEvent, OrderPhoto, WorkOrder

from .test_orders import COUNTY, HOME, png, world  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


@pytest.fixture
def staff(world):  # noqa: F811
    for u in world["staff"].values():
        u.set_password(PASSWORD)
        u.save()
    return world["staff"]


def _orders(world, item):
    return list(WorkOrder.objects.filter(plan=world["plan"], item=world[item]).order_by("pk"))


def _err(r, status, code, field=None):
    assert r.status_code == status, r.content
    body = r.json()["error"]
    assert body["code"] == code, body
    if field:
        assert field in body["fields"], body


def signature_url() -> str:
    from PIL import Image
    buf = io.BytesIO()
    Image.new("RGB", (60, 20), (255, 255, 255)).save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def test_an_orders_steps_through_the_api(world, staff, users, api_client):  # noqa: F811
    clean, meal = _orders(world, "clean")[0], _orders(world, "meal")[0]
    base = "/api/v1/eldercare/orders"
    d, h1, h2, county = api_client("diaodu"), api_client("huli1"), api_client("huli2"), api_client("county")

    # dispatch: only a dispatcher (403), in scope (404), a care worker of the provider (422), in state (409)
    _err(h1.post(f"{base}/{clean.pk}/dispatch", {"worker": staff["huli1"].pk}, content_type="application/json"),
         403, "permission_denied")
    _err(county.post(f"{base}/{clean.pk}/dispatch", {"worker": staff["huli1"].pk}, content_type="application/json"),
         403, "permission_denied")
    _err(d.post(f"{base}/999999/dispatch", {"worker": staff["huli1"].pk}, content_type="application/json"),
         404, "order.not_found")
    _err(d.post(f"{base}/{clean.pk}/dispatch", {"worker": staff["diaodu"].pk}, content_type="application/json"),
         422, "worker.unknown", "worker")
    _err(d.post(f"{base}/{clean.pk}/dispatch", {"worker": "x"}, content_type="application/json"),
         422, "validation", "worker")
    r = d.post(f"{base}/{clean.pk}/dispatch", {"worker": staff["huli1"].pk, "note": "上午去"},
               content_type="application/json")
    assert r.status_code == 200, r.content
    got = r.json()
    assert (got["status"], got["worker"], got["deadline"], got["overdue"]) == (
        "dispatched", "huli1", world["today"].isoformat(), False)

    # check-in: a care worker (403 for the county), their own order (404 for huli2), a location (422)
    _err(county.post(f"{base}/{clean.pk}/check-in", {"lat": 38.9321, "lon": 100.4556},
                     content_type="application/json"), 403, "permission_denied")
    _err(h2.post(f"{base}/{clean.pk}/check-in", {"lat": 38.9321, "lon": 100.4556},
                 content_type="application/json"), 404, "order.not_found")
    _err(h1.post(f"{base}/{clean.pk}/check-in", {}, content_type="application/json"), 422, "location.required",
         "location")
    # 0.002° of latitude north of the home: 222 m (test_orders works it by hand), within 300 m
    r = h1.post(f"{base}/{clean.pk}/check-in", {"lat": "38.934100", "lon": str(HOME[1])},
                content_type="application/json")
    assert r.status_code == 200, r.content
    assert (r.json()["status"], r.json()["checkin_distance_m"], r.json()["location_ok"]) == ("in_service", 222, True)
    _err(h1.post(f"{base}/{clean.pk}/check-in", {"lat": "38.9341", "lon": "100.4556"},
                 content_type="application/json"), 409, "order.state")

    # check-out: the item asks for a photo (422 without one); the duration in whole minutes
    _err(h1.post(f"{base}/{clean.pk}/check-out", {"notes": "打扫"}), 422, "photo.required", "photo")
    WorkOrder.objects.filter(pk=clean.pk).update(checkin_at=timezone.now() - timedelta(minutes=125, seconds=10))
    r = h1.post(f"{base}/{clean.pk}/check-out", {"notes": "打扫卧室", "photo": png()})
    assert r.status_code == 200, r.content
    assert (r.json()["status"], r.json()["duration"]) == ("to_confirm", 125)
    assert OrderPhoto.objects.get(order=clean).kind == "checkout"

    # confirm: a wrong code, then the right one
    _err(h1.post(f"{base}/{clean.pk}/confirm", {"code": "000000" if world["plan"].confirm_code != "000000" else "1"},
                 content_type="application/json"), 422, "code.wrong", "code")
    _err(h1.post(f"{base}/{clean.pk}/confirm", {"method": "fingerprint"}, content_type="application/json"),
         422, "method.unknown", "method")
    r = h1.post(f"{base}/{clean.pk}/confirm", {"code": world["plan"].confirm_code, "by": "elder"},
                content_type="application/json")
    assert r.status_code == 200, r.content
    assert (r.json()["status"], r.json()["confirm_method"], r.json()["deadline"]) == ("done", "code", None)
    ev = OrderEvent.objects.get(order=clean, action="confirm")
    assert ev.data == {"by": "elder", "method": "code"}

    # void: a reason (422), not once started (409), not by a care worker (403)
    _err(d.post(f"{base}/{meal.pk}/void", {"reason": " "}, content_type="application/json"), 422,
         "reason.required", "reason")
    _err(d.post(f"{base}/{clean.pk}/void", {"reason": "重复"}, content_type="application/json"), 409, "order.state")
    _err(h1.post(f"{base}/{meal.pk}/void", {"reason": "重复"}, content_type="application/json"), 403,
         "permission_denied")
    _err(api_client("outsider").post(f"{base}/{meal.pk}/void", {"reason": "重复"}, content_type="application/json"),
         403, "permission_denied")
    r = county.post(f"{base}/{meal.pk}/void", {"reason": "老人住院"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "void", r.content


def test_confirmation_by_a_signature(world, staff, api_client):  # noqa: F811
    meal = _orders(world, "meal")[0]
    base = f"/api/v1/eldercare/orders/{meal.pk}"
    h1 = api_client("huli1")
    api_client("diaodu").post(f"{base}/dispatch", {"worker": staff["huli1"].pk}, content_type="application/json")
    h1.post(f"{base}/check-in", {"lat": str(HOME[0]), "lon": str(HOME[1])}, content_type="application/json")
    assert h1.post(f"{base}/check-out", {"notes": "送餐"}).status_code == 200  # 助餐 asks for no photo
    _err(h1.post(f"{base}/confirm", {"method": "signature"}, content_type="application/json"), 422,
         "signature.required", "signature")
    _err(h1.post(f"{base}/confirm", {"method": "signature", "signature": "data:image/png;base64,aGVsbG8="},
                 content_type="application/json"), 422, "signature.invalid", "signature")
    _err(h1.post(f"{base}/confirm", {"method": "signature", "signature": signature_url(), "by": "family"},
                 content_type="application/json"), 422, "name.required", "name")
    assert not OrderPhoto.objects.filter(order=meal).exists()  # nothing half-written
    r = h1.post(f"{base}/confirm", {"method": "signature", "signature": signature_url(), "by": "family",
                                    "name": "李明"}, content_type="application/json")
    assert r.status_code == 200, r.content
    assert (r.json()["status"], r.json()["confirm_method"], r.json()["confirmed_by"]) == ("done", "signature", "family")
    sig = OrderPhoto.objects.get(order=meal)
    assert (sig.kind, sig.image_format) == ("signature", "PNG")
    ev = OrderEvent.objects.get(order=meal, action="confirm")
    assert ev.data == {"by": "family", "method": "signature", "signature": sig.pk}
    hist = api_client("county").get(f"/api/v1/eldercare/orders/{meal.pk}/history").json()
    assert [(e["action"], e["method"]) for e in hist["events"]][-1] == ("confirm", "signature")


def test_settlement_generate_approve_reopen(world, staff, users, api_client):  # noqa: F811
    from .test_orders import run
    run(world, _orders(world, "clean")[0])  # 2 hours at 30.00, in place, 120 minutes: 60.00, no deduction
    month = world["today"].strftime("%Y-%m")
    county, city = api_client("county"), api_client("city")
    url = "/api/v1/eldercare/settlements"
    _err(api_client("community").post(url, {"provider": world["org"].pk, "month": month},
                                      content_type="application/json"), 403, "permission_denied")
    _err(api_client("diaodu").post(url, {"provider": world["org"].pk, "month": month},
                                   content_type="application/json"), 403, "permission_denied")
    _err(county.post(url, {"provider": world["org"].pk, "month": "2026/12"}, content_type="application/json"),
         422, "month.invalid", "month")
    _err(county.post(url, {"provider": 999999, "month": month}, content_type="application/json"),
         422, "provider.not_found", "provider")
    r = county.post(url, {"provider": world["org"].pk, "month": month}, content_type="application/json")
    assert r.status_code == 201, r.content
    s = r.json()
    assert (s["status"], s["order_count"], s["gross"], s["deduction"], s["net"]) == ("draft", 1, "60.00", "0.00",
                                                                                      "60.00")
    r = county.post(url, {"provider": world["org"].pk, "month": month, "county": COUNTY},
                    content_type="application/json")
    assert r.status_code == 200 and r.json()["id"] == s["id"] and r.json()["net"] == "60.00"
    assert [e["kind"] for e in r.json()["events"]] == ["generated", "regenerated"]
    step = f"{url}/{s['id']}"
    _err(county.post(f"{step}/approve"), 403, "settlement.four_eyes")  # generated by the county
    _err(api_client("community").post(f"{step}/approve"), 403, "permission_denied")
    _err(city.post(f"{url}/999999/approve"), 404, "settlement.not_found")
    other = User.objects.create_user(username="suzhou", password=PASSWORD, role="county_officer", scope_id="620722",
                                     full_name="肃南县民政")
    assert other.pk
    _err(api_client("suzhou").post(f"{step}/approve"), 404, "settlement.not_found")  # another county
    _err(city.post(f"{step}/reopen", {"reason": "核对"}, content_type="application/json"), 409, "settlement.state")
    r = city.post(f"{step}/approve")
    assert r.status_code == 200 and r.json()["status"] == "approved", r.content
    _err(city.post(f"{step}/approve"), 409, "settlement.state")
    _err(county.post(url, {"provider": world["org"].pk, "month": month}, content_type="application/json"),
         409, "settlement.approved")
    _err(county.post(f"{step}/reopen", {"reason": ""}, content_type="application/json"), 422, "reason.required",
         "reason")
    r = county.post(f"{step}/reopen", {"reason": "回访发现问题，重新核对"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "draft"
    r = county.post(url, {"provider": world["org"].pk, "month": month}, content_type="application/json")
    # reopened and regenerated with nothing changed: the same total, the third generation
    assert (r.status_code, r.json()["net"], r.json()["order_count"]) == (200, "60.00", 1)
    assert [e["kind"] for e in r.json()["events"]] == ["generated", "regenerated", "approved", "reopened",
                                                        "regenerated"]


def test_contracts_and_plans_read(world, staff, api_client):  # noqa: F811
    c = api_client("county").get("/api/v1/eldercare/contracts").json()
    assert c["count"] == 1
    row = c["results"][0]
    assert (row["number"], row["provider_name"], row["status"]) == ("GZ-2026-JJ-01", "甘州区康乐居家养老服务中心", "active")
    assert sorted((i["code"], i["price"]) for i in row["items"]) == [("ZC01", "12.00"), ("ZJ01", "30.00")]
    assert api_client("diaodu").get(f"/api/v1/eldercare/contracts/{row['id']}").status_code == 200
    assert api_client("county").get("/api/v1/eldercare/contracts", {"status": "x"}).status_code == 422
    _err(api_client("huli1").get("/api/v1/eldercare/contracts"), 403, "permission_denied")
    _err(api_client("huli1").get(f"/api/v1/eldercare/contracts/{row['id']}"), 404, "contract.not_found")
    _err(api_client("outsider").get(f"/api/v1/eldercare/contracts/{row['id']}"), 404, "contract.not_found")

    month = world["today"].strftime("%Y-%m")
    p = api_client("county").get("/api/v1/eldercare/plans", {"month": month}).json()
    assert p["count"] == 1 and p["results"][0]["person_name"] == "王桂兰"
    d = api_client("diaodu").get(f"/api/v1/eldercare/plans/{world['plan'].pk}").json()
    # three 助洁 lines of 2 hours at 30.00 (60.00 each) and three 助餐 of 1 at 12.00, each one day:
    # 3 × 60.00 + 3 × 12.00 = 216.00 of the 400.00 entitlement; six pending orders
    assert (d["planned_amount"], d["entitlement_amount"], d["orders"]) == ("216.00", "400.00", {"pending": 6})
    assert [ln["amount"] for ln in d["lines"]] == ["60.00"] * 3 + ["12.00"] * 3
    assert "confirm_code" not in d  # the elder's code is never read through the API
    _err(api_client("outsider").get(f"/api/v1/eldercare/plans/{world['plan'].pk}"), 404, "plan.not_found")
    assert api_client("outsider").get("/api/v1/eldercare/plans").json()["count"] == 0
    _err(api_client("huli1").get("/api/v1/eldercare/plans"), 403, "permission_denied")
    assert api_client("county").get("/api/v1/eldercare/plans", {"month": "2026"}).status_code == 422
