"""Hostile input to the home-care order steps: never a 500, always the standard error
body, nothing half-written."""

import pytest

from jiayuan.eldercare.models import OrderEvent, WorkOrder

from .test_orders import HOME, world  # noqa: F401
from .test_orders_write_api import _err, _orders, staff  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def _started(world, staff, api_client, item: str, *, checked_out: bool):  # noqa: F811
    """``(care worker's client, order's API path, order)`` of the first order of ``item``,
    dispatched to huli1 and checked in (and out, when ``checked_out``)."""
    order = _orders(world, item)[0]
    base = f"/api/v1/eldercare/orders/{order.pk}"
    h1 = api_client("huli1")
    api_client("diaodu").post(f"{base}/dispatch", {"worker": staff["huli1"].pk}, content_type="application/json")
    h1.post(f"{base}/check-in", {"lat": str(HOME[0]), "lon": str(HOME[1])}, content_type="application/json")
    if checked_out:
        assert h1.post(f"{base}/check-out", {"notes": "送餐"}).status_code == 200
    return h1, base, order


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
    h1, base, meal = _started(world, staff, api_client, "meal", checked_out=True)
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

    h1, base, meal = _started(world, staff, api_client, "meal", checked_out=True)
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


def _claimed_png(width: int, height: int) -> bytes:
    """A small PNG file whose header claims ``width`` × ``height`` pixels (a decompression bomb's shape)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))


def test_check_out_refuses_a_photo_of_too_many_pixels_and_files_not_images(world, staff, api_client):  # noqa: F811
    # 8,000 × 7,500 = 60 million pixels: past the 40 million every other photo upload
    # refuses (storage.check_image), below Pillow's own bomb limit (2 × 89 million)
    from django.core.files.uploadedfile import SimpleUploadedFile

    from jiayuan.eldercare.models import OrderPhoto

    h1, base, clean = _started(world, staff, api_client, "clean", checked_out=False)
    for f in (SimpleUploadedFile("a.png", _claimed_png(8000, 7500)), SimpleUploadedFile("a.png", b"GIF89a not"),
              SimpleUploadedFile("a.jpg", b""), SimpleUploadedFile("a.png", b"%PDF-1.4 x" * 100)):
        r = h1.post(f"{base}/check-out", {"notes": "打扫", "photo": f})
        assert r.status_code == 422 and "photo" in r.json()["error"]["fields"], (f.name, r.content)
    assert not OrderPhoto.objects.filter(order=clean).exists()
    assert WorkOrder.objects.get(pk=clean.pk).status == "in_service"


def test_settlement_generate_with_wild_months_and_counties(world, staff, api_client):  # noqa: F811
    from jiayuan.eldercare.models import Settlement

    county, url = api_client("county"), "/api/v1/eldercare/settlements"
    for month in ("9999-12", "0001-01", "2026-00", "2026-13", "2026-1", "x" * 10000, "2026-01-01", None, 202601):
        r = county.post(url, {"provider": world["org"].pk, "month": month}, content_type="application/json")
        assert r.status_code == 422 and "error" in r.json(), (month, r.content[:300])
    for c in ("62", "6", "x" * 10000, "620702%", "' OR 1=1 --"):
        r = county.post(url, {"provider": world["org"].pk, "month": world["today"].strftime("%Y-%m"), "county": c},
                        content_type="application/json")
        assert r.status_code == 422 and "provider" in r.json()["error"]["fields"], (c, r.content[:300])
    assert not Settlement.objects.exists()
