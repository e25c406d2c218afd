"""Pure rules: working days over the official calendar, due times, case numbers, geometry,
and the checks on case-type declarations."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from jiayuan.cases import declarations, rules, workdays
from jiayuan.cases.rules import Limit

BJ = ZoneInfo("Asia/Shanghai")


def test_national_day_2025_with_make_up_working_days(db):
    """A case accepted on Friday 2025-09-26 at 10:00 with 6 working days.

    Worked out by hand from the State Council General Office notice on the 2025 holidays:
    National Day and Mid-Autumn together, 1–8 October off; Sunday 28 September and
    Saturday 11 October are make-up working days.

        Sat 27 Sep  weekend            —
        Sun 28 Sep  make-up working day 1
        Mon 29 Sep  working day         2
        Tue 30 Sep  working day         3
        1–8 Oct     holiday             —
        Thu  9 Oct  working day         4
        Fri 10 Oct  working day         5
        Sat 11 Oct  make-up working day 6   ← due at the end of this day

    With plain Monday–Friday weeks it would have been Monday 6 October, in the holiday.
    """
    entered = datetime(2025, 9, 26, 10, 0, tzinfo=BJ)
    due = rules.compute_due(entered, Limit(6, "working_days"), BJ, workdays.is_workday)
    assert due.due_at == datetime(2025, 10, 11, 23, 59, 59, tzinfo=BJ)
    assert due.due_soon_at == datetime(2025, 10, 11, 0, 0, tzinfo=BJ)
    # 5 working days: Friday 10 October; 3: Tuesday 30 September.
    assert rules.add_working_days(date(2025, 9, 26), 5, workdays.is_workday) == date(2025, 10, 10)
    assert rules.add_working_days(date(2025, 9, 26), 3, workdays.is_workday) == date(2025, 9, 30)
    # Entered on the make-up Sunday itself: that day is not counted, 1 working day → Monday 29.
    assert rules.add_working_days(date(2025, 9, 28), 1, workdays.is_workday) == date(2025, 9, 29)
    # From inside the holiday: the first working day after it is Thursday 9 October.
    assert rules.add_working_days(date(2025, 10, 3), 1, workdays.is_workday) == date(2025, 10, 9)
    assert rules.working_days_between(date(2025, 9, 26), date(2025, 10, 11), workdays.is_workday) == 6
    mon_fri = rules.add_working_days(date(2025, 9, 26), 6, lambda d: d.weekday() < 5)
    assert mon_fri == date(2025, 10, 6)


def test_hours_are_wall_clock_even_over_a_holiday(db):
    entered = datetime(2025, 9, 30, 20, 0, tzinfo=BJ)
    due = rules.compute_due(entered, Limit(24, "hours"), BJ, workdays.is_workday)
    assert due.due_at == datetime(2025, 10, 1, 20, 0, tzinfo=BJ)
    assert due.due_soon_at == due.due_at - timedelta(hours=6)
    short = rules.compute_due(entered, Limit(2, "hours"), BJ, workdays.is_workday)
    assert short.due_soon_at == short.due_at - timedelta(hours=1)


def test_day_of_entry_is_local_beijing_day(db):
    # 17:00 UTC on 30 September is 01:00 on 1 October in Beijing: counting starts then.
    entered = datetime(2025, 9, 30, 17, 0, tzinfo=ZoneInfo("UTC"))
    due = rules.compute_due(entered, Limit(1, "working_days"), BJ, workdays.is_workday)
    assert due.due_at.date() == date(2025, 10, 9)


def test_deadline_flags():
    due = datetime(2025, 10, 10, 23, 59, 59, tzinfo=BJ)
    soon = datetime(2025, 10, 10, 0, 0, tzinfo=BJ)
    assert rules.deadline_flag(datetime(2025, 10, 9, 12, tzinfo=BJ), due, soon) == ""
    assert rules.deadline_flag(datetime(2025, 10, 10, 8, tzinfo=BJ), due, soon) == "due_soon"
    assert rules.deadline_flag(datetime(2025, 10, 11, 0, 0, 1, tzinfo=BJ), due, soon) == "overdue"
    assert rules.deadline_flag(datetime(2025, 10, 11, tzinfo=BJ), None, None) == ""


def test_calendar_fallback_beyond_the_package_years(db):
    # The seeded official data ends with 2026 (chinese-calendar 1.11.0): a later year is
    # estimated from the statutory holidays (cases/workdays.py); these two days are ordinary.
    assert workdays.is_workday(date(2030, 1, 7)) is True      # a Monday
    assert workdays.is_workday(date(2030, 1, 5)) is False     # a Saturday


def test_limit_parsing():
    assert Limit.parse("3wd") == Limit(3, "working_days")
    assert Limit.parse("24h") == Limit(24, "hours")
    assert Limit.parse({"amount": 2, "unit": "hours"}) == Limit(2, "hours")
    assert Limit.parse(None) is None
    for bad in ("3d", "0wd", {"amount": 1, "unit": "weeks"}, "-1h"):
        with pytest.raises(ValueError):
            Limit.parse(bad)


def test_case_numbers():
    assert rules.format_case_number("620702001001001", date(2025, 10, 9), 7) == "620702001001-20251009-0007"
    assert rules.format_case_number("620702001", date(2025, 10, 9), 12345) == "620702001000-20251009-12345"
    assert rules.parse_case_number("620702001001-20251009-0007") == ("620702001001", date(2025, 10, 9), 7)
    for bad in ("", "620702001001-20251309-0007", "62070200100-20251009-1", "x", "620702001001-20251009-"):
        assert rules.parse_case_number(bad) is None


SQUARE = {"type": "Polygon", "coordinates": [[[100.0, 38.0], [100.1, 38.0], [100.1, 38.1], [100.0, 38.1], [100.0, 38.0]],
                                             [[100.04, 38.04], [100.06, 38.04], [100.06, 38.06], [100.04, 38.06],
                                              [100.04, 38.04]]]}


def test_point_in_polygon_with_hole_and_multipolygon():
    assert rules.point_in_geojson(100.02, 38.02, SQUARE)
    assert not rules.point_in_geojson(100.05, 38.05, SQUARE)       # in the hole
    assert not rules.point_in_geojson(100.2, 38.02, SQUARE)
    multi = {"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"], [[[101, 39], [101.1, 39], [101.1, 39.1],
                                                                              [101, 39]]]]}
    assert rules.point_in_geojson(101.08, 39.02, multi)
    assert not rules.point_in_geojson(101.01, 39.09, multi)
    assert rules.geojson_bbox(SQUARE) == (100.0, 38.0, 100.1, 38.1)
    assert not rules.point_in_geojson(1, 1, None)


def test_mask_name():
    assert rules.mask_name("张建国") == "张*国"
    assert rules.mask_name("李四") == "李*"
    assert rules.mask_name("欧阳娜娜") == "欧**娜"


MINIMAL = {
    "code": "demo", "version": 1, "name": "示例", "initial_state": "open", "read_permission": "view_cases",
    "states": [{"code": "open", "name": "待办", "limit": "2wd"}, {"code": "done", "name": "完成", "status": "closed"}],
    "transitions": [{"action": "finish", "name": "完成", "from": ["open"], "to": "done", "roles": ["community_worker"]}],
}


def _variant(**changes):
    import copy

    raw = copy.deepcopy(MINIMAL)
    for path, value in changes.items():
        target = raw
        keys = path.split("__")
        for k in keys[:-1]:
            target = target[int(k)] if k.isdigit() else target[k]
        last = keys[-1]
        target[int(last) if last.isdigit() else last] = value
    return raw


def test_declaration_parses():
    decl = declarations.parse_declaration(MINIMAL, frozenset({"community_worker"}))
    assert decl.state("open").limit == Limit(2, "working_days")
    assert [t.action for t in decl.transitions_from("open")] == ["finish"]
    assert decl.open_states() == ["open"]


@pytest.mark.parametrize("changes, message", [
    ({"initial_state": "nowhere"}, "初始状态"),
    ({"transitions__0__to": "nowhere"}, "目标状态"),
    ({"transitions__0__from": ["nowhere"]}, "起始状态"),
    ({"transitions__0__roles": ["mayor"]}, "角色 mayor"),
    ({"transitions__0__roles": ["@friend"]}, "关系角色"),
    ({"states__0__limit": "3 days"}, "时限"),
    ({"states__0__on_exceed": "explode"}, "on_exceed"),
    ({"states__1__code": "open"}, "重复"),
    ({"transitions__0__comment": "maybe"}, "comment"),
    ({"transitions__0__fields": {"x": {"type": "blob"}}}, "类型"),
    ({"transitions": []}, "无法到达"),
])
def test_declaration_errors_name_the_problem(changes, message):
    with pytest.raises(declarations.DeclarationError, match=message):
        declarations.parse_declaration(_variant(**changes), frozenset({"community_worker"}))


def test_shipped_declarations_are_valid():
    from jiayuan.accounts.models import User
    from jiayuan.grid.case_types import CASE_TYPES as GRID
    from jiayuan.servicecenter.case_types import CASE_TYPES as SC

    for raw in GRID + SC:
        decl = declarations.parse_declaration(raw, frozenset(User.Role.values))
        assert decl.intake
