"""The write API of evaluation, activities, volunteers and bodies: each step through its
service, with the conventions of the other write APIs — 422 with the standard error
body naming the field, 403 for a role that may not, 404 outside the scope, 409 in the
wrong state — and nothing half-written on an error."""

from datetime import date, timedelta

import pytest

from jiayuan.governance.models import Activity, ActivityPhoto, EvaluationRound, SelfGovernanceBody, ServiceRecord

from .conftest import OWNER_COMMUNITY

pytestmark = pytest.mark.django_db
STREET = "620702001"
PEER = "620702001005"
TODAY = date.today()


def _fields(resp) -> dict:
    return resp.json()["error"]["fields"]


def _png(w=4, h=3) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (w, h), (10, 120, 200)).save(buf, "PNG")
    return buf.getvalue()


ITEMS = [{"name": "社区治理实绩", "weight": 60, "source": "scored"},
         {"name": "居民信息入户率", "weight": 40, "source": "registry_households"}]


def test_evaluation_round_scored_published_and_objected_through_the_api(users, api_client, make_person):
    street, community, outsider = api_client("township"), api_client("community"), api_client("outsider")
    body = {"township": STREET, "start": f"{TODAY.year}-01-01", "end": TODAY.isoformat(), "items": ITEMS}
    bad = street.post("/api/v1/evaluations", {**body, "items": ITEMS[:1]}, content_type="application/json")
    assert bad.status_code == 422 and "items" in _fields(bad)          # 60 ≠ 100
    assert not EvaluationRound.objects.exists()
    assert community.post("/api/v1/evaluations", body, content_type="application/json").status_code == 403
    made = street.post("/api/v1/evaluations", body, content_type="application/json")
    assert made.status_code == 201, made.content
    rid = made.json()["id"]
    assert street.post("/api/v1/evaluations", body, content_type="application/json").status_code == 409
    # not open yet: no score
    item = made.json()["items"][0]["id"]
    score = {"item": item, "community": OWNER_COMMUNITY, "score": 90, "comment": "台账齐全"}
    assert street.post(f"/api/v1/evaluations/{rid}/scores", score, content_type="application/json").status_code == 409
    assert street.post(f"/api/v1/evaluations/{rid}/open").status_code == 200
    assert street.post(f"/api/v1/evaluations/{rid}/open").status_code == 409
    assert outsider.post(f"/api/v1/evaluations/{rid}/publish").status_code == 404   # not theirs to read
    r = street.post(f"/api/v1/evaluations/{rid}/scores", {**score, "score": 101}, content_type="application/json")
    assert r.status_code == 422 and list(_fields(r)) == ["score"]
    r = street.post(f"/api/v1/evaluations/{rid}/scores", {**score, "comment": " "}, content_type="application/json")
    assert r.status_code == 422 and list(_fields(r)) == ["comment"]
    computed = made.json()["items"][1]["id"]
    r = street.post(f"/api/v1/evaluations/{rid}/scores", {**score, "item": computed}, content_type="application/json")
    assert r.status_code == 422 and list(_fields(r)) == ["item"]
    assert street.post(f"/api/v1/evaluations/{rid}/publish").json()["error"]["code"] == "evaluation.missing"
    codes = [row["community"] for row in street.get(f"/api/v1/evaluations/{rid}").json()["results"]]
    for code in codes:
        r = street.post(f"/api/v1/evaluations/{rid}/scores", {**score, "community": code,
                                                               "score": 90 if code == OWNER_COMMUNITY else 50},
                        content_type="application/json")
        assert r.status_code == 201
    assert community.get(f"/api/v1/evaluations/{rid}").status_code == 404   # not published yet
    pub = street.post(f"/api/v1/evaluations/{rid}/publish")
    assert pub.status_code == 200 and pub.json()["state"] == "published"
    mine = next(x for x in pub.json()["results"] if x["community"] == OWNER_COMMUNITY)
    # 60 × 90 % + 40 × 100 % (no residents: nothing to count) = 94
    assert (mine["total"], mine["rank"]) == ("94.00", 1)
    o = community.post(f"/api/v1/evaluations/{rid}/objections", {"text": "漏记两次议事会"},
                       content_type="application/json")
    assert o.status_code == 201
    assert api_client("peer").get(f"/api/v1/evaluations/{rid}/objections").json() == []   # a community's own only
    ans = street.post(f"/api/v1/evaluations/{rid}/objections/{o.json()['id']}/answer",
                      {"upheld": True, "answer": "核实属实"}, content_type="application/json")
    assert ans.status_code == 200 and ans.json()["upheld"] is True
    assert street.post(f"/api/v1/evaluations/{rid}/objections/{o.json()['id']}/answer",
                       {"upheld": False, "answer": "再答"}, content_type="application/json").status_code == 409
    fix = street.post(f"/api/v1/evaluations/{rid}/scores", {**score, "score": 95, "comment": "异议成立，更正"},
                      content_type="application/json")
    assert fix.status_code == 201 and fix.json()["score"] == "95.00"


def test_activity_recorded_with_participants_and_photos(users, api_client, make_person, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    me = api_client("community")
    a, b = make_person(name="钱参加"), make_person(name="孙参加")
    elsewhere = make_person(name="外村人", region="620702101201")
    body = {"region": OWNER_COMMUNITY, "kind": "moral_lecture", "title": "道德讲堂：孝老爱亲",
            "held_on": (TODAY - timedelta(days=2)).isoformat(), "organizer_name": "交通巷社区",
            "participant_count": 30, "participants": [a.pk]}
    r = me.post("/api/v1/activities", {**body, "participants": [a.pk, elsewhere.pk]}, content_type="application/json")
    assert r.status_code == 422 and list(_fields(r)) == ["participants"]
    r = me.post("/api/v1/activities", {**body, "held_on": (TODAY + timedelta(days=1)).isoformat()},
                content_type="application/json")
    assert r.status_code == 422 and "held_on" in _fields(r)
    r = me.post("/api/v1/activities", {**body, "kind": "nope"}, content_type="application/json")
    assert r.status_code == 422 and list(_fields(r)) == ["kind"]
    assert not Activity.objects.exists()
    assert api_client("grid_member").post("/api/v1/activities", body, content_type="application/json").status_code == 403
    r = me.post("/api/v1/activities", body, content_type="application/json")
    assert r.status_code == 201 and [p["name"] for p in r.json()["named"]] == ["钱参加"]
    aid = r.json()["id"]
    r = me.post(f"/api/v1/activities/{aid}/participants", {"add": [b.pk]}, content_type="application/json")
    assert sorted(p["name"] for p in r.json()["named"]) == ["孙参加", "钱参加"] and r.json()["participants"] == 30
    assert api_client("peer").get(f"/api/v1/activities/{aid}").status_code == 404
    # a file that is not an image: 422 on photos, nothing stored
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = me.post(f"/api/v1/activities/{aid}/photos",
                  {"photos": [SimpleUploadedFile("a.png", _png()), SimpleUploadedFile("b.png", b"not an image")]})
    assert bad.status_code == 422 and list(_fields(bad)) == ["photos"]
    assert not ActivityPhoto.objects.exists()
    ok = me.post(f"/api/v1/activities/{aid}/photos", {"photos": [SimpleUploadedFile("a.png", _png())]})
    assert ok.status_code == 201 and len(ok.json()["photos"]) == 1
    p = ActivityPhoto.objects.get()
    assert (p.image_format, p.width, p.height) == ("PNG", 4, 3)
    assert me.get("/api/v1/activities").json()[0]["id"] == aid      # the read path as before


def test_volunteer_registered_served_confirmed_and_certified(users, api_client, make_person):
    me, org = api_client("community"), api_client("township")
    p = make_person(name="赵志愿")
    r = me.post("/api/v1/volunteer-teams", {"region": OWNER_COMMUNITY, "name": " "}, content_type="application/json")
    assert r.status_code == 422 and list(_fields(r)) == ["name"]
    team = me.post("/api/v1/volunteer-teams", {"region": OWNER_COMMUNITY, "name": "交通巷志愿服务队"},
                   content_type="application/json").json()
    r = me.post("/api/v1/volunteers", {"team": team["id"], "id_number": "620702198001010000"},
                content_type="application/json")
    assert r.status_code == 422 and list(_fields(r)) == ["id_number"]
    v = me.post("/api/v1/volunteers", {"team": team["id"], "id_number": p.id_number}, content_type="application/json")
    assert v.status_code == 201 and v.json()["name"] == "赵志愿"
    assert api_client("peer").post("/api/v1/volunteers", {"team": team["id"], "id_number": p.id_number},
                                   content_type="application/json").status_code == 404
    vid = v.json()["id"]
    service = {"served_on": (TODAY - timedelta(days=1)).isoformat(), "content": "助老送餐", "hours": 2.5,
               "evaluation": "good"}
    r = me.post(f"/api/v1/volunteers/{vid}/services", {**service, "hours": 25}, content_type="application/json")
    assert r.status_code == 422 and list(_fields(r)) == ["hours"]
    assert not ServiceRecord.objects.exists()
    s1 = me.post(f"/api/v1/volunteers/{vid}/services", service, content_type="application/json").json()
    s2 = me.post(f"/api/v1/volunteers/{vid}/services", {**service, "hours": "1.5"}, content_type="application/json")
    assert s2.status_code == 201
    assert me.post(f"/api/v1/volunteer-services/{s1['id']}/confirm").status_code == 403   # the recorder
    assert [x["id"] for x in org.get("/api/v1/volunteer-services").json()] == [s1["id"], s2.json()["id"]]
    assert org.post(f"/api/v1/volunteer-services/{s1['id']}/confirm").json()["confirmed"] is True
    assert org.post(f"/api/v1/volunteer-services/{s1['id']}/confirm").status_code == 409
    org.post(f"/api/v1/volunteer-services/{s2.json()['id']}/confirm")
    cert = me.post(f"/api/v1/volunteers/{vid}/certificates")
    assert cert.status_code == 201 and (cert.json()["hours"], cert.json()["records"]) == ("4.0", 2)   # 2.5 + 1.5
    got = me.get(f"/api/v1/volunteers/{vid}").json()                 # the read path as before
    assert (got["confirmed_hours"], got["confirmed_services"]) == ("4.0", 2)


def test_bodies_members_and_elections(users, api_client):
    me = api_client("community")
    body = {"region": OWNER_COMMUNITY, "kind": "public_security", "name": "交通巷社区治安保卫委员会"}
    r = me.post("/api/v1/bodies", {**body, "kind": "nope"}, content_type="application/json")
    assert r.status_code == 422 and list(_fields(r)) == ["kind"]
    assert api_client("auditor").post("/api/v1/bodies", body, content_type="application/json").status_code == 403
    made = me.post("/api/v1/bodies", body, content_type="application/json")
    assert made.status_code == 201 and made.json()["kind"] == "public_security"
    assert me.post("/api/v1/bodies", body, content_type="application/json").status_code == 409
    bid = made.json()["id"]
    r = me.post(f"/api/v1/bodies/{bid}/members", {"name": "", "role": "chair"}, content_type="application/json")
    assert r.status_code == 422 and list(_fields(r)) == ["name"]
    r = me.post(f"/api/v1/bodies/{bid}/members", {"name": "周治保", "role": "chair", "phone": "13800000000"},
                content_type="application/json")
    assert r.status_code == 201 and [m["name"] for m in r.json()["members"]] == ["周治保"]
    assert api_client("peer").post(f"/api/v1/bodies/{bid}/members", {"name": "x"},
                                   content_type="application/json").status_code == 404
    assert api_client("peer").get(f"/api/v1/bodies/{bid}").status_code == 404
    # the residents' committee: an election with too few voters is refused (422 naming cast)
    rc = me.post("/api/v1/bodies", {"region": OWNER_COMMUNITY, "kind": "residents_committee"},
                 content_type="application/json").json()
    elected = [{"name": n, "role": role, "votes": 700} for n, role in
               (("甲", "chair"), ("乙", "vice_chair"), ("丙", "member"), ("丁", "member"), ("戊", "member"))]
    held = (TODAY - timedelta(days=3)).isoformat()
    r = me.post(f"/api/v1/bodies/{rc['id']}/elections", {"held_on": held, "method": "direct", "eligible": 2000,
                                                          "cast": 1000, "elected": elected},
                content_type="application/json")
    assert r.status_code == 422 and "cast" in _fields(r)             # 1000 is not more than half of 2000
    r = me.post(f"/api/v1/bodies/{rc['id']}/elections", {"held_on": held, "method": "direct", "eligible": 2000,
                                                          "cast": 1200, "elected": elected},
                content_type="application/json")
    assert r.status_code == 201, r.content
    assert len(r.json()["members"]) == 5 and r.json()["elections"][0]["cast"] == 1200
    assert SelfGovernanceBody.objects.filter(region_id=OWNER_COMMUNITY).count() == 2


def test_more_photos_than_allowed_at_once_is_a_422_on_photos(users, api_client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path / "media"
    me = api_client("community")
    aid = me.post("/api/v1/activities", {"region": OWNER_COMMUNITY, "kind": "moral_lecture", "title": "读书会",
                                         "held_on": TODAY.isoformat(), "organizer_name": "交通巷社区",
                                         "participant_count": 5}, content_type="application/json").json()["id"]
    r = me.post(f"/api/v1/activities/{aid}/photos", {"photos": [SimpleUploadedFile(f"{i}.png", _png()) for i in range(7)]})
    assert r.status_code == 422 and list(_fields(r)) == ["photos"]
    assert not ActivityPhoto.objects.exists()


def test_bodies_are_read_through_the_api_only_by_those_who_manage_them(users, api_client):
    """The pages of bodies need manage_bodies; the API read the same rows (members' names
    and phones) for anyone with a scope: a grid member, an auditor, an organization's staff
    of the county. They now get 403 on the list and 404 on a body, as for other records."""
    me = api_client("community")
    made = me.post("/api/v1/bodies", {"region": OWNER_COMMUNITY, "kind": "public_security", "name": "治保会"},
                   content_type="application/json")
    bid = made.json()["id"]
    me.post(f"/api/v1/bodies/{bid}/members", {"name": "周治保", "role": "chair", "phone": "13800000000"},
            content_type="application/json")
    assert [b["id"] for b in me.get("/api/v1/bodies").json()] == [bid]
    assert me.get(f"/api/v1/bodies/{bid}").json()["members"][0]["phone"] == "13800000000"
    for who in ("grid_member", "auditor", "org"):
        c = api_client(who)
        assert c.get("/api/v1/bodies").status_code == 403, who
        assert c.get(f"/api/v1/bodies/{bid}").status_code == 404, who
