"""The demo seeds assessments, facilities, subsidies and attendance through the services,
once, and leaves work in the community worker's to-do."""

from datetime import date

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


class AccountCtx(Ctx):
    def account(self, username, role, scope, full_name):
        return User.objects.filter(username=username).first() or User.objects.create_user(
            username, password="x-Pass-2026", role=role, scope_id=scope, full_name=full_name)


def test_the_orders_demo_leaves_real_work_for_each_account(make_person, settings, tmp_path):
    from django.utils import timezone

    from jiayuan.eldercare.models import Settlement, WorkOrder
    from jiayuan.eldercare.orders import selectors as order_selectors
    from jiayuan.organizations.models import SocialOrganization
    from jiayuan.web import todo

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    for username, role, scope in (("ganzhou", "county_officer", "620702"), ("dongjie", "township_officer", "620702001"),
                                  ("shequ", "community_worker", "620702001001")):
        User.objects.create_user(username, password="x-Pass-2026", role=role, scope_id=scope, full_name=username)
    for uscc, name, kind in (("52620702MJ0002002", "甘州区颐康居家养老服务中心", "social_service_institution"),
                             ("91620702MA7A3B4C5", "张掖市甘州区福寿居家养老服务有限公司", "enterprise")):
        SocialOrganization.objects.create(name=name, kind=kind, uscc=uscc, region_id="620702")
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
    assert demo.seed_demo(AccountCtx()) is None
