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


def test_a_post_is_not_left_before_it_began(api_client, worker):
    w = worker(since=date(2019, 7, 1), started=date(2016, 7, 1))
    c = api_client("township")
    for day in ("2000-01-01", "2018-06-30"):   # before the start; before the grade began
        r = post(c, f"/api/v1/workforce/workers/{w.pk}/leave", {"left_on": day})
        assert r.status_code == 422 and r.json()["error"]["code"] == "left_on.too_early", r.content
    w.refresh_from_db()
    assert w.status == CommunityWorker.Status.ACTIVE and w.left_on is None
    r = post(c, f"/api/v1/workforce/workers/{w.pk}/leave", {"left_on": "2019-07-01"})
    assert r.status_code == 200 and r.json()["left_on"] == "2019-07-01"


def test_a_qualification_is_not_registered_on_a_day_to_come(api_client, make_person):
    p = make_person(region=JIAOTONGXIANG, name="王社工")
    r = post(api_client("township"), "/api/v1/workforce/social-workers",
             {"person": p.pk, "level": "assistant", "certificate_number": "ZL2020001", "certified_on": "2020-01-01",
              "registered_on": "2099-01-01"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "registered_on.future"
    assert not SocialWorker.objects.exists()


def test_a_version_that_is_no_number_is_a_conflict_not_a_500(page_client, worker):
    w = worker(since=date(2019, 7, 1))   # a step is due (3 full years in grade)
    r = page_client("township").post(f"/workforce/{w.pk}/grade-step/", {"version": "abc"})
    assert r.status_code == 409
    w.refresh_from_db()
    assert w.grade == 3


def test_attendance_for_an_id_too_large_is_not_found_not_a_500(api_client, page_client, worker):
    today = timezone.localdate().isoformat()
    r = post(api_client("township"), "/api/v1/workforce/training",
             {"title": "社区干部培训", "organizer": "东街街道", "kind": "cadre_training", "region": JIAOTONGXIANG,
              "starts_on": today, "ends_on": today, "hours": 2})
    sid = r.json()["id"]
    r = page_client("township").post(f"/workforce/training/{sid}/attendance/",
                                     {"worker": str(10 ** 30), "attended": "1"})
    assert r.status_code == 404


def test_the_figures_of_a_reversed_period_are_422_not_zeros(api_client):
    r = api_client("township").get("/api/v1/workforce/figures?start=2026-12-31&end=2026-01-01")
    assert r.status_code == 422 and r.json()["error"]["code"] == "end.before_start"
