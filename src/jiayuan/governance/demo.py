"""Demo data of the governance app (``make demo`` / ``jiayuan demo-setup``), idempotent.

People's mediation: 交通巷社区人民调解委员会 (``shequ`` its chair), cases registered,
in mediation, agreed (one agreement to print, its follow-up due), performed, one reported
to 东街派出所, and a refusal recorded.

Access requests: departments' requests to 东街街道's communities over three months (on
the list, refused on the negative list, approved, refused by the street with the reason,
two waiting for ``dongjie``).

Residents' committees: 交通巷社区居民委员会 elected five years ago less two months (its
换届 waits for ``dongjie``), 甘泉社区居民委员会 elected two years ago.

Activities and volunteers: 交通巷社区志愿服务队 with volunteers registered by real name,
activities (道德讲堂, 假期读书周, 爱心奉献日, 家庭亲情日) with hours — some confirmed, some
waiting for ``dongjie`` (recorded by ``shequ``) and some for ``shequ`` (recorded by
``dongjie``) — and one record of service issued.

Unified evaluation: 东街街道's first half-year scored, ranked and published (an objection
of 交通巷社区 waiting for ``dongjie``'s answer), the second half-year in scoring with
scores still to give.

Confidential tips: the handler account ``xiansuo`` (a county officer of 甘州区 designated
handler of the county's tips) and tips in each state, collected by ``shequ`` and
``wangge`` — 7 collected, 5 transferred, 1 concluded this year (the city reported 6, 5
and 1); the collectors see the status only.
"""

from datetime import timedelta

from django.utils import timezone

from ..accounts.models import User
from ..audit.services import Actor
from .models import Tip
from .tips import services as tip_services

COUNTY = "620702"

# (collector, region, category, content, informant or None (anonymous), steps)
# steps: days ago collected, then (action, days ago, fields) in order
TIPS = [
    ("shequ", "620702001001", "organized_crime",
     "交通巷一带有人以“看场子”为名向沿街商户强收“保护费”，不交的店铺夜里被砸玻璃。为首者外号“刀疤”，常开一辆黑色越野车。",
     ("商户甲", "13800001111"), 40, [("verify", 38, {}), ("transfer", 35, {"recipient": "police"}),
                                     ("conclude", 5, {"outcome": "feedback",
                                                      "note": "公安机关反馈：已立案侦查，抓获犯罪嫌疑人3名。"})]),
    ("shequ", "620702001001", "organized_crime",
     "砂石运输被一伙人垄断，其他车辆进场被拦截殴打，怀疑与某村干部有利益关联。",
     None, 30, [("verify", 28, {}), ("transfer", 25, {"recipient": "police"})]),
    ("wangge", "620702001001001", "protection_umbrella",
     "有人反映某站所工作人员长期收受娱乐场所经营者财物，为其通风报信。",
     ("居民乙", "13900002222"), 26, [("verify", 24, {}), ("transfer", 20, {"recipient": "discipline"})]),
    ("shequ", "620702001001", "other_crime",
     "小区地下车库有人组织赌博，放高利贷，催收时上门恐吓。",
     ("居民丙", ""), 18, [("verify", 16, {}), ("transfer", 12, {"recipient": "police"})]),
    ("wangge", "620702001001001", "organized_crime",
     "菜市场摊位被人把持，新摊主须向其交“进场费”。",
     None, 14, [("verify", 12, {}), ("transfer", 9, {"recipient": "police"})]),
    ("shequ", "620702001001", "organized_crime",
     "夜间有人在河道非法采砂，阻挠巡查人员。",
     ("居民丁", "13700003333"), 6, [("verify", 3, {})]),
    ("wangge", "620702001001001", "other_crime",
     "网格内一出租屋人员频繁更换，疑似从事电信诈骗。",
     None, 1, []),
]


def seed_demo(ctx) -> str | None:
    """Every part's demo data (each idempotent). The shipped kinds of bodies and
    activities are loaded again first (a flushed test database lost the migrations' rows)."""
    from .activities.services import load_activity_kinds
    from .bodies.services import load_body_kinds

    load_body_kinds()
    load_activity_kinds()
    done = [s for s in (seed_tips(ctx), seed_mediation(ctx), seed_requests(ctx), seed_bodies(ctx),
                        seed_committees(ctx), seed_volunteers(ctx), seed_evaluation(ctx)) if s]
    return "；".join(done) or None


def seed_tips(ctx) -> str | None:
    """The tip handler account and the demo tips (skipped when tips exist)."""
    handler = ctx.account("xiansuo", "county_officer", COUNTY, "甘州区线索承办人")
    designator = User.objects.filter(username="city").first() or User.objects.filter(is_superuser=True).first()
    if designator is None:
        return None
    tip_services.designate_handler(Actor(designator, "command", {"demo": True}), handler, COUNTY)
    if Tip.objects.exists():
        return None
    today = timezone.localdate()
    h = Actor(handler, "command", {"demo": True})
    n = 0
    for username, region, category, content, informant, ago, steps in TIPS:
        collector = User.objects.filter(username=username).first()
        if collector is None:
            continue
        name, contact = informant or ("", "")
        tip = tip_services.collect_tip(Actor(collector, "command", {"demo": True}), region_code=region,
                                       category=category, content=content, anonymous=informant is None,
                                       informant_name=name, informant_contact=contact,
                                       collected_on=today - timedelta(days=ago))
        for action, days, fields in steps:
            tip = tip_services.act_on_tip(h, tip, action, on=today - timedelta(days=days), **fields)
        n += 1
    return f"演示线索已生成：{n} 条（承办人 xiansuo）"


# --- people's mediation -------------------------------------------------------------------

COMMUNITY = "620702001001"  # 交通巷社区 (shequ's)


def seed_mediation(ctx) -> str | None:
    """交通巷社区人民调解委员会 (shequ its chair) and cases in several states, one with an
    agreement to print, one at risk reported to 东街派出所, one refusal recorded."""
    from ..cases.models import Case, Department
    from ..regions.models import Region
    from .mediation import services as med
    from .models import SelfGovernanceBody

    shequ = User.objects.filter(username="shequ").first()
    if shequ is None or SelfGovernanceBody.objects.filter(region_id=COMMUNITY, kind__code="mediation").exists():
        return None
    a = Actor(shequ, "command", {"demo": True})
    today = timezone.localdate()
    body = med.create_committee(a, Region.objects.get(code=COMMUNITY), name="交通巷社区人民调解委员会",
                                established_on=today.replace(year=today.year - 3, month=3, day=1))
    chair = med.add_member(a, body, name=shequ.full_name or "社区调解员", role="chair", user=shequ)
    m2 = med.add_member(a, body, name="马秀兰", role="vice_chair", phone="13909361234")
    med.add_member(a, body, name="何建军", role="member")
    med.add_member(a, body, name="陈玉梅", role="mediator")

    def open_(category, parties, facts, request=""):
        return med.open_mediation(a, {"region": COMMUNITY, "category": category, "start_mode": "application",
                                      "parties": parties, "facts": facts, "request": request})

    def two(x, y):
        return [{"name": x, "role": "applicant", "stance": "applied"}, {"name": y, "role": "respondent",
                                                                        "stance": "agreed"}]

    open_("property_management", two("孙丽", "某物业服务公司"), "物业费争议：业主认为电梯长期故障，拒交物业费。", "减免部分物业费")
    c2 = open_("neighbour", two("刘长青", "周海燕"), "楼上卫生间漏水，楼下天花板受损。", "修复并赔偿")
    c2 = med.assign_mediators(a, c2, [chair.pk, m2.pk])
    med.record_session(a, c2, held_on=today - timedelta(days=2), place="社区调解室", attendees="双方当事人",
                       record_text="双方陈述，调解员现场查看漏水位置，约定三日内请维修人员鉴定原因。")
    c3 = open_("marriage_family", two("杨桂芳", "杨建国"), "兄妹因赡养母亲的费用分担发生争执。", "按月分担赡养费")
    c3 = med.assign_mediators(a, c3, [chair.pk])
    med.record_session(a, c3, held_on=today - timedelta(days=12), place="社区调解室",
                       record_text="释法说理，讲明赡养义务；双方同意按月分担。")
    med.record_agreement(a, Case.objects.get(pk=c3.pk), facts_and_issues="母亲年迈多病，兄妹就赡养费分担有争议。",
                         terms="自本月起，杨建国、杨桂芳每月各向母亲支付赡养费600元，医疗费凭票据各承担一半。",
                         performance_manner="每月5日前转账至母亲账户",
                         performance_deadline=today - timedelta(days=3), signed_on=today - timedelta(days=10))
    c4 = open_("damages", two("王强", "赵刚"), "停车剐蹭引发争执，双方言语激烈，一方扬言报复。", "赔偿修车费")
    c4 = med.assign_mediators(a, c4, [chair.pk, m2.pk])
    police = Department.objects.filter(name__contains="派出所", region__code__startswith="620702001").first()
    if police:
        med.report_police(a, c4, department_id=police.pk, risk="一方扬言报复，情绪激动，可能激化。")
    c5 = open_("contract", two("郭明", "某装修公司"), "装修工期延误。", "赔偿损失")
    c5 = med.assign_mediators(a, c5, [chair.pk])
    med.record_session(a, c5, held_on=today - timedelta(days=30), record_text="调解员组织协商。")
    med.record_agreement(a, Case.objects.get(pk=c5.pk), facts_and_issues="装修工期延误20天。",
                         terms="装修公司退还郭明工程款2000元。", performance_manner="银行转账",
                         performance_deadline=today - timedelta(days=20), signed_on=today - timedelta(days=25))
    med.record_followup(a, Case.objects.get(pk=c5.pk), visited_on=today - timedelta(days=18), performance="full",
                        note="已退款。")
    try:
        med.open_mediation(a, {"region": COMMUNITY, "category": "neighbour", "start_mode": "initiative",
                               "parties": [{"name": "冯某", "role": "party", "stance": "agreed"},
                                           {"name": "褚某", "role": "party", "stance": "refused"}],
                               "facts": "宠物扰民。"})
    except Exception:  # noqa: BLE001  (refused by law; the refusal is recorded)
        pass
    return "演示人民调解已生成：1 个调解委员会，5 件调解案件，1 条拒绝调解记录"


# --- access requests (the burden on communities) ---------------------------------------------

def seed_requests(ctx) -> str | None:
    """Departments' requests to 东街街道's communities over the last three months: on the
    access list (accepted), on the negative list (refused), off the list — approved,
    refused by the street with the reason, and two waiting for ``dongjie``."""
    from ..regions.models import Region
    from ..servicecenter import services as sc
    from ..servicecenter.models import AccessListItem, CommunityTask
    from .access import rules as access_rules

    dongjie = User.objects.filter(username="dongjie").first()
    depts = {u.username: u for u in User.objects.filter(username__in=("minzheng", "chengguan", "zhujian"))}
    if dongjie is None or len(depts) < 3 or CommunityTask.objects.filter(community__code__startswith="620702001").exists():
        return None
    assist = list(AccessListItem.objects.filter(category="assist", active=True).values_list("code", flat=True))
    negative = AccessListItem.objects.filter(category="negative", active=True).values_list("code", flat=True).first()
    if not assist or not negative:
        return None
    this = access_rules.month_start(timezone.localdate())
    m = [access_rules.add_months(this, -2), access_rules.add_months(this, -1), this]
    street = Actor(dongjie, "command", {"demo": True})
    n = 0

    def ask(who, community, kind, title, month, day, item=""):
        nonlocal n
        n += 1
        return sc.assign_community_task(Actor(depts[who], "command", {"demo": True}), Region.objects.get(code=community),
                                        title=title, kind=kind, occurs_on=month.replace(day=day), access_item=item)

    jt, gq = "620702001001", "620702001005"
    for i, month in enumerate(m):
        ask("minzheng", jt, "task", "高龄津贴发放对象核查", month, 5, assist[0])
        ask("minzheng", gq, "report", "困难群众基本情况统计表", month, 8, assist[-1])
        for _ in range(i):  # the burden rises month by month
            ask("zhujian", jt, "meeting", "老旧小区改造工作推进会", month, 12, assist[0])
    t = ask("chengguan", jt, "activity", "城市清洁日集中行动", m[1], 20)
    sc.decide_community_task(street, t, True, "与社区环境整治结合开展")
    t = ask("zhujian", gq, "inspection", "物业服务质量检查评比（由社区打分）", m[1], 22)
    sc.decide_community_task(street, t, False, "检查评比不在准入清单内，由部门自行组织，不得要求社区打分")
    ask("chengguan", jt, "task", "协助拆除违章建筑", m[2], 3, negative)
    ask("chengguan", jt, "meeting", "创建全国文明城市动员会（社区书记参加）", m[2], 18)
    ask("zhujian", gq, "report", "燃气安全隐患排查台账（每周报送）", m[2], 19)
    return f"演示社区工作事项已生成：{n} 件（2 件待 dongjie 审批）"


# --- self-governance bodies and compacts -----------------------------------------------------

def seed_bodies(ctx) -> str | None:
    """东街街道's bodies (交通巷社区: 治安保卫委员会 and 红白理事会 beside the mediation
    committee; 甘泉社区: a mediation committee) and 交通巷社区居民公约 in two versions, the
    first filed with the street, the second waiting for ``dongjie`` to file it."""
    from ..regions.models import Region
    from .bodies import services as bodies
    from .bodies.selectors import body_kinds
    from .models import Compact

    shequ, dongjie = User.objects.filter(username="shequ").first(), User.objects.filter(username="dongjie").first()
    if shequ is None or dongjie is None or Compact.objects.filter(region_id=COMMUNITY).exists():
        return None
    kinds = body_kinds()
    a = Actor(shequ, "command", {"demo": True})
    street = Actor(dongjie, "command", {"demo": True})
    jt = Region.objects.get(code=COMMUNITY)
    today = timezone.localdate()
    from .mediation.services import add_member

    security = bodies.create_body(a, jt, kinds["public_security"], name="交通巷社区治安保卫委员会")
    customs = bodies.create_body(a, jt, kinds["weddings_funerals"], name="交通巷社区红白理事会")
    term = {"term_start": today - timedelta(days=400), "term_end": today - timedelta(days=400) + timedelta(days=1825)}
    for body, members in ((security, (("周卫国", "chair", "13909360101"), ("吴建平", "member", ""))),
                          (customs, (("郑德厚", "chair", "13909360102"), ("王秀珍", "vice_chair", ""),
                                     ("刘满仓", "member", "")))):
        for name, role, phone in members:
            add_member(a, body, name=name, role=role, phone=phone, **term)
    gq = Region.objects.filter(code="620702001005").first()
    if gq is not None:
        bodies.create_body(street, gq, kinds["mediation"], name="甘泉社区人民调解委员会")
    c = bodies.create_compact(a, jt, "residents", "交通巷社区居民公约")
    v1 = bodies.add_version(a, c, adopted_by="residents_meeting", adopted_on=today - timedelta(days=730), text=(
        "第一条 遵守法律法规，维护社会秩序。\n第二条 爱护公共设施，保持楼道整洁。\n第三条 邻里和睦，互谅互让。"))
    bodies.file_version(street, v1, today - timedelta(days=720))
    bodies.add_version(a, c, adopted_by="residents_representatives", adopted_on=today - timedelta(days=3), text=(
        "第一条 遵守法律法规，维护社会秩序。\n第二条 爱护公共设施，垃圾分类投放，保持楼道整洁。\n"
        "第三条 邻里和睦，互谅互让，纠纷先找人民调解委员会。\n第四条 红白喜事从简，不大操大办、不铺张浪费。"))
    return "演示自治组织和居民公约已生成（新版公约待 dongjie 备案）"


# --- residents' committees: terms and elections ---------------------------------------------

def _five(prefix: str) -> list[tuple[str, str, int]]:
    names = ["王建华", "李秀英", "张志强", "刘桂兰", "陈国庆"]
    roles = ["chair", "vice_chair", "member", "member", "member"]
    return [(f"{n}" if prefix == "" else f"{prefix}{n[1:]}", r, 820 - i * 40) for i, (n, r) in enumerate(zip(names, roles))]


def seed_committees(ctx) -> str | None:
    """交通巷社区居民委员会 (term ending in two months: 换届 due for ``dongjie``) and
    甘泉社区居民委员会 (elected two years ago)."""
    from ..regions.models import Region
    from .bodies import services as bodies
    from .bodies.selectors import body_kinds
    from .models import SelfGovernanceBody

    dongjie = User.objects.filter(username="dongjie").first()
    if dongjie is None or SelfGovernanceBody.objects.filter(kind__code="residents_committee",
                                                            region__code__startswith="620702001").exists():
        return None
    street = Actor(dongjie, "command", {"demo": True})
    kind = body_kinds()["residents_committee"]
    today = timezone.localdate()
    n = 0
    for code, name, held_on, prefix in (
            (COMMUNITY, "交通巷社区居民委员会", today - timedelta(days=5 * 365 + 1 - 60), ""),
            ("620702001005", "甘泉社区居民委员会", today - timedelta(days=2 * 365 + 30), "赵")):
        region = Region.objects.filter(code=code).first()
        if region is None:
            continue
        body = bodies.create_body(street, region, kind, name=name)
        bodies.record_election(street, body, held_on=held_on, method="household", eligible=1000, cast=880,
                               elected=_five(prefix))
        n += 1
    return f"演示居民委员会已生成：{n} 个（交通巷社区待换届）"


# --- activities and volunteers -----------------------------------------------------------------

def seed_volunteers(ctx) -> str | None:
    """交通巷社区志愿服务队, four volunteers registered by real name, four activities, hours
    waiting for each of ``dongjie`` and ``shequ`` to confirm, one record of service."""
    from ..people.models import Person
    from ..regions.models import Region
    from .activities import services as acts
    from .models import ActivityKind, VolunteerTeam
    from .volunteers import services as vol

    shequ, dongjie = User.objects.filter(username="shequ").first(), User.objects.filter(username="dongjie").first()
    if shequ is None or dongjie is None or VolunteerTeam.objects.filter(region_id=COMMUNITY).exists():
        return None
    a, street = Actor(shequ, "command", {"demo": True}), Actor(dongjie, "command", {"demo": True})
    jt = Region.objects.get(code=COMMUNITY)
    today = timezone.localdate()
    adults = list(Person.objects.filter(region__code__startswith=COMMUNITY, life_status=Person.LifeStatus.ALIVE,
                                        birth_date__lte=today - timedelta(days=20 * 366),
                                        birth_date__gte=today - timedelta(days=65 * 365), id_type="resident_id")
                  .order_by("id")[:4])
    team = vol.create_team(a, jt, "交通巷社区志愿服务队")
    volunteers = [vol.register_volunteer(a, team, p.id_number, registered_on=today - timedelta(days=200 - 20 * i),
                                         skills=s) for i, (p, s) in enumerate(zip(adults, ["助老", "阅读推广", "文艺", "法律咨询"]))]
    kinds = {k.code: k for k in ActivityKind.objects.all()}
    named = [v.person for v in volunteers[:2]]
    lecture = acts.create_activity(a, jt, kinds["moral_lecture"], title="道德讲堂：孝老爱亲 从我做起",
                                   held_on=today - timedelta(days=10), organizer_name="交通巷社区居民委员会",
                                   speakers="甘州区文明办 李老师", participant_count=46, place="社区活动室",
                                   participants=named)
    reading = acts.create_activity(a, jt, kinds["reading_week"], title="假期读书周·社区图书角共读",
                                   held_on=today - timedelta(days=30), organizer_name="交通巷社区居民委员会",
                                   participant_count=28, place="社区图书角")
    giving = acts.create_activity(a, jt, kinds["dedication_day"], title="爱心奉献日：为独居老人打扫庭院",
                                  held_on=today - timedelta(days=3), organizer_name="交通巷社区志愿服务队",
                                  organizer_kind="organization", participant_count=15, place="交通巷小区")
    gq = Region.objects.filter(code="620702001005").first()
    if gq is not None:
        acts.create_activity(street, gq, kinds["family_day"], title="家庭亲情日：三代同堂话家风",
                             held_on=today - timedelta(days=20), organizer_name="甘泉社区居民委员会",
                             organizer_kind="community", participant_count=60, speakers="东街小学 王老师")
    done = []
    for i, v in enumerate(volunteers):
        done.append(vol.record_service(a, v, served_on=reading.held_on, content="图书角值守、导读", hours="3",
                                       evaluation="good", activity=reading))
        done.append(vol.record_service(a, v, served_on=lecture.held_on, content="会场布置、签到引导",
                                       hours="2.5" if i % 2 else "2", evaluation="excellent", activity=lecture))
    for r in done:
        vol.confirm_service(street, r)
    if volunteers:
        vol.issue_certificate(a, volunteers[0])
    for v in volunteers[:3]:  # waiting for dongjie
        vol.record_service(a, v, served_on=giving.held_on, content="为独居老人打扫庭院", hours="4",
                           evaluation="excellent", activity=giving)
    if volunteers:  # waiting for shequ
        vol.record_service(street, volunteers[-1], served_on=today - timedelta(days=5), content="街道法律咨询日值班",
                           hours="3.5", evaluation="good")
    return f"演示教育活动和志愿者已生成：{len(volunteers)} 名志愿者、4 场活动（时长待 dongjie、shequ 确认）"


# --- the unified evaluation ---------------------------------------------------------------------

EVALUATION_ITEMS = [("社区治理实绩", 40, "scored"), ("群众满意度", 30, "scored"), ("案件按期办结率", 10, "cases_on_time"),
                    ("调解协议履行率", 10, "mediation_performed"), ("居民信息入户率", 10, "registry_households")]


def seed_evaluation(ctx) -> str | None:
    """东街街道: the first half-year scored, ranked and published, 交通巷社区's objection
    waiting for ``dongjie``; the second half-year in scoring, half the communities scored."""
    from datetime import date
    from decimal import Decimal

    from ..regions.models import Region
    from .evaluation import selectors as ev_selectors
    from .evaluation import services as ev
    from .models import EvaluationRound

    shequ, dongjie = User.objects.filter(username="shequ").first(), User.objects.filter(username="dongjie").first()
    street_region = Region.objects.filter(code="620702001").first()
    if shequ is None or dongjie is None or street_region is None or \
            EvaluationRound.objects.filter(township=street_region).exists():
        return None
    s = Actor(dongjie, "command", {"demo": True})
    year = timezone.localdate().year
    items = [(n, Decimal(w), src) for n, w, src in EVALUATION_ITEMS]
    first = ev.create_round(s, street_region, title=f"东街街道{year}年上半年社区综合考核", start=date(year, 1, 1),
                            end=date(year, 6, 30), items=items)
    second = ev.create_round(s, street_region, title=f"东街街道{year}年下半年社区综合考核", start=date(year, 7, 1),
                             end=date(year, 12, 31), items=items)
    comments = ["议事协商常态化，台账规范", "网格走访到位，群众评价较好", "活动开展偏少，需加强"]
    for rnd, share in ((first, 1.0), (second, 0.5)):
        rnd = ev.open_scoring(s, rnd)
        scored = [i for i in ev_selectors.items_of(rnd) if i.source == "scored"]
        communities = list(ev_selectors.communities_of(rnd))
        for k, c in enumerate(communities[:max(1, int(len(communities) * share))]):
            for j, item in enumerate(scored):
                # a tie between the second and third communities on purpose (same scores)
                value = Decimal(92 - 4 * (k if k < 2 else k - 1) - 3 * j)
                ev.score(s, rnd, item, c, value=value, comment=comments[(k + j) % len(comments)])
        if share == 1.0:
            ev.publish(s, rnd)
    ev.object_to(Actor(shequ, "command", {"demo": True}), EvaluationRound.objects.get(pk=first.pk),
                 "“群众满意度”一项未计入六月份入户走访问卷的结果，请予复核。")
    return "演示综合考核已生成：上半年已公布（交通巷社区异议待 dongjie 答复），下半年评分中"
