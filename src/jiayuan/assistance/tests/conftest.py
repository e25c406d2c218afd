"""Fixtures of the assistance tests (the application tests use them: test_application*.py,
test_estimated_deadlines.py, test_i18n_names.py); plain names in ``helpers.py``.

Set-up goes through the services: persons and households (people.services), parameters
(assistance.services.parameters.set_parameters), departments with staff (cases rows as
jiayuan/tests/fixtures/cases.py makes them). Times are aware datetimes in Beijing time.
"""

import datetime

import pytest

from jiayuan.audit.services import Actor
from jiayuan.conftest import OWNER_COMMUNITY, PASSWORD

from .helpers import FULL_DIBAO, at


@pytest.fixture
def family(users, make_person):
    """A household of three in 交通巷社区 (urban): head 张建国 (born 1980), spouse 李秀英
    (1982), son 张小明 (2012). Returns {"household", "head", "spouse", "child"}."""
    from jiayuan.people.services import create_household

    head = make_person(name="张建国", birth=datetime.date(1980, 5, 17))
    spouse = make_person(name="李秀英", birth=datetime.date(1982, 3, 2), sex_for_id=2)
    child = make_person(name="张小明", birth=datetime.date(2012, 7, 1))
    hh = create_household(Actor(users["admin"], "command"), {"number": "JTX-001", "region": OWNER_COMMUNITY,
                                                             "address": "交通巷 1 号"},
                          head, [(spouse, "10"), (child, "20")])
    for p in (head, spouse, child):
        p.refresh_from_db()
    return {"household": hh, "head": head, "spouse": spouse, "child": child}


@pytest.fixture
def params(users):
    """Parameters entered by the city from January 2025: 低保 urban 735.00 / rural
    580.00 yuan per person per month; temporary assistance at most 3 × the monthly
    standard, township may approve up to 1000.00 yuan, emergency advance at most 500.00."""
    from jiayuan.assistance.services.parameters import set_parameters

    city = Actor(users["city"], "command")
    set_parameters(city, "subsistence_allowance", "6207", "2025-01-01",
                   {"standard_urban": "735.00", "standard_rural": "580.00"})
    set_parameters(city, "temporary_assistance", "6207", "2025-01-01",
                   {"max_multiple": "3", "township_limit": "1000.00", "emergency_limit": "500.00"})


def _dept(users, code, name, username):
    from jiayuan.accounts.models import User
    from jiayuan.cases.models import Department, DepartmentMember

    staff = User(username=username, role="department_staff", scope_id="620702", full_name=username)
    staff.set_password(PASSWORD)
    staff.save()
    users[username] = staff
    d = Department.objects.create(code=code, name=name, region_id="620702")
    DepartmentMember.objects.create(department=d, user=staff)
    return d


@pytest.fixture
def medical_dept(users):
    """甘州区医疗保障局 with one staff member ``yibao``."""
    return _dept(users, "gz-ybj", "甘州区医疗保障局", "yibao")


@pytest.fixture
def education_dept(users):
    """甘州区教育局 with one staff member ``jiaoyu``."""
    return _dept(users, "gz-jyj", "甘州区教育局", "jiaoyu")


@pytest.fixture
def take(users, family):
    """``take(parts, materials=FULL_DIBAO, who="community", when=at(2025, 9, 26), **kw)``
    → (application, created) through services.take_application."""
    from jiayuan.assistance.services.applications import take_application

    def run(parts, materials=None, who="community", when=None, **kw):
        kw.setdefault("area", "")
        return take_application(Actor(users[who], "api"), family["household"], kw.pop("applicant", family["head"]),
                                kw.pop("area"), parts, kw.pop("reason", "家庭收入低，申请救助"),
                                FULL_DIBAO if materials is None else materials, kw.pop("request_key", ""),
                                now=when or at(2025, 9, 26), **kw)

    return run


@pytest.fixture
def act(users):
    """``act(who, app, action, when, comment="", fields=None)`` → the case after the
    transition (on its current version)."""
    from jiayuan.cases.models import Case
    from jiayuan.cases.services import transition

    def run(who, app, action, when, **kw):
        case = Case.objects.get(pk=app.case_id)
        return transition(Actor(users[who], "api"), case, action, version=case.version, now=when, **kw)

    return run

