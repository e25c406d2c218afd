"""Children's homes: registering, enrolling, attendance, and the children cared for in a
period counted from the records."""

import datetime

import pytest

from jiayuan.audit.services import Actor
from jiayuan.children import homes, selectors
from jiayuan.conftest import OWNER_COMMUNITY, make_id_number
from jiayuan.errors import Conflict, Forbidden, ValidationFailed

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def home(users):
    return homes.register_home(Actor(users["township"], "page"), name="交通巷儿童之家", region_code=OWNER_COMMUNITY,
                               capacity=30, services=["daytime_care", "tutoring"], opened_on=D(2025, 9, 1))


@pytest.fixture
def kids(make_person):
    return [make_person(name=n, id_number=make_id_number(D(2015, 5, i + 1), 1)) for i, n in enumerate(("甲", "乙", "丙"))]


def test_children_cared_for_in_a_period_are_the_different_children_present(home, kids, director):
    a = Actor(director, "page")
    e = [homes.enrol(a, home, k.pk, D(2026, 3, 1)) for k in kids]
    homes.record_attendance(a, home, D(2026, 3, 2), [e[0].pk, e[1].pk])
    homes.record_attendance(a, home, D(2026, 3, 3), [e[0].pk])
    homes.record_attendance(a, home, D(2026, 4, 1), [e[2].pk])
    # March: 甲 and 乙 (甲 twice) → 2 children, 3 child-days; March–April: 3 children
    assert selectors.children_cared_for(home, D(2026, 3, 1), D(2026, 3, 31)) == 2
    assert selectors.attendance_days(home, D(2026, 3, 1), D(2026, 3, 31)) == 3
    assert selectors.children_cared_for(home, D(2026, 3, 1), D(2026, 4, 30)) == 3


def test_the_home_list_counts_every_home_in_one_query(home, kids, director, users, django_assert_num_queries):
    a = Actor(director, "page")
    other = homes.register_home(Actor(users["township"], "page"), name="东街儿童之家", region_code=OWNER_COMMUNITY,
                                capacity=10, services=["tutoring"], opened_on=D(2025, 9, 1))
    e = [homes.enrol(a, home, k.pk, D(2026, 3, 1)) for k in kids]
    homes.record_attendance(a, home, D(2026, 3, 2), [e[0].pk, e[1].pk])
    homes.record_attendance(a, home, D(2026, 3, 3), [e[0].pk])
    homes.record_attendance(a, home, D(2026, 4, 1), [e[2].pk])
    # March: 交通巷 has 甲 and 乙 (甲 twice) → 2 children, 3 child-days; 东街 none
    with django_assert_num_queries(1):
        counts = {h.name: (h.cared_count, h.attendance_count)
                  for h in selectors.homes_with_counts(users["township"], D(2026, 3, 1), D(2026, 3, 31))}
    assert counts == {"交通巷儿童之家": (2, 3), other.name: (0, 0)}


def test_recording_a_day_again_replaces_it(home, kids, director):
    a = Actor(director, "page")
    e = [homes.enrol(a, home, k.pk, D(2026, 3, 1)) for k in kids]
    homes.record_attendance(a, home, D(2026, 3, 2), [e[0].pk, e[1].pk])
    homes.record_attendance(a, home, D(2026, 3, 2), [e[2].pk])
    assert selectors.attendance_days(home, D(2026, 3, 2), D(2026, 3, 2)) == 1


def test_a_child_who_left_cannot_be_marked_present_after(home, kids, director):
    a = Actor(director, "page")
    e = homes.enrol(a, home, kids[0].pk, D(2026, 3, 1))
    homes.leave(a, home, e.pk, D(2026, 3, 10))
    with pytest.raises(ValidationFailed):
        homes.record_attendance(a, home, D(2026, 3, 11), [e.pk])
    assert homes.record_attendance(a, home, D(2026, 3, 10), [e.pk]) == 1


def test_enrolling_twice_is_a_conflict(home, kids, director):
    homes.enrol(Actor(director, "page"), home, kids[0].pk, D(2026, 3, 1))
    with pytest.raises(Conflict):
        homes.enrol(Actor(director, "page"), home, kids[0].pk, D(2026, 3, 2))


def test_a_colleague_without_a_duty_keeps_no_records_and_sees_no_children(home, kids, colleague, page_client,
                                                                          director):
    homes.enrol(Actor(director, "page"), home, kids[0].pk, D(2026, 3, 1))
    with pytest.raises(Forbidden):
        homes.enrol(Actor(colleague, "page"), home, kids[1].pk, D(2026, 3, 1))
    body = page_client("colleague").get(f"/children/homes/{home.pk}/?day=2026-03-02").content.decode()
    assert "交通巷儿童之家" in body and "甲" not in body
    assert "甲" in page_client("community").get(f"/children/homes/{home.pk}/?day=2026-03-02").content.decode()
    assert page_client("outsider").get(f"/children/homes/{home.pk}/").status_code == 404


def test_the_operator_staff_records_attendance(home, kids, director, users):
    from jiayuan.organizations.models import OrganizationMember, SocialOrganization

    org = SocialOrganization.objects.create(name="六坝镇未来星儿童关爱服务队", kind="community_filed",
                                            region_id="620702")
    OrganizationMember.objects.create(organization=org, user=users["org"])
    home.operator = org
    home.save()
    e = homes.enrol(Actor(director, "page"), home, kids[0].pk, D(2026, 3, 1))
    assert homes.record_attendance(Actor(users["org"], "page"), home, D(2026, 3, 2), [e.pk]) == 1


def test_the_pages_register_a_home_and_record_a_day(page_client, kids, director):
    r = page_client("township").post("/children/homes/", {
        "name": "东街儿童之家", "region": OWNER_COMMUNITY, "capacity": 20, "services": ["tutoring"],
        "opened_on": "2025-01-01"})
    assert r.status_code == 302
    url = r["Location"]
    c = page_client("community")
    c.post(url, {"op": "enrol", "person": kids[0].pk, "enrolled_on": "2026-03-01"})
    e = selectors.enrolled_on(selectors.get_home(director, url.rstrip("/").split("/")[-1]), D(2026, 3, 2)).get()
    r = c.post(url, {"op": "attendance", "day": "2026-03-02", "present": [e.pk]})
    assert r.status_code == 302
    body = c.get(url + "?start=2026-03-01&end=2026-03-31").content.decode()
    assert "共关爱儿童 1 名" in body
    assert page_client("community").post("/children/homes/", {"name": "x"}).status_code == 403


def test_the_homes_api_counts_the_children_cared_for_in_the_period(api_client, home, kids, director):
    a = Actor(director, "page")
    e = homes.enrol(a, home, kids[0].pk, D(2026, 3, 1))
    homes.record_attendance(a, home, D(2026, 3, 2), [e.pk])
    rows = api_client("township").get("/api/v1/children-homes?start=2026-03-01&end=2026-03-31").json()
    assert [(r["name"], r["children_cared_for"], r["attendance_days"]) for r in rows] == [("交通巷儿童之家", 1, 1)]
    assert api_client("outsider").get("/api/v1/children-homes").json() == []


def test_the_register_form_offers_regions_and_the_countys_organizations_by_name(page_client, users):
    """The form asked for a typed region code and a typed organization number; it now
    offers the scope's township, villages and communities and the county's active
    organizations by name. One of another county is not offered and is refused (422, the
    user's input kept, nothing written)."""
    from jiayuan.children.models import ChildrensHome
    from jiayuan.organizations.models import SocialOrganization

    ours = SocialOrganization.objects.create(name="甘州区阳光社工服务中心", kind="community_filed", region_id="620702")
    SocialOrganization.objects.create(name="已注销的服务队", kind="community_filed", region_id="620702",
                                      status="deregistered")
    other = SocialOrganization.objects.create(name="民乐县未来星服务队", kind="community_filed", region_id="620722")
    c = page_client("township")
    body = c.get("/children/homes/").content.decode()
    assert f'<option value="{OWNER_COMMUNITY}"' in body and 'value="620702001"' in body
    assert f'<option value="{ours.pk}">甘州区阳光社工服务中心</option>' in body
    assert "已注销的服务队" not in body and "民乐县未来星服务队" not in body
    form = {"name": "东街儿童之家", "region": OWNER_COMMUNITY, "capacity": 20, "services": ["tutoring"],
            "opened_on": "2025-01-01"}
    r = c.post("/children/homes/", {**form, "operator": other.pk})
    assert r.status_code == 422 and 'value="东街儿童之家"' in r.content.decode()
    assert not ChildrensHome.objects.exists()
    r = c.post("/children/homes/", {**form, "operator": ours.pk})
    assert r.status_code == 302 and ChildrensHome.objects.get().operator == ours
