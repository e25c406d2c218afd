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
    seed_committee(users)
    seed_volunteers(users, persons)
    seed_evaluation(users)


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
    wf = bodies.create_body(a, community, body_kinds()["weddings_funerals"], name="交通巷社区红白理事会")
    from jiayuan.governance.mediation import services as members

    members.add_member(a, wf, name="孙理事", role="chair", phone="13800000002")
    c = bodies.create_compact(a, community, "residents", "交通巷社区居民公约")
    today = timezone.localdate()
    v1 = bodies.add_version(a, c, text="第一条 爱护公共环境。", adopted_by="residents_meeting",
                            adopted_on=today - timedelta(days=30))
    bodies.file_version(Actor(users["township"], "page"), v1, today - timedelta(days=20))
    bodies.add_version(a, c, text="第一条 爱护公共环境。第二条 红白喜事从简。", adopted_by="residents_representatives",
                       adopted_on=today)


def seed_committee(users) -> None:
    """交通巷社区居民委员会 with an election (members and terms on the body's page)."""
    from jiayuan.governance.bodies import services as bodies
    from jiayuan.governance.bodies.selectors import body_kinds
    from jiayuan.regions.models import Region

    a = Actor(users["township"], "page")
    body = bodies.create_body(a, Region.objects.get(code="620702001001"), body_kinds()["residents_committee"],
                              name="交通巷社区居民委员会")
    bodies.record_election(a, body, held_on=timezone.localdate() - timedelta(days=100), method="household",
                           eligible=900, cast=800, elected=[("王主任", "chair", 700), ("李副主任", "vice_chair", 650),
                                                            ("赵委员", "member", 600), ("钱委员", "member", 590),
                                                            ("孙委员", "member", 580)])


def seed_volunteers(users, persons) -> None:
    """A team, two volunteers, an activity with hours (one confirmed, one waiting), a
    record of service."""
    from jiayuan.governance.activities import services as acts
    from jiayuan.governance.models import ActivityKind
    from jiayuan.governance.volunteers import services as vol
    from jiayuan.regions.models import Region

    a, t = Actor(users["community"], "page"), Actor(users["township"], "page")
    community = Region.objects.get(code="620702001001")
    today = timezone.localdate()
    team = vol.create_team(a, community, "交通巷社区志愿服务队")
    people = [p for name, p in persons.items() if name in ("张伟", "陈勇")]
    vs = [vol.register_volunteer(a, team, p.id_number) for p in people]
    act = acts.create_activity(a, community, ActivityKind.objects.get(code="moral_lecture"), title="道德讲堂：邻里守望",
                               held_on=today - timedelta(days=2), organizer_name="交通巷社区居民委员会",
                               speakers="李老师", participant_count=30, place="社区活动室", participants=people[:1])
    for v in vs:
        r = vol.record_service(a, v, served_on=act.held_on, content="会场布置", hours="2", evaluation="good", activity=act)
    vol.confirm_service(t, r)
    vol.issue_certificate(a, vs[-1])
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 3), (10, 120, 200)).save(buf, "PNG")
    acts.add_photos(a, act, [SimpleUploadedFile("lecture.png", buf.getvalue())])


def seed_evaluation(users) -> None:
    """东街街道's round, published with every score, and an objection of 交通巷社区."""
    from decimal import Decimal

    from jiayuan.governance.evaluation import selectors as ev_selectors
    from jiayuan.governance.evaluation import services as ev
    from jiayuan.regions.models import Region

    t = Actor(users["township"], "page")
    year = timezone.localdate().year
    from datetime import date

    rnd = ev.create_round(t, Region.objects.get(code="620702001"), title="东街街道上半年社区综合考核",
                          start=date(year, 1, 1), end=date(year, 6, 30),
                          items=[("社区治理实绩", Decimal(60), "scored"), ("案件按期办结率", Decimal(20), "cases_on_time"),
                                 ("居民信息入户率", Decimal(20), "registry_households")])
    rnd = ev.open_scoring(t, rnd)
    item = [i for i in ev_selectors.items_of(rnd) if i.source == "scored"][0]
    for c in ev_selectors.communities_of(rnd):
        ev.score(t, rnd, item, c, value=Decimal(85), comment="台账规范")
    rnd = ev.publish(t, rnd)
    ev.object_to(Actor(users["community"], "page"), rnd, "入户走访问卷未计入")
