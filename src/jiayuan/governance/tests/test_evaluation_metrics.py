"""The computed evaluation items "assistance handled in time" and "visits done": the
pure walk of the visit schedule, and both numbers with their basis and rows worked by
hand on records made through the assistance and children services."""

from datetime import date
from decimal import Decimal

import pytest

from jiayuan.assistance.tests.conftest import act, family, params, take  # noqa: F401 (fixtures)
from jiayuan.assistance.tests.helpers import at
from jiayuan.audit.services import Actor
from jiayuan.children import services as children
from jiayuan.children.tests.conftest import admin_actor, child, child_file, director  # noqa: F401 (fixtures)
from jiayuan.governance.evaluation import rules, selectors, services
from jiayuan.governance.models import EvaluationScore
from jiayuan.regions.models import Region

from .conftest import OWNER_COMMUNITY

pytestmark = pytest.mark.django_db
D = Decimal
MONTHS = {"red": 1, "yellow": 2, "blue": 3, "green": 3}
H1 = (date(2026, 1, 1), date(2026, 6, 30))


def test_visit_schedule_worked_by_hand():
    opened = date(2026, 1, 10)
    # red: due 02-10, visited 02-05 (→ yellow); due 04-05 missed; the late visit of 05-20
    # (→ blue) restarts the schedule: next due 08-20, after the period
    visits = [(date(2026, 2, 5), "yellow"), (date(2026, 5, 20), "blue")]
    assert rules.visits_due(opened, "red", visits, MONTHS, *H1) == (2, 1)
    # without the late visit the child stays owed: 04-05 and 06-05 both missed
    assert rules.visits_due(opened, "red", visits[:1], MONTHS, *H1) == (3, 1)
    # closed on 03-01 and never reopened: the dues of 04-05 and 06-05 are not counted
    assert rules.visits_due(opened, "red", visits[:1], MONTHS, *H1, closed=[(date(2026, 3, 1), None)]) == (1, 1)
    # a period from March: the due of 02-10 falls before it
    assert rules.visits_due(opened, "red", visits, MONTHS, date(2026, 3, 1), date(2026, 6, 30)) == (1, 0)
    # the month's end: opened 01-31, red → due 02-28; a visit that day is in time
    assert rules.visits_due(date(2026, 1, 31), "red", [(date(2026, 2, 28), "green")], MONTHS,
                            date(2026, 1, 1), date(2026, 3, 31)) == (1, 1)


def _round(users, items, start, end):
    a = Actor(users["township"], "page")
    rnd = services.create_round(a, Region.objects.get(code="620702001"), title="", start=start, end=end, items=items)
    return services.open_scoring(a, rnd)


def test_visits_done_from_the_childrens_visits(users, child_file):
    # the file of 李小花 opened 2026-01-10 at red (monthly)
    assert (child_file.opened_on, child_file.risk) == (date(2026, 1, 10), "red")
    me = Actor(users["community"], "page")
    children.record_visit(me, child_file, visited_on=date(2026, 2, 5), place="家中", findings="学习正常",
                          risk="yellow", reason="祖母照护尚可")
    child_file.refresh_from_db()
    children.record_visit(me, child_file, visited_on=date(2026, 5, 20), place="学校", findings="情绪稳定",
                          risk="blue", reason="状况好转")
    rnd = _round(users, [("儿童按期探访", D(100), "visits_done")], *H1)
    s = EvaluationScore.objects.get(item__round=rnd, community_id=OWNER_COMMUNITY)
    assert (s.basis, s.score) == ("1/2", D("50.00"))   # due 02-10 met, due 04-05 missed
    rows = selectors.metric_rows(users["community"], "visits_done", OWNER_COMMUNITY, *H1)
    assert [tuple(fn(f) for _, fn in rows.columns) for f in rows.queryset] == [("李小花", 2, 1)]
    assert rows.link(rows.queryset[0]) == f"/children/{child_file.pk}/"
    # a worker of another community reads none of these files: no rows
    assert selectors.metric_rows(users["peer"], "visits_done", OWNER_COMMUNITY, *H1).queryset.count() == 0


def test_assistance_in_time_from_the_decisions(users, family, params, take, act):
    materials = ["书面申请", "居民身份证", "户口簿", "困难情况证明（医疗票据、事故或灾害证明等）"]
    first, _ = take(["temporary_assistance"], materials=materials, hardship="illness", when=at(2025, 9, 26))
    # accepted Friday 2025-09-26; 30 working days (Sunday 09-28 and Saturday 10-11 are
    # make-up working days, 10-01…10-08 the National Day holiday): 09-28, 09-29, 09-30,
    # 10-09, 10-10, 10-11, then 24 weekdays 10-13 … 11-13 → due 2025-11-13
    assert first.case.data["process_due"] == "2025-11-13"
    act("township", first, "township_decide", at(2025, 9, 29), fields={"amount": "800.00"})
    second, _ = take(["temporary_assistance"], materials=materials, hardship="accident", when=at(2025, 10, 9))
    # accepted 10-09: 10-10, 10-11, then 28 weekdays 10-13 … 11-19 → due 2025-11-19
    assert second.case.data["process_due"] == "2025-11-19"
    act("township", second, "township_decide", at(2025, 12, 1), fields={"amount": "500.00"})   # late
    rnd = _round(users, [("救助按时办理", D(100), "assistance_in_time")], date(2025, 9, 1), date(2025, 12, 31))
    s = EvaluationScore.objects.get(item__round=rnd, community_id=OWNER_COMMUNITY)
    assert (s.basis, s.score) == ("1/2", D("50.00"))
    rows = selectors.metric_rows(users["township"], "assistance_in_time", OWNER_COMMUNITY, date(2025, 9, 1),
                                 date(2025, 12, 31))
    assert [(a.case.number, rows.columns[4][1](a)) for a in rows.queryset] == [(first.case.number, True),
                                                                               (second.case.number, False)]
    assert rows.link(rows.queryset[0]) == f"/assistance/applications/{first.case.number}/"
    # outside the period's decisions: nothing counted
    assert selectors.metric("assistance_in_time", OWNER_COMMUNITY, date(2026, 1, 1), date(2026, 6, 30)) == (0, 0)
    # a reader without the assistance permission gets no rows
    assert selectors.metric_rows(users["org"], "assistance_in_time", OWNER_COMMUNITY, date(2025, 9, 1),
                                 date(2025, 12, 31)).queryset.count() == 0
