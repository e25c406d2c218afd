"""Access requests and the burden on communities: the access list decides, the street
approves or refuses off-list requests with the reason, and the monthly tally with its
trend worked by hand."""

from datetime import date

import pytest

from jiayuan.audit.services import Actor
from jiayuan.conftest import _make_user
from jiayuan.governance.access import rules, selectors
from jiayuan.regions.models import Region
from jiayuan.servicecenter import services as sc
from jiayuan.servicecenter.models import CommunityTask

from .conftest import OWNER_COMMUNITY

pytestmark = pytest.mark.django_db
PEER = "620702001005"


@pytest.fixture
def dept_user(users):
    from jiayuan.cases.models import Department, DepartmentMember

    sc.load_catalogs()
    u = _make_user("wenlv", "department_staff", "620702")
    d = Department.objects.create(code="wl", name="甘州区文体广电和旅游局", region_id="620702")
    DepartmentMember.objects.create(department=d, user=u)
    return u


def _ask(user, community, kind, occurs_on, item="", title="事项"):
    return sc.assign_community_task(Actor(user, "page"), Region.objects.get(code=community), title=title, kind=kind,
                                    occurs_on=occurs_on, access_item=item)


def test_a_negative_list_item_is_refused_and_an_off_list_one_waits_for_the_street(users, dept_user):
    from jiayuan.servicecenter.models import AccessListItem

    negative = AccessListItem.objects.filter(category="negative").first()
    assert _ask(dept_user, OWNER_COMMUNITY, "task", date.today(), negative.code).status == "refused"
    off = _ask(dept_user, OWNER_COMMUNITY, "inspection", date.today(), title="文明城市创建检查评比")
    assert off.status == "pending"
    assert list(selectors.waiting_for_street(users["township"])) == [off]
    assert list(selectors.waiting_for_street(users["community"])) == []


def test_a_street_officer_refuses_an_off_list_request_with_the_reason_on_its_page(users, dept_user, page_client):
    off = _ask(dept_user, OWNER_COMMUNITY, "meeting", date.today(), title="全区旅游工作推进会（社区主任参加）")
    c = page_client("township")
    resp = c.post(f"/governance/requests/{off.pk}/", {"decision": "reject", "note": ""})
    assert resp.status_code == 422
    resp = c.post(f"/governance/requests/{off.pk}/", {"decision": "reject", "note": "不在准入清单内，且与社区职责无关"})
    assert resp.status_code == 302
    off.refresh_from_db()
    assert (off.status, off.decision_note) == ("rejected", "不在准入清单内，且与社区职责无关")
    page = page_client("community").get(f"/governance/requests/{off.pk}/").content.decode()
    assert "街道不予批准" in page and "不在准入清单内，且与社区职责无关" in page
    assert page_client("peer").get(f"/governance/requests/{off.pk}/").status_code == 404


def test_a_department_submits_a_request_on_the_page(users, dept_user):
    from django.test import Client

    c = Client()
    c.force_login(dept_user)
    resp = c.post("/governance/requests/new/", {
        "community": OWNER_COMMUNITY, "kind": "activity", "title": "送戏下乡", "occurs_on": date.today().isoformat(),
        "access_item": ""})
    assert resp.status_code == 302
    assert CommunityTask.objects.get().status == "pending"


def test_months_back_and_trend():
    assert rules.months_back(date(2026, 2, 15), 3) == [date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
    assert rules.trend([2, 4, 6]) == "up" and rules.trend([3, 3, 1]) == "down" and rules.trend([2, 2]) == "flat"


def test_the_monthly_burden_and_its_trend_worked_by_hand(users, dept_user):
    from jiayuan.servicecenter.models import AccessListItem

    assist = AccessListItem.objects.filter(category="assist").first().code
    negative = AccessListItem.objects.filter(category="negative").first().code
    y = 2026
    # 交通巷社区: Jan 1 meeting on the list; Feb 2 (a report on the list, an off-list
    # activity approved), Mar 3 (meeting, report on the list, an inspection approved)
    _ask(dept_user, OWNER_COMMUNITY, "meeting", date(y, 1, 10), assist)
    _ask(dept_user, OWNER_COMMUNITY, "report", date(y, 2, 3), assist)
    a = _ask(dept_user, OWNER_COMMUNITY, "activity", date(y, 2, 20))
    sc.decide_community_task(Actor(users["township"], "page"), a, True)
    _ask(dept_user, OWNER_COMMUNITY, "meeting", date(y, 3, 1), assist)
    _ask(dept_user, OWNER_COMMUNITY, "report", date(y, 3, 31), assist)
    i = _ask(dept_user, OWNER_COMMUNITY, "inspection", date(y, 3, 15))
    sc.decide_community_task(Actor(users["township"], "page"), i, True)
    # 甘泉社区: Jan 2 on the list, Mar: one refused (negative list), one rejected, one pending
    _ask(dept_user, PEER, "task", date(y, 1, 5), assist)
    _ask(dept_user, PEER, "meeting", date(y, 1, 25), assist)
    _ask(dept_user, PEER, "task", date(y, 3, 2), negative)
    r = _ask(dept_user, PEER, "inspection", date(y, 3, 9))
    sc.decide_community_task(Actor(users["township"], "page"), r, False, "不得擅自检查评比")
    _ask(dept_user, PEER, "meeting", date(y, 3, 20))
    # outside the window (December) and outside the street (another county) count nowhere
    _ask(dept_user, OWNER_COMMUNITY, "meeting", date(y - 1, 12, 31), assist)
    got = selectors.burden(users["township"], Region.objects.get(code="620702001"), date(y, 3, 1), months=3)
    by_month = {m["month"]: (m["asked"], m["binding"], m["meeting"], m["report"], m["activity"], m["inspection"],
                             m["task"], m["pending"], m["refused"], m["rejected"]) for m in got["series"]}
    assert by_month == {
        date(y, 1, 1): (3, 3, 2, 0, 0, 0, 1, 0, 0, 0),
        date(y, 2, 1): (2, 2, 0, 1, 1, 0, 0, 0, 0, 0),
        date(y, 3, 1): (6, 3, 1, 1, 0, 1, 0, 1, 1, 1),
    }
    assert [(r["code"], r["values"], r["total"], r["trend"]) for r in got["rows"]] == [
        (OWNER_COMMUNITY, [1, 2, 3], 6, "up"),     # 交通巷社区: 3 > mean(1, 2)
        (PEER, [2, 0, 0], 2, "down"),              # 甘泉社区: 0 < mean(2, 0)
    ]
    assert got["trend"] == "up"   # binding 3 in March against the mean of 3 and 2
