"""Writes of children's homes through ``/api/v1/children-homes``: register and change a
home, enrol a child, record a day's attendance, end an enrolment — with the API's
conventions: 422 naming the field, 403 for a role that may not, 404 out of scope, 409 in
the wrong state (a closed home, a stale version, an enrolment already ended)."""

import datetime

import pytest

from jiayuan.conftest import OUTSIDE_VILLAGE, OWNER_COMMUNITY, make_id_number

pytestmark = pytest.mark.django_db
D = datetime.date

NEW = {"name": "交通巷儿童之家", "region": OWNER_COMMUNITY, "capacity": 30, "services": ["daytime_care", "tutoring"],
       "opened_on": "2025-09-01", "address": "交通巷 12 号"}


def post(c, path, body):
    return c.post(path, body, content_type="application/json")


def patch(c, path, body):
    return c.patch(path, body, content_type="application/json")


def put(c, path, body):
    return c.put(path, body, content_type="application/json")


def fields(r) -> dict:
    return r.json()["error"]["fields"]


@pytest.fixture
def home(api_client):
    r = post(api_client("township"), "/api/v1/children-homes", NEW)
    assert r.status_code == 201, r.content
    return r.json()


@pytest.fixture
def kid(make_person):
    return make_person(name="甲", id_number=make_id_number(D(2015, 5, 1), 1))


def test_registering_a_home(api_client, home):
    assert home["name"] == "交通巷儿童之家" and home["region"] == OWNER_COMMUNITY and home["capacity"] == 30
    assert home["services"] == ["daytime_care", "tutoring"] and home["service_names"] == ["日间照料", "课业辅导"]
    assert home["version"] == 1 and home["closed_on"] is None
    assert api_client("community").get(f"/api/v1/children-homes/{home['id']}").json()["name"] == "交通巷儿童之家"


@pytest.mark.parametrize("change, field", [
    ({"capacity": 0}, "capacity"), ({"capacity": 10_001}, "capacity"), ({"services": ["karaoke"]}, "services"),
    ({"name": "  "}, "name"), ({"opened_on": "2025-13-01"}, "opened_on"), ({"capacity": "很多"}, "capacity"),
    ({"operator": 999_999}, "operator"),      # no such organization: the field is wrong, not the address
])
def test_bad_input_is_422_naming_the_field(api_client, change, field):
    r = post(api_client("township"), "/api/v1/children-homes", {**NEW, **change})
    assert r.status_code == 422 and field in fields(r), r.content


def test_a_missing_field_is_named(api_client):
    body = dict(NEW)
    del body["capacity"]
    r = post(api_client("township"), "/api/v1/children-homes", body)
    assert r.status_code == 422 and "capacity" in fields(r)


def test_registering_needs_the_duty_right_and_the_region_in_scope(api_client):
    assert post(api_client("community"), "/api/v1/children-homes", NEW).status_code == 403
    r = post(api_client("township"), "/api/v1/children-homes", {**NEW, "region": OUTSIDE_VILLAGE})
    assert r.status_code == 404


def test_changing_a_home_with_its_version(api_client, home):
    c, path = api_client("township"), f"/api/v1/children-homes/{home['id']}"
    r = patch(c, path, {"capacity": 40, "services": ["meals"], "version": 1})
    assert r.status_code == 200, r.content
    assert (r.json()["capacity"], r.json()["services"], r.json()["name"], r.json()["version"]) == (
        40, ["meals"], "交通巷儿童之家", 2)
    stale = patch(c, path, {"capacity": 50, "version": 1})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "home.conflict"
    assert c.get(path).json()["capacity"] == 40
    r = patch(c, path, {"closed_on": "2025-08-31"})
    assert r.status_code == 422 and "closed_on" in fields(r)
    r = patch(c, path, {"capacity": None})
    assert r.status_code == 422 and "capacity" in fields(r)


def test_changing_needs_the_right_and_scope(api_client, home):
    path = f"/api/v1/children-homes/{home['id']}"
    assert patch(api_client("community"), path, {"capacity": 40}).status_code == 403
    assert patch(api_client("outsider"), path, {"capacity": 40}).status_code == 404
    assert api_client("outsider").get(path).status_code == 404


def test_enrolment_attendance_and_leaving(api_client, home, kid, director, users):
    c, base = api_client("community"), f"/api/v1/children-homes/{home['id']}"
    r = post(c, f"{base}/enrolments", {"person": kid.pk, "enrolled_on": "2026-03-01"})
    assert r.status_code == 201, r.content
    e = r.json()
    assert (e["person"], e["person_name"], e["left_on"]) == (kid.pk, "甲", None)
    again = post(c, f"{base}/enrolments", {"person": kid.pk, "enrolled_on": "2026-03-02"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "home.enrolled"
    assert [x["id"] for x in c.get(f"{base}/enrolments?day=2026-03-02").json()] == [e["id"]]
    # a day's attendance, recorded again replaces the day
    r = put(c, f"{base}/attendance/2026-03-02", {"present": [e["id"]]})
    assert r.status_code == 200 and r.json() == {"day": "2026-03-02", "present": [e["id"]], "count": 1}
    assert put(c, f"{base}/attendance/2026-03-02", {"present": []}).json()["count"] == 0
    put(c, f"{base}/attendance/2026-03-03", {"present": [e["id"]]})
    assert c.get(f"{base}/attendance/2026-03-03").json()["present"] == [e["id"]]
    r = put(c, f"{base}/attendance/2026-02-27", {"present": [e["id"]]})  # before the enrolment
    assert r.status_code == 422 and "present" in fields(r)
    r = put(c, f"{base}/attendance/2999-01-01", {"present": []})
    assert r.status_code == 422 and "day" in fields(r)
    r = put(c, f"{base}/attendance/2026-03-04", {"present": ["x"]})
    assert r.status_code == 422 and "present.0" in fields(r)
    # closing the home while the child is enrolled is the wrong state
    r = patch(api_client("township"), base, {"closed_on": "2026-04-01"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "home.children_enrolled"
    # leaving: not before the last attendance; twice is the wrong state
    r = post(c, f"{base}/enrolments/{e['id']}/leave", {"left_on": "2026-03-02"})
    assert r.status_code == 422 and "left_on" in fields(r)
    r = post(c, f"{base}/enrolments/{e['id']}/leave", {"left_on": "2026-03-31"})
    assert r.status_code == 200 and r.json()["left_on"] == "2026-03-31"
    r = post(c, f"{base}/enrolments/{e['id']}/leave", {"left_on": "2026-04-01"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "enrolment.left"
    assert post(c, f"{base}/enrolments/999999/leave", {"left_on": "2026-04-01"}).status_code == 404
    # now the home closes; it takes no child nor attendance from that day on
    r = patch(api_client("township"), base, {"closed_on": "2026-04-01", "version": 1})
    assert r.status_code == 200 and r.json()["closed_on"] == "2026-04-01"
    r = post(c, f"{base}/enrolments", {"person": kid.pk, "enrolled_on": "2026-04-02"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "home.closed"
    r = put(c, f"{base}/attendance/2026-04-01", {"present": []})
    assert r.status_code == 409 and r.json()["error"]["code"] == "home.closed"
    # reopened (closed_on null), it takes children again
    assert patch(api_client("township"), base, {"closed_on": None}).json()["closed_on"] is None
    assert post(c, f"{base}/enrolments", {"person": kid.pk, "enrolled_on": "2026-04-02"}).status_code == 201


def test_only_who_works_at_the_home_keeps_its_children(api_client, home, kid, director, colleague):
    base = f"/api/v1/children-homes/{home['id']}"
    body = {"person": kid.pk, "enrolled_on": "2026-03-01"}
    assert post(api_client("colleague"), f"{base}/enrolments", body).status_code == 403
    assert api_client("colleague").get(f"{base}/enrolments").status_code == 403
    assert put(api_client("colleague"), f"{base}/attendance/2026-03-02", {"present": []}).status_code == 403
    assert post(api_client("outsider"), f"{base}/enrolments", body).status_code == 404
    r = post(api_client("community"), f"{base}/enrolments", {"person": kid.pk, "enrolled_on": "2025-08-01"})
    assert r.status_code == 422 and "enrolled_on" in fields(r)


def test_writes_are_audited(api_client, home, kid, director):
    from jiayuan.audit.models import AuditEntry

    base = f"/api/v1/children-homes/{home['id']}"
    patch(api_client("township"), base, {"capacity": 35})
    post(api_client("community"), f"{base}/enrolments", {"person": kid.pk, "enrolled_on": "2026-03-01"})
    actions = list(AuditEntry.objects.filter(object_type="children.childrenshome", object_id=str(home["id"]))
                   .order_by("seq").values_list("action", flat=True))
    assert actions == ["children.home_register", "children.home_update", "children.home_enrol"]
