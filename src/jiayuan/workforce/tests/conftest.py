"""Fixtures of the workforce tests: workers of 东街街道 registered through the services."""

from datetime import date

import pytest

from jiayuan.audit.services import Actor
from jiayuan.conftest import make_id_number
from jiayuan.workforce import services

JIAOTONGXIANG = "620702001001"
GANQUAN = "620702001005"
DONGJIE = "620702001"


@pytest.fixture
def township(users):
    return Actor(users["township"], "page")


@pytest.fixture
def worker(township, make_person):
    """Factory: ``worker(name, community=交通巷, post="other", grade=3, since=…, started=…)``."""
    seq = iter(range(1, 500))

    def make(name="李娜", community=JIAOTONGXIANG, post="other", grade=3, since=date(2019, 7, 1),
             started=date(2016, 7, 1), **more):
        person = make_person(region=community, name=name,
                             id_number=make_id_number(date(1985, 1, next(seq) % 28 + 1), 2))
        return services.register_worker(township, person, {
            "community": community, "post": post, "grade": grade, "grade_since": since, "started_on": started, **more})
    return make
