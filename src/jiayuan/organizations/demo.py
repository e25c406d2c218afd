"""Demo data of social organizations and purchased-service projects (``make demo``).

Organizations of 甘州区 with codes whose check character is computed by the GB 32100
rule — among them the demo's two home-care providers (:data:`HOME_CARE_PROVIDERS`, which
the eldercare demo names by code), a federation of community social organizations and
an incubation base; two community organizations' filings waiting at each step; three
calls: one awarded with two contracted projects (milestones met, reported, coming due;
one instalment paid, one to release), one under review with scores half in, one open;
and the ten 三社联动 pilot projects of 2017–2019 (5,000,000 yuan, :data:`PILOTS`), closed.
Everything goes through the services, as the staff would, dated in the past where the
story needs it. Accounts: ``shezu`` (existing, org staff) works for 甘州区颐康居家养老服务
中心; ``yangguang`` (new) for 甘州区阳光社会工作服务中心; the experts are ``minzheng`` and
``dongjie``. Idempotent: a second run finds the first organization and does nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ..accounts.models import User
from ..audit.services import Actor
from .models import OrganizationMember, SocialOrganization
from .rules import uscc_check_character
from .services import projects as ps
from .services import registry as rs


def _code(first17: str) -> str:
    return first17 + uscc_check_character(first17)


FEDERATION = _code("51620702MJ0001001")
HOME_CARE_PROVIDERS = (_code("52620702MJ0002002"), _code("91620702MA7A3B4C5"))
"""Codes of the demo's two home-care providers: 甘州区颐康居家养老服务中心 (社会服务机构) and
张掖市甘州区福寿居家养老服务有限公司 (企业)."""
SOCIAL_WORK = _code("52620702MJ0003003")
FOUNDATION = _code("53620702MJ0004004")

ORGANIZATIONS = [
    # code, name, kind, legal representative, supervising unit, funds, service area, federation?
    (FEDERATION, "甘州区社区社会组织联合会", "social_group", "刘明德", "甘州区民政局", "30000",
     "社区社会组织的联络、培育、孵化和服务", True),
    (HOME_CARE_PROVIDERS[0], "甘州区颐康居家养老服务中心", "social_service_institution", "王秀兰", "甘州区民政局", "50000",
     "居家养老上门服务：助餐、助洁、助浴、助医、探访关爱", False),
    (HOME_CARE_PROVIDERS[1], "张掖市甘州区福寿居家养老服务有限公司", "enterprise", "陈国华", "", "1000000",
     "居家养老服务，家政服务，老年人助餐", False),
    (SOCIAL_WORK, "甘州区阳光社会工作服务中心", "social_service_institution", "赵丽娟", "甘州区民政局", "30000",
     "社会工作服务，青少年、老年人、困境家庭服务", False),
    (FOUNDATION, "甘州区乐善公益基金会", "foundation", "孙建国", "甘州区民政局", "2000000",
     "扶贫济困、助老助残、社区公益项目资助", False),
]


def seed_demo(ctx) -> str | None:
    if SocialOrganization.objects.filter(uscc=FEDERATION).exists():
        return None
    with transaction.atomic():
        return _seed(ctx)


def _seed(ctx) -> str:
    today = timezone.localdate()
    users = {u.username: u for u in User.objects.filter(username__in=["ganzhou", "dongjie", "shequ", "shezu", "minzheng"])}
    yangguang = ctx.account("yangguang", "org_staff", "620702", "阳光社会工作服务中心社工")
    county = Actor(users["ganzhou"], "command", {"demo": True})
    street = Actor(users["dongjie"], "command", {"demo": True})
    community = Actor(users["shequ"], "command", {"demo": True})
    shezu = Actor(users["shezu"], "command", {"demo": True})
    yg = Actor(yangguang, "command", {"demo": True})
    expert = Actor(users["minzheng"], "command", {"demo": True})

    orgs = {}
    streets = ["县府街", "西大街", "南环路", "北街", "东环路"]
    for i, (code, name, kind, rep, unit, funds, area, fed) in enumerate(ORGANIZATIONS):
        orgs[code] = rs.create_organization(county, {
            "name": name, "kind": kind, "uscc": code, "region": "620702", "legal_representative": rep,
            "registration_authority": "甘州区民政局" if kind != "enterprise" else "甘州区市场监督管理局",
            "registered_on": date(2015, 6, 1) + timedelta(days=40 * i), "supervising_unit": unit, "registered_funds": funds,
            "service_area": area, "phone": f"0936-82{10000 + 37 * i}", "address": f"甘州区{streets[i]} {12 + 7 * i} 号",
            "is_federation": fed})
    fed, yikang, fushou, yangg, leshan = (orgs[c] for c in (FEDERATION, *HOME_CARE_PROVIDERS, SOCIAL_WORK, FOUNDATION))
    rs.add_member(county, yikang, users["shezu"], "项目主管")
    rs.add_member(county, yangg, yangguang, "社工")
    for org, grade in ((fed, 4), (yikang, 4), (yangg, 3), (leshan, 5)):
        rs.record_rating(county, org, grade=grade, rated_on=today - timedelta(days=400), decision_ref="甘区民发〔2025〕18号")
    for org in (fed, yikang, yangg, leshan):
        rs.record_inspection(county, org, year=today.year - 1, kind="report", result="qualified",
                             submitted_on=today.replace(month=3, day=20) if today.month > 5 else today - timedelta(days=60),
                             concluded_on=today.replace(month=5, day=30) if today.month > 5 else today - timedelta(days=30))

    # community organizations: one filed, one checked (the street decides), one waiting for the community
    filed = rs.submit_filing(community, name="交通巷社区夕阳红文艺队", community="620702001001",
                             charter="第一条 本队是交通巷社区老年居民自愿组成的文艺团体。\n第二条 每周二、四在社区活动室排练。",
                             members="李桂兰\n张玉梅\n王凤英\n刘淑珍\n陈秀英", responsible_person="李桂兰",
                             filed_on=today - timedelta(days=200), service_area="文艺演出、广场舞")
    rs.check_filing(community, filed, True, "材料齐全，同意报街道")
    rs.decide_filing(street, filed, True, "同意备案")
    rs.update_organization(county, filed.organization, {"federation": fed.pk})   # joins the federation
    rs.record_activity(community, filed.organization, title="重阳节文艺汇演", held_on=today - timedelta(days=60),
                       place="交通巷社区广场", participants=120)
    checked = rs.submit_filing(community, name="交通巷社区邻里互助队", community="620702001001",
                               charter="第一条 本队以邻里互助、守望相助为宗旨。", members="赵志刚\n孙立新\n周海燕",
                               responsible_person="赵志刚", filed_on=today - timedelta(days=8))
    rs.check_filing(community, checked, True, "经初审，成员均为本社区居民")
    rs.submit_filing(community, name="交通巷社区书香读书会", community="620702001001",
                     charter="第一条 本会以全民阅读、书香社区为宗旨。", members="吴晓燕\n郑文博\n冯雪梅\n马小军",
                     responsible_person="吴晓燕", filed_on=today - timedelta(days=2))

    # the incubation base run by the federation
    base = rs.create_base(county, name="甘州区社会组织孵化基地", region="620702", operator=fed,
                          address="甘州区南街街道社会组织服务中心 2 楼", floor_area="600", opened_on=today - timedelta(days=900))
    inc = rs.admit(county, base, yangg, today - timedelta(days=800))
    rs.record_incubation_service(county, inc, kind="registration", provided_on=today - timedelta(days=780), hours="4",
                                 description="登记注册指导")
    rs.record_incubation_service(county, inc, kind="training", provided_on=today - timedelta(days=700), hours="12",
                                 description="项目设计与财务管理培训")
    rs.release(county, inc, today - timedelta(days=420), "graduated")
    inc = rs.admit(county, base, filed.organization, today - timedelta(days=150))
    rs.record_incubation_service(county, inc, kind="venue", provided_on=today - timedelta(days=140), hours="20",
                                 description="排练场地")
    rs.record_incubation_service(county, inc, kind="project_support", provided_on=today - timedelta(days=40), hours="6",
                                 description="申报社区微项目辅导")

    n_pilots = _pilot_projects(county, expert, [(yikang, shezu), (yangg, yg)])
    n_projects = _awarded_call(today, county, shezu, yg, expert, yikang, yangg, leshan) + n_pilots
    _reviewing_call(today, county, street, shezu, yg, yikang, yangg, users)
    _open_call(today, county, yg, yangg)
    return f"演示社会组织数据已生成：{len(ORGANIZATIONS) + 3} 个组织、{3 + len(PILOTS)} 个项目征集、{n_projects} 个签约项目"


LINES = lambda staff, sup, act, adm, tax: [  # noqa: E731
    {"category": "staff", "description": "专职社工人员费用", "amount": staff},
    {"category": "supervision", "description": "专业督导", "amount": sup},
    {"category": "activities", "description": "活动物资与场地", "amount": act},
    {"category": "administration", "description": "办公、交通、通讯", "amount": adm},
    {"category": "tax", "description": "税费", "amount": tax}]


def _propose(actor, call, org, title, lines, today):
    return ps.save_proposal(actor, call, org, title=title, needs="辖区独居、空巢、失能老人和困境家庭服务需求调查显示，照料与陪伴需求突出。",
                            activities="入户探访、助餐助洁、健康讲座、邻里互助小组、个案管理",
                            output_indicators="服务对象 120 人；入户探访 1,440 人次；小组活动 24 节",
                            outcome_indicators="服务对象满意度 90% 以上；建立邻里互助小组 3 个",
                            budget_lines=lines, submit=True, today=today)


def _awarded_call(today, county, shezu, yg, expert, yikang, yangg, leshan) -> int:
    call = ps.create_call(county, title="2026年甘州区三社联动项目", region="620702", purchaser="甘州区民政局",
                          budget="1000000", opens_on=today - timedelta(days=150), deadline=today - timedelta(days=125),
                          description="面向困境老人、青少年和困难家庭的社区社会工作服务。",
                          eligibility="在甘州区登记或备案的社会组织；上年度年报合格。")
    ps.add_panel_member(county, call, county.user)
    ps.add_panel_member(county, call, expert.user, conflicts=[leshan])
    p1 = _propose(shezu, call, yikang, "困境老人居家关爱服务项目", LINES("120000", "12000", "38000", "6000", "4000"),
                  today - timedelta(days=130))
    p2 = _propose(yg, call, yangg, "社区青少年成长护航项目", LINES("95000", "10000", "35000", "6000", "4000"),
                  today - timedelta(days=128))
    for p in (p1, p2):
        ps.check_eligibility(county, p, True, "符合申报条件")
    ps.start_review(county, call)
    sheets = {p1.pk: ({"needs": 90, "design": 88, "indicators": 85, "budget": 80, "capacity": 92},
                      {"needs": 86, "design": 90, "indicators": 82, "budget": 85, "capacity": 88}),
              p2.pk: ({"needs": 85, "design": 82, "indicators": 80, "budget": 78, "capacity": 84},
                      {"needs": 80, "design": 84, "indicators": 78, "budget": 82, "capacity": 80})}
    for p in (p1, p2):
        ps.score_proposal(county, p, sheets[p.pk][0])
        ps.score_proposal(expert, p, sheets[p.pk][1])
    ps.publish_notice(county, call, [p1.pk, p2.pk], published_on=today - timedelta(days=115),
                      text_="经专家评审，拟立项以下项目，公示期内如有异议请向甘州区民政局反映。")
    projects = []
    for i, (p, amount) in enumerate(((p1, "180000"), (p2, "150000")), start=1):
        signed = today - timedelta(days=100)
        projects.append(ps.contract(
            county, p, contract_number=f"GZMZ-2026-SSLD-{i:03d}", decision_ref="甘区民发〔2026〕32号", amount=amount,
            signed_on=signed, starts_on=signed, ends_on=signed + timedelta(days=364),
            milestones=[{"title": "启动与需求评估", "due_on": today - timedelta(days=70), "requirement": "需求评估报告、服务对象名册"},
                        {"title": "中期评估", "due_on": today + timedelta(days=10), "requirement": "中期报告、第三方中期评估"},
                        {"title": "结项评估", "due_on": signed + timedelta(days=364), "requirement": "结项报告、第三方末期评估"}],
            instalments=[{"percent": 30, "milestone": 1}, {"percent": 40, "milestone": 2}, {"percent": 30, "milestone": 3}],
            resident_access=i == 1))
    yk, ygp = projects
    # 颐康's contract entitles it to its residents: the county names three elders of 交通巷社区
    from ..people import selectors as people_selectors

    elders = (people_selectors.persons_for(county.user)
              .filter(region__code__startswith="620702001001", life_status="alive",
                      birth_date__lte=today - timedelta(days=365 * 70 + 17)).order_by("birth_date", "pk")[:3])
    for person in elders:
        ps.add_beneficiary(county, yk, person, today - timedelta(days=95))
    m1 = yk.milestones.get(seq=1)
    ps.submit_report(shezu, yk, period="第一阶段", content="完成 126 户需求评估，建立服务对象档案。", milestone=m1,
                     submitted_on=today - timedelta(days=72))
    ps.accept_milestone(county, m1, today - timedelta(days=68))
    ps.release_instalment(county, yk.instalments.get(seq=1), decision_ref="甘区民发〔2026〕41号",
                          released_on=today - timedelta(days=60))
    for days, what, n, sat in ((95, "入户探访", 36, "96"), (80, "助餐送餐", 58, "94"), (50, "健康讲座", 42, "98"),
                               (35, "入户探访", 40, "95")):
        ps.record_service(shezu, yk, delivered_on=today - timedelta(days=days), activity=what, people_served=n,
                          satisfaction=sat)
    # 阳光: milestone 1 met (instalment waiting to be released), milestone 2 reported (to confirm)
    g1, g2 = ygp.milestones.get(seq=1), ygp.milestones.get(seq=2)
    ps.submit_report(yg, ygp, period="第一阶段", content="完成 3 所学校 210 名青少年需求调查。", milestone=g1,
                     submitted_on=today - timedelta(days=71))
    ps.accept_milestone(county, g1, today - timedelta(days=66))
    ps.submit_report(yg, ygp, period="中期", content="开展成长小组 12 节、个案 8 个；中期自评完成。", milestone=g2,
                     submitted_on=today - timedelta(days=3))
    ps.record_evaluation(county, ygp, stage="mid_term", evaluator="张掖市社会工作评估中心", score="86.5",
                         evaluated_on=today - timedelta(days=5), summary="服务规范，记录完整")
    ps.record_service(yg, ygp, delivered_on=today - timedelta(days=45), activity="青少年成长小组", people_served=24,
                      satisfaction="92")
    return len(projects)


PILOTS = [
    # (year, month the call opens, batch, [(organization: 0 颐康 / 1 阳光, contract amount yuan)]): 10 projects,
    # 5,000,000 yuan in all, the reference city's "10 三社联动 pilot projects with 5 million yuan, 2017–2019".
    (2017, 3, "第一批", [(0, "400000"), (1, "450000")]),
    (2017, 8, "第二批", [(0, "500000"), (1, "500000")]),
    (2018, 3, "第一批", [(0, "500000"), (1, "550000")]),
    (2018, 8, "第二批", [(0, "450000"), (1, "500000")]),
    (2019, 3, "", [(0, "550000"), (1, "600000")]),
]
PILOT_TITLES = ["困境老人居家关爱服务", "社区青少年成长护航"]


def _pilot_lines(amount: Decimal) -> list[dict]:
    """Budget lines of ``amount``: staff 60 %, supervision 8 %, activities 25 %,
    administration 4 % (whole yuan), tax the rest."""
    parts = [(amount * pct / 100).quantize(Decimal("1")) for pct in (60, 8, 25, 4)]
    return LINES(*(str(x) for x in parts), str(amount - sum(parts)))


def _pilot_projects(county, expert, staff: list) -> int:
    """The 三社联动 pilot projects of 2017–2019, carried out and closed: five calls, every
    step through the services on its own dates (proposal, check, review, notice,
    contract with 30/40/30 % instalments, a service record, milestone reports and
    acceptance, payments, a final evaluation of 良好 or better so that the final
    instalment is paid in full, closing). ``staff``: ``[(organization, actor of its
    staff)]`` in the order PILOTS names them. For 2019 ``projects.count`` is 10 and
    ``projects.funds_yuan`` 5,000,000.00."""
    n = 0
    for year, month, batch, awards in PILOTS:
        opens = date(year, month, 1)
        call = ps.create_call(county, title=f"{year}年甘州区三社联动试点项目{batch}", region="620702",
                              purchaser="甘州区民政局", budget=str(sum(Decimal(a) for _i, a in awards)), opens_on=opens,
                              deadline=opens + timedelta(days=27), description="社区、社会组织、社会工作者“三社联动”试点。",
                              eligibility="在甘州区登记或备案的社会组织。")
        ps.add_panel_member(county, call, county.user)
        ps.add_panel_member(county, call, expert.user)
        chosen = []
        for k, (i, amount) in enumerate(awards):
            org, who = staff[i]
            p = _propose(who, call, org, f"{year}年{PILOT_TITLES[i]}试点项目{batch}", _pilot_lines(Decimal(amount)),
                         opens + timedelta(days=19 + k))
            ps.check_eligibility(county, p, True, "符合申报条件")
            chosen.append((p, amount, who))
        ps.start_review(county, call)
        for k, (p, _a, _w) in enumerate(chosen):
            ps.score_proposal(county, p, {"needs": 88, "design": 86 + k, "indicators": 84, "budget": 85, "capacity": 90})
            ps.score_proposal(expert, p, {"needs": 85, "design": 88, "indicators": 86 - k, "budget": 84, "capacity": 87})
        ps.publish_notice(county, call, [p.pk for p, _a, _w in chosen], published_on=opens + timedelta(days=50),
                          text_="经专家评审，拟立项以下三社联动试点项目。")
        for k, (p, amount, who) in enumerate(chosen):
            start = opens + timedelta(days=70)
            end = start + timedelta(days=364)
            n += 1
            project = ps.contract(
                county, p, contract_number=f"GZMZ-{year}-SSLD-SD-{n:02d}", decision_ref=f"甘区民发〔{year}〕{20 + n}号",
                amount=amount, signed_on=start, starts_on=start, ends_on=end,
                milestones=[{"title": "启动与需求评估", "due_on": start + timedelta(days=60)},
                            {"title": "中期评估", "due_on": start + timedelta(days=180)},
                            {"title": "结项评估", "due_on": end}],
                instalments=[{"percent": 30, "milestone": 1}, {"percent": 40, "milestone": 2},
                             {"percent": 30, "milestone": 3}])
            ps.record_service(who, project, delivered_on=start + timedelta(days=90), activity="入户探访与小组活动",
                              people_served=60 + 7 * k, satisfaction="95")
            for m in project.milestones.all():
                ps.submit_report(who, project, period=m.title, content=f"{m.title}完成，材料已报送。", milestone=m,
                                 submitted_on=m.due_on - timedelta(days=3))
                ps.accept_milestone(county, m, m.due_on)
                if m.seq == 3:
                    ps.record_evaluation(county, project, stage="final", evaluator="张掖市社会工作评估中心",
                                         score=str(86 + 2 * k), evaluated_on=m.due_on, summary="完成合同约定的服务")
                ps.release_instalment(county, project.instalments.get(milestone=m),
                                      decision_ref=f"甘区民发〔{m.due_on.year}〕{60 + 3 * n + m.seq}号",
                                      released_on=m.due_on + timedelta(days=10))
            ps.close_project(county, project, end + timedelta(days=23))
    return n


def _reviewing_call(today, county, street, shezu, yg, yikang, yangg, users):
    """A call under review: the street's expert has scored, 民政局's expert has not."""
    call = ps.create_call(county, title="2026年甘州区社区治理创新微项目", region="620702", purchaser="甘州区民政局",
                          budget="200000", opens_on=today - timedelta(days=40), deadline=today - timedelta(days=10),
                          eligible_kinds=["social_group", "social_service_institution", "community_filed"],
                          eligibility="社区社会组织优先；单个项目不超过 5 万元。")
    ps.add_panel_member(county, call, users["dongjie"])
    ps.add_panel_member(county, call, users["minzheng"])
    proposals = [
        _propose(shezu, call, yikang, "老年人防跌倒社区行动", LINES("25000", "3000", "15000", "1500", "500"),
                 today - timedelta(days=15)),
        _propose(yg, call, yangg, "“四点半课堂”社区托管", LINES("28000", "3000", "14000", "2000", "1000"),
                 today - timedelta(days=12)),
    ]
    for p in proposals:
        ps.check_eligibility(county, p, True, "符合申报条件")
    ps.start_review(county, call)
    for p, pts in zip(proposals, ({"needs": 85, "design": 80, "indicators": 78, "budget": 82, "capacity": 86},
                                  {"needs": 88, "design": 86, "indicators": 84, "budget": 80, "capacity": 82})):
        ps.score_proposal(street, p, pts)


def _open_call(today, county, yg, yangg):
    """An open call: 阳光 has submitted (the county checks it); 颐康 (shezu) has not yet."""
    call = ps.create_call(county, title="2027年甘州区社区居家养老服务项目", region="620702", purchaser="甘州区民政局",
                          budget="600000", opens_on=today - timedelta(days=5), deadline=today + timedelta(days=25),
                          eligible_kinds=["social_service_institution", "enterprise"], min_rating=3,
                          eligibility="具有居家养老服务能力；评估等级 3A 及以上。")
    _propose(yg, call, yangg, "社区老年人精神关爱项目", LINES("90000", "10000", "30000", "6000", "4000"), today)
