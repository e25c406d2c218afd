"""A facility shared by several units (``also_serves``, issue 16): who may name them, and
the coverage page counting the facility for the units it serves and no other."""

import pytest

from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.errors import ValidationFailed
from jiayuan.facilities import selectors, services

from .conftest import DONGJIE, GANQUAN, JIAOTONGXIANG, LIANGJIADUN_VILLAGE

pytestmark = pytest.mark.django_db


def test_a_shared_facility_covers_the_units_it_serves(users, facility, page_client):
    f = facility(JIAOTONGXIANG, "450")
    services.set_also_serves(Actor(users["township"], "command"), f, [GANQUAN, JIAOTONGXIANG, GANQUAN])
    f.refresh_from_db()
    assert list(f.also_serves.values_list("code", flat=True)) == [GANQUAN]   # its own region and repeats dropped
    assert f.version == 2
    entry = AuditEntry.objects.filter(action="facility.update", object_id=str(f.pk)).latest("id")
    assert entry.changes == {"also_serves": [[], [GANQUAN]]}
    report = selectors.coverage_report(users["township"], selectors.get_region(users["township"], DONGJIE))
    # 交通巷 and 甘泉 covered of five communities; the area counts once, in 交通巷
    assert (report.total.urban.covered, report.total.urban.units) == (2, 5)
    assert str(report.total.urban.area) == "450.00"
    assert GANQUAN not in [r.code for r in report.uncovered]
    page = page_client("township").get(f"/facilities/{f.pk}/")
    assert "also-serves-form" in page.content.decode()


def test_units_outside_the_scope_are_refused(users, facility):
    f = facility(JIAOTONGXIANG, "450")
    with pytest.raises(ValidationFailed) as exc:
        services.set_also_serves(Actor(users["township"], "command"), f, [LIANGJIADUN_VILLAGE])
    assert exc.value.code == "also_serves.not_found"
    assert not f.also_serves.exists()


def test_the_page_form_saves_the_units(users, facility, page_client):
    f = facility(JIAOTONGXIANG, "450")
    got = page_client("township").post(f"/facilities/{f.pk}/also-serves/", {"also_serves": [GANQUAN],
                                                                            "version": f.version})
    assert got.status_code == 302
    assert list(f.also_serves.values_list("code", flat=True)) == [GANQUAN]


def test_the_api_reads_the_units_it_also_serves(users, facility, api_client):
    """``also_serves`` in the API's read output: the facility's detail and the list, by
    code with the name; an unshared facility answers an empty list."""
    shared = facility(JIAOTONGXIANG, "450")
    alone = facility(GANQUAN, "120")
    services.set_also_serves(Actor(users["township"], "command"), shared, [GANQUAN])
    c = api_client("township")
    got = c.get(f"/api/v1/facilities/{shared.pk}").json()
    assert got["also_serves"] == [{"region": GANQUAN, "region_name": "甘泉社区居民委员会"}]
    listed = {f["id"]: f["also_serves"] for f in c.get(f"/api/v1/facilities?region={DONGJIE}").json()["results"]}
    assert listed == {shared.pk: [{"region": GANQUAN, "region_name": "甘泉社区居民委员会"}], alone.pk: []}


def put(c, url, body):
    return c.put(url, body, content_type="application/json")


def test_the_api_writes_the_units_it_also_serves_through_the_service(users, facility, api_client, monkeypatch):
    """``PUT /api/v1/facilities/{id}/also-serves``: the units by code (its own region and
    repeats dropped), ``version`` as on the page; 403 without manage_facilities, 404
    out of scope, 409 on a stale version, 422 naming the code out of scope — nothing
    written on a refusal."""
    from jiayuan.accounts import permissions

    f = facility(JIAOTONGXIANG, "450")            # version 1
    c = api_client("township")
    url = f"/api/v1/facilities/{f.pk}/also-serves"
    got = put(c, url, {"also_serves": [GANQUAN, JIAOTONGXIANG, GANQUAN], "version": 1})
    assert got.status_code == 200, got.content
    assert got.json()["also_serves"] == [{"region": GANQUAN, "region_name": "甘泉社区居民委员会"}]
    assert got.json()["version"] == 2
    assert AuditEntry.objects.filter(action="facility.update", object_id=str(f.pk)).latest("id").changes == {
        "also_serves": [[], [GANQUAN]]}
    # the version the client saw is now stale
    got = put(c, url, {"also_serves": [], "version": 1})
    assert got.status_code == 409 and got.json()["error"]["code"] == "facility.conflict"
    # a village of 梁家墩镇 is in the township's county but not in 东街街道
    got = put(c, url, {"also_serves": [LIANGJIADUN_VILLAGE], "version": 2})
    assert got.status_code == 422
    assert got.json()["error"]["fields"]["also_serves"][0]["code"] == "also_serves.not_found"
    assert put(api_client("outsider"), url, {"also_serves": []}).status_code == 404
    assert put(c, url, {"also_serves": ["x"] * 201}).status_code == 422        # at most 200 codes
    assert list(f.also_serves.values_list("code", flat=True)) == [GANQUAN]
    # a role without manage_facilities
    monkeypatch.setitem(permissions.ROLE_PERMISSIONS, "township_officer",
                        permissions.ROLE_PERMISSIONS["township_officer"] - {permissions.Perm.MANAGE_FACILITIES})
    assert put(c, url, {"also_serves": []}).status_code == 403
    # the empty list clears (the county still may)
    got = put(api_client("county"), url, {"also_serves": [], "version": 2})
    assert got.status_code == 200 and got.json()["also_serves"] == [] and got.json()["version"] == 3
