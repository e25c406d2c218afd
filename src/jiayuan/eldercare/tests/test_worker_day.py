"""The care worker's day list: one query, and only while the duty and the membership
of the organization are active."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiayuan.eldercare.models import CareDuty, WorkOrder
from jiayuan.eldercare.orders import selectors
from jiayuan.eldercare.orders import services as orders
from jiayuan.organizations.models import OrganizationMember

from .test_orders import act, world  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_the_day_list_is_one_query_and_follows_the_duty(world):
    s = world["staff"]
    mine = list(WorkOrder.objects.filter(plan=world["plan"]).order_by("pk")[:2])
    for o in mine:
        orders.dispatch(act(s["diaodu"]), o, s["huli1"])
    orders.void(act(s["diaodu"]), WorkOrder.objects.get(pk=mine[1].pk), "老人住院")
    with CaptureQueriesContext(connection) as q:
        day = selectors.worker_day(s["huli1"], world["today"])
    assert len(q.captured_queries) == 1
    assert [r["id"] for r in day] == [mine[0].pk]  # the void one left out
    # a duty taken back, or a worker who left the organization: nothing, as for anyone else
    CareDuty.objects.filter(user=s["huli1"], duty="care_worker").update(active=False)
    assert selectors.worker_day(s["huli1"], world["today"]) == []
    CareDuty.objects.filter(user=s["huli1"], duty="care_worker").update(active=True)
    assert [r["id"] for r in selectors.worker_day(s["huli1"], world["today"])] == [mine[0].pk]
    OrganizationMember.objects.filter(user=s["huli1"]).update(active=False)
    assert selectors.worker_day(s["huli1"], world["today"]) == []
    # an account whose role acts for no organization: no query at all
    with CaptureQueriesContext(connection) as q:
        assert selectors.worker_day(world["county"].user, world["today"]) == []
    assert len(q.captured_queries) == 0
