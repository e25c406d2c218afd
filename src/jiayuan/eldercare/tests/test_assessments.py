"""Recording assessments: the API contract, history, assessors, settings, scope, to-do."""

from datetime import date

import pytest

from jiayuan.conftest import PEER_COMMUNITY
from jiayuan.eldercare import selectors
from jiayuan.eldercare.models import CapacityAssessment
from jiayuan.errors import NotFound, ValidationFailed

from .conftest import FULL, MILD_67, scores

pytestmark = pytest.mark.django_db
SCORE = "/api/v1/eldercare/assessments/score"
RECORD = "/api/v1/eldercare/assessments"


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_the_score_endpoint_answers_the_result_and_records_nothing(api_client):
    r = post(api_client("community"), SCORE, {"items": MILD_67, "coma": False, "diagnoses": ["F01"],
                                              "risk_events": ["fall"]})
    assert r.status_code == 200, r.content
    d = r.json()
    # 67 → 轻度失能; F01 (vascular dementia) → one level worse: 中度失能; one fall does not count
    assert (d["total"], d["initial_level"], d["level"]) == (67, "mild", "moderate")
    assert d["dimensions"] == {"self_care": 16, "mobility": 8, "mental": 28, "perception": 15}
    assert [(a["code"], a["from"], a["to"], a["applied"]) for a in d["adjustments"]] == [
        ("mental_disorder", "mild", "moderate", True)]
    assert d["level_name"] == "中度失能"
    assert CapacityAssessment.objects.count() == 0


@pytest.mark.parametrize("items, field, code", [
    ({k: v for k, v in FULL.items() if k != "memory"}, "items.memory", "item.missing"),
    ({**FULL, "flying": 2}, "items.flying", "item.unknown"),
    ({**FULL, "stairs": 4}, "items.stairs", "item.out_of_range"),
    ({**FULL, "transport": 4}, "items.transport", "item.out_of_range"),
    ({**FULL, "eating": 5}, "items.eating", "item.out_of_range"),
    ({**FULL, "aggression": 2}, "items.aggression", "item.out_of_range"),
    ({**FULL, "walking": "a lot"}, "items.walking", "item.not_integer"),
])
def test_a_bad_item_is_422_naming_the_item(api_client, items, field, code):
    r = post(api_client("community"), SCORE, {"items": items})
    assert r.status_code == 422
    err = r.json()["error"]
    assert set(err) == {"code", "message", "fields"}
    assert err["code"] == code and list(err["fields"]) == [field]
    assert field.split(".")[1] in err["fields"][field][0]["message"]


def test_recording_answers_the_same_fields_by_the_same_rule(api_client, elder, users):
    body = {"items": MILD_67, "coma": False, "diagnoses": [], "risk_events": ["fall", "wandering"],
            "person": elder.pk, "reason": "first", "assessed_on": "2026-03-01",
            "assessors": [users["community"].pk, users["township"].pk]}
    c = api_client("community")
    scored = post(c, SCORE, body).json()
    r = post(c, RECORD, body)
    assert r.status_code == 201, r.content
    d = r.json()
    for key in ("total", "initial_level", "level", "adjustments", "dimensions"):
        assert d[key] == scored[key]
    assert (d["level"], d["next_due"], d["reason"]) == ("moderate", "2027-03-01", "first")
    assert [a["name"] for a in d["assessors"]] == ["community", "township"]
    assert post(c, RECORD, {**body, "reason": "immediate", "items": {**MILD_67, "stairs": 9}}).json()["error"]["fields"].keys() == {
        "items.stairs"}


def test_a_later_assessment_never_overwrites_the_earlier(assess, elder):
    first = assess(elder)
    second = assess(elder, reason="routine", assessed_on="2026-11-20", items=scores(), coma=True)
    first.refresh_from_db()
    assert (first.total, first.level) == (67, "mild")
    assert (second.total, second.initial_level, second.level) == (90, "intact", "total")
    assert list(selectors.assessments_of(elder)) == [second, first]
    assert selectors.latest_assessment(elder) == second
    assert selectors.latest_assessment(elder, on=date(2026, 6, 1)) == first
    assert selectors.capacity_facts([elder.pk], on=date(2026, 6, 30))[elder.pk]["capacity_level"] == "mild"
    assert selectors.capacity_facts([elder.pk])[elder.pk]["capacity_level"] == "total"


def test_whether_the_two_adjustments_add_up_is_a_setting(assess, elder, settings):
    kw = {"diagnoses": ["F00"], "risk_events": ["fall", "choking"]}
    assert selectors.adjustments_cumulative() is False  # the default
    a = assess(elder, **kw)
    assert (a.initial_level, a.level, a.cumulative) == ("mild", "moderate", False)
    settings.ELDERCARE_ADJUSTMENTS_CUMULATIVE = True
    b = assess(elder, reason="immediate", assessed_on="2026-03-02", **kw)
    assert (b.initial_level, b.level, b.cumulative) == ("mild", "severe", True)


def test_the_reassessment_interval_is_a_setting(assess, elder, settings):
    settings.ELDERCARE_REASSESSMENT_MONTHS = 6
    assert assess(elder, assessed_on="2025-08-31").next_due == date(2026, 2, 28)


def test_two_different_assessors_who_may_assess_the_person(assess, elder, users):
    with pytest.raises(ValidationFailed) as exc:
        assess(elder, assessor_2=users["community"].pk)
    assert exc.value.code == "assessor_2.same"
    with pytest.raises(ValidationFailed) as exc:
        assess(elder, assessor_2=users["peer"].pk)  # another community's worker
    assert exc.value.code == "assessor_2.invalid"
    with pytest.raises(ValidationFailed) as exc:
        assess(elder, assessor_2=users["grid_member"].pk)  # no assess_elderly
    assert exc.value.code == "assessor_2.invalid"


def test_reason_date_and_age_are_checked(assess, elder, make_person):
    assess(elder)
    with pytest.raises(ValidationFailed) as exc:
        assess(elder)
    assert exc.value.code == "reason.not_first"
    young = make_person(name="李强", birth=date(1970, 1, 1))
    with pytest.raises(ValidationFailed) as exc:
        assess(young, reason="routine", assessor_1=None)
    assert set(exc.value.fields) == {"reason", "person", "assessor_1"}
    with pytest.raises(ValidationFailed) as exc:
        assess(elder, reason="immediate", assessed_on="2026-12-07")
    assert exc.value.code == "assessed_on.future"


def test_out_of_scope_and_roles(assess, elder, api_client, users):
    with pytest.raises(NotFound):
        assess(elder, who="peer")
    r = post(api_client("peer"), RECORD, {"person": elder.pk, "items": FULL, "reason": "first",
                                          "assessed_on": "2026-03-01", "assessors": [1, 2]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "person.not_found"
    assert post(api_client("grid_member"), SCORE, {"items": FULL}).status_code == 403
    a = assess(elder)
    assert api_client("community").get(f"{RECORD}/{a.pk}").status_code == 200
    assert api_client("peer").get(f"{RECORD}/{a.pk}").status_code == 404
    assert api_client("grid_member").get(f"{RECORD}/{a.pk}").status_code == 403


def test_a_reassessment_due_is_in_the_communitys_to_do(assess, elder, users, make_person):
    from jiayuan.web import todo

    a = assess(elder, assessed_on="2025-12-01")  # due 2026-12-01: overdue on 2026-12-06
    assess(make_person(name="赵兰", birth=date(1950, 1, 1), region=PEER_COMMUNITY), who="township", assessed_on="2025-12-01",
           assessor_1=users["township"].pk, assessor_2=users["county"].pk)
    source = next(s for s in todo.registered() if s.code == "eldercare_reassessments")
    assert source.applies(users["community"]) and not source.applies(users["grid_member"])
    items = source.items(users["community"], 10)
    assert [i.title for i in items] == ["王桂兰 的能力评估到期"] and items[0].due == a.next_due
    assert items[0].overdue
    assert source.count(users["peer"]) == 1  # 赵兰 only
    assert source.count(users["township"]) == 2
    assess(elder, reason="routine", assessed_on="2026-12-05")  # reassessed: nothing waits
    assert source.count(users["community"]) == 0
