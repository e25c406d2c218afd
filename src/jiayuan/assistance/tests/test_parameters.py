"""Program parameters: who may set them where, effective dates, validation, history,
corrections of unused rows, refusal on used rows; the API with scope."""

import datetime

import pytest

from jiayuan.assistance import services
from jiayuan.assistance.models import Enrollment, PaymentBatch, PaymentLine, ProgramParameter
from jiayuan.assistance.selectors.parameters import parameter_in_force
from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.conftest import OWNER_COMMUNITY
from jiayuan.errors import Conflict, Forbidden, ValidationFailed

SUB = {"standard_urban": "735.00", "standard_rural": "560.00"}
JAN = datetime.date(2024, 1, 1)


def act(users, who):
    return Actor(users[who], "page")


def test_city_sets_and_history_kept(users):
    row, created = services.set_parameters(act(users, "city"), "subsistence_allowance", "6207", JAN,
                                           {"standard_urban": "735", "standard_rural": 560}, "张政发〔2024〕1号", "")
    assert created and row.values == {"standard_urban": "735.00", "standard_rural": "560.00"}
    row2, created2 = services.set_parameters(act(users, "city"), "subsistence_allowance", "6207",
                                             datetime.date(2024, 7, 1), {"standard_urban": "770", "standard_rural": "600"})
    assert created2 and row2.pk != row.pk
    assert ProgramParameter.objects.filter(program_id="subsistence_allowance", region_id="6207").count() == 2
    # June is computed with January's row, July with July's
    assert parameter_in_force("subsistence_allowance", OWNER_COMMUNITY, datetime.date(2024, 6, 1)).pk == row.pk
    assert parameter_in_force("subsistence_allowance", OWNER_COMMUNITY, datetime.date(2024, 7, 1)).pk == row2.pk
    entry = AuditEntry.objects.filter(action="assistance.parameter.create").order_by("-seq").first()
    assert entry.object_id == str(row2.pk) and entry.region_code == "6207"


def test_county_overrides_city_in_its_county_only(users):
    services.set_parameters(act(users, "city"), "subsistence_allowance", "6207", JAN, SUB)
    county_row, _ = services.set_parameters(act(users, "county"), "subsistence_allowance", "620702", JAN,
                                            {"standard_urban": "760.00", "standard_rural": "580.00"})
    assert parameter_in_force("subsistence_allowance", OWNER_COMMUNITY, JAN).pk == county_row.pk
    assert parameter_in_force("subsistence_allowance", "620722102200", JAN).region_id == "6207"


def test_county_officer_cannot_set_city_or_other_county(users):
    for region in ("6207", "620722"):
        with pytest.raises(ValidationFailed) as exc:
            services.set_parameters(act(users, "county"), "subsistence_allowance", region, JAN, SUB)
        assert exc.value.fields["region"][0]["code"] == "region.out_of_scope"


def test_roles_without_manage_programs_forbidden(users):
    for who in ("community", "township", "auditor"):
        with pytest.raises(Forbidden):
            services.set_parameters(act(users, who), "subsistence_allowance", "620702", JAN, SUB)


def test_validation_all_errors_at_once(users):
    with pytest.raises(ValidationFailed) as exc:
        services.set_parameters(act(users, "city"), "subsistence_allowance", "620702001", datetime.date(2024, 1, 15),
                                {"standard_urban": "abc"})
    fields = exc.value.fields
    assert fields["region"][0]["code"] == "region.level"
    assert fields["effective_from"][0]["code"] == "effective_from.not_first"
    assert fields["standard_urban"][0]["code"] == "standard_urban.money_invalid"
    assert fields["standard_rural"][0]["code"] == "standard_rural.required"
    assert not ProgramParameter.objects.exists()


def test_unused_row_corrected_with_before_after(users):
    row, _ = services.set_parameters(act(users, "city"), "subsistence_allowance", "6207", JAN, SUB)
    fixed, created = services.set_parameters(act(users, "city"), "subsistence_allowance", "6207", JAN,
                                             {**SUB, "standard_urban": "736.00"}, note="更正录入错误")
    assert not created and fixed.pk == row.pk and fixed.values["standard_urban"] == "736.00"
    entry = AuditEntry.objects.get(action="assistance.parameter.correct")
    assert entry.changes["values"][0]["standard_urban"] == "735.00"
    assert entry.changes["values"][1]["standard_urban"] == "736.00"
    assert entry.changes["note"] == ["", "更正录入错误"]


def test_used_row_never_changed(users, make_person):
    row, _ = services.set_parameters(act(users, "city"), "subsistence_allowance", "6207", JAN, SUB)
    person = make_person()
    # a payment line computed with the row (set up directly: the batches are another module)
    e = Enrollment.objects.create(program_id="elderly_allowance", person=person, region_id=OWNER_COMMUNITY,
                                  start_month=JAN, amount="100.00")
    batch = PaymentBatch.objects.create(program_id="subsistence_allowance", county_id="620702", month=JAN)
    PaymentLine.objects.create(batch=batch, enrollment=e, program_id="subsistence_allowance", person=person,
                               region_id=OWNER_COMMUNITY, benefit_month=JAN, amount="100.00", rule="x", parameter=row,
                               status="voided")
    with pytest.raises(Conflict) as exc:
        services.set_parameters(act(users, "city"), "subsistence_allowance", "6207", JAN,
                                {**SUB, "standard_urban": "800.00"})
    assert exc.value.code == "parameter.used"
    row.refresh_from_db()
    assert row.values["standard_urban"] == "735.00"
    # a later month is a new row
    _new, created = services.set_parameters(act(users, "city"), "subsistence_allowance", "6207",
                                            datetime.date(2024, 2, 1), {**SUB, "standard_urban": "800.00"})
    assert created


# --- API ------------------------------------------------------------------------------------

def test_api_post_and_history(api_client):
    city = api_client("city")
    body = {"program": "disability_care_allowance", "region": "6207", "effective_from": "2024-01-01",
            "values": {"care_amount_default": "80", "care_amounts": {"5-2": "230"}}, "policy": "甘政办发〔2024〕"}
    resp = city.post("/api/v1/assistance/parameters", body, content_type="application/json")
    assert resp.status_code == 201, resp.content
    assert resp.json()["values"]["care_amounts"] == {"5-2": "230.00"}
    resp = city.post("/api/v1/assistance/parameters", body, content_type="application/json")
    assert resp.status_code == 200  # same date: corrected, not duplicated
    bad = city.post("/api/v1/assistance/parameters", {**body, "values": {"care_amount_default": "-1"}},
                    content_type="application/json")
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"]["care_amount_default"][0]["code"] == "care_amount_default.money_negative"
    # everyone in the city sees the city's row (it applies to them)
    for who in ("community", "outsider"):
        rows = api_client(who).get("/api/v1/assistance/parameters?program=disability_care_allowance").json()
        assert [r["region"] for r in rows] == ["6207"]
    got = api_client("community").get(
        "/api/v1/assistance/parameters/in-force?program=disability_care_allowance&region=620702001001&month=2024-03-01")
    assert got.status_code == 200 and got.json()["effective_from"] == "2024-01-01"


def test_api_scope_and_roles(api_client):
    county = api_client("county")
    resp = county.post("/api/v1/assistance/parameters", {
        "program": "subsistence_allowance", "region": "620702", "effective_from": "2024-01-01", "values": SUB},
        content_type="application/json")
    assert resp.status_code == 201
    pid = resp.json()["id"]
    # a county's row: seen inside the county, 404 from another county
    assert api_client("community").get(f"/api/v1/assistance/parameters/{pid}").status_code == 200
    assert api_client("outsider").get(f"/api/v1/assistance/parameters/{pid}").status_code == 404
    # community worker may read but not set: 403
    resp = api_client("community").post("/api/v1/assistance/parameters", {
        "program": "subsistence_allowance", "region": "620702", "effective_from": "2024-02-01", "values": SUB},
        content_type="application/json")
    assert resp.status_code == 403
    # a role without view_assistance
    assert api_client("auditor").get("/api/v1/assistance/programs").status_code == 403
    programs = api_client("community").get("/api/v1/assistance/programs").json()
    assert [p["code"] for p in programs][:2] == ["subsistence_allowance", "extreme_poverty_support"]
    assert programs[0]["parameters_schema"][0]["key"] == "standard_urban"
