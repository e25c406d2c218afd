"""Demo data of the facilities module (``demo-setup``): a comprehensive service facility
with its rooms in each of 东街街道's five communities (urban coverage 100 %), facilities in
three villages of the demo's rural town (the third shared with a fourth
village: ``also_serves``), 甘州区's standard of community work funds for this
year (50,000–120,000 yuan), each 东街 community's budget (one below the standard) with
allocations and spending. Idempotent: nothing is added when 东街街道 has facilities."""

from datetime import date

from django.utils import timezone

from ..audit.services import Actor
from ..regions.models import Region
from . import services
from .models import ServiceFacility

DONGJIE = "620702001"
RURAL_TOWN = "620722102"

# community code suffix → (floor area m², rooms: (name, function, m²))
URBAN = {
    "001": ("1250", [("一站式服务大厅", "one_stop", "260"), ("日间照料中心", "elderly_care", "420"),
                     ("文体活动室", "culture", "180"), ("阅览室", "reading", "90"), ("儿童之家", "children", "80")]),
    "005": ("980", [("一站式服务大厅", "one_stop", "220"), ("老年活动室", "elderly_care", "260"),
                    ("健身室", "fitness", "150"), ("议事厅", "consultation", "80")]),
    "006": ("860", [("一站式服务大厅", "one_stop", "200"), ("日间照料室", "elderly_care", "240"),
                    ("多功能活动室", "culture", "160")]),
    "007": ("720", [("一站式服务大厅", "one_stop", "180"), ("书画室", "culture", "90"), ("调解室", "mediation", "40")]),
    "008": ("640", [("一站式服务大厅", "one_stop", "170"), ("老年活动室", "elderly_care", "150"),
                    ("志愿服务站", "volunteer", "40")]),
}
RURAL = [("350", [("便民服务室", "one_stop", "80"), ("农家书屋", "reading", "60"), ("文化广场活动室", "culture", "120")]),
         ("280", [("便民服务室", "one_stop", "70"), ("农家书屋", "reading", "50")]),
         ("220", [("便民服务室", "one_stop", "60"), ("幸福院", "elderly_care", "100")])]
BUDGETS = {"001": "96000", "005": "80000", "006": "72000", "007": "60000", "008": "45000"}


def _user(ctx, username: str, role: str, scope: str, full_name: str):
    """The demo account made by demo-setup itself (not listed again), or made here."""
    from ..accounts.models import User

    return User.objects.filter(username=username).first() or ctx.account(username, role, scope, full_name)


def seed_demo(ctx) -> str | None:
    summary = _dongjie(ctx)
    rest = _rest_of_city(ctx)
    return "；".join(s for s in (summary, rest) if s) or None


def _rest_of_city(ctx) -> str | None:
    """A centre with a one-stop hall in every other urban community of the city (张掖
    reports all 47 urban communities with one: DOMAIN.md, "Figures from the reference
    city"), and a 便民服务室 in every second village (even codes), so that the coverage
    and one-stop figures of the city's report read like the reference's. Areas are
    fixed by the code (300–799 m² urban, 150–349 m² rural). Idempotent: only units
    without a facility get one."""
    from .selectors import covered_units

    city = Actor(_user(ctx, "city", "city_admin", "6207", "张掖市民政局管理员"), "command", {"demo": True})
    urban_done = covered_units("6207", Region.Kind.COMMUNITY)
    rural_done = covered_units("6207", Region.Kind.VILLAGE)
    n = 0
    units = Region.objects.filter(level=Region.Level.VILLAGE, code__startswith="6207",
                                  kind__in=(Region.Kind.COMMUNITY, Region.Kind.VILLAGE)).order_by("code")
    for u in units:
        serial = int(u.code[-3:])
        if u.kind == Region.Kind.COMMUNITY and u.code not in urban_done:
            f = services.create_facility(city, {"name": f"{u.short_name}党群服务中心", "region": u.code,
                                                "address": u.name, "floor_area": str(300 + (serial * 37) % 500),
                                                "opened_on": date(2017, 9, 1)})
            services.add_room(city, f, {"name": "一站式服务大厅", "function": "one_stop", "floor_area": "120"})
            services.add_room(city, f, {"name": "多功能活动室", "function": "culture", "floor_area": "100"})
            n += 1
        elif u.kind == Region.Kind.VILLAGE and serial % 2 == 0 and u.code not in rural_done:
            f = services.create_facility(city, {"name": f"{u.short_name}综合服务中心", "region": u.code,
                                                "address": u.name, "floor_area": str(150 + (serial * 13) % 200),
                                                "opened_on": date(2018, 5, 1)})
            services.add_room(city, f, {"name": "便民服务室", "function": "one_stop", "floor_area": "50"})
            n += 1
    return f"全市其余社区和半数行政村的综合服务设施：{n} 处" if n else None


def _dongjie(ctx) -> str | None:
    if ServiceFacility.objects.filter(region__code__startswith=DONGJIE).exists():
        return None
    street = Actor(_user(ctx, "dongjie", "township_officer", DONGJIE, "东街街道干部"), "command", {"demo": True})
    county = Actor(_user(ctx, "ganzhou", "county_officer", "620702", "甘州区民政局干部"), "command", {"demo": True})
    city = Actor(_user(ctx, "city", "city_admin", "6207", "张掖市民政局管理员"), "command", {"demo": True})
    communities = {r.code[-3:]: r for r in Region.objects.filter(parent_id=DONGJIE, kind="community")}
    n = 0
    for suffix, (area, rooms) in URBAN.items():
        c = communities.get(suffix)
        if c is None:
            continue
        f = services.create_facility(street, {"name": f"{c.short_name}党群服务中心", "region": c.code,
                                              "address": f"甘州区东街街道{c.short_name}", "floor_area": area,
                                              "opening_hours": "周一至周日 8:30—18:00", "opened_on": date(2018, 6, 1)})
        for name, function, m2 in rooms:
            services.add_room(street, f, {"name": name, "function": function, "floor_area": m2})
        n += 1
    villages = list(Region.objects.filter(parent_id=RURAL_TOWN, kind="village").order_by("code")[:len(RURAL) + 1])
    for i, (v, (area, rooms)) in enumerate(zip(villages, RURAL)):
        f = services.create_facility(city, {"name": f"{v.short_name}综合服务中心", "region": v.code,
                                            "address": f"民乐县{v.short_name}", "floor_area": area,
                                            "opening_hours": "周一至周五 9:00—17:00，农忙时节预约"})
        for name, function, m2 in rooms:
            services.add_room(city, f, {"name": name, "function": function, "floor_area": m2})
        if i == len(RURAL) - 1 and len(villages) > len(RURAL):
            # the last one is shared with the next village, which has none of its own
            services.set_also_serves(city, f, [villages[len(RURAL)].code])
        n += 1
    year = timezone.localdate().year
    services.set_standard(county, "620702", year, "50000", "120000", "甘州区社区工作经费保障标准")
    funds = 0
    for suffix, amount in BUDGETS.items():
        c = communities.get(suffix)
        if c is None:
            continue
        fund = services.set_budget(county, c.code, year, amount)
        half = (fund.budget_amount / 2).quantize(fund.budget_amount)
        services.add_entry(county, fund, "allocation", "office", str(half), date(year, 1, 15), "上半年拨付")
        services.add_entry(street, fund, "spending", "office", "8600", date(year, 2, 10), "办公用品和水电")
        services.add_entry(street, fund, "spending", "activities", "12000", date(year, 5, 20), "邻里节活动")
        funds += 1
    return f"演示社区设施与经费已生成：{n} 处综合服务设施，{funds} 个社区的 {year} 年工作经费"
