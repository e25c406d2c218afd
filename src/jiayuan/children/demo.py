"""Demo data of children's care (``jiayuan demo-setup``): in 民乐县六坝镇, the 儿童主任 of 六坝村
(``ertong``), the township's 儿童督导员 (``dudao``) and a volunteer (``zhiyuan``); files
of children of 六坝村 registered there whose parents work away, a few in difficulty, teams,
visits — some overdue — and a file flagged for review. Idempotent: a second run finds
everything and adds nothing."""

import datetime

from django.utils import timezone

from ..audit.services import Actor
from ..people.models import Person
from . import services
from .models import ChildFile, ChildrenDuty, DutyKind

TOWNSHIP = "620722102"      # 六坝镇
VILLAGE = "620722102200"    # 六坝村
PLACES = ["浙江宁波", "新疆乌鲁木齐", "广东东莞", "江苏苏州", "兰州新区", "内蒙古包头"]


def seed_demo(ctx) -> str | None:
    director = ctx.account("ertong", "community_worker", VILLAGE, "六坝村儿童主任")
    supervisor = ctx.account("dudao", "township_officer", TOWNSHIP, "六坝镇儿童督导员")
    volunteer = ctx.account("zhiyuan", "org_staff", "620722", "民乐县关爱留守儿童志愿者")
    # the city's civil-affairs administrator names the 儿童主任 and 督导员 (manage_children_duties)
    city = Actor(ctx.account("city", "city_admin", "6207", "张掖市民政局管理员"), "command")
    today = timezone.localdate()
    start = today - datetime.timedelta(days=400)
    for kind, code, user in ((DutyKind.DIRECTOR, VILLAGE, director), (DutyKind.SUPERVISOR, TOWNSHIP, supervisor)):
        if not ChildrenDuty.objects.filter(kind=kind, region_id=code, ended_on__isnull=True).exists():
            services.appoint(city, kind, code, user.pk, start,
                             "13909361001" if kind == DutyKind.DIRECTOR else "13909361002")
    kids = list(Person.objects.filter(region__code__startswith=VILLAGE, life_status="alive",
                                      birth_date__gt=today.replace(year=today.year - 15))
                .exclude(household__isnull=True).order_by("id")[:10])
    if not kids:
        return "儿童关爱：六坝村没有未满16周岁的居民，未生成儿童档案"
    made = 0
    act = Actor(director, "command")
    for i, kid in enumerate(kids):
        if ChildFile.objects.filter(person=kid).exists():
            continue
        head = Person.objects.filter(household_id=kid.household_id, relation_to_head="02").exclude(pk=kid.pk).first()
        father = {"name": "外出务工父亲", "working_away": True, "away_place": PLACES[i % len(PLACES)],
                  "away_since": today - datetime.timedelta(days=300 + 30 * i)}
        if head is not None and head.sex == 1 and head.birth_date < kid.birth_date:
            father = {**father, "person": head.pk, "name": ""}
        mother = {"name": "外出务工母亲", "working_away": True, "away_place": PLACES[(i + 2) % len(PLACES)]}
        if i == 7:   # father deceased, mother seriously ill: 事实无人抚养, 困境
            father = {"name": "已故父亲", "deceased": True}
            mother = {"name": "患病母亲", "seriously_ill": True}
        if i == 8:   # mother at home, seriously ill, father away: 留守
            mother = {"name": "患病母亲", "seriously_ill": True}
        opened = today - datetime.timedelta(days=100 + 7 * i)
        f = services.open_file(act, kid.pk, {
            "guardian_name": "祖母" if i % 2 else "祖父", "guardian_relation": "祖母" if i % 2 else "祖父",
            "guardian_phone": f"1389361{1000 + i:04d}", "guardian_ability": "limited" if i in (7, 8) else "good",
            "school": "六坝镇中心小学", "school_grade": f"{(i % 6) + 1}年级", "health": "良好",
            "needs": "课后辅导、亲情电话" if i % 3 else "心理疏导", "parents": {"father": father, "mother": mother}},
            on=opened)
        services.set_team_member(act, f, "volunteer", user_id=volunteer.pk, since=opened)
        services.set_team_member(act, f, "teacher", name="六坝镇中心小学班主任", since=opened)
        if i % 3 == 0:   # visited recently: not due yet
            services.record_visit(act, f, visited_on=today - datetime.timedelta(days=5), place="家中",
                                  findings="祖辈照料，学习正常，与父母每周视频通话", risk="green",
                                  reason="监护到位，身心健康")
        elif i % 3 == 1:  # visited long ago, yellow: overdue
            services.record_visit(act, f, visited_on=opened + datetime.timedelta(days=10), place="学校",
                                  findings="成绩下滑，情绪低落", risk="yellow", reason="学习和情绪需关注")
        made += 1
    # a parent came home: the file is flagged for the 儿童主任 to review
    first = ChildFile.objects.filter(region_id=VILLAGE, proposed__isnull=True, categories__icontains="left_behind"
                                     ).order_by("id").first()
    if first is not None and not ChildFile.objects.filter(region_id=VILLAGE, proposed__isnull=False).exists():
        services.set_parent(act, first, "mother", {"working_away": False, "note": "已返乡"})
    referred = _seed_referrals(act)
    enrolled = _seed_home(ctx, city, director, volunteer, today)
    if made or enrolled:
        return (f"儿童关爱：六坝村 {made} 份儿童档案（儿童主任 ertong，督导员 dudao，志愿者 zhiyuan）；"
                f"{referred} 件转介；“未来星”留守儿童之家 {enrolled} 名儿童入托")
    return None


def _seed_referrals(act) -> int:
    """Two referrals by the 儿童主任: the 事实无人抚养 child to civil affairs for the
    subsidy's verification (taken, waiting for the answer), and a child with low mood to
    the 12355 line (just sent: waiting on ``ertong`` to record that it was taken)."""
    from ..cases.models import Case
    from ..cases.services import transition

    if Case.objects.filter(type_code=services.REFERRAL_TYPE, region__code__startswith=VILLAGE).exists():
        return 0
    files = list(ChildFile.objects.filter(region_id=VILLAGE, status=ChildFile.Status.OPEN).order_by("id"))
    if len(files) < 2:
        return 0
    unsupported = next((f for f in files if "de_facto_unsupported" in f.categories), files[0])
    case = services.open_referral(act, unsupported, "civil_affairs", "父亲已故、母亲重病，申请认定事实无人抚养儿童并发放基本生活补贴",
                                  agency_name="民乐县民政局")
    transition(act, case, "accept", version=case.version, fields={"contact": "民乐县民政局儿童福利股 0936-4421234"},
               comment="已受理，正在核查")
    other = next(f for f in files if f.pk != unsupported.pk)
    services.open_referral(act, other, "hotline_12355", "近期成绩下滑、情绪低落，需要心理疏导")
    return 2


def _seed_home(ctx, city, director, volunteer, today) -> int:
    """六坝镇“未来星”留守儿童之家 in 六坝村, run by a filed community organization whose
    member is the volunteer; the children with files enrolled, attendance on the last ten
    weekdays."""
    from ..organizations.models import OrganizationMember, SocialOrganization
    from . import homes
    from .models import ChildrensHome, HomeEnrolment

    if ChildrensHome.objects.filter(name="六坝镇“未来星”留守儿童之家").exists():
        return 0
    org, _created = SocialOrganization.objects.get_or_create(
        name="六坝镇未来星儿童关爱服务队", defaults={"kind": "community_filed", "region_id": TOWNSHIP,
                                            "service_area": "留守儿童日间照料、课业辅导、亲情陪伴"})
    OrganizationMember.objects.get_or_create(organization=org, user=volunteer, defaults={"position": "志愿者"})
    opened = today - datetime.timedelta(days=3 * 365)
    home = homes.register_home(city, name="六坝镇“未来星”留守儿童之家", region_code=VILLAGE, capacity=60,
                               services=["daytime_care", "tutoring", "psychological", "recreation", "family_contact"],
                               opened_on=opened, operator_id=org.pk, address="六坝村村委会院内")
    act = Actor(director, "command")
    for f in ChildFile.objects.filter(region_id=VILLAGE).select_related("person").order_by("id"):
        homes.enrol(act, home, f.person_id, max(today - datetime.timedelta(days=60), f.person.birth_date))
    enrolments = list(HomeEnrolment.objects.filter(home=home).order_by("id"))
    staff = Actor(volunteer, "command")
    day, done = today - datetime.timedelta(days=1), 0
    while done < 10:
        if day.weekday() < 5:
            present = [e.pk for i, e in enumerate(enrolments) if (i + day.day) % 4]
            homes.record_attendance(staff, home, day, present)
            done += 1
        day -= datetime.timedelta(days=1)
    return len(enrolments)
