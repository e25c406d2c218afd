"""Hostile input to the home-care order steps: never a 500, always the standard error
body, nothing half-written."""

import pytest

from jiayuan.eldercare.models import OrderEvent, WorkOrder

from .test_orders import HOME, world  # noqa: F401
from .test_orders_write_api import _err, _orders, staff  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def test_check_in_with_an_integer_past_a_float_is_422(world, staff, api_client):  # noqa: F811
    clean = _orders(world, "clean")[0]
    base = f"/api/v1/eldercare/orders/{clean.pk}"
    api_client("diaodu").post(f"{base}/dispatch", {"worker": staff["huli1"].pk}, content_type="application/json")
    h1 = api_client("huli1")
    # a JSON integer of 400 digits: float() of it overflows (not a ValueError)
    body = '{"lat": 1' + "0" * 400 + ', "lon": 100.4556}'
    _err(h1.post(f"{base}/check-in", body, content_type="application/json"), 422, "location.required", "location")
    for lat in ("NaN", "Infinity", "-Infinity", "91", True, [38.9], {"a": 1}, "x" * 10000, "38.9\x00"):
        r = h1.post(f"{base}/check-in", {"lat": lat, "lon": HOME[1]}, content_type="application/json")
        assert r.status_code == 422, (lat, r.content)
    assert WorkOrder.objects.get(pk=clean.pk).status == "dispatched"
    assert not OrderEvent.objects.filter(order=clean, action="check_in").exists()


def test_confirm_with_a_code_not_in_ascii_is_422(world, staff, api_client):  # noqa: F811
    meal = _orders(world, "meal")[0]
    base = f"/api/v1/eldercare/orders/{meal.pk}"
    h1 = api_client("huli1")
    api_client("diaodu").post(f"{base}/dispatch", {"worker": staff["huli1"].pk}, content_type="application/json")
    h1.post(f"{base}/check-in", {"lat": str(HOME[0]), "lon": str(HOME[1])}, content_type="application/json")
    assert h1.post(f"{base}/check-out", {"notes": "送餐"}).status_code == 200
    for code in ("１２３４５６", "确认码", "12345\u00e9", "9" * 10000):
        _err(h1.post(f"{base}/confirm", {"code": code}, content_type="application/json"), 422, "code.wrong", "code")
    for bad in ({"code": "\x00" * 6}, {"code": 123456}, {"code": None}, {"by": ["elder"]}, {"method": {"x": 1}}):
        r = h1.post(f"{base}/confirm", bad, content_type="application/json")
        assert r.status_code == 422 and "error" in r.json(), (bad, r.content)
    assert WorkOrder.objects.get(pk=meal.pk).status == "to_confirm"


def test_the_confirmation_code_cannot_be_guessed(world, staff, api_client):  # noqa: F811
    # six digits are a million codes: a care worker trying them would confirm without the
    # elder; after 10 wrong codes in a day the plan takes no code (the right one neither)
    from jiayuan.eldercare.orders.services import CODE_TRIES_PER_DAY

    meal = _orders(world, "meal")[0]
    base = f"/api/v1/eldercare/orders/{meal.pk}"
    h1 = api_client("huli1")
    api_client("diaodu").post(f"{base}/dispatch", {"worker": staff["huli1"].pk}, content_type="application/json")
    h1.post(f"{base}/check-in", {"lat": str(HOME[0]), "lon": str(HOME[1])}, content_type="application/json")
    assert h1.post(f"{base}/check-out", {"notes": "送餐"}).status_code == 200
    right = world["plan"].confirm_code
    wrong = [f"{n:06d}" for n in range(0, 40) if f"{n:06d}" != right][:CODE_TRIES_PER_DAY]
    assert CODE_TRIES_PER_DAY == 10
    for code in wrong:
        _err(h1.post(f"{base}/confirm", {"code": code}, content_type="application/json"), 422, "code.wrong", "code")
    _err(h1.post(f"{base}/confirm", {"code": right}, content_type="application/json"), 429, "code.rate_limited")
    assert WorkOrder.objects.get(pk=meal.pk).status == "to_confirm"
    # the signature is still there for the elder
    from .test_orders_write_api import signature_url
    r = h1.post(f"{base}/confirm", {"method": "signature", "signature": signature_url()},
                content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "done", r.content
    # a done order: the wrong state, not a counted code
    _err(h1.post(f"{base}/confirm", {"code": "1"}, content_type="application/json"), 409, "order.state")
