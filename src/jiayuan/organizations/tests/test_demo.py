"""The demo: seeded through the services, idempotent, and every demo account of the module
finds work waiting in its to-do."""

from decimal import Decimal

import pytest
from django.utils import timezone

from jiayuan.accounts.models import User
from jiayuan.audit.services import Actor
from jiayuan.organizations import demo
from jiayuan.organizations.models import ServiceProject, SocialOrganization
from jiayuan.organizations.rules import check_uscc
from jiayuan.regions.models import Region
from jiayuan.stats import registry
from jiayuan.stats.rules import parse_period
from jiayuan.web import todo
from jiayuan.web.management.commands.demo_setup import DemoContext

pytestmark = pytest.mark.django_db

ACCOUNTS = [("ganzhou", "county_officer", "620702"), ("dongjie", "township_officer", "620702001"),
            ("shequ", "community_worker", "620702001001"), ("shezu", "org_staff", "620702"),
            ("minzheng", "department_staff", "620702")]


def test_the_demo_seeds_once_and_every_account_has_work(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for name, role, scope in ACCOUNTS:
        User.objects.create(username=name, role=role, scope_id=scope, full_name=name)
    ctx = DemoContext(Actor(None, "command", {"demo": True}), "Demo-pass-2026")
    assert demo.seed_demo(ctx).startswith("演示社会组织数据已生成")
    assert demo.seed_demo(ctx) is None
    assert [a[0] for a in ctx.accounts] == ["yangguang"]
    for code in (demo.FEDERATION, *demo.HOME_CARE_PROVIDERS, demo.SOCIAL_WORK, demo.FOUNDATION):
        org = SocialOrganization.objects.get(uscc=code)
        assert check_uscc(code, org.kind) == code
    assert ServiceProject.objects.count() == 12  # the two of this year's call and the ten pilots of 2017–2019
    member = SocialOrganization.objects.get(name="交通巷社区夕阳红文艺队")   # filed, joined the federation
    assert member.federation.uscc == demo.FEDERATION and member.federation.is_federation
    # the indicators of the reference city's report: 10 pilot projects with 5 million yuan, 2017–2019
    city = Region.objects.get(code="6207")
    assert registry.value("projects.count", city, parse_period("2019")) == 10
    assert registry.value("projects.funds_yuan", city, parse_period("2019")) == Decimal("5000000.00")
    this_year = parse_period(str(timezone.localdate().year))
    assert registry.value("projects.count", city, this_year) == 12
    assert registry.value("projects.funds_yuan", city, this_year) == Decimal("5330000.00")  # + 180,000 + 150,000
    assert not ServiceProject.objects.filter(signed_on__year__lte=2019).exclude(status="closed").exists()
    waiting = {}
    for name in ("ganzhou", "dongjie", "shequ", "shezu", "minzheng", "yangguang"):
        user = User.objects.get(username=name)
        waiting[name] = {g.source.code: g.count for g in todo.counts(user) if g.count
                         and g.source.code in {s.code for s in todo.registered()
                                               if s.list_url(user).startswith("/organizations/")}}
    # 颐康: the open call, its proposal under review, its active contract (the pilots are closed)
    assert waiting["shezu"] == {"org_open_calls": 1, "org_milestones_due": 1, "org_services_to_record": 1,
                                "org_proposals": 1, "org_contracts": 1}
    assert waiting["yangguang"]["org_services_to_record"] == 1
    assert waiting["yangguang"]["org_proposals"] == 2 and waiting["yangguang"]["org_contracts"] == 1
    assert waiting["ganzhou"] == {"proposals_to_check": 1, "milestones_to_confirm": 1, "instalments_to_release": 1}
    assert waiting["minzheng"] == {"proposals_to_score": 2}
    assert waiting["dongjie"] == {"filings_waiting": 1}
    assert waiting["shequ"] == {"filings_waiting": 1}
