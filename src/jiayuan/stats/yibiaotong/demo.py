"""Demo data of 一表通 (``demo-setup``, through :func:`jiayuan.stats.demo.seed_demo`):

- the data elements (from the indicator definitions, registry counts, entered-only ones);
- 社区基本情况统计表 (authored by ``city``, approved by ``ganzhou``) issued by ``ganzhou`` to
  every urban community of 甘州区, due in two weeks: four 东街 communities submitted,
  交通巷社区's (``shequ``) waiting;
- 社区议事协商情况表 issued earlier by ``dongjie`` to 东街's communities: 交通巷社区 and
  甘泉社区 submitted, the others past the deadline (``dongjie``'s to-do); 交通巷社区's
  office area entered there appears pre-filled in its 社区基本情况统计表;
- a draft 社区物业管理情况表 by ``ganzhou`` waiting for ``city``'s approval.

The communities' workers who submitted are records without a password (统计员), not demo
accounts. Idempotent: nothing is added when the form YBT-01 exists.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from jiayuan.audit.services import Actor
from jiayuan.regions.models import Region

from ..models import ReportForm, ReportSubmission, ReportTask
from ..rules import parse_period
from . import prefill, services

DONGJIE = "620702001"
OWNER = "620702001001"
FORM_A = [("registry.persons", "sum"), ("registry.households", "sum"), ("registry.elderly_60", "sum"),
          ("facilities.area_m2", "sum"), ("entered.office_area_m2", "sum"), ("entered.property_managed_estates", "sum"),
          ("entered.council_meetings", "sum")]
FORM_B = [("entered.office_area_m2", "min"), ("entered.council_meetings", "sum"), ("entered.volunteer_activities", "sum")]
FORM_C = [("entered.property_managed_estates", "sum"), ("registry.households", "sum")]
# community code suffix → (office area m², estates, meetings, volunteer activities)
ENTERED = {"001": ("180", "6", "8", "12"), "005": ("240", "4", "5", "9"), "006": ("160", "3", "6", "7"),
           "007": ("200", "5", "4", "6"), "008": ("150", "2", "7", "10")}


def _user(ctx, username, role, scope, full_name):
    from jiayuan.accounts.models import User

    return User.objects.filter(username=username).first() or ctx.account(username, role, scope, full_name)


def _clerk(unit: Region):
    """The community's 统计员: a record (no password, cannot sign in) who submitted."""
    from jiayuan.accounts.models import User

    user, made = User.objects.get_or_create(
        username=f"tjy{unit.code}", defaults={"role": "community_worker", "scope": unit,
                                              "full_name": f"{unit.short_name}统计员"})
    if made:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _fill(act: Actor, sub: ReportSubmission, values: dict[str, str], submit: bool = True) -> None:
    for code, text in values.items():
        services.record_value(act, sub, code, text)
    if submit:
        services.submit(act, sub)


def seed_demo(ctx) -> str | None:
    if ReportForm.objects.filter(code="YBT-01").exists():
        return None
    city = Actor(_user(ctx, "city", "city_admin", "6207", "张掖市民政局管理员"), "command", {"demo": True})
    county = Actor(_user(ctx, "ganzhou", "county_officer", "620702", "甘州区民政局干部"), "command", {"demo": True})
    street = Actor(_user(ctx, "dongjie", "township_officer", DONGJIE, "东街街道干部"), "command", {"demo": True})
    shequ = Actor(_user(ctx, "shequ", "community_worker", OWNER, "交通巷社区工作者"), "command", {"demo": True})
    n = services.seed_elements(city)
    a = services.create_form(city, {"code": "YBT-01", "title": "社区基本情况统计表", "units": "communities",
                                    "purpose": "县（区）每年汇总城市社区的人口、设施、办公用房和议事协商情况"}, FORM_A)
    a = services.approve_form(county, a)
    b = services.create_form(city, {"code": "YBT-02", "title": "社区议事协商情况表", "units": "communities",
                                    "purpose": "街道了解社区议事协商和志愿服务开展情况"}, FORM_B)
    b = services.approve_form(county, b)
    services.create_form(county, {"code": "YBT-03", "title": "社区物业管理情况表", "units": "communities"}, FORM_C)
    today = timezone.localdate()
    year = str(today.year)
    communities = {r.code[-3:]: r for r in Region.objects.filter(parent_id=DONGJIE, kind="community")}

    # the street's task, issued earlier: 交通巷 and 甘泉 submitted, the others late
    tb = services.issue_task(street, b, year, today, "请各社区如实填报本年度议事协商和志愿服务情况")
    ReportTask.objects.filter(pk=tb.pk).update(deadline=today - datetime.timedelta(days=3))  # issued two weeks ago
    for suffix, act in (("001", shequ), ("005", None)):
        unit = communities.get(suffix)
        if unit is None:
            continue
        area, _estates, meetings, volunteer = ENTERED[suffix]
        _fill(act or Actor(_clerk(unit), "command", {"demo": True}), ReportSubmission.objects.get(task=tb, unit=unit),
              {"entered.office_area_m2": area, "entered.council_meetings": meetings,
               "entered.volunteer_activities": volunteer})

    # the county's task: four of 东街's communities submitted, 交通巷 waiting (its office
    # area and meetings already entered in the street's form)
    ta = services.issue_task(county, a, year, today + datetime.timedelta(days=14),
                             "平台已预填人口、户数和设施面积，请核对后补填办公用房和物业管理数据")
    submitted = 0
    for suffix in ("005", "006", "007", "008"):
        unit = communities.get(suffix)
        if unit is None:
            continue
        area, estates, meetings, _v = ENTERED[suffix]
        values = {"entered.property_managed_estates": estates}
        if suffix != "005":
            values.update({"entered.office_area_m2": area, "entered.council_meetings": meetings})
        sub = ReportSubmission.objects.get(task=ta, unit=unit)
        # a cell the platform cannot compute yet (no module's rule) is entered by the unit
        cells = prefill.prefill([i.element for i in a.items.select_related("element")], [unit], parse_period(year))
        if cells[unit.code]["facilities.area_m2"].value is None:
            values["facilities.area_m2"] = "650"
        _fill(Actor(_clerk(unit), "command", {"demo": True}), sub, values)
        submitted += 1
    return (f"一表通演示数据已生成：{n} 个数据元，3 张报表（2 张已审定），"
            f"甘州区下发的填报任务 {submitted} 个社区已报送、交通巷社区待填报")
