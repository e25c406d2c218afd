"""The governance demo seeds what the README promises, and a second run adds nothing."""

import pytest
from django.db.models import Count

from jiayuan.audit.services import Actor
from jiayuan.conftest import _make_user
from jiayuan.governance import demo
from jiayuan.governance.models import MediationAgreement, MediationRefusal, Tip
from jiayuan.web.management.commands.demo_setup import DemoContext

pytestmark = pytest.mark.django_db


def test_demo_seeds_tips_mediation_cases_and_requests(users, settings):
    for name, role, scope in (("shequ", "community_worker", "620702001001"),
                              ("wangge", "grid_member", "620702001001001"), ("dongjie", "township_officer", "620702001"),
                              ("minzheng", "department_staff", "620702"), ("chengguan", "department_staff", "620702"),
                              ("zhujian", "department_staff", "620702")):
        _make_user(name, role, scope)
    ctx = DemoContext(Actor(None, "command"), "Demo-pass-2026")
    assert demo.seed_demo(ctx)
    assert sorted(set(Tip.objects.values_list("state", flat=True))) == ["collected", "concluded", "transferred",
                                                                        "verified"]
    assert Tip.objects.exclude(transferred_on=None).count() == 5
    assert MediationAgreement.objects.count() == 2 and MediationRefusal.objects.count() == 1
    assert ctx.accounts[0][0] == "xiansuo"
    from jiayuan.servicecenter.models import CommunityTask

    assert sorted(CommunityTask.objects.values_list("status", flat=True).distinct()) == [
        "accepted", "approved", "pending", "refused", "rejected"]
    assert CommunityTask.objects.filter(status="pending").count() == 2
    from jiayuan.governance.models import CompactVersion

    assert [(v.number, v.filed_on is None) for v in CompactVersion.objects.order_by("number")] == [
        (1, False), (2, True)]
    from jiayuan.governance.models import BodyMember

    members = dict(BodyMember.objects.filter(body__kind__code__in=("public_security", "weddings_funerals"))
                   .values_list("body__kind__code").annotate(n=Count("id")))
    assert members == {"public_security": 2, "weddings_funerals": 3}
    assert demo.seed_demo(ctx) is None
    assert Tip.objects.count() == 7



def test_demo_seeds_committees_volunteers_and_evaluation_with_waiting_work(users, make_person):
    from datetime import date

    from jiayuan.governance.evaluation import selectors as ev
    from jiayuan.governance.models import EvaluationRound, ServiceCertificate, Volunteer
    from jiayuan.governance.bodies import selectors as bodies
    from jiayuan.governance.volunteers import selectors as vol

    made = {name: _make_user(name, role, scope) for name, role, scope in (
        ("shequ", "community_worker", "620702001001"), ("dongjie", "township_officer", "620702001"))}
    for i in range(4):
        make_person(name="志愿者" + "甲乙丙丁"[i], birth=date(1985 + i, 3, 1))
    ctx = DemoContext(Actor(None, "command"), "Demo-pass-2026")
    assert demo.seed_committees(ctx) and demo.seed_volunteers(ctx) and demo.seed_evaluation(ctx)
    today = date.today()
    assert [b.name for b in bodies.committees_due_for_election(made["dongjie"], today)] == ["交通巷社区居民委员会"]
    assert Volunteer.objects.count() == 4 and ServiceCertificate.objects.count() == 1
    assert vol.to_confirm(made["dongjie"]).count() == 3 and vol.to_confirm(made["shequ"]).count() == 1
    states = sorted(EvaluationRound.objects.values_list("state", flat=True))
    assert states == ["published", "scoring"]
    assert len(ev.rounds_to_score(made["dongjie"])) == 1 and ev.objections_to_answer(made["dongjie"]).count() == 1
    published = EvaluationRound.objects.get(state="published")
    ranks = [r["rank"] for r in ev.results(published)["rows"]]
    assert len(set(ranks)) < len(ranks)  # a tie on purpose (two communities scored alike)
    assert demo.seed_committees(ctx) is None and demo.seed_volunteers(ctx) is None and demo.seed_evaluation(ctx) is None
