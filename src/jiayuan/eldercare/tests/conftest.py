from datetime import date

import pytest

from jiayuan.audit.services import Actor
from jiayuan.conftest import GRID
from jiayuan.eldercare import services

FULL = {"eating": 4, "grooming": 4, "bathing": 4, "dressing_upper": 4, "dressing_lower": 4, "urine_control": 4,
        "bowel_control": 4, "toileting": 4, "bed_mobility": 4, "transfer": 4, "walking": 4, "stairs": 3,
        "time_orientation": 4, "place_orientation": 4, "person_orientation": 4, "memory": 4, "comprehension": 4,
        "expression": 4, "aggression": 1, "depression": 1, "consciousness": 2, "vision": 2, "hearing": 2,
        "daily_affairs": 4, "transport": 3, "social_interaction": 4}


def scores(**low) -> dict:
    """Every item at its maximum (90) except those given."""
    return {**FULL, **low}


# 自理 all 2 (16 of 32 lost), 运动 bed 2 transfer 2 walking 2 stairs 2 (6 + 1 = 7 of 15 lost):
# 90 − 16 − 7 = 67 → 轻度失能 (66–89)
MILD_67 = scores(eating=2, grooming=2, bathing=2, dressing_upper=2, dressing_lower=2, urine_control=2,
                 bowel_control=2, toileting=2, bed_mobility=2, transfer=2, walking=2, stairs=2)


@pytest.fixture
def elder(make_person):
    """王桂兰, born 1948-03-12, of 交通巷社区's first grid."""
    return make_person(region=GRID, name="王桂兰", birth=date(1948, 3, 12), sex_for_id=2)


@pytest.fixture
def assess(users):
    """``assess(person, who="community", **kw)`` through the service; assessors default
    to the community worker and the township officer."""

    def do(person, who="community", **kw):
        kw.setdefault("reason", "first")
        kw.setdefault("assessed_on", "2026-03-01")
        kw.setdefault("assessor_1", users["community"].pk)
        kw.setdefault("assessor_2", users["township"].pk)
        kw.setdefault("items", MILD_67)
        return services.record_assessment(Actor(users[who], "page"), person, today=date(2026, 12, 6), **kw)

    return do
