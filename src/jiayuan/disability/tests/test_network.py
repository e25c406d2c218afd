"""The disability service network: organizations per level, coverage of villages and
communities worked by hand, services recorded against the person and the certificate
valid on the day, shown on the person's page."""

import datetime

import pytest

from jiayuan.audit.services import Actor
from jiayuan.disability import selectors, services
from jiayuan.errors import NotFound, ValidationFailed

from .conftest import HOLDER_ID

pytestmark = pytest.mark.django_db
D = datetime.date
STREET = "620702001"  # 东街街道


def reg(users, level, code, name, who="county", **kw):
    return services.register_network_organization(Actor(users[who], "page"), level=level, name=name,
                                                  region_code=code, founded_on=kw.pop("founded_on", D(2024, 1, 1)),
                                                  **kw)


def test_coverage_of_a_street_counts_communities_with_an_association_and_a_helper_group(users):
    from jiayuan.regions.models import Region

    units = Region.objects.filter(level="village", code__startswith=STREET).exclude(kind="virtual").count()
    reg(users, "village_association", "620702001001", "交通巷社区残协")
    reg(users, "helper_group", "620702001001", "交通巷社区助残小组")
    reg(users, "village_association", "620702001005", "甘泉社区残协")
    reg(users, "village_association", "620702001006", "已撤销的残协", founded_on=D(2020, 1, 1))
    from jiayuan.disability.models import NetworkOrganization

    NetworkOrganization.objects.filter(name="已撤销的残协").update(dissolved_on=D(2025, 1, 1))
    c = selectors.coverage(STREET, on=D(2026, 6, 1))
    # by hand: associations in 001 and 005 (002 dissolved before the day), a helper group in 001
    assert (c.units, c.with_association, c.with_helper_group, c.with_both) == (units, 2, 1, 1)
    assert c.association_percent == round(200 / units, 1)
    # on 2024-12-31 the dissolved one still counted
    assert selectors.coverage(STREET, on=D(2024, 12, 31)).with_association == 3


def test_an_organization_sits_at_its_level(users):
    with pytest.raises(ValidationFailed) as e:
        reg(users, "township_federation", "620702001001", "错层级")
    assert e.value.code == "network.region_level"
    with pytest.raises(NotFound):
        reg(users, "county_federation", "620722", "民乐县残联")  # another county: out of scope


def test_a_service_is_recorded_against_the_certificate_valid_that_day(users, holder, record):
    cert = record(holder, HOLDER_ID + "52", issued_on="2020-03-01")
    team = reg(users, "helper_group", "620702001001", "交通巷社区助残小组")
    s = services.record_service(Actor(users["community"], "page"), holder, kind="home_visit",
                                provided_on=D(2026, 3, 1), description="入户走访，了解康复需求", provider_id=team.pk)
    assert s.certificate == cert and list(selectors.services_of(holder)) == [s]


def test_no_service_before_the_certificate_was_issued(users, holder, record):
    record(holder, HOLDER_ID + "52", issued_on="2020-03-01")
    with pytest.raises(ValidationFailed) as e:
        services.record_service(Actor(users["community"], "page"), holder, kind="rehabilitation",
                                provided_on=D(2019, 12, 31), description="康复训练")
    assert e.value.code == "service.no_certificate"


def test_the_person_page_shows_the_services(page_client, users, holder, record):
    record(holder, HOLDER_ID + "52", issued_on="2020-03-01")
    services.record_service(Actor(users["community"], "page"), holder, kind="assistive_device",
                            provided_on=D(2026, 2, 1), description="适配轮椅一台")
    body = page_client("community").get(f"/persons/{holder.pk}/").content.decode()
    assert "适配轮椅一台" in body and "辅助器具适配" in body


def test_the_network_pages(page_client, users, holder, record):
    record(holder, HOLDER_ID + "52", issued_on="2020-03-01")
    c = page_client("township")
    r = c.post("/disability/network/", {"level": "village_association", "name": "交通巷社区残协",
                                        "region": "620702001001", "founded_on": "2024-01-01"})
    assert r.status_code == 302
    r = c.post(r["Location"], {"name": "李专委", "role": "full_time_member", "since": "2024-01-01"})
    assert r.status_code == 302 and "专职委员" in c.get(r["Location"]).content.decode()
    body = c.get("/disability/network/").content.decode()
    assert "交通巷社区残协" in body
    r = page_client("community").post("/disability/services/new/", {
        "person": holder.pk, "kind": "rehabilitation", "provided_on": "2026-01-05", "description": "康复训练"})
    assert r.status_code == 302
    assert page_client("peer").get(f"/disability/services/new/?person={holder.pk}").status_code == 404
    assert page_client("grid_member").get("/disability/network/").status_code == 403


def test_the_coverage_api(api_client, users):
    reg(users, "village_association", "620702001001", "交通巷社区残协")
    d = api_client("township").get("/api/v1/disability/network/coverage").json()
    assert d["region"] == "620702001" and d["with_association"] == 1 and d["with_helper_group"] == 0
    assert api_client("township").get("/api/v1/disability/network/coverage?region=620722").status_code == 404
    assert api_client("grid_member").get("/api/v1/disability/network/coverage").status_code == 403


def test_an_organization_page_lists_only_the_services_to_persons_in_the_readers_scope(
        users, holder, record, make_person):
    from jiayuan.conftest import PEER_GRID, make_id_number

    other_id = make_id_number(D(1975, 4, 2), 2)
    other = make_person(region=PEER_GRID, name="赵桂兰", id_number=other_id)
    record(holder, HOLDER_ID + "52", issued_on="2020-03-01")
    record(other, other_id + "52", who="county", issued_on="2020-03-01")
    team = reg(users, "helper_group", "620702001001", "交通巷社区助残小组")
    county = Actor(users["county"], "page")
    mine = services.record_service(county, holder, kind="home_visit", provided_on=D(2026, 3, 1),
                                   description="入户走访", provider_id=team.pk)
    theirs = services.record_service(county, other, kind="home_visit", provided_on=D(2026, 3, 2),
                                     description="入户走访", provider_id=team.pk)
    # the team sits in 交通巷; 赵桂兰 lives in the peer community, outside its worker's scope
    assert list(selectors.services_by(users["community"], team)) == [mine]
    assert list(selectors.services_by(users["county"], team)) == [theirs, mine]
