"""The governance demo seeds what the README promises, and a second run adds nothing."""

import pytest

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
    assert demo.seed_demo(ctx) is None
    assert Tip.objects.count() == 7
