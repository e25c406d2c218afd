"""Time limits of home-care orders beyond "check in on the scheduled day": an order not
checked in (or out) by the end of its day, a checked-out order not confirmed within
``ELDERCARE_CONFIRM_DAYS`` days — flagged on the board, the phone and the API, and put on
the dispatcher's to-do list; and the signature as a second way to confirm on the phone."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from jiayuan.eldercare.models import OrderEvent, OrderPhoto, WorkOrder
from jiayuan.eldercare.orders import rules, selectors
from jiayuan.eldercare.orders import services as orders
from jiayuan.web import todo

from .test_orders import HOME, act, world  # noqa: F401
from .test_orders_write_api import signature_url

pytestmark = pytest.mark.django_db


def test_deadlines_worked_by_hand():
    day = date(2026, 12, 5)
    for status in ("pending", "dispatched"):
        assert rules.deadline(status, day, None, 3) == ("check_in", day)
    assert rules.deadline("in_service", day, None, 3) == ("check_out", day)
    # checked out on the 5th with 3 days to confirm: the 8th is the last day
    assert rules.deadline("to_confirm", day, day, 3) == ("confirm", date(2026, 12, 8))
    assert rules.deadline("done", day, day, 3) is None and rules.deadline("void", day, None, 3) is None
    assert rules.overdue("dispatched", day, None, 3, day) is None  # the day itself is not over
    assert rules.overdue("dispatched", day, None, 3, date(2026, 12, 6)) == "check_in"
    assert rules.overdue("in_service", day, None, 3, date(2026, 12, 6)) == "check_out"
    assert rules.overdue("to_confirm", day, day, 3, date(2026, 12, 8)) is None
    assert rules.overdue("to_confirm", day, day, 3, date(2026, 12, 9)) == "confirm"
    assert rules.overdue("to_confirm", day, day, 0, date(2026, 12, 6)) == "confirm"
    assert rules.overdue("done", day, day, 3, date(2027, 1, 1)) is None


def _checked_out(world, order, days_ago):
    """Dispatched to huli1, checked in and out today, then the check-out moved back."""
    s = world["staff"]
    order = orders.dispatch(act(s["diaodu"]), order, s["huli1"])
    order = orders.check_in(act(s["huli1"]), order, lat=HOME[0], lon=HOME[1])
    orders.check_out(act(s["huli1"]), order)
    when = timezone.now() - timedelta(days=days_ago)
    WorkOrder.objects.filter(pk=order.pk).update(checkout_at=when, checkin_at=when - timedelta(hours=1))


def test_overdue_orders_flagged_and_on_the_dispatchers_todo(world, users, settings):  # noqa: F811
    s = world["staff"]
    today = world["today"]
    meals = list(WorkOrder.objects.filter(plan=world["plan"], item=world["meal"]).order_by("pk"))
    # meals[0]: dispatched, its day moved to yesterday → not checked in by the end of its day
    orders.dispatch(act(s["diaodu"]), meals[0], s["huli1"])
    WorkOrder.objects.filter(pk=meals[0].pk).update(scheduled_on=today - timedelta(days=1))
    # meals[1]: checked out 4 days ago, 3 days to confirm → overdue; meals[2]: 2 days ago → not yet
    _checked_out(world, meals[1], 4)
    _checked_out(world, meals[2], 2)
    q = set(WorkOrder.objects.filter(selectors.overdue_q(today)).values_list("pk", flat=True))
    assert q == {meals[0].pk, meals[1].pk}
    # the filter agrees with the rule order by order
    for o in WorkOrder.objects.all():
        assert (selectors.overdue_code(o, today) is not None) == (o.pk in q), o.pk
    settings.ELDERCARE_CONFIRM_DAYS = 5
    assert set(WorkOrder.objects.filter(selectors.overdue_q(today)).values_list("pk", flat=True)) == {meals[0].pk}
    settings.ELDERCARE_CONFIRM_DAYS = 3

    groups = {g.source.code: g for g in todo.collect(s["diaodu"])}
    got = groups["eldercare_orders_overdue"]
    assert got.count == 2
    assert [(i.title, i.overdue) for i in got.items] == [
        ("王桂兰 · 上门送餐：服务日已过未签到", True), ("王桂兰 · 上门送餐：逾期未确认", True)]
    assert got.items[1].due == timezone.localdate(timezone.now() - timedelta(days=4)) + timedelta(days=3)
    assert "eldercare_orders_overdue" not in {g.source.code for g in todo.collect(s["huli1"])}
    assert "eldercare_orders_overdue" not in {g.source.code for g in todo.collect(users["county"])}

    d = Client()
    d.force_login(s["diaodu"])
    board = d.get("/eldercare/orders/?overdue=1").content.decode()
    assert board.count('data-testid="overdue"') == 2 and "逾期未确认" in board
    today_board = d.get("/eldercare/orders/").content.decode()
    # today's board: meals[1] (checked out 4 days ago) flagged, meals[2] and the rest within their limits
    assert today_board.count('data-testid="overdue"') == 1
    detail = d.get(f"/eldercare/orders/{meals[1].pk}/").content.decode()
    assert 'data-testid="deadline"' in detail and "逾期未确认" in detail
    w = Client()
    w.force_login(s["huli1"])
    phone = w.get("/eldercare/my/").content.decode()
    assert 'data-testid="late-orders"' in phone and "服务日已过未签到" in phone

    from jiayuan.conftest import PASSWORD
    s["huli1"].set_password(PASSWORD)
    s["huli1"].save()
    tok = Client().post("/api/v1/auth/token", {"username": "huli1", "password": PASSWORD},
                        content_type="application/json").json()["token"]
    api = Client(headers={"Authorization": f"Bearer {tok}"})
    r = api.post(f"/api/v1/eldercare/orders/{meals[1].pk}/confirm", {"code": world["plan"].confirm_code},
                 content_type="application/json")
    assert r.status_code == 200 and r.json()["overdue"] is False  # done: no time limit left
    r = api.post(f"/api/v1/eldercare/orders/{meals[0].pk}/check-in", {"lat": str(HOME[0]), "lon": str(HOME[1])},
                 content_type="application/json")
    assert r.status_code == 422 and r.json()["error"]["code"] == "order.not_today"


def test_signature_on_the_phone_page(world, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path / "media"
    s = world["staff"]
    meal = WorkOrder.objects.filter(plan=world["plan"], item=world["meal"]).first()
    o = orders.dispatch(act(s["diaodu"]), meal, s["huli1"])
    o = orders.check_in(act(s["huli1"]), o, lat=HOME[0], lon=HOME[1])
    orders.check_out(act(s["huli1"]), o)
    w = Client()
    w.force_login(s["huli1"])
    page = w.get(f"/eldercare/my/{meal.pk}/").content.decode()
    assert 'data-testid="signature-pad"' in page and 'data-testid="confirm-code"' in page
    r = w.post(f"/eldercare/my/{meal.pk}/confirm/", {"method": "signature", "signature": "", "by": "elder"},
               follow=True)
    assert "请老人或家属在屏幕上签名" in r.content.decode()
    w.post(f"/eldercare/my/{meal.pk}/confirm/", {"method": "signature", "signature": signature_url(), "by": "elder"})
    meal.refresh_from_db()
    assert (meal.status, meal.confirm_method, meal.confirmed_by) == ("done", "signature", "elder")
    assert OrderEvent.objects.get(order=meal, action="confirm").data["method"] == "signature"
    sig = OrderPhoto.objects.get(order=meal, kind="signature")
    d = Client()
    d.force_login(s["diaodu"])
    detail = d.get(f"/eldercare/orders/{meal.pk}/").content.decode()
    assert 'data-testid="signature"' in detail and "手写签名" in detail and "老人本人" in detail
    img = d.get(f"/eldercare/orders/{meal.pk}/photos/{sig.pk}/")
    assert img.status_code == 200 and img["Content-Type"] == "image/png"
