"""Home-care orders from contract to settlement: the distance check, the order's steps
with their history, need-to-know of care workers, call-backs and complaints, and a
settlement worked by hand with one deduction of each kind."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from jiayuan.accounts.models import User
from jiayuan.audit.services import Actor
from jiayuan.conftest import GRID
from jiayuan.eldercare import services
from jiayuan.eldercare.models import OrderEvent, Settlement, SettlementLine, WorkOrder
from jiayuan.eldercare.orders import rules, selectors
from jiayuan.eldercare.orders import services as orders
from jiayuan.eldercare.orders import settlement_services as settle
from jiayuan.errors import Conflict, Forbidden, NotFound, ValidationFailed
from jiayuan.organizations.models import OrganizationMember, SocialOrganization

from .conftest import FULL

pytestmark = pytest.mark.django_db
COUNTY = "620702"
HOME = (Decimal("38.932100"), Decimal("100.455600"))


def png() -> SimpleUploadedFile:
    from PIL import Image
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 80, 40)).save(buf, "PNG")
    return SimpleUploadedFile("p.png", buf.getvalue(), content_type="image/png")


# --- pure rules, worked by hand -------------------------------------------------------

def test_distance_inside_and_outside_the_radius():
    # 0.002° of latitude = 0.002 × π/180 × 6 371 008.8 m = 222.39 m; 0.003° = 333.58 m
    d1 = rules.distance_m(38.9321, 100.4556, 38.9341, 100.4556)
    d2 = rules.distance_m(38.9321, 100.4556, 38.9351, 100.4556)
    assert round(d1, 1) == 222.4 and round(d2, 1) == 333.6
    assert rules.within_radius(d1, 300) and not rules.within_radius(d2, 300)
    assert rules.within_radius(300.0, 300)  # the boundary counts as within
    assert not rules.within_radius(None, 300)
    # along a parallel at 38.9321°N: 0.003° of longitude × cos(38.9321°) = 259.5 m
    assert round(rules.distance_m(38.9321, 100.4556, 38.9321, 100.4586), 1) == 259.5
    with pytest.raises(ValueError):
        rules.distance_m(91, 0, 0, 0)


def test_line_amounts_by_hand():
    a = rules.line_amount(Decimal("30.00"), Decimal("2"), {"location_ok": True, "duration": 120, "min_minutes": 60})
    assert (a.gross, a.deduction, a.net, a.deductions) == (Decimal("60.00"), Decimal("0.00"), Decimal("60.00"), ())
    b = rules.line_amount(Decimal("30.00"), Decimal("2"), {"location_ok": False, "duration": 45, "min_minutes": 60})
    # 30 % of 60.00 = 18.00, 50 % = 30.00 → 48.00 off, 12.00 paid
    assert [d.code for d in b.deductions] == ["location_mismatch", "short_duration"]
    assert (b.deduction, b.net) == (Decimal("48.00"), Decimal("12.00"))
    c = rules.line_amount(Decimal("12.00"), Decimal("1"), {"location_ok": False, "complaints_upheld": 1})
    assert (c.deduction, c.net) == (Decimal("12.00"), Decimal("0.00"))  # capped at the gross
    assert rules.next_state("pending", "check_in") is None and rules.next_state("dispatched", "check_in") == "in_service"
    assert rules.may_take("confirm", {"worker"}) and not rules.may_take("confirm", {"dispatcher"})


# --- the chain, through the services ----------------------------------------------------

@pytest.fixture
def world(users, make_person, assess):
    """A county catalogue (助洁 30.00/小时 min 60 minutes, photo; 助餐 12.00/餐), an
    elder assessed 完全失能 with a 400-yuan entitlement, a provider with a dispatcher and
    two care workers, a contract, and this month's plan (five orders today: three 助洁
    of 2 hours, two 助餐)."""
    county = Actor(users["county"], "page")
    services.set_standard(county, COUNTY, category="disabled", level="total", effective_from="2026-01-01",
                          amount="400.00", hours="20", basis="甘州民发〔2025〕90号")
    clean = services.save_item(county, COUNTY, {"code": "ZJ01", "kind": "cleaning", "name": "居室保洁", "unit": "hour",
                                                "price": "28.00", "min_minutes": 60, "evidence": ["location", "photo"]})
    meal = services.save_item(county, COUNTY, {"code": "ZC01", "kind": "meals", "name": "上门送餐", "unit": "meal",
                                               "price": "12.00", "min_minutes": 0, "evidence": ["location"]})
    elder = make_person(region=GRID, name="王桂兰", birth=date(1948, 3, 12), sex_for_id=2,
                        address="交通巷12号")
    assess(elder, assessed_on="2025-12-01", items=FULL, coma=True)
    services.approve_entitlement(county, elder, "2026-01-01")
    org = SocialOrganization.objects.create(name="甘州区康乐居家养老服务中心", kind="social_service_institution",
                                            uscc="52620702MJX000001A", region_id=COUNTY)
    staff = {}
    for name in ("diaodu", "huli1", "huli2"):
        u = User.objects.create_user(username=name, password="x", role="org_staff", scope_id=COUNTY, full_name=name)
        OrganizationMember.objects.create(organization=org, user=u)
        staff[name] = u
    orders.set_duty(county, org, staff["diaodu"], "dispatcher")
    orders.set_duty(county, org, staff["huli1"], "care_worker")
    orders.set_duty(county, org, staff["huli2"], "care_worker")
    contract = orders.sign_contract(county, COUNTY, org, number="GZ-2026-JJ-01", start="2026-01-01",
                                    end="2027-12-31", prices={clean.pk: "30.00", meal.pk: "12.00"})
    today = timezone.localdate()
    day = [today.day]
    plan = orders.make_plan(county, elder, today.replace(day=1), contract,
                            [{"item": clean.pk, "quantity": "2", "days": day}] * 3
                            + [{"item": meal.pk, "quantity": "1", "days": day}] * 3,
                            home_lat=HOME[0], home_lon=HOME[1])
    return {"county": county, "org": org, "staff": staff, "plan": plan, "elder": elder, "clean": clean,
            "meal": meal, "contract": contract, "today": today}


def act(user) -> Actor:
    return Actor(user, "page")


def run(w, order, worker="huli1", *, lat=HOME[0], lon=HOME[1], minutes=120, photo=True, code=None):
    """Dispatch → check in at (lat, lon) → check out after ``minutes`` → confirmed by the elder."""
    s = w["staff"]
    order = orders.dispatch(act(s["diaodu"]), order, s[worker])
    order = orders.check_in(act(s[worker]), order, lat=lat, lon=lon)
    WorkOrder.objects.filter(pk=order.pk).update(checkin_at=timezone.now() - timedelta(minutes=minutes, seconds=5))
    order = orders.check_out(act(s[worker]), order, photo=png() if photo else None, notes="打扫卧室和厨房")
    return orders.confirm(act(s[worker]), order, code=code or w["plan"].confirm_code, by="elder")


def test_plan_generates_orders_within_the_entitlement(world):
    plan = world["plan"]
    assert plan.planned_amount == Decimal("216.00")  # 3 × 30.00 × 2 + 3 × 12.00
    assert WorkOrder.objects.filter(plan=plan, status="pending").count() == 6
    with pytest.raises(ValidationFailed) as exc:  # 7 × 60.00 = 420.00 > 400.00
        orders.make_plan(world["county"], world["elder"], world["today"].replace(day=1) + timedelta(days=40),
                         world["contract"], [{"item": world["clean"].pk, "quantity": "2",
                                              "days": [1, 2, 3, 4, 5, 6, 7]}], home_lat=HOME[0], home_lon=HOME[1])
    assert "lines" in exc.value.fields or "month" in exc.value.fields


def test_the_steps_with_their_history_and_the_checks(world):
    s = world["staff"]
    o = WorkOrder.objects.filter(plan=world["plan"], item=world["clean"]).first()
    with pytest.raises(NotFound):  # not dispatched to huli1 yet: not theirs
        orders.check_in(act(s["huli1"]), o, lat=HOME[0], lon=HOME[1])
    with pytest.raises(NotFound):  # a care worker does not dispatch
        orders.dispatch(act(s["huli1"]), o, s["huli1"])
    o = orders.dispatch(act(s["diaodu"]), o, s["huli1"])
    with pytest.raises(NotFound):  # another worker's order
        orders.check_in(act(s["huli2"]), o, lat=HOME[0], lon=HOME[1])
    with pytest.raises(ValidationFailed):  # no location
        orders.check_in(act(s["huli1"]), o, lat=None, lon=None)
    o = orders.check_in(act(s["huli1"]), o, lat=Decimal("38.935100"), lon=HOME[1])  # 333.6 m away
    assert (o.status, o.checkin_distance_m, o.location_ok) == ("in_service", 334, False)
    with pytest.raises(ValidationFailed) as exc:
        orders.check_out(act(s["huli1"]), o)  # 助洁 needs a photo
    assert exc.value.fields["photo"][0]["code"] == "photo.required"
    o = orders.check_out(act(s["huli1"]), o, photo=png())
    assert o.status == "to_confirm" and o.photos.count() == 1
    with pytest.raises(ValidationFailed):
        orders.confirm(act(s["huli1"]), o, code="000000" if world["plan"].confirm_code != "000000" else "111111")
    o = orders.confirm(act(s["huli1"]), o, code=world["plan"].confirm_code, by="family", name="李明")
    assert o.status == "done" and o.confirmer_name == "李明"
    history = list(OrderEvent.objects.filter(order=o).values_list("action", "from_state", "to_state", "actor__username"))
    assert history == [("create", "", "pending", "county"), ("dispatch", "pending", "dispatched", "diaodu"),
                       ("check_in", "dispatched", "in_service", "huli1"),
                       ("check_out", "in_service", "to_confirm", "huli1"), ("confirm", "to_confirm", "done", "huli1")]
    with pytest.raises(Conflict):
        orders.void(world["county"], o, "重复")


def test_a_care_worker_sees_only_their_own_orders_and_no_assessment(world, users):
    s = world["staff"]
    mine = WorkOrder.objects.filter(plan=world["plan"]).first()
    orders.dispatch(act(s["diaodu"]), mine, s["huli1"])
    day = selectors.worker_day(s["huli1"], world["today"])
    assert [r["id"] for r in day] == [mine.pk]
    assert set(day[0]) == {"id", "status", "person__name", "plan__address", "item__name", "item__unit", "quantity",
                           "checkin_at", "checkout_at", "item__min_minutes"}
    assert day[0]["person__name"] == "王桂兰" and day[0]["plan__address"] == "交通巷12号"
    assert selectors.worker_day(s["huli2"], world["today"]) == []
    assert list(selectors.orders_for(s["huli2"])) == []
    assert selectors.orders_for(s["diaodu"]).count() == 6
    # an org_staff account without a duty reads nothing
    assert list(selectors.orders_for(users["org"])) == []
    from jiayuan.eldercare import selectors as ec
    assert not ec.assessments_for(s["huli1"]).exists()


def test_settlement_worked_by_hand_one_deduction_of_each_kind(world, users):
    s, plan = world["staff"], world["plan"]
    cleans = list(WorkOrder.objects.filter(plan=plan, item=world["clean"]).order_by("pk"))
    meals = list(WorkOrder.objects.filter(plan=plan, item=world["meal"]).order_by("pk"))
    run(world, cleans[0])                                     # 60.00, nothing off
    run(world, cleans[1], lat=Decimal("38.937100"))           # 556 m away: 30 % of 60.00 = 18.00 off
    run(world, cleans[2], minutes=45)                         # 45 < 60 minutes: 50 % of 60.00 = 30.00 off
    run(world, meals[0])                                      # complaint upheld: 12.00 off
    run(world, meals[1])                                      # call-back: not served: 12.00 off
    orders.dispatch(act(s["diaodu"]), meals[2], s["huli2"])   # dispatched, never done: not paid
    community = act(users["community"])
    c = orders.record_complaint(community, meals[0], complainant="王桂兰", content="饭菜是凉的，送餐员态度差")
    orders.decide_complaint(world["county"], c, upheld=True, decision="核实属实，按合同扣减")
    orders.record_callback(community, meals[1], method="phone", result="not_served", note="老人说当天没人来")
    orders.record_callback(community, cleans[0], method="visit", result="satisfied")
    month = world["today"].replace(day=1)
    st = settle.generate(world["county"], world["org"], COUNTY, month)
    # gross 3 × 60.00 + 2 × 12.00 = 204.00; off 18.00 + 30.00 + 12.00 + 12.00 = 72.00; net 132.00
    assert (st.order_count, st.gross, st.deduction, st.net) == (5, Decimal("204.00"), Decimal("72.00"),
                                                                Decimal("132.00"))
    lines = {ln.order_id: ln for ln in SettlementLine.objects.filter(settlement=st, live=True)}
    assert [d["code"] for d in lines[cleans[1].pk].deductions] == ["location_mismatch"]
    assert [d["code"] for d in lines[cleans[2].pk].deductions] == ["short_duration"]
    assert [d["code"] for d in lines[meals[0].pk].deductions] == ["complaint_upheld"]
    assert [d["code"] for d in lines[meals[1].pk].deductions] == ["callback_not_served"]
    assert (lines[cleans[0].pk].price, lines[cleans[0].pk].quantity) == (Decimal("30.00"), Decimal("2.0"))
    assert meals[2].pk not in lines
    # regenerate with nothing changed: the same total, old lines voided, none added
    again = settle.generate(world["county"], world["org"], COUNTY, month)
    assert again.pk == st.pk and again.net == Decimal("132.00") and again.generation == 2
    assert SettlementLine.objects.filter(settlement=st, live=True).count() == 5
    assert SettlementLine.objects.filter(settlement=st, live=False).count() == 5
    # the database refuses a second live line for an order
    with pytest.raises(IntegrityError), transaction.atomic():
        SettlementLine.objects.create(settlement=st, generation=9, order_id=cleans[0].pk, item_id=world["clean"].pk,
                                      price=1, quantity=1, gross=1, deduction=0, net=1)
    # four eyes: the generator may not approve
    with pytest.raises(Forbidden):
        settle.approve(world["county"], st)
    other = User.objects.create_user(username="caiwu", password="x", role="county_officer", scope_id=COUNTY)
    st = settle.approve(act(other), st)
    assert st.status == "approved"
    with pytest.raises(Conflict):
        settle.generate(world["county"], world["org"], COUNTY, month)
    settle.reopen(world["county"], st, "回访发现一单需复核")
    st = settle.generate(world["county"], world["org"], COUNTY, month)
    assert (st.status, st.net, st.generation) == ("draft", Decimal("132.00"), 3)
    assert Settlement.objects.filter(provider=world["org"], month=month).count() == 1
    assert [e.kind for e in st.events.all()] == ["generated", "regenerated", "approved", "reopened", "regenerated"]


# --- pages ------------------------------------------------------------------------------

def test_pages_phone_board_and_settlement(world, users, settings, tmp_path):
    from django.test import Client

    settings.MEDIA_ROOT = tmp_path / "media"
    s = world["staff"]
    o = WorkOrder.objects.filter(plan=world["plan"], item=world["clean"]).first()
    d = Client()
    d.force_login(s["diaodu"])
    board = d.get("/eldercare/orders/").content.decode()
    assert "王桂兰" in board and 'data-testid="dispatch"' in board
    assert d.post(f"/eldercare/orders/{o.pk}/dispatch/", {"worker": s["huli1"].pk}).status_code == 302
    w = Client()
    w.force_login(s["huli1"])
    day = w.get("/eldercare/my/").content.decode()
    assert "王桂兰" in day and "交通巷12号" in day and "今日工单" in day
    assert w.get("/eldercare/orders/").status_code == 403  # a care worker has no board
    assert w.get(f"/eldercare/my/{o.pk + 1}/").status_code == 404  # not dispatched to them
    assert w.get("/eldercare/").status_code == 403  # no assessments
    w.post(f"/eldercare/my/{o.pk}/check_in/", {"lat": "38.932200", "lon": "100.455600"})
    w.post(f"/eldercare/my/{o.pk}/check_out/", {"photo": png(), "notes": "擦窗"})
    w.post(f"/eldercare/my/{o.pk}/confirm/", {"code": world["plan"].confirm_code, "by": "elder"})
    o.refresh_from_db()
    assert o.status == "done" and o.checkin_distance_m == 11  # 0.0001° of latitude = 11.1 m
    other = Client()
    other.force_login(s["huli2"])
    assert other.get(f"/eldercare/my/{o.pk}/").status_code == 404
    c = Client()
    c.force_login(users["county"])
    assert c.get(f"/eldercare/orders/{o.pk}/").status_code == 200
    month = world["today"].strftime("%Y-%m")
    r = c.post("/eldercare/settlements/", {"provider": world["org"].pk, "month": month})
    assert r.status_code == 302
    page = c.get(r["Location"]).content.decode()
    assert "60.00" in page and "居室保洁" in page
    from urllib.parse import unquote
    x = c.get(r["Location"] + "export/")
    assert x.status_code == 200 and "居家养老服务结算单" in unquote(x["Content-Disposition"])
    assert d.get(r["Location"]).status_code == 200  # the provider's dispatcher reads its statement
    assert w.get(r["Location"]).status_code == 404  # a care worker does not


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_board_at_the_ends_of_the_calendar_is_not_a_500(users, day):
    """Regression (attack): the board's links to the day before and after overflowed
    (OverflowError, a 500) for ?day=0001-01-01 and 9999-12-31; it shows today instead."""
    from django.test import Client

    c = Client(raise_request_exception=False)
    c.force_login(users["county"])
    resp = c.get("/eldercare/orders/", {"day": day})
    assert resp.status_code == 200
    assert resp.context["day"] == timezone.localdate()


def test_a_community_worker_does_not_read_the_countys_settlement(world, users):
    """Regression (attack): a statement lists the elders of the whole county; a community
    worker of another community (甘泉社区, no manage/approve duty) read it, and exported
    it, through ``county_id = scope[:6]``. Now 404 like a settlement that does not exist."""
    from django.test import Client

    st = settle.generate(world["county"], world["org"], COUNTY, world["today"].replace(day=1))
    for who in ("peer", "community"):
        c = Client()
        c.force_login(users[who])
        assert c.get(f"/eldercare/settlements/{st.pk}/").status_code == 404, who
        assert c.get(f"/eldercare/settlements/{st.pk}/export/").status_code == 404, who
        assert not selectors.settlements_for(users[who]).exists()
    c = Client()
    c.force_login(users["county"])
    assert c.get(f"/eldercare/settlements/{st.pk}/").status_code == 200


def test_a_county_may_not_give_duties_for_another_countys_provider(world):
    """Regression (review of issue 12): set_duty checked the permission but not the
    provider, so a county officer of 民乐县 could make a 甘州区 provider's staff care
    workers through the service. Only the duty page limited the choice."""
    other = User.objects.create_user(username="minle", password="x", role="county_officer", scope_id="620722",
                                     full_name="民乐县民政局")
    with pytest.raises(NotFound) as exc:
        orders.set_duty(act(other), world["org"], world["staff"]["huli2"], "dispatcher")
    assert exc.value.code == "provider.not_found"
    assert world["org"].pk not in selectors.duty_providers(world["staff"]["huli2"], "dispatcher")
    # The provider's own county still may.
    orders.set_duty(world["county"], world["org"], world["staff"]["huli2"], "dispatcher")
    assert world["org"].pk in selectors.duty_providers(world["staff"]["huli2"], "dispatcher")


def test_the_menu_shows_each_providers_staff_their_own_homecare_pages(world):
    """The menu reads the account's duties once (selectors.duties_held): the dispatcher
    gets the order board and settlements, a care worker today's orders, a member without
    a duty neither."""
    from django.test import Client
    from jiayuan.eldercare.orders.selectors import duties_held

    s = world["staff"]
    assert duties_held(s["diaodu"]) == {"dispatcher"} and duties_held(s["huli1"]) == {"care_worker"}
    plain = User.objects.create_user(username="wuzhize", password="x", role="org_staff", scope_id=COUNTY)
    OrganizationMember.objects.create(organization=world["org"], user=plain)
    assert duties_held(plain) == set()

    def menu(user) -> str:
        c = Client()
        c.force_login(user)
        return c.get("/").content.decode()

    board, day = 'href="/eldercare/orders/"', 'href="/eldercare/my/"'
    m = menu(s["diaodu"])
    assert board in m and day not in m
    m = menu(s["huli1"])
    assert day in m and board not in m
    m = menu(plain)
    assert board not in m and day not in m
    # A duty lapses with the membership.
    OrganizationMember.objects.filter(user=s["huli1"]).update(active=False)
    assert duties_held(s["huli1"]) == set() and day not in menu(s["huli1"])


def test_a_city_officer_settles_the_county_chosen_when_the_provider_works_for_two(world, users):
    """The page settled the provider's first contract county only: a city user whose
    provider also has a contract with 民乐县 could not settle there. With two counties the
    page asks which one (none chosen: a 422 naming nothing written); the service takes a
    county's 6-digit code only (the city's 6207 is not a county)."""
    from django.test import Client

    city = Actor(users["city"], "page")
    item = services.save_item(city, "620722", {"code": "ZC01", "kind": "meals", "name": "上门送餐", "unit": "meal",
                                               "price": "10.00", "min_minutes": 0, "evidence": ["location"]})
    orders.sign_contract(city, "620722", world["org"], number="ML-2026-JJ-01", start="2026-01-01",
                         end="2027-12-31", prices={item.pk: "10.00"})
    c = Client()
    c.force_login(users["city"])
    page = c.get("/eldercare/settlements/").content.decode()
    assert '<option value="620702">甘州区</option>' in page and '<option value="620722">民乐县</option>' in page
    month = world["today"].strftime("%Y-%m")
    r = c.post("/eldercare/settlements/", {"provider": world["org"].pk, "month": month})
    assert r.status_code == 422 and not Settlement.objects.exists()
    r = c.post("/eldercare/settlements/", {"provider": world["org"].pk, "month": month, "county": "620722"})
    assert r.status_code == 302
    assert list(Settlement.objects.values_list("county_id", flat=True)) == ["620722"]
    with pytest.raises(NotFound):
        settle.generate(city, world["org"], "6207", world["today"].replace(day=1))
    county_page = Client()
    county_page.force_login(users["county"])   # one county in view: no choice asked
    assert 'name="county"' not in county_page.get("/eldercare/settlements/").content.decode()
