"""The demo seeds assessments, facilities, subsidies and attendance through the services,
once, and leaves work in the community worker's to-do."""

from datetime import date, timedelta

import pytest

from jiayuan.accounts.models import User
from jiayuan.audit.services import Actor
from jiayuan.conftest import GRID
from jiayuan.eldercare import demo, selectors
from jiayuan.eldercare.models import CapacityAssessment, DayCareCenter

pytestmark = pytest.mark.django_db


class Ctx:
    def __init__(self):
        self.actor = Actor(None, "command")


def test_the_demo_seeds_once_with_work_waiting(make_person, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for username, role, scope in (("ganzhou", "county_officer", "620702"), ("dongjie", "township_officer", "620702001"),
                                  ("shequ", "community_worker", "620702001001")):
        User.objects.create_user(username, password="x-Pass-2026", role=role, scope_id=scope, full_name=username)
    names = ["赵一兰", "钱二妹", "孙三宝", "李四海", "周五福", "吴六顺", "郑七巧", "王八斗"]
    for i, name in enumerate(names):
        make_person(region=GRID, name=name, birth=date(1940 + i, 3, 1))
    summary = demo.seed_demo(Ctx())
    assert summary and "能力评估 9 次（8 位老人）" in summary
    levels = sorted(selectors.latest_only(CapacityAssessment.objects.all()).values_list("level", flat=True))
    assert levels == sorted(["intact", "mild", "moderate", "severe", "moderate", "severe", "total", "total"])
    shequ = User.objects.get(username="shequ")
    assert [a.person.name for a in selectors.reassessments_due(shequ)] == ["王八斗"]
    assert DayCareCenter.objects.count() == 5
    cov = selectors.coverage(User.objects.get(username="ganzhou"), None, date.today())
    assert cov.urban_served == 5 and cov.rural_served == 2
    from jiayuan.eldercare.models import Entitlement, HomeCareItem

    assert HomeCareItem.objects.count() == 10
    # severe/total elders: 李四海 (64 → severe), 吴六顺 (41 severe), 郑七巧 (→ total), 王八斗 (coma): first two approved
    assert Entitlement.objects.count() == 2
    ganzhou = User.objects.get(username="ganzhou")
    assert selectors.eligible_without_entitlement(ganzhou, date.today()).count() == 5  # 8 − intact − 2 approved
    assert demo.seed_demo(Ctx()) is None


def make_providers():
    """The two home-care providers exactly as the organizations demo registers them
    (regression: the orders demo looked them up by 17-character codes without the check
    character, found neither, and silently seeded no provider, account or order)."""
    from jiayuan.organizations import demo as org_demo
    from jiayuan.organizations.models import SocialOrganization

    for row in org_demo.ORGANIZATIONS:
        if row[0] in org_demo.HOME_CARE_PROVIDERS:
            SocialOrganization.objects.create(uscc=row[0], name=row[1], kind=row[2], region_id="620702")


class AccountCtx(Ctx):
    def account(self, username, role, scope, full_name):
        return User.objects.filter(username=username).first() or User.objects.create_user(
            username, password="x-Pass-2026", role=role, scope_id=scope, full_name=full_name)


def test_the_orders_demo_leaves_real_work_for_each_account(make_person, settings, tmp_path):
    from django.utils import timezone

    from jiayuan.eldercare.models import Settlement, WorkOrder
    from jiayuan.eldercare.orders import selectors as order_selectors
    from jiayuan.web import todo

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    for username, role, scope in (("ganzhou", "county_officer", "620702"), ("dongjie", "township_officer", "620702001"),
                                  ("shequ", "community_worker", "620702001001")):
        User.objects.create_user(username, password="x-Pass-2026", role=role, scope_id=scope, full_name=username)
    make_providers()
    names = ["赵一兰", "钱二妹", "孙三宝", "李四海", "周五福", "吴六顺", "郑七巧", "王八斗"]
    for i, name in enumerate(names):
        make_person(region=GRID, name=name, birth=date(1940 + i, 3, 1))
    summary = demo.seed_demo(AccountCtx())
    assert "居家养老服务" in summary and "上月结算" in summary
    today = timezone.localdate()
    huli = User.objects.get(username="huli")
    assert order_selectors.worker_day(huli, today), "the care worker has today's orders on the phone"
    assert WorkOrder.objects.filter(status="done").exists()
    statuses = sorted(Settlement.objects.values_list("status", flat=True))
    assert statuses == ["approved", "draft"]
    for who in ("huli", "yikang", "fushou", "ganzhou", "shequ", "city"):
        user = User.objects.get(username=who)
        waiting = sum(s.count(user) for s in todo.sources_for(user) if s.code.startswith("eldercare_"))
        assert waiting > 0, who
    # one of last month's orders was dispatched and never checked in: overdue for its dispatcher
    late = [o for u in ("yikang", "fushou")
            for o in order_selectors.overdue_for_dispatcher(User.objects.get(username=u), today)]
    assert [(o.status, o.month < today.replace(day=1)) for o in late] == [("dispatched", True)]
    assert demo.seed_demo(AccountCtx()) is None


def test_every_eldercare_indicator_has_a_value_on_the_demo(make_person, settings, tmp_path):
    """Regression: on a fresh demo-setup the home-care demo seeded nothing (see
    :func:`make_providers`), no 养老服务补贴 was paid and no construction subsidy fell in the
    year, so home_care_persons, living_subsidy_yuan and construction_subsidy_yuan were 0 for
    张掖市; operating_subsidy_yuan came back as Decimal('98000') without its places."""
    from decimal import Decimal

    from django.utils import timezone

    from jiayuan.regions.models import Region
    from jiayuan.stats import registry
    from jiayuan.stats.rules import parse_period

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    for username, role, scope in (("ganzhou", "county_officer", "620702"), ("dongjie", "township_officer", "620702001"),
                                  ("shequ", "community_worker", "620702001001")):
        User.objects.create_user(username, password="x-Pass-2026", role=role, scope_id=scope, full_name=username)
    assert User.objects.filter(username="city").exists()  # the city's officer approves the batch (four eyes)
    make_providers()
    names = ["赵一兰", "钱二妹", "孙三宝", "李四海", "周五福", "吴六顺", "郑七巧", "王八斗"]
    for i, name in enumerate(names):
        make_person(region=GRID, name=name, birth=date(1940 + i, 3, 1))
    summary = demo.seed_demo(AccountCtx())
    assert "养老服务补贴" in summary and "建设补贴" in summary
    for who in ("yikang", "huli", "fushou", "fshuli"):
        assert User.objects.filter(username=who, role="org_staff").exists(), who
    today = timezone.localdate()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    city, year = Region.objects.get(code="6207"), parse_period(str(last_month.year))

    def value(code):
        return registry.value(f"eldercare.{code}", city, year)

    assert value("home_care_persons") > 0  # last month's orders were all done and confirmed
    # 养老服务补贴 for last month, by the latest assessed level (demo PROFILES; parameters
    # moderate 150, severe 200, total 300): 72 → 中度 (F01) 150, 64 → 重度 (two falls) 200,
    # 50 中度 150, 41 重度 200, 32 → 完全 (F03) 300, coma 完全 300 = 1,300.00; 能力完好 and 轻度 none.
    assert str(value("living_subsidy_yuan")) == "1300.00"
    # the upgrade of 交通巷社区日间照料中心 (the centers' builds were approved 2018–2022)
    assert str(value("construction_subsidy_yuan")) == "120000.00"
    # operating subsidies of this and last year: 36,000 + 30,000 + 12,000 + 10,000 + 10,000
    assert str(value("operating_subsidy_yuan")) == "98000.00"
    assert value("person_visits") > 0 and value("day_care_centers") == 4  # 2 day-care centers + 2 mutual-aid homes
    for code in ("day_care_coverage_urban", "day_care_coverage_rural"):
        assert value(code) > Decimal("0"), code
    assert demo.seed_demo(AccountCtx()) is None
