"""A small city built by hand for the indicator tests (every expected figure is worked
out on paper in the docstrings below and in the tests).

东街街道 (620702001) has five urban communities: 001 交通巷, 005 甘泉, 006, 007, 008.
梁家墩镇 (620702100) has ten villages, 200–209.

Facilities (this year; no opening date, so they count in any period):
- F1 in 001, 450 m², in use, with a one-stop hall, shared: also serves 005;
- F2 in 006, 300 m², closed;
- F3 in 007, 200 m², in use, no one-stop hall;
- F4 in village 200, 100 m², in use, also serves village 201.
Households: 001 → 3, 005 → 7, 007 → 10 (20 in 东街).
Funds of this year: 001 96,000, 005 45,000, 006 72,000; 007 200,000 last year.

Training (this year, Y-03-01 … unless said): workers A (001), B (005), C (001).
- cadre S1: A, B attended, C enrolled only; cadre S2: A attended again;
- exam E1: A, B attended; exam E2: A attended; exam E3 last year: C attended.

Grids under 008: G1 two members, G2 five, G3 one member who left (0 in post).

两项补贴 this year (program living = disability_living_allowance, care = …care…):
- P1 (001): living Jan, Feb, Mar 100 each paid, care Jan 80 paid;
- P2 (005): care Feb 80 paid;
- P3 (001): living Jan 100 failed (not paid);
- P4 (001): living last December 100 paid (another year).
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from jiayuan.assistance.models import PaymentLine
from jiayuan.audit.services import Actor
from jiayuan.facilities import services as facility_services
from jiayuan.grid.models import GridMember
from jiayuan.people.models import Household
from jiayuan.regions.models import Region
from jiayuan.workforce.models import CommunityWorker, TrainingParticipant, TrainingSession

DONGJIE = "620702001"
C001, C005, C006, C007, C008 = (f"620702001{s}" for s in ("001", "005", "006", "007", "008"))
LIANGJIADUN = "620702100"
V200, V201 = "620702100200", "620702100201"


@pytest.fixture
def year():
    return timezone.localdate().year


@pytest.fixture
def facilities_city(users, year):
    county = Actor(users["county"], "command")

    def facility(region, area, status="in_use", rooms=()):
        f = facility_services.create_facility(county, {"name": f"设施{region[-3:]}", "region": region,
                                                       "address": "某路1号", "floor_area": area, "status": status})
        for name, function, m2 in rooms:
            facility_services.add_room(county, f, {"name": name, "function": function, "floor_area": m2})
        return f

    f1 = facility(C001, "450", rooms=[("一站式服务大厅", "one_stop", "200")])
    facility_services.set_also_serves(county, f1, [C005])
    facility(C006, "300", status="closed", rooms=[("一站式服务大厅", "one_stop", "100")])
    facility(C007, "200", rooms=[("活动室", "culture", "100")])
    f4 = facility(V200, "100")
    facility_services.set_also_serves(county, f4, [V201])
    for code, n in ((C001, 3), (C005, 7), (C007, 10)):
        Household.objects.bulk_create([Household(number=f"H{code[-3:]}{i}", community_id=code, region_id=code)
                                       for i in range(n)])
    for code, amount, y in ((C001, "96000", year), (C005, "45000", year), (C006, "72000", year),
                            (C007, "200000", year - 1)):
        facility_services.set_budget(county, code, y, amount)


@pytest.fixture
def training_city(make_person, year):
    def worker(name, community, n):
        person = make_person(region=community, name=name, id_number=None, birth=datetime.date(1985, 1, n))
        return CommunityWorker.objects.create(person=person, community_id=community, post="other", grade=3,
                                              grade_since=datetime.date(2019, 1, 1),
                                              started_on=datetime.date(2015, 1, 1))

    a, b, c = worker("甲", C001, 1), worker("乙", C005, 2), worker("丙", C001, 3)

    def session(kind, on, attended, enrolled=()):
        s = TrainingSession.objects.create(title=f"{kind}{on}", organizer="市民政局", kind=kind, region_id="6207",
                                           starts_on=on, ends_on=on, hours=Decimal("8"))
        for w in attended:
            TrainingParticipant.objects.create(session=s, worker=w, attended=True)
        for w in enrolled:
            TrainingParticipant.objects.create(session=s, worker=w, attended=False)
        return s

    cadre, exam = TrainingSession.Kind.CADRE_TRAINING, TrainingSession.Kind.EXAM_PREPARATION
    session(cadre, datetime.date(year, 3, 1), [a, b], [c])
    session(cadre, datetime.date(year, 4, 1), [a])
    session(exam, datetime.date(year, 5, 1), [a, b])
    session(exam, datetime.date(year, 6, 1), [a])
    session(exam, datetime.date(year - 1, 6, 1), [c])


@pytest.fixture
def grid_city(db):
    parent = Region.objects.get(code=C008)
    grids = [Region.objects.create(code=f"{C008}00{i}", name=f"第{i}网格", level="grid", parent=parent)
             for i in (1, 2, 3)]
    for grid, n in zip(grids, (2, 5, 0)):
        for i in range(n):
            GridMember.objects.create(grid=grid, name=f"网格员{i}")
    GridMember.objects.create(grid=grids[2], name="离岗者", active=False)


@pytest.fixture
def subsidy_city(make_person, year):
    p1 = make_person(region=C001, name="一号", birth=datetime.date(1970, 1, 1))
    p2 = make_person(region=C005, name="二号", birth=datetime.date(1970, 1, 2))
    p3 = make_person(region=C001, name="三号", birth=datetime.date(1970, 1, 3))
    p4 = make_person(region=C001, name="四号", birth=datetime.date(1970, 1, 4))
    living, care = "disability_living_allowance", "disability_care_allowance"
    n = iter(range(1, 100))

    def line(person, program, month, amount, status="paid"):
        PaymentLine.objects.create(batch_id=next(n), enrollment_id=next(n), program_id=program, person=person,
                                   region_id=person.region_id, benefit_month=month, amount=Decimal(amount),
                                   rule="test", status=status)

    for m in (1, 2, 3):
        line(p1, living, datetime.date(year, m, 1), "100")
    line(p1, care, datetime.date(year, 1, 1), "80")
    line(p2, care, datetime.date(year, 2, 1), "80")
    line(p3, living, datetime.date(year, 1, 1), "100", status="failed")
    line(p4, living, datetime.date(year - 1, 12, 1), "100")
