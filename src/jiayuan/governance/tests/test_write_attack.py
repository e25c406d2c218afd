"""Hostile input to the governance write API: never a 500, never a value longer than
its column (SQLite keeps it, PostgreSQL answers a 500), nothing half-written."""

from datetime import date, timedelta

import pytest
from django.apps import apps
from django.db import models

from .conftest import OWNER_COMMUNITY
from .test_write_api import ITEMS

pytestmark = pytest.mark.django_db
TODAY = date.today()
STREET = "620702001"
LONG = "长" * 10000


def _no_overlong_rows():
    """Every stored char value of the governance app fits its column."""
    for model in apps.get_app_config("governance").get_models():
        for f in model._meta.get_fields():
            if isinstance(f, models.CharField) and f.max_length and not f.choices:
                for v in model.objects.values_list(f.name, flat=True):
                    assert v is None or len(v) <= f.max_length, (model.__name__, f.name, len(v))


def _ok_or_422(r):
    assert r.status_code in (200, 201, 403, 404, 409, 422), (r.status_code, r.content[:500])
    if r.status_code >= 400:
        assert "error" in r.json() and r.json()["error"]["code"], r.content


def test_evaluation_with_wild_numbers_and_long_strings(users, api_client):
    street = api_client("township")
    body = {"township": STREET, "start": f"{TODAY.year}-01-01", "end": TODAY.isoformat(), "items": ITEMS}
    for w in ("NaN", "Infinity", "-Infinity", "1e999999", "-60", "60.0000000001", "1" * 500):
        items = [{**ITEMS[0], "weight": w}, ITEMS[1]]
        r = street.post("/api/v1/evaluations", {**body, "items": items}, content_type="application/json")
        assert r.status_code == 422, (w, r.content)
    for bad in ({"title": LONG}, {"items": [{**ITEMS[0], "name": LONG}, ITEMS[1]]}, {"township": LONG}):
        _ok_or_422(street.post("/api/v1/evaluations", {**body, **bad}, content_type="application/json"))
    _no_overlong_rows()
    made = street.post("/api/v1/evaluations", body, content_type="application/json")
    if made.status_code != 201:
        return
    rid = made.json()["id"]
    street.post(f"/api/v1/evaluations/{rid}/open")
    item = made.json()["items"][0]["id"]
    for s in ("NaN", "Infinity", "-1", "1e999999", "90.123456789", "sNaN"):
        r = street.post(f"/api/v1/evaluations/{rid}/scores",
                        {"item": item, "community": OWNER_COMMUNITY, "score": s, "comment": "x"},
                        content_type="application/json")
        assert r.status_code == 422, (s, r.content)
    _ok_or_422(street.post(f"/api/v1/evaluations/{rid}/scores",
                           {"item": item, "community": OWNER_COMMUNITY, "score": 90, "comment": LONG},
                           content_type="application/json"))
    _ok_or_422(street.post(f"/api/v1/evaluations/{rid}/scores",
                           {"item": item, "community": LONG, "score": 90, "comment": "x"},
                           content_type="application/json"))
    _no_overlong_rows()


def test_volunteer_service_with_wild_hours_and_long_strings(users, api_client, make_person):
    me = api_client("community")
    p = make_person(name="赵志愿")
    _ok_or_422(me.post("/api/v1/volunteer-teams", {"region": OWNER_COMMUNITY, "name": LONG},
                       content_type="application/json"))
    _ok_or_422(me.post("/api/v1/volunteer-teams", {"region": LONG, "name": "队"}, content_type="application/json"))
    _no_overlong_rows()
    team = me.post("/api/v1/volunteer-teams", {"region": OWNER_COMMUNITY, "name": "交通巷志愿服务队"},
                   content_type="application/json").json()
    _ok_or_422(me.post("/api/v1/volunteers", {"team": team["id"], "id_number": LONG},
                       content_type="application/json"))
    _ok_or_422(me.post("/api/v1/volunteers", {"team": team["id"], "id_number": p.id_number, "skills": LONG},
                       content_type="application/json"))
    _no_overlong_rows()
    v = me.post("/api/v1/volunteers", {"team": team["id"], "id_number": p.id_number}, content_type="application/json")
    if v.status_code != 201:
        return
    vid = v.json()["id"]
    service = {"served_on": (TODAY - timedelta(days=1)).isoformat(), "content": "助老送餐", "hours": 2.5,
               "evaluation": "good"}
    for h in ("NaN", "Infinity", "-1", "0", "1e999999", "2.123456789", "sNaN"):
        r = me.post(f"/api/v1/volunteers/{vid}/services", {**service, "hours": h}, content_type="application/json")
        assert r.status_code == 422, (h, r.content)
    _ok_or_422(me.post(f"/api/v1/volunteers/{vid}/services", {**service, "content": LONG},
                       content_type="application/json"))
    _ok_or_422(me.post(f"/api/v1/volunteers/{vid}/services", {**service, "evaluation": LONG},
                       content_type="application/json"))
    _no_overlong_rows()


def test_activity_and_bodies_with_long_strings(users, api_client):
    me = api_client("community")
    body = {"region": OWNER_COMMUNITY, "kind": "moral_lecture", "title": "道德讲堂",
            "held_on": (TODAY - timedelta(days=2)).isoformat(), "organizer_name": "交通巷社区",
            "participant_count": 30}
    for k in ("title", "organizer_name", "place", "speakers", "summary", "organizer_kind", "region", "kind"):
        _ok_or_422(me.post("/api/v1/activities", {**body, k: LONG}, content_type="application/json"))
    _no_overlong_rows()
    b = {"region": OWNER_COMMUNITY, "kind": "public_security", "name": LONG}
    made = me.post("/api/v1/bodies", b, content_type="application/json")
    _ok_or_422(made)
    _no_overlong_rows()
    if made.status_code != 201:
        made = me.post("/api/v1/bodies", {**b, "name": "治保会"}, content_type="application/json")
    assert made.status_code == 201, made.content
    bid = made.json()["id"]
    for k in ("name", "phone", "role"):
        _ok_or_422(me.post(f"/api/v1/bodies/{bid}/members", {"name": "周", k: LONG}, content_type="application/json"))
    _no_overlong_rows()
