"""Demo data of home-care orders (called by :func:`jiayuan.eldercare.demo.seed_demo`).

- The two home-care providers of the organizations demo (甘州区颐康居家养老服务中心 and
  张掖市甘州区福寿居家养老服务有限公司), each under a contract with 甘州区 at the
  catalogue's prices, each with a dispatcher and a care worker (``org_staff`` accounts,
  members of the organization, with a duty record): ``yikang`` / ``huli`` and
  ``fushou`` / ``fshuli``.
- A monthly care plan for every elder with an entitlement, last month's and this month's.
  Last month's orders were all done (one checked in 500 m away, one cleaning of 40
  minutes, one complaint upheld, one call-back finding no service) and are settled: 颐康's
  approved by ``city`` (four eyes: ``ganzhou`` generated it), 福寿's waiting for approval.
- This month: the days before today done; today's orders dispatched to the care workers
  (``huli``'s phone has today's visits); the coming days waiting for the dispatchers;
  done orders waiting for ``shequ``'s call-backs; an open complaint for ``ganzhou``.
"""

from __future__ import annotations

import calendar
import datetime
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from ...accounts.models import User
from ...audit.services import Actor
from ...organizations.demo import HOME_CARE_PROVIDERS
from ...organizations.models import OrganizationMember, SocialOrganization
from ...organizations.services import registry as org_registry
from ..models import Entitlement, HomeCareItem, ProviderContract, WorkOrder
from . import services, settlement_services

# The organizations demo's codes, with their check character (GB 32100-2015): 18 characters.
PROVIDERS = ((HOME_CARE_PROVIDERS[0], "yikang", "颐康居家养老调度员", "huli", "颐康居家养老护理员"),
             (HOME_CARE_PROVIDERS[1], "fushou", "福寿居家养老调度员", "fshuli", "福寿居家养老护理员"))
HOME = (Decimal("38.932600"), Decimal("100.451200"))  # 交通巷社区 (demo coordinates)


def _photo() -> SimpleUploadedFile:
    from PIL import Image
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 160, 90)).save(buf, "JPEG")
    return SimpleUploadedFile("photo.jpg", buf.getvalue(), content_type="image/jpeg")


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _days(month: datetime.date, wanted: list[int], must: int | None = None, n: int = 8) -> list[int]:
    last = calendar.monthrange(month.year, month.month)[1]
    out = sorted({d for d in wanted if d <= last} | ({must} if must else set()))
    if must and len(out) > n:
        out = sorted([must] + [d for d in out if d != must][:n - 1])
    return out[:n]


def _lines(items: dict, ent: Entitlement, month: datetime.date, today: int | None) -> list[dict]:
    meals = {"item": items["ZC01"].pk, "quantity": "1", "days": _days(month, [2, 5, 9, 12, 16, 20, 23, 27], today)}
    visit = {"item": items["TF01"].pk, "quantity": "1", "days": _days(month, [8, 22], today, 2)}
    if ent.amount >= Decimal("300"):
        return [meals, visit, {"item": items["ZJ01"].pk, "quantity": "2", "days": _days(month, [6, 19], today, 2)}]
    if ent.amount >= Decimal("136"):
        return [meals, visit]
    meals["days"] = _days(month, [2, 5, 9, 12, 16, 20, 23, 27], today, max(1, int(ent.amount // 12)))
    return [meals]


def seed_orders(ctx) -> str | None:
    if ProviderContract.objects.filter(number="甘州民购〔居家〕01").exists():
        return None
    users = {u.username: u for u in User.objects.filter(username__in=["ganzhou", "shequ", "city"])}
    orgs = {o.uscc: o for o in SocialOrganization.objects.filter(uscc__in=[p[0] for p in PROVIDERS])}
    items = {i.code: i for i in HomeCareItem.objects.filter(county_id="620702")}
    if len(users) < 3 or len(orgs) < 2 or not {"ZC01", "TF01", "ZJ01"} <= set(items):
        return None
    with transaction.atomic():
        return _seed(ctx, users, orgs, items)


def _seed(ctx, users, orgs, items) -> str:
    county = Actor(users["ganzhou"], "command", {"demo": True})
    community = Actor(users["shequ"], "command", {"demo": True})
    city = Actor(users["city"], "command", {"demo": True})
    today = timezone.localdate()
    this_month = today.replace(day=1)
    last_month = (this_month - datetime.timedelta(days=1)).replace(day=1)
    staff, contracts = {}, {}
    for n, (uscc, disp, disp_name, worker, worker_name) in enumerate(PROVIDERS, 1):
        org = orgs[uscc]
        d = ctx.account(disp, "org_staff", "620702", disp_name)
        w = ctx.account(worker, "org_staff", "620702", worker_name)
        for u, position in ((d, "调度员"), (w, "护理员")):
            if not OrganizationMember.objects.filter(organization=org, user=u, active=True).exists():
                org_registry.add_member(county, org, u, position)
        services.set_duty(county, org, d, "dispatcher")
        services.set_duty(county, org, w, "care_worker")
        staff[org.pk] = (Actor(d, "command", {"demo": True}), Actor(w, "command", {"demo": True}), w)
        contracts[org.pk] = services.sign_contract(
            county, "620702", org, number=f"甘州民购〔居家〕0{n}", start=datetime.date(today.year - 1, 1, 1),
            end=datetime.date(today.year + 1, 12, 31), prices={i.pk: str(i.price) for i in items.values()})
    # a few more elders approved (at least one stays waiting in ganzhou's to-do)
    from ..selectors import eligible_without_entitlement
    from ..services import approve_entitlement
    waiting = list(eligible_without_entitlement(county.user, today))
    for a in waiting[:max(0, len(waiting) - 1)][:2]:
        approve_entitlement(county, a.person, last_month)
    ents = list(Entitlement.objects.filter(status="active", county_id="620702").select_related("person")
                .order_by("person_id"))
    done = n_orders = 0
    for i, e in enumerate(ents):
        org = list(orgs.values())[i % 2]
        dispatcher, worker, wuser = staff[org.pk]
        home = (HOME[0] + Decimal("0.0007") * i, HOME[1])
        for month in (last_month, this_month):
            if e.start_month > month:
                continue  # approved this month: no plan for last month
            plan = services.make_plan(county, e.person, month, contracts[org.pk],
                                      _lines(items, e, month, today.day if month == this_month else None),
                                      home_lat=home[0], home_lon=home[1],
                                      address=e.person.address or f"甘州区交通巷{10 + i}号")
            plan_orders = list(WorkOrder.objects.filter(plan=plan).select_related("item").order_by("scheduled_on", "id"))
            for k, o in enumerate(plan_orders):
                n_orders += 1
                day = o.scheduled_on
                if day > today:
                    continue  # the coming days: waiting for the dispatcher
                if day == today:
                    if k % 4 != 3:  # most of today's orders dispatched; a few left for the dispatcher
                        services.dispatch(dispatcher, o, wuser, now=_at(day, 7, 30))
                    continue
                o = services.dispatch(dispatcher, o, wuser, now=_at(day - datetime.timedelta(days=1), 17))
                if month == last_month and i == 1 and k == len(plan_orders) - 1:
                    continue  # never checked in: overdue on the dispatcher's to-do, not settled
                far = month == last_month and i == 0 and k == 1          # checked in 500 m away
                lat = home[0] + (Decimal("0.0045") if far else Decimal("0.0001"))
                minutes = {"hour": 60 * int(o.quantity) + 5, "meal": 15, "visit": 40}.get(o.item.unit, 40)
                if month == last_month and i == 1 and o.item.code == "ZJ01" and k % 2 == 0:
                    minutes = 40                                          # cleaning shorter than 60 minutes
                start = _at(day, 9 + (k % 3), 10 * (i % 5))
                o = services.check_in(worker, o, lat=lat, lon=home[1], now=start)
                end = start + datetime.timedelta(minutes=minutes)
                o = services.check_out(worker, o, photo=_photo() if "photo" in o.item.evidence else None,
                                   notes="服务完成，老人状态良好", now=end)
                services.confirm(worker, o, code=plan.confirm_code, by="elder" if k % 3 else "family",
                                 name="" if k % 3 else "子女", now=end + datetime.timedelta(minutes=2))
                done += 1
    # last month's call-backs and complaint, then the settlements
    last_done = list(WorkOrder.objects.filter(month=last_month, status="done", county_id="620702").order_by("id"))
    for n, o in enumerate(last_done[::5]):
        services.record_callback(community, o, method="phone", result="not_served" if n == 1 else "satisfied",
                                 note="老人反映当天无人上门" if n == 1 else "老人满意")
    if len(last_done) > 3:
        c = services.record_complaint(community, last_done[3], complainant="老人家属", content="送餐迟到一小时，饭菜已凉")
        services.decide_complaint(county, c, upheld=True, decision="经核实属实，按合同扣减当次费用")
    this_done = list(WorkOrder.objects.filter(month=this_month, status="done", county_id="620702").order_by("id"))
    if this_done:
        services.record_complaint(community, this_done[0], complainant="老人本人", content="保洁不够仔细，厨房没有打扫")
    made = []
    for n, org in enumerate(orgs.values()):
        s = settlement_services.generate(county, org, "620702", last_month)
        if n == 0:
            s = settlement_services.approve(city, s)
        made.append(s)
    total = sum((s.net for s in made), Decimal("0.00"))
    from ..models import CarePlan
    return (f"居家养老服务：服务机构 2 家（合同、调度员、护理员），服务计划 {CarePlan.objects.count()} 份，工单 {n_orders} 张"
            f"（已完成 {done} 张），上月结算 {total:,.2f} 元")
