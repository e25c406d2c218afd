"""Demo data of the disability service network (``jiayuan demo-setup``): the network of
民乐县 — the county federation, 六坝镇's federation, associations and helper groups in some
of its villages and communities (so that the coverage page shows gaps), a volunteer team,
members with their roles, and services delivered to certificate holders of 六坝镇.
Idempotent."""

import datetime

from django.utils import timezone

from ..audit.services import Actor
from . import services
from .models import DisabilityCertificate, NetworkOrganization

COUNTY, TOWNSHIP = "620722", "620722102"
ORGS = [
    ("county_federation", COUNTY, "民乐县残疾人联合会"),
    ("township_federation", TOWNSHIP, "六坝镇残疾人联合会"),
    ("volunteer_team", TOWNSHIP, "六坝镇助残志愿服务队"),
    ("village_association", "620722102200", "六坝村残疾人协会"),
    ("village_association", "620722102201", "西上坝村残疾人协会"),
    ("village_association", "620722102202", "东上坝村残疾人协会"),
    ("village_association", "620722102001", "圆梦苑社区残疾人协会"),
    ("helper_group", "620722102200", "六坝村助残小组"),
    ("helper_group", "620722102201", "西上坝村助残小组"),
]
MEMBERS = {
    "民乐县残疾人联合会": [("马建华", "chair"), ("王丽", "full_time_member")],
    "六坝镇残疾人联合会": [("张志强", "chair"), ("李红梅", "full_time_member")],
    "六坝村残疾人协会": [("赵德福", "chair"), ("孙秀兰", "full_time_member")],
    "西上坝村残疾人协会": [("刘永平", "full_time_member")],
    "六坝村助残小组": [("陈桂英", "member"), ("周建军", "member"), ("吴小燕", "volunteer")],
    "六坝镇助残志愿服务队": [("郑晓东", "chair"), ("冯丽娜", "volunteer")],
}
KINDS = ["home_visit", "rehabilitation", "assistive_device", "employment", "day_care"]


def seed_demo(ctx) -> str | None:
    paid = _two_subsidies_paid(ctx)
    network = _network(ctx)
    return "；".join(s for s in (paid, network) if s) or None


PAYING_COUNTY = "620702"
TWO_SUBSIDIES = ("disability_living_allowance", "disability_care_allowance")


def _two_subsidies_paid(ctx) -> str | None:
    """两项补贴 paid in 甘州区 for every month of this year so far (the demo enrolls 东街's
    holders from January; in January, this month too), so that the figures of the city's
    report (persons, yuan) are not empty: each month's batch generated and reviewed by the
    county, approved by the city (four eyes), exported, paid in full and closed — through
    the payment services, as the staff would. Idempotent: nothing when a batch exists."""
    from ..assistance.models import Enrollment, PaymentBatch, Program
    from ..assistance.services import batches
    from ..regions.models import Region

    if PaymentBatch.objects.filter(program_id__in=TWO_SUBSIDIES, county_id=PAYING_COUNTY).exists():
        return None
    if not Enrollment.objects.filter(program_id__in=TWO_SUBSIDIES, region__code__startswith=PAYING_COUNTY).exists():
        return None
    county = Actor(ctx.account("ganzhou", "county_officer", PAYING_COUNTY, "甘州区民政局干部"), "command", {"demo": True})
    city = Actor(ctx.account("city", "city_admin", "6207", "张掖市民政局管理员"), "command", {"demo": True})
    today = timezone.localdate()
    last = today.replace(day=1) if today.month == 1 else (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    region = Region.objects.get(code=PAYING_COUNTY)
    n = 0
    for program in Program.objects.filter(code__in=TWO_SUBSIDIES).order_by("code"):
        month = datetime.date(last.year, 1, 1)
        while month <= last:
            batch = batches.generate_batch(county, program, region, month)
            if batch.line_count:
                batch = batches.review_batch(county, batch, version=batch.version)
                batch = batches.approve_batch(city, batch, version=batch.version)
                batches.export_batch(county, batch, fmt="xlsx", version=batch.version)
                batch.refresh_from_db()
                batches.record_results(county, batch, [], version=batch.version, rest_paid=True,
                                       source="演示：银行回盘")
                batch.refresh_from_db()
                batches.close_batch(county, batch, version=batch.version, note="演示：全部发放成功")
                n += 1
            month = (month + datetime.timedelta(days=32)).replace(day=1)
    return f"两项补贴：甘州区 {last.year} 年 1—{last.month} 月 {n} 个批次已发放"


def _network(ctx) -> str | None:
    if NetworkOrganization.objects.filter(region__code__startswith=COUNTY).exists():
        return None
    county = Actor(ctx.account("city", "city_admin", "6207", "张掖市民政局管理员"), "command")
    today = timezone.localdate()
    founded = today - datetime.timedelta(days=5 * 365)
    by_name = {}
    for level, code, name in ORGS:
        by_name[name] = services.register_network_organization(county, level=level, name=name, region_code=code,
                                                               founded_on=founded)
    for name, members in MEMBERS.items():
        for person_name, role in members:
            services.add_network_member(county, by_name[name], name=person_name, role=role, since=founded,
                                        phone="13909360000")
    _certificates_for_tagged(county, today)
    holders = list(DisabilityCertificate.objects.filter(status="valid", person__region__code__startswith=TOWNSHIP)
                   .select_related("person").order_by("id")[:12])
    n = 0
    for i, cert in enumerate(holders):
        day = max(cert.issued_on, today - datetime.timedelta(days=20 + 11 * i))
        provider = by_name["六坝村助残小组"] if i % 2 else by_name["六坝镇残疾人联合会"]
        services.record_service(county, cert.person, kind=KINDS[i % len(KINDS)], provided_on=day,
                                description="入户了解需求，协助办理相关服务", provider_id=provider.pk)
        n += 1
    return f"助残服务网络：民乐县 {len(ORGS)} 个网络组织，{n} 条助残服务记录"


def _certificates_for_tagged(actor, today) -> None:
    """Certificates for a few residents of 六坝镇 the demo registry tags 残疾人 but who hold
    none yet (the services are recorded against a certificate)."""
    from ..errors import ServiceError
    from ..people.models import Person

    tagged = (Person.objects.filter(region__code__startswith=TOWNSHIP, tags__kind_id="disabled", id_type="resident_id",
                                    life_status="alive").exclude(disability_certificates__status="valid")
              .distinct().order_by("id")[:8])
    for i, person in enumerate(tagged):
        dtype, grade = (4, 3) if i % 3 else (5, 2)
        try:
            services.record_certificate(actor, person, f"{person.id_number}{dtype}{grade}",
                                        today - datetime.timedelta(days=400 + 30 * i), long_term_care_need=grade <= 2)
        except ServiceError:
            continue
