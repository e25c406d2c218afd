"""Records of the organizations pages for the every-page crawl (web/tests/test_page_crawl.py):
organizations of every kind, a filing at each step, an incubation base, a call under
review with a panel (the township and ``dept``), and a contracted project with a paid
instalment, a report, a service record and an evaluation — so that every page and
every label of the module is shown to the roles that reach it."""

from datetime import timedelta

from django.utils import timezone

from jiayuan.audit.services import Actor
from jiayuan.organizations.models import OrganizationMember
from jiayuan.organizations.rules import uscc_check_character
from jiayuan.organizations.services import projects as ps
from jiayuan.organizations.services import registry as rs


def _code(first17: str) -> str:
    return first17 + uscc_check_character(first17)


LINES = [{"category": "staff", "description": "社工", "amount": "60000"},
         {"category": "supervision", "description": "督导", "amount": "6000"},
         {"category": "activities", "description": "活动", "amount": "20000"},
         {"category": "administration", "description": "行政", "amount": "3000"},
         {"category": "tax", "description": "税费", "amount": "1000"}]


def seed(users, persons) -> None:
    today = timezone.localdate()
    county, township = Actor(users["county"], "page"), Actor(users["township"], "page")
    community, staff = Actor(users["community"], "page"), Actor(users["org"], "page")
    fed = rs.create_organization(county, {"name": "甘州区社区社会组织联合会", "kind": "social_group", "uscc": _code(
        "51620702MJ0101001"), "region": "620702", "is_federation": True, "registered_funds": "30000"})
    home = rs.create_organization(county, {"name": "甘州区颐康居家养老服务中心", "kind": "social_service_institution",
                                           "uscc": _code("52620702MJ0102002"), "region": "620702",
                                           "legal_representative": "王秀兰", "phone": "0936-8212345"})
    other = rs.create_organization(county, {"name": "甘州区福寿养老服务有限公司", "kind": "enterprise",
                                            "uscc": _code("91620702MA0103003"), "region": "620702"})
    OrganizationMember.objects.create(organization=home, user=users["org"], position="负责人")
    OrganizationMember.objects.create(organization=other, user=users["org"], position="项目助理")
    rs.record_rating(county, home, grade=4, rated_on=today - timedelta(days=100), decision_ref="甘区民发〔2026〕5号")
    rs.record_inspection(county, home, year=today.year - 1, result="qualified", concluded_on=today - timedelta(days=30))
    rs.record_activity(staff, home, title="助老志愿服务日", held_on=today - timedelta(days=3), participants=30)
    filed = rs.submit_filing(community, name="交通巷社区夕阳红文艺队", community="620702001001", charter="第一条 宗旨",
                             members="甲某\n乙某\n丙某", responsible_person="甲某")
    rs.check_filing(community, filed, True, "材料齐全")
    rs.decide_filing(township, filed, True, "同意")
    rs.submit_filing(community, name="交通巷社区邻里互助队", community="620702001001", charter="第一条 宗旨",
                     members="丁某\n戊某\n己某", responsible_person="丁某")
    base = rs.create_base(county, name="甘州区社会组织孵化基地", region="620702", operator=fed)
    inc = rs.admit(county, base, filed.organization, today - timedelta(days=60))
    rs.record_incubation_service(county, inc, kind="training", provided_on=today - timedelta(days=50), hours="6")

    call = ps.create_call(county, title="三社联动项目", region="620702", purchaser="甘州区民政局", budget="300000",
                          opens_on=today - timedelta(days=60), deadline=today - timedelta(days=35),
                          eligible_kinds=["social_service_institution", "enterprise"])
    ps.add_panel_member(county, call, users["township"])
    ps.add_panel_member(county, call, users["dept"], conflicts=[other])
    p = ps.save_proposal(staff, call, home, title="困境老人关爱项目", needs="需求", activities="活动",
                         output_indicators="产出", outcome_indicators="成效", budget_lines=LINES, submit=True,
                         today=today - timedelta(days=40))
    # a second proposal, selected but not contracted (the contract page); ``dept`` is recused from it
    p2 = ps.save_proposal(staff, call, other, title="社区助餐点项目", needs="需求", activities="活动",
                          output_indicators="产出", outcome_indicators="成效", budget_lines=LINES, submit=True,
                         today=today - timedelta(days=40))
    ps.check_eligibility(county, p, True)
    ps.check_eligibility(county, p2, True)
    ps.start_review(county, call)
    pts = {"needs": 85, "design": 80, "indicators": 80, "budget": 75, "capacity": 90}
    ps.score_proposal(township, p, pts)
    ps.score_proposal(Actor(users["dept"], "page"), p, pts)
    ps.score_proposal(township, p2, pts)
    ps.publish_notice(county, call, [p.pk, p2.pk], published_on=today - timedelta(days=30))
    project = ps.contract(county, p, contract_number="GZ-2026-009", decision_ref="甘区民发〔2026〕9号", amount="90000",
                          signed_on=today - timedelta(days=20), starts_on=today - timedelta(days=20),
                          ends_on=today + timedelta(days=300),
                          milestones=[{"title": "启动", "due_on": today - timedelta(days=5)},
                                      {"title": "结项", "due_on": today + timedelta(days=300)}],
                          instalments=[{"percent": 40, "milestone": 1}, {"percent": 60, "milestone": 2}],
                          resident_access=True)
    # residents the contract entitles the organization to serve (the staff's and the county's sections)
    for person in [p for p in persons.values() if p.region_id.startswith("620702")][:2]:
        ps.add_beneficiary(county, project, person)
    m1 = project.milestones.get(seq=1)
    ps.submit_report(staff, project, period="第一阶段", content="完成需求评估", milestone=m1)
    ps.accept_milestone(county, m1)
    ps.release_instalment(county, project.instalments.get(seq=1), decision_ref="甘区民发〔2026〕10号")
    ps.record_service(staff, project, delivered_on=today, activity="入户探访", people_served=10, satisfaction="96")
    ps.record_evaluation(county, project, stage="mid_term", evaluator="评估中心", score="88", evaluated_on=today)
    # a second call still open, with a proposal under eligibility check from the other organization
    open_call = ps.create_call(county, title="社区养老服务项目", region="620702", purchaser="甘州区民政局", budget="100000",
                               opens_on=today, deadline=today + timedelta(days=20))
    ps.add_panel_member(county, open_call, users["city"])
