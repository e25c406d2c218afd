"""The residents' and villagers' committees themselves: kinds seeded by a migration (the
bodies page writes nothing on a GET), elections checked by the two majorities of
村民委员会组织法 art. 15, terms of five years, members replaced at 换届."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiayuan.audit.services import Actor
from jiayuan.errors import ValidationFailed
from jiayuan.governance.bodies import rules, selectors, services
from jiayuan.governance.models import BodyKind, BodyMember
from jiayuan.regions.models import Region

from .conftest import OWNER_COMMUNITY

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 7)


def test_the_kinds_are_there_without_anyone_visiting_a_page():
    kinds = {k.code: (k.min_members, k.max_members) for k in BodyKind.objects.all()}
    assert kinds["residents_committee"] == (5, 9) and kinds["villagers_committee"] == (3, 7)
    assert kinds["mediation"] == (3, 9) and "public_security" in kinds and "weddings_funerals" in kinds


def test_regression_a_get_of_the_bodies_page_writes_nothing(users, client):
    """The page used to create the default kinds on every GET (ensure_body_kinds)."""
    BodyKind.objects.filter(code="weddings_funerals").delete()  # as if an administrator removed one
    client.force_login(users["township"])
    client.get("/governance/bodies/")  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/governance/bodies/").status_code == 200
    writes = [q["sql"] for q in ctx.captured_queries
              if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
              and "django_session" not in q["sql"]]
    assert writes == []
    assert not BodyKind.objects.filter(code="weddings_funerals").exists()


def test_term_is_five_years_less_a_day():
    assert rules.term_end(date(2021, 6, 15)) == date(2026, 6, 14)
    assert rules.term_end(date(2024, 2, 29)) == date(2029, 2, 28)  # 2029-03-01 less a day
    assert rules.term_end(date(2025, 1, 1)) == date(2029, 12, 31)


def _check(cast, elected, eligible=1000, method="direct", kind="villagers_committee"):
    lo, hi = (5, 9) if kind == "residents_committee" else (3, 7)
    return [e.code for e in rules.check_election(kind, min_members=lo, max_members=hi, method=method, eligible=eligible,
                                                 cast=cast, elected=elected, held_on=TODAY, today=TODAY)]


THREE = [("甲", "chair", 600), ("乙", "vice_chair", 501), ("丙", "member", 700)]


def test_the_two_majorities_at_their_edges():
    # 1000 registered: 500 voting is not more than half; 501 is
    assert "election.turnout" in _check(500, [("甲", "chair", 400), ("乙", "member", 400), ("丙", "member", 400)])
    assert _check(1000, THREE) == []
    # 1000 cast: 500 votes is exactly half, not more: not elected; 501 is
    assert _check(1000, [("甲", "chair", 600), ("乙", "member", 500), ("丙", "member", 501)]) == ["election.majority"]
    assert "election.size" in _check(1000, THREE[:2])
    assert "election.chair" in _check(1000, [("甲", "member", 600)] + THREE[1:])
    assert "election.method" in _check(1000, THREE, method="household")  # villagers elect directly
    assert _check(1000, THREE, method="household", kind="residents_committee") == ["election.size"]  # 5–9 there
    assert "election.kind" in _check(1000, THREE, kind="mediation")


def test_parse_elected_lines():
    got, errors = rules.parse_elected("张三，主任，1200\n李四,委员,900\n\n坏行")
    assert got == [("张三", "chair", 1200), ("李四", "member", 900)] and [e.code for e in errors] == ["election.line"]


def test_an_election_replaces_the_members_and_sets_the_term(users):
    kinds = selectors.body_kinds()
    a = Actor(users["township"], "page")
    body = services.create_body(a, Region.objects.get(code=OWNER_COMMUNITY), kinds["residents_committee"], name="")
    five = [("甲", "chair", 900), ("乙", "vice_chair", 800), ("丙", "member", 700), ("丁", "member", 650),
            ("戊", "member", 620)]
    first = date.today() - timedelta(days=2000)
    services.record_election(a, body, held_on=first, method="household", eligible=1200, cast=1100, elected=five)
    with pytest.raises(ValidationFailed) as exc:
        services.record_election(a, body, held_on=date.today(), method="household", eligible=1200, cast=600,
                                 elected=five)
    assert exc.value.code == "election.turnout"  # 600 of 1200 is half, not more
    second = date.today() - timedelta(days=1)
    services.record_election(a, body, held_on=second, method="direct", eligible=3000, cast=2000,
                             elected=[(n + "2", r, v + 1000) for n, r, v in five])
    body.refresh_from_db()
    assert (body.term_start, body.term_end) == (second, rules.term_end(second))
    live = BodyMember.objects.filter(body=body, active=True)
    assert sorted(live.values_list("name", flat=True)) == ["丁2", "丙2", "乙2", "戊2", "甲2"]
    assert set(BodyMember.objects.filter(body=body, active=False).values_list("term_end", flat=True)) == {
        second - timedelta(days=1)}
    # its term runs five years: not due for 换届; a committee without a term is
    due = selectors.committees_due_for_election(users["township"], date.today())
    assert body not in due
    other = services.create_body(a, Region.objects.get(code="620702001005"), kinds["residents_committee"], name="")
    assert other in selectors.committees_due_for_election(users["township"], date.today())
    assert not selectors.committees_due_for_election(users["community"], date.today()).exists()


def test_the_body_page_records_an_election(users, client):
    kinds = selectors.body_kinds()
    body = services.create_body(Actor(users["community"], "page"), Region.objects.get(code=OWNER_COMMUNITY),
                                kinds["residents_committee"], name="交通巷社区居民委员会")
    client.force_login(users["community"])
    lines = "甲,主任,900\n乙,副主任,800\n丙,委员,700\n丁,委员,650\n戊,委员,620"
    r = client.post(f"/governance/bodies/{body.pk}/", {"held_on": date.today().isoformat(), "method": "household",
                                                      "eligible": 1000, "cast": 900, "members": lines})
    assert r.status_code == 302
    page = client.get(f"/governance/bodies/{body.pk}/").content.decode()
    assert "甲" in page and "900" in page
    bad = client.post(f"/governance/bodies/{body.pk}/", {"held_on": date.today().isoformat(), "method": "household",
                                                        "eligible": 1000, "cast": 400, "members": lines})
    assert bad.status_code == 422
    client.force_login(users["township"])
    assert client.get("/governance/bodies/999999/").status_code == 404
