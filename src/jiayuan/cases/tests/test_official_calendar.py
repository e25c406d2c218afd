"""The official calendar as data (issue 10): seeded from chinese-calendar for 2004–2026,
estimated from the statutory holidays for a year without official data (marked 预估),
entered by a city administrator from the State Council notice, which recomputes the open
deadlines with audit entries.

Every expected date below is worked out by hand in the test's docstring.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.cases import calendar_services, selectors, services, statutory, workdays
from jiayuan.cases.models import Case, OfficialCalendarDay, OfficialCalendarYear
from jiayuan.cases.statutory import HolidayLine
from jiayuan.conftest import GRID
from jiayuan.errors import Forbidden, ValidationFailed

BJ = ZoneInfo("Asia/Shanghai")

# TEST DATA, NOT THE REAL NOTICE: the State Council's notice for 2027 was not found
# (searched on 2026-12-06). A plausible arrangement, used only to test entering a year.
TEST_SOURCE = "测试数据〔2026〕1号（非真实通知）"
TEST_HOLIDAYS = [HolidayLine("元旦", date(2027, 1, 1), date(2027, 1, 3)),
                 HolidayLine("春节", date(2027, 2, 5), date(2027, 2, 12))]
TEST_WORKDAYS = [date(2027, 2, 20)]  # a Saturday


@pytest.fixture(autouse=True)
def fresh_calendar():
    """Each test reads the calendar from its own database state."""
    workdays.invalidate()
    yield
    workdays.invalidate()


def test_seeded_table_equals_the_library_on_every_day(db):
    """Every day of 2004–2026: the table's answer is chinese-calendar's, not an estimate."""
    cal = workdays.current()
    assert set(range(2004, 2027)) <= cal.official
    day, n = date(2004, 1, 1), 0
    while day <= date(2026, 12, 31):
        assert cal.is_workday(day) is chinese_calendar.is_workday(day), day
        day += timedelta(days=1)
        n += 1
    assert n == 8401  # 23 years, 6 of them leap years: 23 × 365 + 6
    assert not cal.estimated_between(date(2025, 12, 20), date(2026, 12, 31))
    sources = set(OfficialCalendarYear.objects.values_list("source", "status"))
    assert sources == {("chinese-calendar 1.11 (国务院办公厅通知)", "library")}
    assert OfficialCalendarDay.objects.get(day=date(2026, 2, 17)).name == "春节"


def test_lunar_table_2027():
    """2027: 正月初一 Saturday 6 February (so 除夕 Friday 5 February), 清明 Monday 5 April,
    端午 Wednesday 9 June, 中秋 Wednesday 15 September — as the lunar calendar gives them
    (checked against lunardate 0.3.0 and lunar-python 1.4.8 before writing this test)."""
    blocks = dict(statutory.statutory_blocks(2027))
    assert blocks["春节"] == [date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8)]
    assert blocks["清明节"] == [date(2027, 4, 5)]
    assert blocks["端午节"] == [date(2027, 6, 9)]
    assert blocks["中秋节"] == [date(2027, 9, 15)]
    assert sum(len(d) for d in blocks.values()) == 13


def test_estimate_for_2027_by_hand(db):
    """The statutory estimate of 2027 (no official data):

    - 元旦 Friday 1 January: off.
    - 春节 Fri 5 – Mon 8 February; two of its days (Sat 6, Sun 7) fall on the weekend, so
      two 补假 days: Tuesday 9 and Wednesday 10 February. Thursday 11 is a working day.
    - 劳动节 Sat 1 – Sun 2 May: 补假 Monday 3 and Tuesday 4 May.
    - 国庆 Fri 1 – Sun 3 October: 补假 Monday 4 and Tuesday 5 October.
    """
    cal = workdays.current()
    assert cal.is_estimated(2027)
    off = [date(2027, 1, 1), date(2027, 2, 5), date(2027, 2, 8), date(2027, 2, 9), date(2027, 2, 10),
           date(2027, 4, 5), date(2027, 5, 3), date(2027, 5, 4), date(2027, 6, 9), date(2027, 9, 15),
           date(2027, 10, 1), date(2027, 10, 4), date(2027, 10, 5)]
    for d in off:
        assert not cal.is_workday(d), d
    for d in (date(2027, 1, 4), date(2027, 2, 4), date(2027, 2, 11), date(2027, 5, 5), date(2027, 10, 6)):
        assert cal.is_workday(d), d
    assert not cal.is_workday(date(2027, 1, 2))  # an ordinary Saturday


def test_ten_working_days_from_christmas_2026(db):
    """10 working days from Friday 2026-12-25 (that day not counted):
    Mon 28, Tue 29, Wed 30, Thu 31 December (1–4); Friday 1 January is 元旦 (off);
    Mon 4 – Fri 8 January (5–9); Monday 11 January (10). Estimated (2027 not entered).
    The old Monday–Friday fallback counted 元旦 and gave Friday 8 January."""
    assert workdays.add_working_days(date(2026, 12, 25), 10) == (date(2027, 1, 11), True)
    # through 春节: 5 working days from Wednesday 3 February: Thu 4 (1), 5–10 off
    # (holiday and 补假), Thu 11 (2), Fri 12 (3), Mon 15 (4), Tue 16 (5).
    assert workdays.add_working_days(date(2027, 2, 3), 5) == (date(2027, 2, 16), True)
    # within 2026 only: official, not estimated (Mon 7 – Fri 11 December)
    assert workdays.add_working_days(date(2026, 12, 4), 5) == (date(2026, 12, 11), False)


def _open(more_users, now, limit):
    actor = Actor(more_users["grid_member"], "api")
    case, _ = services.create_case(actor, "grid_event", {"region": GRID, "category": "sanitation.garbage",
                                                         "description": "垃圾"}, now=now)
    case.limits = {case.state: limit}
    case.save(update_fields=["limits"])
    # re-enter the state with the overriding limit, as a case opened with it would be
    services._enter_state(case, selectors.decl_of(case.case_type_id), case.state, now)
    case.save()
    return case


def test_case_deadline_across_the_year_is_marked_estimated(more_users):
    """A 10-working-day limit entered on Friday 2026-12-25 10:00: due Monday 2027-01-11
    23:59:59, estimated. One entered on Friday 2026-12-04: due Friday 12-18, official."""
    late = _open(more_users, datetime(2026, 12, 25, 10, 0, tzinfo=BJ), "10wd")
    assert late.due_at == datetime(2027, 1, 11, 23, 59, 59, tzinfo=BJ)
    assert late.deadline_estimated is True
    early = _open(more_users, datetime(2026, 12, 4, 10, 0, tzinfo=BJ), "10wd")
    assert early.due_at == datetime(2026, 12, 18, 23, 59, 59, tzinfo=BJ)
    assert early.deadline_estimated is False
    # hours never are
    urgent = _open(more_users, datetime(2026, 12, 31, 20, 0, tzinfo=BJ), "24h")
    assert urgent.deadline_estimated is False


def test_entering_2027_recomputes_open_deadlines_with_audit(more_users):
    """With the test notice (元旦 1–3 January, 春节 5–12 February, Saturday 20 February worked):

    - a 30-working-day limit from Friday 2026-12-25: estimate — Dec 28–31 (4), Jan 4–29
      (24), Feb 1–4 (28), 5–10 off, Thu 11 (29), Fri 12 (30) → 2027-02-12. With the notice
      — Feb 5–12 off, Mon 15 (29), Tue 16 (30) → 2027-02-16, no longer estimated.
    - a 10-working-day limit from the same day: 2027-01-11 either way; only the flag changes.
    - a closed case is not touched.
    """
    a = _open(more_users, datetime(2026, 12, 25, 10, 0, tzinfo=BJ), "30wd")
    b = _open(more_users, datetime(2026, 12, 25, 10, 0, tzinfo=BJ), "10wd")
    c = _open(more_users, datetime(2026, 12, 25, 10, 0, tzinfo=BJ), "30wd")
    assert a.due_at == datetime(2027, 2, 12, 23, 59, 59, tzinfo=BJ) and a.deadline_estimated
    Case.objects.filter(pk=c.pk).update(is_open=False, closed_at=datetime(2026, 12, 26, tzinfo=BJ))

    result = calendar_services.enter_year(Actor(more_users["city"], "page"), 2027, TEST_SOURCE, TEST_HOLIDAYS,
                                          TEST_WORKDAYS, now=datetime(2026, 12, 6, 12, 0, tzinfo=BJ))
    assert {r["number"] for r in result.recomputed} == {a.number, b.number}
    a.refresh_from_db(), b.refresh_from_db(), c.refresh_from_db()
    assert a.due_at == datetime(2027, 2, 16, 23, 59, 59, tzinfo=BJ) and not a.deadline_estimated
    assert a.due_soon_at == datetime(2027, 2, 16, 0, 0, tzinfo=BJ)
    assert b.due_at == datetime(2027, 1, 11, 23, 59, 59, tzinfo=BJ) and not b.deadline_estimated
    assert c.due_at == datetime(2027, 2, 12, 23, 59, 59, tzinfo=BJ) and c.deadline_estimated
    assert a.version == 1  # no transition happened

    year_entry = AuditEntry.objects.get(action="calendar.year.enter")
    assert year_entry.changes["source"] == [None, TEST_SOURCE]
    assert "2027-02-20 春节" in year_entry.changes["workdays"][1]
    assert "2027-01-01 元旦" in year_entry.changes["holidays"][1]
    entry = AuditEntry.objects.get(action="case.deadline_recompute", object_repr=a.number)
    assert entry.changes["due_at"] == ["2027-02-12T23:59:59+08:00", "2027-02-16T23:59:59+08:00"]
    assert entry.changes["deadline_estimated"] == [True, False]
    assert entry.region_code == GRID
    assert AuditEntry.objects.get(action="case.deadline_recompute", object_repr=b.number).changes == {
        "deadline_estimated": [True, False]}
    assert not AuditEntry.objects.filter(action="case.deadline_recompute", object_repr=c.number).exists()

    # the calendar now answers from the notice
    cal = workdays.current()
    assert not cal.is_estimated(2027)
    assert cal.is_workday(date(2027, 2, 20)) and not cal.is_workday(date(2027, 2, 12))

    # entering the same again changes no deadline (and says so)
    again = calendar_services.enter_year(Actor(more_users["city"], "page"), 2027, TEST_SOURCE, TEST_HOLIDAYS,
                                         TEST_WORKDAYS, now=datetime(2026, 12, 6, 13, 0, tzinfo=BJ))
    assert again.recomputed == []


def test_arrangement_checks(more_users):
    city = Actor(more_users["city"], "page")
    now = datetime(2026, 12, 6, 12, 0, tzinfo=BJ)
    cases = [
        ([HolidayLine("春节", date(2026, 2, 5), date(2026, 2, 8))], [], "holidays"),       # not in 2027
        ([HolidayLine("元旦", date(2027, 1, 1), date(2027, 1, 3)),
          HolidayLine("假", date(2027, 1, 3), date(2027, 1, 4))], [], "holidays"),          # overlap
        (TEST_HOLIDAYS, [date(2027, 2, 22)], "workdays"),                                   # a Monday
        (TEST_HOLIDAYS, [date(2027, 1, 2)], "workdays"),                                    # also a holiday
        ([], [], "holidays"),
    ]
    for holidays, makeup, field in cases:
        with pytest.raises(ValidationFailed) as exc:
            calendar_services.enter_year(city, 2027, TEST_SOURCE, holidays, makeup, now=now)
        assert field in exc.value.fields, (holidays, makeup)
    with pytest.raises(ValidationFailed) as exc:
        calendar_services.enter_year(city, 2027, "  ", TEST_HOLIDAYS, TEST_WORKDAYS, now=now)
    assert "source" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        calendar_services.enter_year(city, 2029, TEST_SOURCE, TEST_HOLIDAYS, TEST_WORKDAYS, now=now)
    assert "year" in exc.value.fields
    assert not OfficialCalendarYear.objects.filter(year=2027).exists()
    assert not AuditEntry.objects.filter(action="calendar.year.enter").exists()


def test_only_the_city_admin_manages_the_calendar(more_users, page_client):
    with pytest.raises(Forbidden):
        calendar_services.enter_year(Actor(more_users["county"], "page"), 2027, TEST_SOURCE, TEST_HOLIDAYS,
                                     TEST_WORKDAYS)
    for who in ("county", "township", "community", "auditor"):
        c = page_client(who)
        assert c.get("/cases/calendar/").status_code == 403, who
        assert c.post("/cases/calendar/", {"year": 2027, "source": TEST_SOURCE,
                                            "holidays": "元旦 2027-01-01 2027-01-03"}).status_code == 403
    assert not OfficialCalendarYear.objects.filter(year=2027).exists()


def test_calendar_page_lists_years_and_estimated_cases_and_enters_a_year(more_users, page_client):
    case = _open(more_users, datetime(2026, 12, 25, 10, 0, tzinfo=BJ), "30wd")
    c = page_client("city")
    home = c.get("/").content.decode()
    assert 'href="/cases/calendar/"' in home  # reachable from the navigation
    page = c.get("/cases/calendar/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-year="2027"' in html and 'data-year="2026"' in html
    assert f'data-case="{case.number}"' in html  # listed for the administrator
    assert "预估" in html
    # the form is prefilled with 2027's statutory holidays
    assert "春节 2027-02-05 2027-02-08" in html

    bad = c.post("/cases/calendar/", {"year": 2027, "source": TEST_SOURCE, "holidays": "元旦 2027-13-01",
                                      "workdays": ""})
    assert bad.status_code == 200 and "日期格式错误" in bad.content.decode()
    bad = c.post("/cases/calendar/", {"year": 2027, "source": TEST_SOURCE, "holidays": "元旦 2027-01-01 2027-01-03",
                                      "workdays": "2027-02-22"})
    assert bad.status_code == 200 and "不是星期六或星期日" in bad.content.decode()
    assert not OfficialCalendarYear.objects.filter(year=2027).exists()

    done = c.post("/cases/calendar/", {
        "year": 2027, "source": TEST_SOURCE,
        "holidays": "元旦 2027-01-01 2027-01-03\n春节 2027-02-05 2027-02-12", "workdays": "2027-02-20"})
    assert done.status_code == 302 and done["Location"] == "/cases/calendar/?year=2027"
    case.refresh_from_db()
    assert case.due_at == datetime(2027, 2, 16, 23, 59, 59, tzinfo=BJ) and not case.deadline_estimated
    html = c.get(done["Location"]).content.decode()
    assert TEST_SOURCE in html and f'data-case="{case.number}"' not in html


def test_badge_and_api_field(more_users, page_client, api_client):
    case = _open(more_users, datetime(2026, 12, 25, 10, 0, tzinfo=BJ), "10wd")
    c = page_client("county")
    detail = c.get(f"/cases/{case.number}/").content.decode()
    assert "data-estimated" in detail and "该年度官方放假安排尚未录入，按法定节假日估算" in detail
    body = api_client("county").get(f"/api/v1/cases/{case.number}").json()
    assert body["deadline_estimated"] is True and body["due_at"].startswith("2027-01-11T23:59:59")
    other = _open(more_users, datetime(2026, 12, 4, 10, 0, tzinfo=BJ), "10wd")
    assert api_client("county").get(f"/api/v1/cases/{other.number}").json()["deadline_estimated"] is False


def test_calendar_api(more_users, api_client):
    years = api_client("community").get("/api/v1/calendar/years").json()
    by_year = {y["year"]: y for y in years}
    assert by_year[2027]["official"] is False and by_year[2027]["source"] == ""
    assert by_year[2026]["official"] is True and by_year[2026]["status"] == "library"
    body = {"year": 2027, "source": TEST_SOURCE,
            "holidays": [{"name": "元旦", "first": "2027-01-01", "last": "2027-01-03"}], "workdays": ["2027-02-22"]}
    resp = api_client("county").post("/api/v1/calendar/years", body, content_type="application/json")
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "permission_denied"
    city = api_client("city")
    resp = city.post("/api/v1/calendar/years", body, content_type="application/json")
    assert resp.status_code == 422 and "workdays" in resp.json()["error"]["fields"]
    body["workdays"] = ["2027-02-20"]
    resp = city.post("/api/v1/calendar/years", body, content_type="application/json")
    assert resp.status_code == 201, resp.content
    out = resp.json()
    assert out["official"] is True and out["source"] == TEST_SOURCE and out["status"] == "entered"
    assert [(d["day"], d["kind"]) for d in out["days"]] == [
        ("2027-01-01", "holiday"), ("2027-01-02", "holiday"), ("2027-01-03", "holiday"), ("2027-02-20", "workday")]


def test_calendar_page_survives_odd_years_in_the_address(more_users, page_client):
    c = page_client("city")
    for value in ("abc", "99999", "-1", "0", "1999"):
        resp = c.get(f"/cases/calendar/?year={value}")
        assert resp.status_code == 200, value
        assert 'name="year" value="2027"' in resp.content.decode(), value
    html = c.get("/cases/calendar/?year=2026").content.decode()
    assert 'data-testid="calendar-days"' in html  # 2026's seeded days are shown
    # and the form holds them for a correction (国办发明电〔2025〕7号: 春节 15–23 February,
    # make-up working days Sunday 4 January, Saturdays 14 and 28 February, Saturday 9 May,
    # Sunday 20 September, Saturday 10 October)
    assert "春节 2026-02-15 2026-02-23" in html
    assert "2026-01-04 2026-02-14 2026-02-28 2026-05-09 2026-09-20 2026-10-10" in html


def test_counting_days_needs_no_query_per_day(db, django_assert_num_queries):
    """A deadline costs one small query (has a year been entered since?), whatever its
    length; days are counted on the process's copy of the table."""
    with django_assert_num_queries(3):  # first use: the check, the years, the days
        workdays.current()
    with django_assert_num_queries(1):
        assert workdays.add_working_days(date(2026, 1, 1), 250)[1] is True  # runs into 2027
    with django_assert_num_queries(0):
        for i in range(800):
            workdays.is_workday(date(2026, 1, 1) + timedelta(days=i))
