"""Attacks on the facilities and funds that once got through (each test failed before its
fix): an amount too large for Decimal's 28 digits at the fen, a version that is no number."""

import pytest
from django.utils import timezone

from jiayuan.facilities.models import FundEntry

from .conftest import GANQUAN, JIAOTONGXIANG

pytestmark = pytest.mark.django_db

J = "application/json"


@pytest.mark.parametrize("amount", [10 ** 30, "1e26", "100000000"])
def test_a_huge_amount_is_too_large_not_a_500(api_client, amount):
    c = api_client("county")
    year = timezone.localdate().year
    fund = c.put("/api/v1/facilities/funds", {"community": JIAOTONGXIANG, "year": year, "budget_amount": "80000"},
                 content_type=J).json()
    r = c.post(f"/api/v1/facilities/funds/{fund['id']}/entries",
               {"kind": "allocation", "category": "office", "amount": amount, "on": f"{year}-03-01"}, content_type=J)
    assert r.status_code == 422 and r.json()["error"]["code"] == "amount.too_large"
    r = c.put("/api/v1/facilities/funds", {"community": JIAOTONGXIANG, "year": year, "budget_amount": amount},
              content_type=J)
    assert r.status_code == 422 and r.json()["error"]["code"] == "amount.too_large"
    assert not FundEntry.objects.exists()


def test_a_version_that_is_no_number_is_a_conflict_not_a_500(page_client, facility):
    f = facility(JIAOTONGXIANG, "450")
    r = page_client("township").post(f"/facilities/{f.pk}/also-serves/", {"also_serves": [GANQUAN], "version": "abc"})
    assert r.status_code == 409
    f.refresh_from_db()
    assert not f.also_serves.exists()
