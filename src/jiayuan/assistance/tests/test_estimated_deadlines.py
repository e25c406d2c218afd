"""Process deadlines of applications over a year without official holiday data (issue 10):
marked estimated (预估) in the case data, the pages and the API, and counted again when
the city administrator enters the year.

By hand, an application accepted on Friday 2026-12-25:

- stage 受理 (5 working days): Mon 28 – Thu 31 December (1–4); Friday 1 January 2027 is
  元旦 (off in the statutory estimate); Monday 4 January (5).
- process (30 working days), estimate: Dec 28–31 (4), Jan 4–29 (24), Feb 1–4 (28);
  Fri 5 – Mon 8 February 春节 and Tue 9, Wed 10 补假 off; Thu 11 (29), Fri 12 (30).
- process with the test notice (春节 5–12 February off): Mon 15 (29), Tue 16 (30).
"""

import datetime

import pytest

from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.cases import calendar_services, workdays
from jiayuan.cases.statutory import HolidayLine

from .helpers import BJ, at

pytestmark = pytest.mark.django_db

TEST_SOURCE = "测试数据〔2026〕1号（非真实通知）"  # TEST DATA, not the real 2027 notice


@pytest.fixture(autouse=True)
def fresh_calendar():
    workdays.invalidate()
    yield
    workdays.invalidate()


def test_process_deadline_into_2027_is_estimated_then_recomputed(users, family, params, take, page_client,
                                                                 api_client):
    app, _ = take(["subsistence_allowance"], when=at(2026, 12, 25))
    case = app.case
    assert case.data["accepted_on"] == "2026-12-25"
    assert case.data["process_due"] == "2027-02-12" and case.data["process_due_estimated"] is True
    assert case.due_at == datetime.datetime(2027, 1, 4, 23, 59, 59, tzinfo=BJ) and case.deadline_estimated

    body = api_client("community").get(f"/api/v1/assistance/applications/{case.number}").json()
    assert body["process_due"] == "2027-02-12" and body["process_due_estimated"] is True
    assert body["deadline_estimated"] is True
    html = page_client("community").get(f"/assistance/applications/{case.number}/").content.decode()
    assert html.count('data-estimated="1"') == 2  # the stage's and the process deadline

    calendar_services.enter_year(
        Actor(users["city"], "page"), 2027, TEST_SOURCE,
        [HolidayLine("元旦", datetime.date(2027, 1, 1), datetime.date(2027, 1, 3)),
         HolidayLine("春节", datetime.date(2027, 2, 5), datetime.date(2027, 2, 12))],
        [datetime.date(2027, 2, 20)], now=at(2026, 12, 6))
    case.refresh_from_db()
    assert case.data["process_due"] == "2027-02-16" and case.data["process_due_estimated"] is False
    assert case.due_at == datetime.datetime(2027, 1, 4, 23, 59, 59, tzinfo=BJ) and not case.deadline_estimated
    entry = AuditEntry.objects.get(action="case.deadline_recompute", object_repr=case.number)
    assert entry.changes["process_due"] == ["2027-02-12", "2027-02-16"]
    assert entry.changes["process_due_estimated"] == [True, False]
    assert entry.changes["deadline_estimated"] == [True, False]

    body = api_client("community").get(f"/api/v1/assistance/applications/{case.number}").json()
    assert body["process_due"] == "2027-02-16" and body["process_due_estimated"] is False


def test_process_deadline_within_2025_is_not_estimated(users, family, params, take):
    app, _ = take(["subsistence_allowance"])  # Friday 2025-09-26 (test_applications.py)
    assert app.case.data["process_due"] == "2025-11-13" and app.case.data["process_due_estimated"] is False
    assert not app.case.deadline_estimated
