"""Hostile input to the allowances page's enrol and stop: never a 500."""

import datetime

import pytest

from jiayuan.assistance.models import Enrollment
from jiayuan.audit.services import Actor
from jiayuan.children import services

from .test_allowances import allowance_params, unsupported_file  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db
HUGE = "9" * 30  # past a bigint: the database cannot compare with it


def test_stop_with_ids_past_a_bigint_is_refused(page_client, unsupported_file, allowance_params, users):  # noqa: F811
    e = services.enrol_allowance(Actor(users["county"], "page"), unsupported_file, "de_facto_unsupported_allowance",
                                 datetime.date(2026, 2, 1), {"assistance_amount": "560.00"})
    c, url = page_client("county"), f"/children/{unsupported_file.pk}/allowances/"
    r = c.post(url, {"op": "stop", "enrollment": HUGE, "reason": "x", "end_month": "2026-03"})
    assert r.status_code in (404, 422), r.status_code
    r = c.post(url, {"op": "stop", "enrollment": e.pk, "version": HUGE, "reason": "x", "end_month": "2026-03"})
    assert r.status_code in (409, 422), r.status_code
    r = c.post(url, {"op": "stop", "enrollment": e.pk, "reason": "x", "end_month": "99999-99"})
    assert r.status_code == 422, r.status_code
    for amount in ("NaN", "Infinity", "1e999999", "-1", "9" * 40):
        r = c.post(url, {"op": "enrol", "program": "de_facto_unsupported_allowance", "start_month": "2026-02",
                         "assistance_amount": amount})
        assert r.status_code == 422, (amount, r.status_code)
    r = c.post(url, {"op": "enrol", "program": "de_facto_unsupported_allowance", "start_month": "0000-00"})
    assert r.status_code == 422, r.status_code
    assert Enrollment.objects.get(pk=e.pk).status == "active"
