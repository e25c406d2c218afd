"""``/api/v1/disability-certificates``: masked numbers, audited reveal, scope, roles."""

import pytest

from jiayuan.audit.models import AuditEntry
from jiayuan.conftest import OUTSIDE_VILLAGE
from jiayuan.disability.models import DisabilityCertificate

from .conftest import HOLDER_ID

pytestmark = pytest.mark.django_db
URL = "/api/v1/disability-certificates"
MASKED = "110105********002X52"  # first 6 + 8 stars + last 4 of the ID, then type 5 grade 2


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


@pytest.fixture
def cert(holder, record):
    return record(holder, HOLDER_ID + "52", long_term_care_need=True)


def test_record_through_the_api(api_client, holder):
    c = api_client("community")
    r = post(c, URL, {"person": holder.pk, "number": "11010519491231002x52", "issued_on": "2021-04-01",
                      "long_term_care_need": False, "note": "新办"})
    assert r.status_code == 201, r.content
    d = r.json()
    assert d["number"] == MASKED and HOLDER_ID not in r.content.decode()
    assert (d["disability_type"], d["disability_type_name"], d["grade"], d["grade_name"]) == (5, "智力残疾", 2, "二级")
    assert d["status"] == "valid" and d["status_name"] == "有效" and d["person_name"] == "王秀英"
    assert d["issued_on"] == "2021-04-01" and d["valid_until"] is None and d["version"] == 1


def test_a_wrong_number_is_422_in_chinese(api_client, holder):
    r = post(api_client("community"), URL, {"person": holder.pk, "number": "440524188001010014" + "52",
                                            "issued_on": "2021-04-01"})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "certificate.holder_mismatch"
    assert err["fields"]["number"][0]["message"].startswith("残疾人证号前18位")


def test_a_person_out_of_scope_cannot_be_named(api_client, holder):
    r = post(api_client("peer"), URL, {"person": holder.pk, "number": HOLDER_ID + "52", "issued_on": "2021-04-01"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "person.not_found"


def test_the_same_certificate_twice_is_409(api_client, cert, holder):
    r = post(api_client("community"), URL, {"person": holder.pk, "number": HOLDER_ID + "52",
                                            "issued_on": "2020-03-01"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "disability.duplicate"


def test_replacing_through_the_api(api_client, cert, holder):
    c = api_client("county")
    r = post(c, URL, {"person": holder.pk, "number": HOLDER_ID + "51", "issued_on": "2024-01-02",
                      "replaces": cert.pk, "replaces_version": 1})
    assert r.status_code == 201
    old = c.get(f"{URL}/{cert.pk}").json()
    assert old["status"] == "replaced" and "智力残疾二级 → 智力残疾一级" in old["status_reason"]
    stale = post(c, URL, {"person": holder.pk, "number": HOLDER_ID + "41", "issued_on": "2024-02-02",
                          "replaces": cert.pk, "replaces_version": 1})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "disability.conflict"


def test_list_filters_and_paging(api_client, cert, make_person, users, record):
    other = make_person(name="李明", region=OUTSIDE_VILLAGE)
    record(other, other.id_number + "41", who="city", issued_on="2022-01-01")
    c = api_client("city")
    r = c.get(URL)
    assert r.status_code == 200
    d = r.json()
    assert d["count"] == 2 and d["page"] == 1 and d["page_size"] == 50
    assert [x["person_name"] for x in d["results"]] == ["李明", "王秀英"]
    names = lambda q: [x["person_name"] for x in c.get(URL + q).json()["results"]]  # noqa: E731
    assert names("?type=5") == ["王秀英"] and names("?grade=1") == ["李明"]
    assert names("?care_need=true") == ["王秀英"] and names("?care_need=false") == ["李明"]
    assert names("?region=620722") == ["李明"] and names("?region=620702001001") == ["王秀英"]
    page2 = c.get(URL + "?page_size=1&page=2").json()
    assert page2["count"] == 2 and [x["person_name"] for x in page2["results"]] == ["王秀英"]
    assert c.get(URL + "?type=8").status_code == 422
    assert c.get(URL + "?grade=0").status_code == 422
    # the community worker sees only their community's
    assert [x["person_name"] for x in api_client("community").get(URL).json()["results"]] == ["王秀英"]


@pytest.mark.parametrize("who", ["peer", "outsider"])
def test_out_of_scope_is_404(api_client, cert, who):
    c = api_client(who)
    assert c.get(f"{URL}/{cert.pk}").status_code == 404
    assert post(c, f"{URL}/{cert.pk}/revoke", {"reason": "x"}).status_code == 404
    assert post(c, f"{URL}/{cert.pk}/care-need", {"long_term_care_need": False}).status_code == 404
    assert post(c, f"{URL}/{cert.pk}/reveal", {}).status_code == 404
    assert c.get(URL).json()["count"] == 0


def test_grid_member_sees_but_may_not_write(api_client, cert, holder):
    c = api_client("grid_member")
    d = c.get(f"{URL}/{cert.pk}").json()
    assert d["number"] == MASKED
    assert post(c, f"{URL}/{cert.pk}/revoke", {"reason": "x"}).status_code == 403
    assert post(c, f"{URL}/{cert.pk}/care-need", {"long_term_care_need": False}).status_code == 403
    r = post(c, URL, {"person": holder.pk, "number": HOLDER_ID + "41", "issued_on": "2021-01-01"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "permission_denied"
    # no view_sensitive: no whole number, and no audit entry of a read
    assert post(c, f"{URL}/{cert.pk}/reveal", {}).status_code == 403
    assert not AuditEntry.objects.filter(action="person.view_sensitive").exists()


def test_auditor_is_refused(api_client, cert):
    c = api_client("auditor")
    r = c.get(URL)
    assert r.status_code == 403 and r.json()["error"]["message"] == "您的角色无权执行此操作"
    assert c.get(f"{URL}/{cert.pk}").status_code == 404


def test_masked_unless_revealed_and_the_reveal_is_audited(api_client, cert, holder):
    c = api_client("community")
    body = c.get(f"{URL}/{cert.pk}").content.decode()
    assert MASKED in body and HOLDER_ID not in body
    listed = c.get(URL).content.decode()
    assert MASKED in listed and HOLDER_ID not in listed
    r = post(c, f"{URL}/{cert.pk}/reveal", {"purpose": "核对护理补贴"})
    assert r.status_code == 200 and r.json() == {"number": "11010519491231002X52"}
    [e] = AuditEntry.objects.filter(action="person.view_sensitive")
    assert e.object_id == str(holder.pk) and e.actor_name == "community" and e.source == "api"
    assert e.extra["purpose"] == f"查看残疾人证号 #{cert.pk} · 核对护理补贴"


def test_care_need_and_revoke_with_versions(api_client, cert):
    c = api_client("township")
    r = post(c, f"{URL}/{cert.pk}/care-need", {"long_term_care_need": False, "version": 1})
    assert r.status_code == 200 and r.json()["long_term_care_need"] is False and r.json()["version"] == 2
    stale = post(c, f"{URL}/{cert.pk}/care-need", {"long_term_care_need": True, "version": 1})
    assert stale.status_code == 409 and "请刷新后重试" in stale.json()["error"]["message"]
    missing = post(c, f"{URL}/{cert.pk}/revoke", {"reason": ""})
    assert missing.status_code == 422 and missing.json()["error"]["fields"]["reason"][0]["message"] == "请填写注销原因"
    r = post(c, f"{URL}/{cert.pk}/revoke", {"reason": "持证人已迁出本市", "version": 2})
    assert r.status_code == 200 and r.json()["status"] == "revoked" and r.json()["status_reason"] == "持证人已迁出本市"
    again = post(c, f"{URL}/{cert.pk}/revoke", {"reason": "再次"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "disability.not_valid"
    assert DisabilityCertificate.objects.get(pk=cert.pk).status == "revoked"
