"""API for the registry steps that had only a page (issue 14 audit): an organization's
status with its reason, the federation flag and affiliation, linking and unlinking
staff accounts, and PATCH of the registry fields set at registration. Conventions:
403 for a role without the right, 404 out of scope, 409 stale version or state, 422
naming the field."""

import pytest

from jiayuan.audit.models import AuditEntry
from jiayuan.organizations.models import OrganizationMember

pytestmark = pytest.mark.django_db

J = "application/json"


def send(client, method, url, body=None):
    return getattr(client, method)(url, body or {}, content_type=J)


def test_the_status_changes_with_a_reason_and_the_version_guards_it(api_client, orgs):
    county, org = api_client("county"), api_client("org")
    home = orgs["home"]
    url = f"/api/v1/organizations/{home.pk}/status"
    assert send(org, "post", url, {"status": "suspended", "reason": "停止活动"}).status_code == 403
    r = send(county, "post", url, {"status": "suspended"})
    assert r.status_code == 422 and r.json()["error"]["fields"]["reason"][0]["code"] == "reason.required"
    r = send(county, "post", url, {"status": "dormant", "reason": "x"})
    assert r.status_code == 422 and r.json()["error"]["fields"]["status"][0]["code"] == "status.invalid"
    r = send(county, "post", url, {"status": "suspended", "reason": "连续两年未开展活动", "version": home.version})
    assert r.status_code == 200 and r.json()["status"] == "suspended" and r.json()["status_name"] == "停止活动"
    assert r.json()["version"] == home.version + 1
    r = send(county, "post", url, {"status": "revoked", "reason": "x", "version": home.version})   # stale
    assert r.status_code == 409 and r.json()["error"]["code"] == "organization.conflict"
    entry = AuditEntry.objects.filter(action="organization.status").get()
    assert entry.extra["reason"] == "连续两年未开展活动"
    assert send(county, "post", f"/api/v1/organizations/{orgs['far'].pk}/status",
                {"status": "suspended", "reason": "x"}).status_code == 404   # 民乐县: out of 甘州区's scope


def test_the_federation_flag_and_an_affiliation(api_client, orgs):
    county, org = api_client("county"), api_client("org")
    home, rival = orgs["home"], orgs["rival"]
    fed_url, home_url = f"/api/v1/organizations/{rival.pk}/federation", f"/api/v1/organizations/{home.pk}/federation"
    r = send(county, "put", home_url, {"federation": rival.pk})
    assert r.status_code == 422 and r.json()["error"]["fields"]["federation"][0]["code"] == "federation.not_federation"
    assert send(county, "put", fed_url, {"is_federation": True}).json()["is_federation"] is True
    r = send(county, "put", home_url, {"federation": rival.pk})
    assert r.status_code == 200 and r.json()["federation"] == rival.pk and r.json()["federation_name"] == rival.name
    assert county.get(fed_url).json()["affiliates"] == [{"id": home.pk, "name": home.name}]
    r = send(county, "put", home_url, {"federation": orgs["far"].pk})   # not visible to the county
    assert r.status_code == 422 and r.json()["error"]["fields"]["federation"][0]["code"] == "federation.not_found"
    r = send(county, "put", fed_url, {"federation": rival.pk})
    assert r.status_code == 422 and r.json()["error"]["fields"]["federation"][0]["code"] == "federation.self"
    assert send(org, "put", home_url, {"federation": None}).status_code == 403   # staff: contact details only
    r = send(county, "put", home_url, {"federation": None})
    assert r.status_code == 200 and r.json()["federation"] is None
    assert county.get(fed_url).json()["affiliates"] == []


def test_staff_accounts_are_linked_and_unlinked(api_client, users, orgs):
    county, org = api_client("county"), api_client("org")
    rival = orgs["rival"]
    url = f"/api/v1/organizations/{rival.pk}/members"
    assert send(org, "post", f"/api/v1/organizations/{orgs['home'].pk}/members",
                {"username": "org"}).status_code == 403
    r = send(county, "post", url, {"username": "community"})   # not an org_staff account
    assert r.status_code == 422 and r.json()["error"]["fields"]["user"][0]["code"] == "user.role"
    r = send(county, "post", url, {"username": "nobody"})
    assert r.status_code == 422 and r.json()["error"]["fields"]["username"][0]["code"] == "username.not_found"
    r = send(county, "post", url, {"username": "org", "position": "社工"})
    assert r.status_code == 201 and r.json()["username"] == "org" and r.json()["active"] is True
    mid = r.json()["id"]
    assert send(county, "post", url, {"username": "org"}).json()["error"]["code"] == "member.duplicate"
    assert org.get(f"/api/v1/organizations/{rival.pk}").status_code == 200   # now works for it
    assert [m["username"] for m in org.get(url).json()] == ["org"]
    r = send(county, "post", f"{url}/{mid}/end")
    assert r.status_code == 200 and r.json()["active"] is False
    assert send(county, "post", f"{url}/{mid}/end").status_code == 409
    assert OrganizationMember.objects.get(pk=mid).active is False
    assert org.get(f"/api/v1/organizations/{rival.pk}").status_code == 404   # no longer visible to them


def test_patch_changes_the_registry_fields_set_at_registration(api_client, orgs):
    county, org = api_client("county"), api_client("org")
    home = orgs["home"]
    url = f"/api/v1/organizations/{home.pk}"
    r = send(county, "patch", url, {"registered_on": "2019-06-18", "registered_funds": "30000.5",
                                    "version": home.version})
    assert r.status_code == 200, r.content
    assert r.json()["registered_on"] == "2019-06-18" and r.json()["registered_funds"] == "30000.50"
    r = send(county, "patch", url, {"registered_funds": "-1"})
    assert r.status_code == 422 and "registered_funds" in r.json()["error"]["fields"]
    r = send(county, "patch", url, {"registered_on": "18/06/2019"})
    assert r.status_code == 422 and r.json()["error"]["fields"]["registered_on"][0]["code"] == "registered_on.format"
    r = send(county, "patch", url, {"kind": "social_group"})   # the 52… code is a social service institution's
    assert r.status_code == 422 and r.json()["error"]["fields"]["uscc"][0]["code"] == "uscc.kind_mismatch"
    r = send(county, "patch", url, {"registered_on": "2020-01-01", "version": home.version})   # stale
    assert r.status_code == 409 and r.json()["error"]["code"] == "organization.conflict"
    assert send(org, "patch", url, {"registered_on": "2020-01-01"}).status_code == 403


def test_the_organization_page_unlinks_a_staff_account(page_client, users, orgs):
    home = orgs["home"]
    member = OrganizationMember.objects.get(organization=home, user=users["org"])
    html = page_client("county").get(f"/organizations/{home.pk}/").content.decode()
    assert 'data-testid="member-end"' in html
    r = page_client("org").post(f"/organizations/{home.pk}/member_end/", {"member": member.pk})
    assert r.status_code == 302 and OrganizationMember.objects.get(pk=member.pk).active is True   # staff may not
    r = page_client("county").post(f"/organizations/{home.pk}/member_end/", {"member": member.pk})
    assert r.status_code == 302 and OrganizationMember.objects.get(pk=member.pk).active is False
