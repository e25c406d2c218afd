"""On the demo's facilities (``facilities.demo.seed_demo``), the figures of the city's
report for 张掖市 read like the reference city's: every urban community with a one-stop
center and a facility (100 %), about half of the villages covered; a second run adds
nothing."""

from decimal import Decimal

import pytest
from django.utils import timezone

from jiayuan.accounts.models import User
from jiayuan.audit.services import Actor
from jiayuan.facilities import demo
from jiayuan.facilities.models import ServiceFacility
from jiayuan.regions.models import Region
from jiayuan.stats import registry
from jiayuan.stats.rules import parse_period

pytestmark = pytest.mark.django_db


class Ctx:
    def __init__(self):
        self.actor = Actor(None, "command")

    def account(self, username, role, scope, full_name):
        return User.objects.filter(username=username).first() or User.objects.create_user(
            username, password="x-Pass-2026", role=role, scope_id=scope, full_name=full_name)


def test_demo_facilities_give_the_city_plausible_figures(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    assert demo.seed_demo(Ctx())
    city, year = Region.objects.get(code="6207"), parse_period(str(timezone.localdate().year))
    urban = Region.objects.filter(level="village", kind="community", code__startswith="6207").count()
    villages = Region.objects.filter(level="village", kind="village", code__startswith="6207")
    even = sum(1 for v in villages if int(v.code[-3:]) % 2 == 0)
    # one centre in every urban community; villages with an even code, plus the demo's odd
    # ones in 六坝镇 (at most three own and one shared)
    assert registry.value("servicecenter.one_stop_centers", city, year) == urban
    assert registry.value("servicecenter.one_stop_coverage", city, year) == Decimal("100.0")
    assert registry.value("facilities.coverage_urban", city, year) == Decimal("100.0")
    rural = registry.value("facilities.coverage_rural", city, year)
    total = villages.count()
    assert Decimal(even) * 100 / total - Decimal("0.1") <= rural <= Decimal(even + 4) * 100 / total + Decimal("0.1")
    assert 45 <= rural <= 55
    assert registry.value("funds.per_community_min", city, year) == Decimal("45000.00")
    assert registry.value("funds.per_community_max", city, year) == Decimal("96000.00")
    n = ServiceFacility.objects.count()
    assert demo.seed_demo(Ctx()) is None and ServiceFacility.objects.count() == n
