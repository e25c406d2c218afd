"""Attacks on the workforce that once got through (each test failed before its fix): a
post left before it began, a registration dated in the future, a page's version that is
no number, an attendance for an id too large for the column."""

from datetime import date

import pytest
from django.utils import timezone

from jiayuan.workforce.models import CommunityWorker, SocialWorker

from .conftest import JIAOTONGXIANG

pytestmark = pytest.mark.django_db

J = "application/json"


def post(c, url, body):
    return c.post(url, body, content_type=J)


def test_a_version_that_is_no_number_is_a_conflict_not_a_500(page_client, worker):
    w = worker(since=date(2019, 7, 1))   # a step is due (3 full years in grade)
    r = page_client("township").post(f"/workforce/{w.pk}/grade-step/", {"version": "abc"})
    assert r.status_code == 409
    w.refresh_from_db()
    assert w.grade == 3