"""The living subsidy (养老服务补贴, assistance's elderly_care_allowance) reads the assessed
level from the latest capacity assessment, not a level typed at enrolment; a new
assessment that changes the level flags the enrollment for review."""

import datetime
from decimal import Decimal

import pytest

from jiayuan.assistance import services as assistance
from jiayuan.audit.services import Actor
from jiayuan.conftest import OWNER_COMMUNITY

from .conftest import FULL, scores

pytestmark = pytest.mark.django_db
JAN = datetime.date(2026, 1, 1)


@pytest.fixture
def params(users):
    """养老服务补贴 from January 2026: 低保 100 yuan; by level: moderate 150, severe 200, total 300."""
    assistance.set_parameters(Actor(users["city"], "page"), "elderly_care_allowance", "6207", JAN, {
        "min_age": 60, "amount_subsistence": "100.00",
        "amounts_by_capacity": {"moderate": "150.00", "severe": "200.00", "total": "300.00"}})


# 90 − 32 (自理 all 0) − 15 (运动 all 0) = 43 → 重度失能 (30–45)
SEVERE_43 = scores(eating=0, grooming=0, bathing=0, dressing_upper=0, dressing_lower=0, urine_control=0,
                   bowel_control=0, toileting=0, bed_mobility=0, transfer=0, walking=0, stairs=0)


def enroll(users, elder, level):
    return assistance.enroll(Actor(users["county"], "page"), program="elderly_care_allowance", person=elder,
                             region=OWNER_COMMUNITY, start_month=JAN,
                             inputs={"economic_status": "other", "capacity_level": level})


def test_the_assessed_level_is_taken_not_the_typed_one(params, assess, elder, users):
    assess(elder, assessed_on="2025-12-10", items=SEVERE_43)
    e = enroll(users, elder, "total")  # typed 完全失能 (300): the assessment says 重度失能 (200)
    assert e.inputs["capacity_level"] == "severe"
    assert e.amount == Decimal("200.00")


def test_never_assessed_means_no_capacity_category(params, elder, users):
    from jiayuan.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:  # economic status other, no assessment: nothing to pay
        enroll(users, elder, "total")
    assert exc.value.code == "amount.zero" and "能力等级“未评估”" in exc.value.message


def test_a_new_level_flags_the_enrollment(params, assess, elder, users):
    assess(elder, assessed_on="2025-12-10", items=SEVERE_43)
    e = enroll(users, elder, "")
    assess(elder, reason="immediate", assessed_on="2026-02-01", items=FULL, coma=True)  # → 完全失能
    e.refresh_from_db()
    assert e.flag == "capacity_changed"
    assert "重度失能 → 完全失能" in e.flag_note
    assess(elder, reason="routine", assessed_on="2026-03-01", items=FULL, coma=True)  # same level: no new flag
