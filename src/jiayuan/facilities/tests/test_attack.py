"""Attacks on the facilities and funds that once got through (each test failed before its
fix): an amount too large for Decimal's 28 digits at the fen, a version that is no number."""

import pytest
from django.utils import timezone

from jiayuan.facilities.models import FundEntry

from .conftest import GANQUAN, JIAOTONGXIANG

pytestmark = pytest.mark.django_db

J = "application/json"


def test_a_version_that_is_no_number_is_a_conflict_not_a_500(page_client, facility):
    f = facility(JIAOTONGXIANG, "450")
    r = page_client("township").post(f"/facilities/{f.pk}/also-serves/", {"also_serves": [GANQUAN], "version": "abc"})
    assert r.status_code == 409
    f.refresh_from_db()
    assert not f.also_serves.exists()
