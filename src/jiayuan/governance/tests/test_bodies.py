"""Self-governance bodies' coverage worked by hand; compacts with versions, the adopting
meeting, filing with the township, and the current text public on the community's page."""

from datetime import date, timedelta

import pytest
from django.test import Client

from jiayuan.audit.services import Actor
from jiayuan.errors import Forbidden, ValidationFailed
from jiayuan.governance.bodies import selectors, services
from jiayuan.governance.bodies.selectors import body_kinds
from jiayuan.regions.models import Region

from .conftest import OWNER_COMMUNITY

pytestmark = pytest.mark.django_db
PEER = "620702001005"


def test_coverage_of_each_kind_of_body_worked_by_hand(users):
    kinds = body_kinds()
    a = Actor(users["township"], "page")
    for code, kind in (("620702001001", "mediation"), ("620702001005", "mediation"),
                       ("620702001001", "weddings_funerals")):
        services.create_body(a, Region.objects.get(code=code), kinds[kind], name="")
    street = Region.objects.get(code="620702001")
    units = Region.objects.filter(level="village", code__startswith="620702001").count()
    got = selectors.coverage(users["township"], street)
    by_kind = {r["kind"].code: (r["covered"], r["percent"]) for r in got["rows"]}
    assert got["units"] == units
    assert by_kind["mediation"] == (2, f"{2 * 100 / units:.1f}")
    assert by_kind["weddings_funerals"] == (1, f"{100 / units:.1f}")
    assert by_kind["public_security"] == (0, "0.0")


def test_a_compact_gets_versions_filed_by_the_township_and_shown_publicly(users):
    c = services.create_compact(Actor(users["community"], "page"), Region.objects.get(code=OWNER_COMMUNITY),
                                "residents", "交通巷社区居民公约")
    a = Actor(users["community"], "page")
    with pytest.raises(ValidationFailed) as exc:
        services.add_version(a, c, text="第一条", adopted_by="villagers_meeting", adopted_on=date.today())
    assert exc.value.code == "compact.meeting"
    v1 = services.add_version(a, c, text="第一条 爱护公共环境。", adopted_by="residents_meeting",
                              adopted_on=date.today() - timedelta(days=400))
    with pytest.raises(Forbidden):
        services.file_version(a, v1)
    services.file_version(Actor(users["township"], "page"), v1, date.today() - timedelta(days=390))
    with pytest.raises(ValidationFailed) as exc:
        services.add_version(a, c, text="旧", adopted_by="residents_meeting", adopted_on=date.today() - timedelta(days=500))
    assert exc.value.code == "compact.adopted_on_order"
    v2 = services.add_version(a, c, text="第一条 爱护公共环境。第二条 红白喜事从简。", adopted_by="residents_representatives",
                              adopted_on=date.today())
    assert (v1.number, v2.number) == (1, 2) and selectors.current_version(c) == v2
    page = Client().get(f"/governance/public/{OWNER_COMMUNITY}/").content.decode()
    assert "红白喜事从简" in page and "交通巷社区居民公约" in page
    assert Client().get("/governance/public/620702001/").status_code == 404  # a street has no such page


def test_a_body_outside_the_scope_is_refused(users):
    kinds = body_kinds()
    with pytest.raises(ValidationFailed):
        services.create_body(Actor(users["community"], "page"), Region.objects.get(code=PEER), kinds["mediation"],
                             name="")


def test_the_compacts_list_reads_every_current_version_in_two_queries(users, django_assert_num_queries):
    a = Actor(users["township"], "page")
    for code in (OWNER_COMMUNITY, PEER):
        c = services.create_compact(a, Region.objects.get(code=code), "residents", "")
        for n in (1, 2):
            services.add_version(a, c, text=f"第 {n} 版", adopted_by="residents_meeting",
                                 adopted_on=date.today() - timedelta(days=10 - n))
    with django_assert_num_queries(2):
        rows = selectors.compacts_with_current(users["township"])
    assert len(rows) == 2 and [v.text for _, v in rows] == ["第 2 版", "第 2 版"]


@pytest.mark.parametrize("kind", ["public_security", "weddings_funerals"])
def test_members_of_a_body_added_on_its_page(users, page_client, kind):
    """治安保卫委员会 and 红白理事会: members (name, position, phone, term, account) added on
    the body's page; a term ending before it starts is the term_end field's error and
    adds nobody; a worker of another community gets 404; an elected committee's page
    takes no member (its members come from its election)."""
    from jiayuan.governance.models import BodyMember

    body = services.create_body(Actor(users["community"], "page"), Region.objects.get(code=OWNER_COMMUNITY),
                                body_kinds()[kind], name="")
    me = page_client("community")
    page = me.get(f"/governance/bodies/{body.pk}/").content.decode()
    assert 'data-testid="member-form"' in page
    url = f"/governance/bodies/{body.pk}/members/"
    bad = me.post(url, {"name": "周理事", "role": "chair", "term_start": "2026-03-01", "term_end": "2026-02-01"})
    assert bad.status_code == 422 and "任期止不能早于任期起" in bad.content.decode()
    assert not BodyMember.objects.filter(body=body).exists()
    ok = me.post(url, {"name": "周理事", "role": "chair", "phone": "13800000003", "term_start": "2026-01-01",
                       "term_end": "2030-12-31", "user": str(users["community"].pk)})
    assert ok.status_code == 302
    m = BodyMember.objects.get(body=body)
    assert (m.name, m.role, m.phone, m.term_end, m.user) == ("周理事", "chair", "13800000003", date(2030, 12, 31),
                                                             users["community"])
    page = me.get(f"/governance/bodies/{body.pk}/").content.decode()
    assert "周理事" in page and "13800000003" in page
    assert page_client("peer").post(url, {"name": "x", "role": "member"}).status_code == 404
    assert page_client("grid_member").post(url, {"name": "x", "role": "member"}).status_code == 403
    rc = services.create_body(Actor(users["community"], "page"), Region.objects.get(code=OWNER_COMMUNITY),
                              body_kinds()["residents_committee"], name="")
    assert 'data-testid="member-form"' not in me.get(f"/governance/bodies/{rc.pk}/").content.decode()
    assert me.post(f"/governance/bodies/{rc.pk}/members/", {"name": "x", "role": "member"}).status_code == 404
