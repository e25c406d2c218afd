"""Demo data of elderly care (``make demo`` → ``demo-setup`` calls :func:`seed_demo`).

- Capacity assessments of eight elders of 东街街道 / 交通巷社区 by the community worker
  ``shequ`` with the street officer ``dongjie`` (the two assessors), every level from
  能力完好 to 完全失能, one with a dementia diagnosis and one with two falls; one elder's
  routine reassessment falls due now (in ``shequ``'s and ``dongjie``'s to-do), one
  assessed twice (history).
- The home-care catalogue of 甘州区 (助餐 … 适老化改造, demo prices), its monthly standards
  per category and level (demo values), the entitlement of two elders assessed 失能; the
  others assessed 失能 or 半失能 wait in ``ganzhou``'s to-do.
- 养老服务补贴 (assistance's ``elderly_care_allowance``): the city's parameters with the
  amounts by assessed level (demo values), the elders assessed 中度/重度/完全失能 enrolled
  from last month, and last month's batch of 甘州区 generated and reviewed by ``ganzhou``,
  approved by ``city`` (four eyes), exported and paid — the living subsidy of the report.
- A construction subsidy of last month (交通巷社区日间照料中心's upgrade), so that the
  year's construction subsidy is not only the centers' original build.
- Day-care centers in 东街街道 and 南街街道 and mutual-aid homes in 梁家墩镇's villages,
  assigned to communities and villages (交通巷社区's center also serves 甘泉社区; 五号村
  has none), their construction and operating subsidies, a daily count of person-visits
  for the last 60 days and named check-ins of the assessed elders.

Everything goes through the services, as the county officer ``ganzhou`` and the
community worker ``shequ`` would do it. Idempotent: a second run finds the centers and
the assessments and returns None.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ..accounts.models import User
from ..audit.services import Actor
from ..people.models import Person
from . import rules, selectors, services
from .models import CapacityAssessment, DayCareCenter
from .orders.demo import seed_orders

COMMUNITY = "620702001001"  # 交通巷社区
FULL = {i.code: i.max for i in rules.ITEMS}


def _items(lost: dict) -> dict:
    return {**FULL, **{k: max(0, FULL[k] - v) for k, v in lost.items()}}


SELF_CARE = ("eating", "grooming", "bathing", "dressing_upper", "dressing_lower", "urine_control", "bowel_control",
             "toileting")
MOBILITY = ("bed_mobility", "transfer", "walking", "stairs")
# (items, coma, diagnoses, risk events, days ago): each level once, and the adjustments
PROFILES = [
    (_items({}), False, [], [], 40),                                                        # 90 能力完好
    (_items({"bathing": 2, "stairs": 2, "transport": 1}), False, [], [], 70),              # 85 轻度
    (_items({k: 2 for k in SELF_CARE} | {"stairs": 2}), False, ["F01"], [], 100),          # 72 轻度 → 中度 (F01)
    (_items({k: 3 for k in SELF_CARE} | {"walking": 2}), False, [], ["fall", "fall"], 130),  # 64 中度 → 重度 (2 falls)
    (_items({k: 4 for k in SELF_CARE} | {k: 2 for k in MOBILITY}), False, [], [], 160),    # 50 中度
    (_items({k: 4 for k in SELF_CARE} | {k: 4 for k in MOBILITY} | {"memory": 2}), False, [], [], 200),  # 41 重度
    (_items({k: 4 for k in SELF_CARE + MOBILITY} | {"daily_affairs": 4, "transport": 3, "memory": 4}), False,
     ["F03"], [], 250),                                                                     # 32 重度 → 完全 (F03)
    (_items({}), True, [], [], 372),                                                        # coma: 完全失能, due now
]

FACILITIES = [
    # (name, kind, stands in, address, m², seats, beds, opened, serves, construction, operating)
    ("交通巷社区日间照料中心", "day_care", "620702001001", "甘州区交通巷12号", "420.00", 40, 6, "2019-05-01",
     ["620702001001", "620702001005"], "300000.00", "36000.00"),
    ("长沙门社区日间照料中心", "day_care", "620702001006", "甘州区长沙门路8号", "360.00", 30, 4, "2020-09-01",
     ["620702001006"], "250000.00", "30000.00"),
    ("金安苑社区养老服务站", "service_station", "620702001007", "甘州区金安苑小区3栋", "150.00", 15, 0, "2022-03-15",
     ["620702001007", "620702001008"], "80000.00", "12000.00"),
    ("梁家墩村互助幸福院", "mutual_aid", "620702100200", "梁家墩镇梁家墩村一社", "280.00", 20, 8, "2018-10-01",
     ["620702100200"], "150000.00", "10000.00"),
    ("迎恩村互助幸福院", "mutual_aid", "620702100201", "梁家墩镇迎恩村二社", "240.00", 16, 6, "2021-06-01",
     ["620702100201"], "150000.00", "10000.00"),
]
SERVICES = {"day_care": ["meals", "day_care", "rest", "recreation", "health"],
            "service_station": ["meals", "recreation", "counselling"],
            "mutual_aid": ["meals", "rest", "recreation"]}


def _nth_profile_dates(today: datetime.date, days_ago: int) -> datetime.date:
    return today - datetime.timedelta(days=days_ago)


ITEMS = [
    # code, kind, name, unit, price, minimum minutes, evidence
    ("ZC01", "meals", "上门送餐", "meal", "12.00", 0, ["location", "photo"]),
    ("ZJ01", "cleaning", "居室保洁", "hour", "30.00", 60, ["location", "photo", "signature"]),
    ("ZY01", "bathing", "上门助浴", "visit", "60.00", 45, ["location", "signature"]),
    ("ZY02", "medical", "陪同就医", "hour", "35.00", 60, ["location", "signature"]),
    ("ZX01", "walking", "助行陪护", "hour", "30.00", 30, ["location", "signature"]),
    ("ZJ02", "emergency", "紧急呼叫响应", "visit", "40.00", 0, ["location", "photo"]),
    ("TF01", "visiting", "探访关爱", "visit", "20.00", 30, ["location", "photo", "signature"]),
    ("KF01", "rehab", "康复护理", "hour", "80.00", 45, ["location", "signature"]),
    ("DB01", "errands", "代购代办", "visit", "15.00", 0, ["signature", "receipt"]),
    ("SL01", "adaptation", "适老化改造（扶手、防滑）", "item", "800.00", 0, ["before_after", "signature", "receipt"]),
]
STANDARDS = [
    # category, level, monthly yuan, hours
    ("disabled", "total", "400.00", "20"), ("disabled", "", "300.00", "15"), ("semi_disabled", "", "150.00", "8"),
    ("extreme_poverty", "", "300.00", "15"), ("subsistence", "", "100.00", "5"), ("advanced_age", "", "80.00", "4"),
    ("empty_nest", "", "60.00", "3"),
]


def _homecare(county: Actor, today: datetime.date) -> str | None:
    """The catalogue and standards of 甘州区, and the entitlement of the first two elders
    assessed 失能 (the others wait in ``ganzhou``'s to-do)."""
    from .models import Entitlement, HomeCareItem
    from .selectors import eligible_without_entitlement

    if HomeCareItem.objects.filter(county_id="620702").exists():
        return None
    with transaction.atomic():
        for code, kind, name, unit, price, minutes, evidence in ITEMS:
            services.save_item(county, "620702", {"code": code, "kind": kind, "name": name, "unit": unit,
                                                  "price": price, "min_minutes": minutes, "evidence": evidence})
        start = datetime.date(today.year, 1, 1)
        for category, level, amount, hours in STANDARDS:
            services.set_standard(county, "620702", category=category, level=level, effective_from=start,
                                  amount=amount, hours=hours, basis=f"甘州民发〔{today.year - 1}〕88号（演示值）")
        waiting = list(eligible_without_entitlement(county.user, today).filter(level__in=("severe", "total")))
        for a in waiting[:2]:
            services.approve_entitlement(county, a.person, today.replace(day=1))
    return f"居家养老服务目录 {len(ITEMS)} 项、标准 {len(STANDARDS)} 条、待遇 {Entitlement.objects.count()} 人"


LIVING_SUBSIDY = {
    # 养老服务补贴 (demo values, not Zhangye's official standards): by economic status and,
    # from the capacity assessment, by level (GB/T 42195-2022).
    "min_age": 60, "amount_extreme_poverty": "200.00", "amount_subsistence": "100.00", "amount_low_income": "50.00",
    "amounts_by_capacity": {"moderate": "150.00", "severe": "200.00", "total": "300.00"},
}


def _last_month(today: datetime.date) -> datetime.date:
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def _living_subsidy(county: Actor, today: datetime.date) -> str | None:
    """养老服务补贴 through the assistance services: the city's parameters with the amounts
    by assessed level, from January of last month's year (``city``); the elders of
    交通巷社区 whose latest assessment is 中度, 重度 or 完全失能 enrolled from last month
    (``ganzhou``; the level is read from the assessment by the program); last month's batch
    of 甘州区 generated and reviewed by ``ganzhou``, approved by ``city`` (four eyes),
    exported and paid (the bank's answer: all paid), then closed. Needs the user ``city``;
    once (None when the enrollments exist)."""
    from ..assistance import services as aid
    from ..assistance.models import Enrollment, PaymentBatch, Program
    from ..assistance.services import batches
    from ..demodata import pay_batch
    from ..regions.models import Region

    city = User.objects.filter(username="city").first()
    if city is None or Enrollment.objects.filter(program_id="elderly_care_allowance",
                                                 region__code__startswith=COMMUNITY).exists():
        return None
    city = Actor(city, "command", {"demo": True})
    month = _last_month(today)
    program = Program.objects.get(code="elderly_care_allowance")
    county_region = Region.objects.get(code="620702")
    if PaymentBatch.objects.filter(program=program, county=county_region, month=month).exists():
        return None  # made otherwise: left as it is
    with transaction.atomic():
        aid.set_parameters(city, program.code, "6207", datetime.date(month.year, 1, 1), LIVING_SUBSIDY,
                           note="演示参数，非张掖市正式标准（含按能力等级的失能、半失能老年人补贴）")
        latest = selectors.latest_only(CapacityAssessment.objects.filter(
            person__region__code__startswith=COMMUNITY, assessed_on__lte=month, person__life_status="alive",
            level__in=("moderate", "severe", "total"))).select_related("person").order_by("person_id")
        in_care = set(Enrollment.objects.filter(program_id="disability_care_allowance", status__in=("active", "suspended"))
                      .values_list("person_id", flat=True))  # higher-not-both: not enrolled twice in the demo
        enrolled = 0
        for a in latest:
            p = a.person
            if p.pk in in_care:
                continue
            aid.enroll(county, program=program, person=p, region=p.region_id, start_month=month,
                       payee_account=f"6228480{p.pk:012d}", inputs={"economic_status": "other"},
                       reason="演示：经评估失能、半失能的老年人")
            enrolled += 1
        if not enrolled:
            return None
        b = pay_batch(county, city, batches.generate_batch(county, program, county_region, month))
    return f"养老服务补贴 {enrolled} 人，{month:%Y年%m月}已发放 {b.line_count} 人 {b.total_amount:,.2f} 元"


UPGRADE = ("交通巷社区日间照料中心", "construction", "120000.00", "省级福彩公益金（适老化提升改造）")


def _construction(county: Actor, today: datetime.date) -> str | None:
    """A construction subsidy of the 15th of last month for the upgrade of
    交通巷社区日间照料中心 (demo value); once."""
    from .models import FacilitySubsidy

    name, kind, amount, source = UPGRADE
    month = _last_month(today)
    approval = f"甘州民发〔{month.year}〕66号"
    center = DayCareCenter.objects.filter(name=name).first()
    if center is None or FacilitySubsidy.objects.filter(facility=center, approval=approval).exists():
        return None
    services.record_subsidy(county, center, year=month.year, kind=kind, amount=amount, source=source,
                            approval=approval, approved_on=month.replace(day=15))
    return f"{name}{month.year}年建设补贴 {Decimal(amount):,.2f} 元"


def _money(ctx, county: Actor, today: datetime.date) -> str:
    """What follows the facilities and the catalogue, each once: the orders, the living
    subsidy and this year's construction subsidy."""
    parts = (seed_orders(ctx), _living_subsidy(county, today), _construction(county, today))
    return "；".join(x for x in parts if x)


def seed_demo(ctx) -> str | None:
    users = {u.username: u for u in User.objects.filter(username__in=["ganzhou", "dongjie", "shequ"])}
    if len(users) < 3:
        return None
    if DayCareCenter.objects.filter(name=FACILITIES[0][0]).exists():
        county = Actor(users["ganzhou"], "command", {"demo": True})
        first = _homecare(county, timezone.localdate())
        rest = _money(ctx, county, timezone.localdate())
        return "；".join(x for x in (first, rest) if x) or None
    county = Actor(users["ganzhou"], "command", {"demo": True})
    worker = Actor(users["shequ"], "command", {"demo": True})
    today = timezone.localdate()
    rng = random.Random(12)
    born_by = datetime.date(today.year - 66, 1, 1)
    elders = list(Person.objects.filter(region__code__startswith=COMMUNITY, birth_date__lte=born_by,
                                        life_status=Person.LifeStatus.ALIVE).order_by("id")[:len(PROFILES)])
    n_assessed = 0
    reassessed = elders[2] if len(elders) > 2 else None   # the one with a history (a small demo may have fewer elders)
    with transaction.atomic():
        for person, (items, coma, dx, events, days_ago) in zip(elders, PROFILES):
            day = _nth_profile_dates(today, days_ago)
            if days_ago > 365:  # assessed a year ago → its routine reassessment is due now
                services.record_assessment(worker, person, reason="first", assessed_on=day,
                                           assessor_1=users["shequ"].pk, assessor_2=users["dongjie"].pk,
                                           items=items, coma=coma, diagnoses=dx, risk_events=events, today=today)
            else:
                first = day - datetime.timedelta(days=330)
                if person is reassessed:  # history: a first assessment before the change
                    services.record_assessment(
                        worker, person, reason="first", assessed_on=first, assessor_1=users["shequ"].pk,
                        assessor_2=users["dongjie"].pk, items=_items({"bathing": 1}), today=today)
                services.record_assessment(
                    worker, person, reason="immediate" if person is reassessed else "first", assessed_on=day,
                    assessor_1=users["shequ"].pk, assessor_2=users["dongjie"].pk, items=items, coma=coma,
                    diagnoses=dx, risk_events=events, today=today)
            n_assessed += 1

        made = []
        for name, kind, region, address, area, seats, beds, opened, serves, build, run in FACILITIES:
            f = services.save_facility(county, {
                "kind": kind, "name": name, "region": region, "address": address, "floor_area": area,
                "seats": seats, "beds": beds, "opened_on": opened, "services": SERVICES[kind]})
            for code in serves:
                services.assign(county, f, code, opened)
            opened_year = int(opened[:4])
            services.record_subsidy(county, f, year=opened_year, kind="construction", amount=build,
                                    source="中央预算内投资和福彩公益金", approval=f"甘州民发〔{opened_year}〕{10 + len(made)}号",
                                    approved_on=f"{opened_year}-03-01")
            for year in (today.year - 1, today.year):
                services.record_subsidy(county, f, year=year, kind="operating", amount=run, source="区级财政",
                                        approval=f"甘州民发〔{year}〕{40 + len(made)}号",
                                        approved_on=datetime.date(year, 3, 20))
            made.append(f)
        visits = 0
        for f in made:
            for back in range(60, 0, -1):
                day = today - datetime.timedelta(days=back)
                if day.weekday() == 6:
                    continue  # closed on Sundays
                n = rng.randint(8, 26) if f.kind != "mutual_aid" else rng.randint(5, 14)
                services.record_daily_count(worker if f.region_id.startswith(COMMUNITY) else county, f, day, n)
                visits += n
        center = made[0]
        for back in range(10, 0, -1):
            day = today - datetime.timedelta(days=back)
            if day.weekday() == 6:
                continue
            for person in elders[:4]:
                services.check_in(worker, center, person, day)
                visits += 1
    constructed = sum(Decimal(x[9]) for x in FACILITIES)
    homecare = _homecare(county, today) or ""
    homecare = "；".join(x for x in (homecare, _money(ctx, county, today)) if x)
    return (f"演示养老服务数据已生成：能力评估 {CapacityAssessment.objects.count()} 次（{n_assessed} 位老人），"
            f"日间照料设施 {len(made)} 处，近60天到访 {visits} 人次，建设补贴 {constructed:,.2f} 元；{homecare}")
