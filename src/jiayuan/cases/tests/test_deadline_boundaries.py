"""Deadlines at their boundaries: the weekend, a holiday, a make-up working day, the local
day of entry, the year end (into a year with and without official data: 预估), the due-soon
and overdue edges, hours limits, the deadline sweep at the second the time runs out, and
挂账 (a parked grid event has no clock; resuming starts the state's limit afresh).

Every date below is worked out by hand from the State Council General Office's notice on
the 2026 holidays (国办发明电〔2025〕7号):

    元旦   1–3 January off; Sunday 4 January worked
    春节   15–23 February off; Saturday 14 and Saturday 28 February worked
    清明   4–6 April off
    劳动节 1–5 May off; Saturday 9 May worked
    端午   19–21 June off
    中秋   25–27 September off
    国庆   1–7 October off; Sunday 20 September and Saturday 10 October worked

2026-01-01 is a Thursday, so 2026-03-01 and 2026-02-01 are Sundays and 2026-10-01 a
Thursday. 2027 has no official data in the seeded table (it ends with 2026): it is the
statutory estimate (cases/statutory.py; 元旦 Friday 1 January 2027 off). Rule: N working
days after the local (Beijing) day of entry, that day not counted, due at 23:59:59 of the
Nth; due soon from 00:00 of that day (cases/rules.py).
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from jiayuan.audit.services import Actor
from jiayuan.cases import rules, services, workdays
from jiayuan.cases.models import Case
from jiayuan.cases.rules import Limit
from jiayuan.conftest import GRID, OWNER_COMMUNITY
from jiayuan.regions.models import Region

BJ = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_calendar():
    """Each test reads the calendar from its own database state."""
    workdays.invalidate()
    yield
    workdays.invalidate()


def due(entered: datetime, limit: str) -> rules.Due:
    return rules.compute_due(entered, Limit.parse(limit), BJ, workdays.current().is_workday)


def end_of(y, m, d) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=BJ)


def nth_working_day(y, m, d, n) -> tuple[date, bool]:
    return workdays.add_working_days(date(y, m, d), n)


# --- the weekend and the local day ----------------------------------------------------

@pytest.mark.parametrize("entered, expected", [
    (date(2026, 3, 5), date(2026, 3, 6)),   # Thursday → Friday
    (date(2026, 3, 6), date(2026, 3, 9)),   # Friday → over the weekend → Monday
    (date(2026, 3, 7), date(2026, 3, 9)),   # Saturday → Monday
    (date(2026, 3, 8), date(2026, 3, 9)),   # Sunday → Monday
], ids=["thursday", "friday", "saturday", "sunday"])
def test_one_working_day_over_an_ordinary_weekend(entered, expected):
    assert workdays.add_working_days(entered, 1) == (expected, False)


def test_five_working_days_from_a_friday_end_the_next_friday():
    # Mon 9 (1), Tue 10 (2), Wed 11 (3), Thu 12 (4), Fri 13 (5)
    assert nth_working_day(2026, 3, 6, 5) == (date(2026, 3, 13), False)


def test_the_day_of_entry_is_the_beijing_day_to_the_second():
    # Thursday 23:59:59 in Beijing is still Thursday: one working day → Friday.
    assert due(datetime(2026, 3, 5, 23, 59, 59, tzinfo=BJ), "1wd").due_at == end_of(2026, 3, 6)
    # One second later it is Friday: the next working day is Monday.
    assert due(datetime(2026, 3, 6, 0, 0, 0, tzinfo=BJ), "1wd").due_at == end_of(2026, 3, 9)
    # The same instant written in UTC (Thursday 16:00 UTC) counts from Friday too.
    assert due(datetime(2026, 3, 5, 16, 0, 0, tzinfo=UTC), "1wd").due_at == end_of(2026, 3, 9)


# --- holidays and make-up working days ------------------------------------------------

def test_a_holiday_joined_to_a_weekend_is_skipped():
    # 清明 Sat 4 – Mon 6 April: from Friday 3 April, one working day is Tuesday 7 April.
    assert nth_working_day(2026, 4, 3, 1) == (date(2026, 4, 7), False)
    # 端午 Fri 19 – Sun 21 June: from Thursday 18 June → Monday 22 June.
    assert nth_working_day(2026, 6, 18, 1) == (date(2026, 6, 22), False)


def test_spring_festival_2026_with_its_two_make_up_saturdays():
    # from Friday 13 February: Sat 14 (make-up, 1); 15–23 off; Tue 24 (2), Wed 25 (3),
    # Thu 26 (4), Fri 27 (5), Sat 28 (make-up, 6), Mon 2 March (7)
    assert nth_working_day(2026, 2, 13, 1) == (date(2026, 2, 14), False)
    assert nth_working_day(2026, 2, 13, 2) == (date(2026, 2, 24), False)
    assert nth_working_day(2026, 2, 13, 5) == (date(2026, 2, 27), False)
    assert nth_working_day(2026, 2, 13, 6) == (date(2026, 2, 28), False)
    assert nth_working_day(2026, 2, 13, 7) == (date(2026, 3, 2), False)
    # entered on the make-up Saturday itself: it is not counted → Tuesday 24 February
    assert nth_working_day(2026, 2, 14, 1) == (date(2026, 2, 24), False)


def test_a_make_up_sunday_is_a_working_day_and_an_ordinary_sunday_is_not():
    cal = workdays.current()
    assert cal.is_workday(date(2026, 9, 20)) is True     # Sunday, worked for 国庆
    assert cal.is_workday(date(2026, 9, 13)) is False    # the Sunday before, ordinary
    assert cal.is_workday(date(2026, 10, 10)) is True    # Saturday, worked
    assert cal.is_workday(date(2026, 10, 8)) is True     # Thursday after the holiday
    assert cal.is_workday(date(2026, 10, 7)) is False    # last day of the holiday


# --- the year end -----------------------------------------------------------------------

def test_new_year_2026_ends_on_the_make_up_sunday_and_is_official():
    # from Wednesday 31 December 2025: 1–3 January off, Sunday 4 January worked (1),
    # Monday 5 January (2). Both years have official data: not an estimate.
    assert nth_working_day(2025, 12, 31, 1) == (date(2026, 1, 4), False)
    assert nth_working_day(2025, 12, 31, 2) == (date(2026, 1, 5), False)


def test_a_deadline_that_crosses_into_a_year_without_official_data_is_an_estimate():
    # from Wednesday 30 December 2026: Thursday 31 December, official
    assert nth_working_day(2026, 12, 30, 1) == (date(2026, 12, 31), False)
    # from Thursday 31 December 2026: Friday 1 January 2027 is 元旦 (estimate: off),
    # Saturday 2 and Sunday 3 the weekend → Monday 4 January 2027, estimated
    assert nth_working_day(2026, 12, 31, 1) == (date(2027, 1, 4), True)
    # wholly inside 2027: Monday 1 March → Tuesday 2 March, estimated
    assert nth_working_day(2027, 3, 1, 1) == (date(2027, 3, 2), True)


def test_a_case_opened_on_new_years_eve_2026_carries_the_estimate(more_users):
    actor = Actor(more_users["grid_member"], "api")
    payload = {"region": GRID, "category": "sanitation.garbage", "description": "垃圾"}
    eve = services.create_case(actor, "grid_event", dict(payload), now=datetime(2026, 12, 31, 10, 0, tzinfo=BJ))[0]
    assert (eve.due_at, eve.deadline_estimated) == (end_of(2027, 1, 4), True)
    before = services.create_case(actor, "grid_event", dict(payload), now=datetime(2026, 12, 30, 10, 0, tzinfo=BJ))[0]
    assert (before.due_at, before.deadline_estimated) == (end_of(2026, 12, 31), False)


# --- due soon and overdue edges ---------------------------------------------------------

def test_working_day_limits_are_due_soon_from_midnight_and_overdue_after_the_last_second():
    d = due(datetime(2026, 3, 6, 10, 0, tzinfo=BJ), "1wd")      # → Monday 9 March
    assert (d.due_soon_at, d.due_at) == (datetime(2026, 3, 9, 0, 0, tzinfo=BJ), end_of(2026, 3, 9))
    tick = timedelta(microseconds=1)
    assert rules.deadline_flag(d.due_soon_at - tick, d.due_at, d.due_soon_at) == ""
    assert rules.deadline_flag(d.due_soon_at, d.due_at, d.due_soon_at) == "due_soon"
    assert rules.deadline_flag(d.due_at, d.due_at, d.due_soon_at) == "due_soon"    # met to the last second
    assert rules.deadline_flag(d.due_at + tick, d.due_at, d.due_soon_at) == "overdue"


@pytest.mark.parametrize("hours, soon_before_due", [
    (1, timedelta(hours=1)),      # the last quarter is shorter than an hour: the whole hour
    (2, timedelta(hours=1)),      # quarter 30 min < 1 h → the last hour
    (4, timedelta(hours=1)),      # quarter exactly 1 h
    (8, timedelta(hours=2)),      # quarter 2 h
    (24, timedelta(hours=6)),
])
def test_hour_limits_are_due_soon_in_their_last_quarter_and_at_least_the_last_hour(hours, soon_before_due):
    entered = datetime(2026, 2, 15, 22, 0, tzinfo=BJ)     # inside the Spring Festival: hours run on
    d = due(entered, f"{hours}h")
    assert d.due_at == entered + timedelta(hours=hours)
    assert d.due_at - d.due_soon_at == soon_before_due


def test_an_hour_limit_is_never_an_estimate_even_into_2027(more_users):
    actor = Actor(more_users["grid_member"], "api")
    # 治安 (order.*) reports have 2 hours to be accepted (grid/data/event_categories.json)
    case = services.create_case(actor, "grid_event", {"region": GRID, "category": "order.suspicious",
                                                      "description": "可疑人员"},
                                now=datetime(2026, 12, 31, 23, 0, tzinfo=BJ))[0]
    assert case.due_at == datetime(2027, 1, 1, 1, 0, tzinfo=BJ)
    assert case.deadline_estimated is False


# --- declared limits of real states through the service --------------------------------

def test_a_return_to_the_reporter_waits_two_working_days_over_the_spring_festival(more_users, act):
    """退回 (returned, 2 working days, @reporter) on Friday 13 February 2026 at 10:00:
    Sat 14 (make-up, 1), 15–23 off, Tue 24 (2) → due 2026-02-24 23:59:59."""
    actor = Actor(more_users["grid_member"], "api")
    t0 = datetime(2026, 2, 13, 9, 0, tzinfo=BJ)
    case = services.create_case(actor, "grid_event", {"region": GRID, "category": "sanitation.garbage",
                                                      "description": "垃圾"}, now=t0)[0]
    case = act("township", case, "return", comment="请补充照片", now=t0 + timedelta(hours=1))
    assert (case.state, case.queue) == ("returned", "@reporter")
    assert (case.due_soon_at, case.due_at) == (datetime(2026, 2, 24, 0, 0, tzinfo=BJ), end_of(2026, 2, 24))


def test_ten_working_days_for_missing_materials_over_mid_autumn_and_national_day(more_users):
    """一次性告知补正材料 (awaiting_materials, 10 working days) on Friday 18 September 2026:
    Sun 20 (make-up, 1), Mon 21 – Thu 24 (2–5), 25–27 off, Mon 28 – Wed 30 (6–8),
    1–7 October off, Thu 8 (9), Fri 9 (10) → due 2026-10-09 23:59:59."""
    worker = Actor(more_users["community"], "api")
    t0 = datetime(2026, 9, 18, 10, 0, tzinfo=BJ)
    draft = services.CaseDraft(region=Region.objects.get(code=OWNER_COMMUNITY), title="办理居住证明")
    case = services.open_case(worker, services.current_type("service_request"), draft, channel="desk", now=t0)
    case = services.transition(worker, case, "request_materials", version=case.version, comment="户口簿", now=t0)
    assert case.state == "awaiting_materials"
    assert (case.due_at, case.deadline_estimated) == (end_of(2026, 10, 9), False)


def test_the_sweep_notes_a_case_only_after_its_last_second(more_users):
    """reported (1 working day, warn) on Thursday 5 March 2026 → due Friday 6 March
    23:59:59: at that second it is not overdue; one second later the sweep warns."""
    actor = Actor(more_users["grid_member"], "api")
    case = services.create_case(actor, "grid_event", {"region": GRID, "category": "sanitation.garbage",
                                                      "description": "垃圾"},
                                now=datetime(2026, 3, 5, 10, 0, tzinfo=BJ))[0]
    assert case.due_at == end_of(2026, 3, 6)
    assert services.sweep_deadlines(end_of(2026, 3, 6)) == {"warned": 0, "escalated": 0}
    assert services.sweep_deadlines(end_of(2026, 3, 6) + timedelta(seconds=1)) == {"warned": 1, "escalated": 0}


# --- 挂账 (parked): no clock while parked, a fresh one on resuming ----------------------

def test_a_parked_event_has_no_deadline_and_resuming_starts_the_limit_afresh(more_users, act):
    """立案 Monday 2 March 2026 10:00 → accepted (1 working day, escalate): due Tuesday
    3 March 23:59:59. 挂账 Tuesday 15:00: no due time. The sweep on Thursday 5 March finds
    nothing, although the accepted deadline has passed. 恢复办理 Monday 9 March 09:00:
    accepted again with a whole working day → Tuesday 10 March 23:59:59 (a paused clock
    would have resumed with the 9 hours left of Tuesday 3 March and been due on Monday).
    The sweep escalates only after that."""
    actor = Actor(more_users["grid_member"], "api")
    case = services.create_case(actor, "grid_event", {"region": GRID, "category": "sanitation.garbage",
                                                      "description": "垃圾"},
                                now=datetime(2026, 3, 2, 9, 0, tzinfo=BJ))[0]
    case = act("township", case, "accept", now=datetime(2026, 3, 2, 10, 0, tzinfo=BJ))
    assert (case.state, case.due_at) == ("accepted", end_of(2026, 3, 3))

    case = act("township", case, "park", comment="待汛期结束后处置", now=datetime(2026, 3, 3, 15, 0, tzinfo=BJ))
    assert (case.state, case.is_open, case.queue) == ("parked", True, "township_officer")
    assert (case.due_at, case.due_soon_at, case.deadline_estimated) == (None, None, False)
    assert services.sweep_deadlines(datetime(2026, 3, 5, 9, 0, tzinfo=BJ)) == {"warned": 0, "escalated": 0}

    case = act("county", case, "unpark", now=datetime(2026, 3, 9, 9, 0, tzinfo=BJ))
    assert (case.state, case.due_at) == ("accepted", end_of(2026, 3, 10))
    assert case.state_entered_at == datetime(2026, 3, 9, 9, 0, tzinfo=BJ)
    assert services.sweep_deadlines(end_of(2026, 3, 10)) == {"warned": 0, "escalated": 0}
    assert services.sweep_deadlines(datetime(2026, 3, 11, 0, 0, tzinfo=BJ)) == {"warned": 0, "escalated": 1}
    assert Case.objects.get(pk=case.pk).escalation_level == 1


def test_a_closed_case_has_no_deadline(more_users, act):
    """作废 from reported: closed, so no due time and nothing for the sweep."""
    actor = Actor(more_users["grid_member"], "api")
    case = services.create_case(actor, "grid_event", {"region": GRID, "category": "sanitation.garbage",
                                                      "description": "垃圾"},
                                now=datetime(2026, 3, 2, 9, 0, tzinfo=BJ))[0]
    case = act("township", case, "void", comment="重复上报", now=datetime(2026, 3, 2, 11, 0, tzinfo=BJ))
    assert (case.is_open, case.due_at, case.closed_at) == (False, None, datetime(2026, 3, 2, 11, 0, tzinfo=BJ))
    assert services.sweep_deadlines(datetime(2026, 4, 1, tzinfo=BJ)) == {"warned": 0, "escalated": 0}
