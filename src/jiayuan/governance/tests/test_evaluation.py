"""The unified evaluation: weights summing to 100, computed items with their basis and
rows, totals and ranking worked by hand with a tie, publication, objections, and the
access list refusing a department's own evaluation of communities."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from jiayuan.audit.services import Actor
from jiayuan.errors import Conflict, Forbidden, NotFound, ValidationFailed
from jiayuan.governance.evaluation import rules, selectors, services
from jiayuan.governance.models import EvaluationScore
from jiayuan.regions.models import Region

from .conftest import OWNER_COMMUNITY

pytestmark = pytest.mark.django_db
PEER = "620702001005"
D = Decimal


def test_rank_is_competition_ranking():
    assert rules.rank({"a": D(100), "b": D(90), "c": D(90), "d": D(80)}) == {"a": 1, "b": 2, "c": 2, "d": 4}
    assert rules.rank({"a": D(5)}) == {"a": 1}


def test_total_and_ratio_by_hand():
    # 50 × 90 % + 30 × 80 % + 20 × 0 % = 45 + 24 + 0
    assert rules.total([(D(50), D(90)), (D(30), D(80)), (D(20), D(0))]) == D("69.00")
    assert rules.total([(D("33.33"), D(100)), (D("66.67"), D("50.5"))]) == D("67.00")  # 33.33 + 33.668… half up
    assert rules.ratio_score(2, 3) == D("66.67") and rules.ratio_score(0, 0) == D("100.00")
    assert rules.ratio_score(1, 8) == D("12.50")


def test_weights_must_sum_to_100():
    assert rules.check_items([("甲", D(60), "scored"), ("乙", D(40), "cases_on_time")]) == []
    codes = [e.code for e in rules.check_items([("甲", D(60), "scored"), ("乙", D(30), "bogus")])]
    assert codes == ["evaluation.source", "evaluation.weights_sum"]


ITEMS = [("社区治理实绩", D(50), "scored"), ("群众满意度", D(30), "scored"), ("居民信息入户率", D(20), "registry_households")]


@pytest.fixture
def scored_round(users, make_person):
    """X = 交通巷 (two residents, neither in a household: 0/2 → 0), Y = 甘泉 (no residents:
    100), Z = the street's third community; the rest scored 10/10."""
    make_person(name="甲某")
    make_person(name="乙某")
    street = Region.objects.get(code="620702001")
    a = Actor(users["township"], "page")
    start, end = date(date.today().year, 1, 1), date.today()
    rnd = services.create_round(a, street, title="", start=start, end=end, items=ITEMS)
    rnd = services.open_scoring(a, rnd)
    items = selectors.items_of(rnd)
    codes = [c.code for c in selectors.communities_of(rnd)]
    assert OWNER_COMMUNITY in codes and PEER in codes and len(codes) >= 3
    z = next(c for c in codes if c not in (OWNER_COMMUNITY, PEER))
    given = {OWNER_COMMUNITY: (90, 80), PEER: (70, 70), z: (82, 50)}
    for code in codes:
        s1, s2 = given.get(code, (10, 10))
        community = Region.objects.get(code=code)
        services.score(a, rnd, items[0], community, value=D(s1), comment="按台账评定")
        services.score(a, rnd, items[1], community, value=D(s2), comment="入户走访评定")
    return rnd, z, codes


def test_totals_and_ranking_worked_by_hand_with_a_tie(users, scored_round):
    rnd, z, codes = scored_round
    computed = EvaluationScore.objects.get(item__round=rnd, item__source="registry_households",
                                           community_id=OWNER_COMMUNITY)
    assert (computed.score, computed.basis) == (D("0.00"), "0/2")
    res = selectors.results(rnd)
    got = {r["community"].code: (r["total"], r["rank"]) for r in res["rows"]}
    # Y: 35 + 21 + 20 = 76; Z: 41 + 15 + 20 = 76 (tie); X: 45 + 24 + 0 = 69; others: 5 + 3 + 20 = 28
    assert got[PEER] == (D("76.00"), 1) and got[z] == (D("76.00"), 1)
    assert got[OWNER_COMMUNITY] == (D("69.00"), 3)
    assert all(got[c] == (D("28.00"), 4) for c in codes if c not in (PEER, z, OWNER_COMMUNITY))
    assert res["missing"] == 0


def test_computed_rows_are_the_records_behind_the_number(users, scored_round):
    rnd, _, _ = scored_round
    rows = selectors.metric_rows(users["township"], "registry_households", OWNER_COMMUNITY, rnd.period_start,
                                 rnd.period_end)
    assert sorted(p.name for p in rows.queryset) == ["乙某", "甲某"]
    assert selectors.metric_rows(users["org"], "registry_households", OWNER_COMMUNITY, rnd.period_start,
                                 rnd.period_end).queryset.count() == 0


def test_publication_objection_and_correction(users, scored_round):
    rnd, _, _ = scored_round
    a = Actor(users["township"], "page")
    community = Region.objects.get(code=OWNER_COMMUNITY)
    item = selectors.items_of(rnd)[0]
    with pytest.raises(NotFound):  # not published: the community does not read it
        selectors.get_round(users["community"], rnd.pk)
    rnd = services.publish(a, rnd)
    assert rnd.objections_until == date.today() + timedelta(days=7)
    assert selectors.get_round(users["community"], rnd.pk) == rnd
    with pytest.raises(Conflict):  # published: no change without an upheld objection
        services.score(a, rnd, item, community, value=D(95), comment="更正")
    with pytest.raises(ValidationFailed) as too_long:   # 2001 characters: refused, nothing stored
        services.object_to(Actor(users["community"], "page"), rnd, "长" * 2001)
    assert too_long.value.fields == {"text": [{"code": "evaluation.objection_text", "message": "异议不能超过 2000 字"}]}
    assert not selectors.objections_to_answer(users["township"]).exists()
    o = services.object_to(Actor(users["community"], "page"), rnd, "台账漏记了三月的两次议事协商会")
    with pytest.raises(ValidationFailed):                # an answer of 1001 characters
        services.answer_objection(a, o, upheld=False, answer="答" * 1001)
    with pytest.raises(NotFound):  # a community outside the street
        services.object_to(Actor(users["outsider"], "page"), rnd, "x")
    assert list(selectors.objections_to_answer(users["township"])) == [o]
    services.answer_objection(a, o, upheld=True, answer="经核实台账确有漏记，更正得分")
    services.score(a, rnd, item, community, value=D(96), comment="异议成立，更正")
    got = {r["community"].code: r["total"] for r in selectors.results(rnd)["rows"]}
    assert got[OWNER_COMMUNITY] == D("72.00")  # 48 + 24 + 0


def test_only_the_street_runs_it(users):
    street = Region.objects.get(code="620702001")
    with pytest.raises(Forbidden):
        services.create_round(Actor(users["community"], "page"), street, title="", start=date(2026, 1, 1),
                              end=date(2026, 6, 30), items=ITEMS)
    with pytest.raises(ValidationFailed) as exc:
        services.create_round(Actor(users["township"], "page"), street, title="", start=date(2026, 1, 1),
                              end=date(2026, 6, 30), items=ITEMS[:2])
    assert exc.value.code == "evaluation.weights_sum"
    assert not selectors.rounds_for(users["auditor"]).exists()


def test_a_departments_own_evaluation_of_communities_is_refused_by_the_access_list(users):
    """Departments run no evaluation of communities: on the negative list it is refused."""
    from jiayuan.servicecenter import services as sc

    t = sc.assign_community_task(Actor(users["city"], "page"), Region.objects.get(code=OWNER_COMMUNITY),
                                 title="文明社区考核评比", kind="inspection", occurs_on=date.today(),
                                 access_item="ng.unapproved_inspection")
    assert t.status == "refused"


def test_pages_set_score_publish_and_object(users, client):
    client.force_login(users["township"])
    year = date.today().year
    rows = {"name_0": "治理实绩", "weight_0": "70", "source_0": "scored", "name_1": "入户率", "weight_1": "30",
            "source_1": "registry_households"}
    r = client.post("/governance/evaluation/", {"township": "620702001", "title": "东街街道年度考核",
                                                "start": f"{year}-01-01", "end": date.today().isoformat(), **rows})
    assert r.status_code == 302, r.content.decode()[:2000]
    url = r.url
    bad = client.post("/governance/evaluation/", {"township": "620702001", "start": f"{year}-01-01",
                                                  "end": date.today().isoformat(), "name_0": "治理实绩", "weight_0": "70"})
    assert bad.status_code == 422 and "100" in bad.content.decode()
    assert client.post(url, {"step": "open"}).status_code == 302
    rnd = selectors.get_round(users["township"], url.rstrip("/").split("/")[-1])
    item = [i for i in selectors.items_of(rnd) if i.source == "scored"][0]
    assert rnd in selectors.rounds_to_score(users["township"])
    for c in selectors.communities_of(rnd):
        assert client.post(url, {"step": "score", "item": item.pk, "community": c.code, "score": "88.5",
                                 "comment": "台账齐全"}).status_code == 302
    assert client.post(url, {"step": "score", "item": item.pk, "community": OWNER_COMMUNITY, "score": "101",
                             "comment": "x"}).status_code == 422
    assert selectors.rounds_to_score(users["township"]) == []
    assert client.post(url, {"step": "publish"}).status_code == 302
    computed = [i for i in selectors.items_of(rnd) if i.source != "scored"][0]
    assert client.get(f"{url}rows/{computed.pk}/{OWNER_COMMUNITY}/").status_code == 200
    client.force_login(users["community"])
    page = client.get(url).content.decode()
    assert "88.50" in page and "提出异议" in page
    assert client.post(url, {"step": "object", "text": "入户率统计有误"}).status_code == 302
    assert client.post(url, {"step": "open"}).status_code == 403
    client.force_login(users["outsider"])
    assert client.get(url).status_code == 404
    client.force_login(users["township"])
    o = selectors.objections_to_answer(users["township"]).get()
    assert client.post(url, {"step": "answer", "objection": o.pk, "upheld": "0", "answer": "经核实无误"}).status_code == 302
    assert not selectors.objections_to_answer(users["township"]).exists()


def test_api_results_for_the_street_and_the_published_round_for_communities(users, scored_round, api_client):
    rnd, z, _ = scored_round
    got = api_client("township").get(f"/api/v1/evaluations/{rnd.pk}").json()
    ranks = {r["community"]: (r["total"], r["rank"]) for r in got["results"]}
    assert ranks[PEER] == ("76.00", 1) and ranks[z] == ("76.00", 1) and ranks[OWNER_COMMUNITY] == ("69.00", 3)
    assert api_client("community").get(f"/api/v1/evaluations/{rnd.pk}").status_code == 404  # not published
    services.publish(Actor(users["township"], "page"), rnd)
    assert api_client("community").get(f"/api/v1/evaluations/{rnd.pk}").status_code == 200
    assert api_client("outsider").get(f"/api/v1/evaluations/{rnd.pk}").status_code == 404
    assert [r["id"] for r in api_client("community").get("/api/v1/evaluations").json()] == [rnd.pk]


@pytest.mark.parametrize("score", ["NaN", "sNaN", "Infinity", "-Infinity"])
def test_a_score_that_is_not_a_number_is_a_field_error_not_a_500(score):
    """Regression (attack): ``Decimal("NaN") < 0`` raises InvalidOperation, so a score of
    "NaN" was a 500; now the score field error."""
    assert [e.code for e in rules.check_score(score, "评语")] == ["evaluation.score"]
