"""Fixtures of the facilities tests: facilities and registry households placed by hand,
so that coverage and m² per 100 households can be worked out on paper."""

from decimal import Decimal

import pytest

from jiayuan.audit.services import Actor
from jiayuan.facilities import services
from jiayuan.people.models import Household

JIAOTONGXIANG = "620702001001"   # 交通巷社区
GANQUAN = "620702001005"         # 甘泉社区
DONGJIE = "620702001"            # 东街街道: five urban communities (001, 005, 006, 007, 008)
LIANGJIADUN = "620702100"        # 梁家墩镇: ten villages (200–209)
LIANGJIADUN_VILLAGE = "620702100200"


@pytest.fixture
def households(db):
    """Factory: ``households(community_code, n)`` makes n registry households there."""
    def make(code: str, n: int):
        start = Household.objects.filter(community_id=code).count()
        Household.objects.bulk_create([Household(number=f"H{start + i:04d}", community_id=code, region_id=code)
                                       for i in range(n)])
    return make


@pytest.fixture
def facility(users):
    """Factory: ``facility(region, area, status="in_use", name=…)`` recorded as the county officer."""
    def make(region: str, area: str, status: str = "in_use", name: str = "综合服务中心", **more):
        return services.create_facility(Actor(users["county"], "command"), {
            "name": name, "region": region, "address": "甘州区某路1号", "floor_area": area, "status": status,
            "opening_hours": "周一至周日 8:30—18:00", **more})
    return make


@pytest.fixture
def dongjie(households, facility):
    """东街街道 by hand: 交通巷 3 households, a centre of 450 m² in use and an old one of
    150 m² closed; 甘泉 7 households and 300 m²; the other three communities nothing.
    Urban: 2 of 5 covered (40.0 %), 750 m², 10 households → 7500.00 m² per 100."""
    households(JIAOTONGXIANG, 3)
    households(GANQUAN, 7)
    a = facility(JIAOTONGXIANG, "450", name="交通巷社区综合服务中心")
    facility(JIAOTONGXIANG, "150", status="closed", name="交通巷社区老活动室")
    facility(GANQUAN, "300", name="甘泉社区党群服务中心")
    return a


AREA = Decimal
