"""Records of the governance app for the every-page crawl (web/tests/test_page_crawl.py):
the county officer designated handler of 甘州区's tips, and tips in each state. Contents
are ASCII here: they are stored encrypted, so the crawl cannot tell them from
untranslated text."""

from datetime import timedelta

from django.utils import timezone

from jiayuan.audit.services import Actor
from jiayuan.governance.tips import services as tip_services


def seed(users, persons) -> None:
    tip_services.designate_handler(Actor(users["admin"], "command"), users["county"], "620702")
    today = timezone.localdate()
    h = Actor(users["county"], "page")
    steps = [[], [("verify", {})], [("verify", {}), ("transfer", {"recipient": "police"})],
             [("verify", {}), ("transfer", {"recipient": "discipline"}),
              ("conclude", {"outcome": "feedback", "note": "Case opened by the police (crawl sample)"})]]
    for i, todo in enumerate(steps):
        who = "community" if i % 2 == 0 else "grid_member"
        region = "620702001001" if who == "community" else "620702001001001"
        tip = tip_services.collect_tip(Actor(users[who], "page"), region_code=region, category="organized_crime",
                                       content=f"Gravel transport monopoly by threats, sample {i + 1}",
                                       anonymous=i % 2 == 1, informant_name="" if i % 2 else "Li",
                                       informant_contact="", collected_on=today - timedelta(days=10))
        for action, fields in todo:
            tip = tip_services.act_on_tip(h, tip, action, on=today, **fields)
    seed_mediation(users)
    seed_requests(users)
    seed_bodies(users)


def seed_mediation(users) -> None:
    """A mediation committee of 交通巷社区 (the community worker its chair), cases in each
    state, a refusal, and a police report to the department ``dept`` works for."""
    from jiayuan.cases.models import Case, DepartmentMember
    from jiayuan.governance.mediation import services as med
    from jiayuan.regions.models import Region

    a = Actor(users["community"], "page")
    body = med.create_committee(a, Region.objects.get(code="620702001001"), name="交通巷社区人民调解委员会")
    chair = med.add_member(a, body, name="王调解", role="chair", user=users["community"])
    med.add_member(a, body, name="赵委员", role="member")
    med.add_member(a, body, name="钱委员", role="mediator")
    today = timezone.localdate()

    def parties(stance="agreed"):
        return [{"name": "张大山", "role": "applicant", "stance": "applied"},
                {"name": "李小河", "role": "respondent", "stance": stance}]

    def new():
        return med.open_mediation(a, {"region": "620702001001", "category": "neighbour", "start_mode": "application",
                                      "parties": parties(), "facts": "院墙漏水", "request": "赔偿"})

    new()  # registered
    cases = [new() for _ in range(3)]
    for case in cases:
        case = med.assign_mediators(a, case, [chair.pk])
        med.record_session(a, case, held_on=today - timedelta(days=20), place="调解室", record_text="释法说理")
    agreed = [Case.objects.get(pk=c.pk) for c in cases[1:]]
    for case in agreed:
        med.record_agreement(a, case, facts_and_issues="院墙漏水", terms="赔偿800元", performance_manner="现金",
                             performance_deadline=today - timedelta(days=5), signed_on=today - timedelta(days=20))
    med.record_followup(a, Case.objects.get(pk=agreed[1].pk), visited_on=today, performance="full", note="已付清")
    try:
        med.open_mediation(a, {"region": "620702001001", "category": "neighbour", "start_mode": "initiative",
                               "parties": parties("refused"), "facts": "噪音"})
    except Exception:  # noqa: BLE001  (the refusal is what the crawl needs: it is recorded)
        pass
    dept_id = DepartmentMember.objects.filter(user=users["dept"]).values_list("department_id", flat=True).first()
    if dept_id:
        med.report_police(a, Case.objects.get(pk=cases[0].pk), department_id=dept_id, risk="扬言报复")


def seed_requests(users) -> None:
    """An off-list request of ``dept`` waiting for the street, and one the street refused."""
    from jiayuan.regions.models import Region
    from jiayuan.servicecenter import services as sc

    community = Region.objects.get(code="620702001001")
    today = timezone.localdate()
    sc.assign_community_task(Actor(users["dept"], "page"), community, title="全区环境整治推进会", kind="meeting",
                             occurs_on=today)
    t = sc.assign_community_task(Actor(users["dept"], "page"), community, title="门店招牌检查评比", kind="inspection",
                                 occurs_on=today)
    sc.decide_community_task(Actor(users["township"], "page"), t, False, "不在准入清单内")


def seed_bodies(users) -> None:
    """A compact of 交通巷社区 with a filed version and a newer one, and a 红白理事会."""
    from jiayuan.governance.bodies import services as bodies
    from jiayuan.governance.bodies.selectors import body_kinds
    from jiayuan.regions.models import Region

    community = Region.objects.get(code="620702001001")
    a = Actor(users["community"], "page")
    bodies.create_body(a, community, body_kinds()["weddings_funerals"], name="交通巷社区红白理事会")
    c = bodies.create_compact(a, community, "residents", "交通巷社区居民公约")
    today = timezone.localdate()
    v1 = bodies.add_version(a, c, text="第一条 爱护公共环境。", adopted_by="residents_meeting",
                            adopted_on=today - timedelta(days=30))
    bodies.file_version(Actor(users["township"], "page"), v1, today - timedelta(days=20))
    bodies.add_version(a, c, text="第一条 爱护公共环境。第二条 红白喜事从简。", adopted_by="residents_representatives",
                       adopted_on=today)
