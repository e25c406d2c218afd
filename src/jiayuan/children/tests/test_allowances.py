"""Children's allowances (孤儿基本生活费, 事实无人抚养儿童基本生活补贴) as assistance programs:
the rule worked by hand, enrolment from the file, and the monthly batch paying it.

Parameters of the tests (not a province's real standard): orphans 1,500.00 in an
institution and 1,100.00 at home; 事实无人抚养 1,100.00; difference rule (补差) by default.
"""

import datetime
from decimal import Decimal

import pytest

from jiayuan.assistance import rules
from jiayuan.audit.services import Actor
from jiayuan.children import services
from jiayuan.children.models import ChildFile
from jiayuan.conftest import make_id_number
from jiayuan.errors import ValidationFailed

D = datetime.date
ORPHAN = {"standard_institution": "1500.00", "standard_home": "1100.00", "full_with_assistance": False}
DE_FACTO = {"standard": "1100.00", "full_with_assistance": False}
BORN = D(2008, 6, 15)   # 18 on 2026-06-15


@pytest.mark.parametrize("program, params, inputs, month, amount, failed", [
    # an orphan at home: the home standard
    ("orphan_allowance", ORPHAN, {"category_confirmed": True, "care_setting": "home"}, D(2026, 3, 1), "1100.00", []),
    ("orphan_allowance", ORPHAN, {"category_confirmed": True, "care_setting": "institution"}, D(2026, 3, 1),
     "1500.00", []),
    # on 低保 counted at 560.00 for the child: 1,100.00 − 560.00 = 540.00 (补差)
    ("de_facto_unsupported_allowance", DE_FACTO, {"category_confirmed": True, "assistance_amount": "560.00"},
     D(2026, 3, 1), "540.00", []),
    # the same with the local rule "in full": 1,100.00
    ("de_facto_unsupported_allowance", dict(DE_FACTO, full_with_assistance=True),
     {"category_confirmed": True, "assistance_amount": "560.00"}, D(2026, 3, 1), "1100.00", []),
    # 特困 at 1,200.00 ≥ the standard: nothing to add
    ("de_facto_unsupported_allowance", DE_FACTO, {"category_confirmed": True, "assistance_amount": "1200.00"},
     D(2026, 3, 1), "0.00", ["amount.positive"]),
    # June 2026: 17 on 1 June (18 on the 15th) → paid; July: 18 on 1 July → not paid
    ("orphan_allowance", ORPHAN, {"category_confirmed": True, "care_setting": "home"}, D(2026, 6, 1), "1100.00", []),
    ("orphan_allowance", ORPHAN, {"category_confirmed": True, "care_setting": "home"}, D(2026, 7, 1), "0.00",
     ["age.minor"]),
    ("orphan_allowance", ORPHAN, {"category_confirmed": False, "care_setting": "home"}, D(2026, 3, 1), "0.00",
     ["category.confirmed"]),
])
def test_the_rule_worked_by_hand(program, params, inputs, month, amount, failed):
    c = rules.compute_amount(program, inputs, params, month, birth_date=BORN)
    assert c.amount == Decimal(amount)
    assert c.detail.get("not_eligible", []) == failed


pytestmark = pytest.mark.django_db


@pytest.fixture
def allowance_params(users):
    from jiayuan.assistance.services.parameters import set_parameters

    city = Actor(users["city"], "command")
    set_parameters(city, "orphan_allowance", "6207", "2025-01-01", ORPHAN)
    set_parameters(city, "de_facto_unsupported_allowance", "6207", "2025-01-01", DE_FACTO)


@pytest.fixture
def unsupported_file(director, make_person):
    """Father deceased, mother seriously ill: 事实无人抚养 (民发〔2019〕62号), confirmed at opening."""
    child = make_person(name="赵小雨", id_number=make_id_number(D(2015, 9, 9), 2))
    return services.open_file(Actor(director, "page"), child.pk, {"parents": {
        "father": {"name": "赵某", "deceased": True}, "mother": {"name": "钱某", "seriously_ill": True}}},
        on=D(2026, 1, 10))


def test_enrolled_from_the_file_and_paid_by_the_monthly_batch(unsupported_file, allowance_params, users):
    from jiayuan.assistance.services.batches import generate_batch
    from jiayuan.regions.models import Region

    assert "de_facto_unsupported" in unsupported_file.categories
    county = Actor(users["county"], "page")
    e = services.enrol_allowance(county, unsupported_file, "de_facto_unsupported_allowance", D(2026, 2, 1),
                                 {"assistance_amount": "560.00"})
    assert e.amount == Decimal("540.00") and e.inputs["category_confirmed"] is True
    batch = generate_batch(Actor(users["county"], "page"), e.program, Region.objects.get(code="620702"),
                           D(2026, 3, 1))
    line = batch.lines.get(enrollment=e)
    assert line.amount == Decimal("540.00")


def test_not_an_orphan_is_refused_with_the_reason(unsupported_file, allowance_params, users):
    with pytest.raises(ValidationFailed) as exc:
        services.enrol_allowance(Actor(users["county"], "page"), unsupported_file, "orphan_allowance",
                                 D(2026, 2, 1), {"care_setting": "home"})
    assert exc.value.fields["inputs"][0]["code"] == "amount.zero"
    assert "未认定为孤儿" in exc.value.fields["inputs"][0]["message"]


def test_who_may_enrol(unsupported_file, allowance_params, users, colleague):
    from jiayuan.errors import Forbidden, NotFound

    # the 儿童主任 reads the file but does not decide enrollments
    with pytest.raises(Forbidden):
        services.enrol_allowance(Actor(users["community"], "page"), unsupported_file,
                                 "de_facto_unsupported_allowance", D(2026, 2, 1))
    assert ChildFile.objects.count() == 1
    with pytest.raises(NotFound):
        from jiayuan.children import selectors

        selectors.get_file(colleague, unsupported_file.pk)
