"""Activities and volunteers: participation and hours worked by hand, real-name
registration against the registry, confirmation by someone other than the recorder, the
printable record of service, and a volunteer's records as personal information (scope;
every read audited)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.errors import Conflict, Forbidden, NotFound, ValidationFailed
from jiayuan.governance.activities import rules, selectors as activity_selectors, services as activities
from jiayuan.governance.models import ActivityKind
from jiayuan.governance.volunteers import selectors, services
from jiayuan.regions.models import Region

from .conftest import OWNER_COMMUNITY

pytestmark = pytest.mark.django_db
PEER = "620702001005"
TODAY = date.today()


def _act(users, who="community", region=OWNER_COMMUNITY, kind="moral_lecture", days=3, count=30, participants=()):
    return activities.create_activity(Actor(users[who], "page"), Region.objects.get(code=region),
                                      ActivityKind.objects.get(code=kind), title="道德讲堂：孝老爱亲",
                                      held_on=TODAY - timedelta(days=days), organizer_name="交通巷社区",
                                      speakers="张老师", participant_count=count, participants=participants)


@pytest.fixture
def volunteer(users, make_person):
    p = make_person(name="赵志愿")
    team = services.create_team(Actor(users["community"], "page"), Region.objects.get(code=OWNER_COMMUNITY),
                                "交通巷社区志愿服务队")
    return services.register_volunteer(Actor(users["community"], "page"), team, p.id_number)


def test_activity_rules():
    codes = [e.code for e in rules.check_activity(title="", held_on=TODAY + timedelta(days=1), today=TODAY,
                                                  organizer_name="", participant_count=2, named=3)]
    assert codes == ["activity.title", "activity.held_on_future", "activity.organizer", "activity.count"]
    ok = dict(served_on=TODAY, today=TODAY, content="讲解", evaluation="good", evaluations=("good",))
    assert rules.check_service(hours="0.5", **ok) == [] and rules.check_service(hours="24", **ok) == []
    for bad in ("0", "24.5", "1.2", "abc", "-1"):
        assert [e.code for e in rules.check_service(hours=bad, **ok)] == ["service.hours"], bad


def test_participation_worked_by_hand(users, make_person):
    a, b = make_person(name="钱一"), make_person(name="孙二")
    _act(users, count=30, participants=[a, b])
    _act(users, count=12, days=40)
    _act(users, kind="reading_week", count=25, days=5)
    _act(users, "peer", region=PEER, count=8)
    street = Region.objects.get(code="620702001")
    got = activity_selectors.participation(users["township"], street, TODAY - timedelta(days=30), TODAY)
    rows = {r["kind"].code: (r["activities"], r["participants"], r["named"]) for r in got["rows"]}
    # the 40-day-old lecture is out of the period; peer's lecture is in
    assert rows == {"moral_lecture": (2, 38, 2), "reading_week": (1, 25, 0)}
    assert got["total"] == {"activities": 3, "participants": 63, "named": 2}
    # the community worker sees only its community
    mine = activity_selectors.participation(users["community"], Region.objects.get(code=OWNER_COMMUNITY),
                                            TODAY - timedelta(days=30), TODAY)
    assert mine["total"] == {"activities": 2, "participants": 55, "named": 2}
    with pytest.raises(ValidationFailed):  # more named than counted
        _act(users, count=1, participants=[a, b])


def test_registration_is_by_real_name_in_the_registry(users, volunteer, make_person):
    team = volunteer.team
    with pytest.raises(ValidationFailed) as exc:
        services.register_volunteer(Actor(users["community"], "page"), team, "110101199003077777")
    assert exc.value.code == "volunteer.person"
    with pytest.raises(Conflict):
        services.register_volunteer(Actor(users["community"], "page"), team, volunteer.person.id_number)
    outsider = make_person(region=PEER, name="外社区")
    with pytest.raises(ValidationFailed):  # a person outside the worker's scope is not found
        services.register_volunteer(Actor(users["community"], "page"), team, outsider.id_number)


def test_hours_summed_by_hand_and_the_record_of_service(users, volunteer, client):
    rec = Actor(users["community"], "page")
    lecture = _act(users, days=3)
    rows = [services.record_service(rec, volunteer, served_on=lecture.held_on, content="会场布置", hours="2.5",
                                    evaluation="excellent", activity=lecture),
            services.record_service(rec, volunteer, served_on=TODAY - timedelta(days=10), content="助老送餐",
                                    hours="3", evaluation="good"),
            services.record_service(rec, volunteer, served_on=TODAY - timedelta(days=20), content="图书角值守",
                                    hours="1.5", evaluation="good"),
            services.record_service(rec, volunteer, served_on=TODAY - timedelta(days=1), content="未确认的服务",
                                    hours="4", evaluation="pass")]
    with pytest.raises(ValidationFailed) as exc:  # an activity's service is on its day
        services.record_service(rec, volunteer, served_on=TODAY, content="x", hours="1", evaluation="good",
                                activity=lecture)
    assert exc.value.code == "service.activity_day"
    with pytest.raises(Forbidden):  # the recorder does not confirm
        services.confirm_service(rec, rows[0])
    assert rows[0] not in selectors.to_confirm(users["community"])
    assert set(selectors.to_confirm(users["township"])) == set(rows)
    org = Actor(users["township"], "page")
    for r in rows[:3]:
        services.confirm_service(org, r)
    with pytest.raises(Conflict):
        services.confirm_service(org, rows[0])
    # 2.5 + 3 + 1.5 confirmed; the 4 hours waiting are not counted
    assert selectors.confirmed_hours(volunteer) == (Decimal("7.0"), 3)
    cert = services.issue_certificate(rec, volunteer)
    assert (cert.hours, cert.records) == (Decimal("7.0"), 3)
    assert (cert.first_served_on, cert.last_served_on) == (TODAY - timedelta(days=20), lecture.held_on)
    assert cert.number == f"ZYFW-{OWNER_COMMUNITY}-{TODAY.year}-{cert.pk:05d}"
    client.force_login(users["community"])
    page = client.get(f"/governance/volunteers/certificates/{cert.pk}/").content.decode()
    assert "志愿服务记录证明" in page and "7.0" in page and "赵志愿" in page
    assert volunteer.person.id_number not in page  # masked on paper
    assert AuditEntry.objects.filter(action="volunteer.certificate_view").count() == 1


def test_records_are_personal_information_scope_and_audit(users, volunteer, client):
    services.record_service(Actor(users["community"], "page"), volunteer, served_on=TODAY, content="秘密服务内容",
                            hours="1", evaluation="good")
    url = f"/governance/volunteers/{volunteer.pk}/"
    client.force_login(users["community"])
    assert "秘密服务内容" in client.get(url).content.decode()
    assert AuditEntry.objects.filter(action="volunteer.view", object_id=str(volunteer.pk)).count() == 1
    for who in ("peer", "outsider", "grid_member", "auditor", "org"):
        client.force_login(users[who])
        r = client.get(url)
        assert r.status_code in (403, 404) and "秘密服务内容" not in r.content.decode(), who
        with pytest.raises(NotFound):
            selectors.get_volunteer(users[who], volunteer.pk)
    assert AuditEntry.objects.filter(action="volunteer.view").count() == 1


def test_pages_record_an_activity_and_hours(users, volunteer, client):
    client.force_login(users["community"])
    r = client.post("/governance/activities/", {"region": OWNER_COMMUNITY, "kind": "family_day", "title": "家庭亲情日",
                                                "held_on": TODAY.isoformat(), "organizer_kind": "community",
                                                "organizer_name": "交通巷社区", "participant_count": 40})
    assert r.status_code == 302
    detail = r.url
    r = client.post(detail, {"volunteer": volunteer.pk, "served_on": TODAY.isoformat(), "content": "签到引导",
                             "hours": "2", "evaluation": "good"})
    assert r.status_code == 302
    assert "签到引导" in client.get(detail).content.decode()
    assert client.get("/governance/activities/").status_code == 200
    assert client.get("/governance/volunteers/").status_code == 200
    client.force_login(users["township"])
    page = client.get("/governance/volunteers/confirm/").content.decode()
    assert "签到引导" in page
    rec = selectors.to_confirm(users["township"]).get()
    assert client.post(f"/governance/volunteers/records/{rec.pk}/confirm/").status_code == 302
    assert selectors.confirmed_hours(volunteer) == (Decimal("2.0"), 1)


def test_api_volunteer_records_scoped_and_audited(users, volunteer, api_client):
    services.record_service(Actor(users["community"], "page"), volunteer, served_on=TODAY, content="助老送餐",
                            hours="1.5", evaluation="good")
    services.confirm_service(Actor(users["township"], "page"), volunteer.records.get())
    _act(users)
    got = api_client("community").get(f"/api/v1/volunteers/{volunteer.pk}").json()
    assert got["confirmed_hours"] == "1.5" and got["records"][0]["content"] == "助老送餐"
    assert AuditEntry.objects.filter(action="volunteer.view").count() == 1
    assert api_client("peer").get(f"/api/v1/volunteers/{volunteer.pk}").status_code == 404
    assert api_client("auditor").get(f"/api/v1/volunteers/{volunteer.pk}").status_code == 403
    assert [a["kind"] for a in api_client("community").get("/api/v1/activities").json()] == ["moral_lecture"]
    assert api_client("peer").get("/api/v1/activities").json() == []


@pytest.mark.parametrize("hours", ["NaN", "sNaN", "-nan", "Infinity"])
def test_hours_that_are_not_a_number_are_a_field_error_not_a_500(hours):
    """Regression (attack): ``Decimal("NaN") <= 0`` raises InvalidOperation, so a service
    record with hours "NaN" was a 500; now the hours field error."""
    ok = dict(served_on=TODAY, today=TODAY, content="讲解", evaluation="good", evaluations=("good",))
    assert [e.code for e in rules.check_service(hours=hours, **ok)] == ["service.hours"]
