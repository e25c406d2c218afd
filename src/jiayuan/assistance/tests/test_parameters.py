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


# --- review findings: months, texts, backdating over computed batches --------------------------

@pytest.mark.parametrize("month, code", [
    (datetime.date(9999, 12, 1), "effective_from.out_of_range"),
    (datetime.date(1999, 12, 1), "effective_from.out_of_range"),
    ("0001-01-01", "effective_from.out_of_range"),
])
def test_effective_from_in_a_sane_window(users, month, code):
    with pytest.raises(ValidationFailed) as exc:
        services.set_parameters(act(users, "city"), "subsistence_allowance", "6207", month, SUB)
    assert exc.value.fields["effective_from"][0]["code"] == code
    assert "0001" in exc.value.message or "9999" in exc.value.message or "1999" in exc.value.message
    assert not ProgramParameter.objects.exists()


def test_policy_and_note_over_200_are_refused_not_cut(users, api_client):
    with pytest.raises(ValidationFailed) as exc:
        services.set_parameters(act(users, "city"), "subsistence_allowance", "6207", JAN, SUB, "文" * 201, "说" * 201)
    assert {f for f in exc.value.fields} == {"policy", "note"}
    assert exc.value.fields["note"][0]["code"] == "note.too_long"
    row, _ = services.set_parameters(act(users, "city"), "subsistence_allowance", "6207", JAN, SUB, "文" * 200,
                                     "说明\x07\x1b")
    assert len(row.policy) == 200 and row.note == "说明"
    resp = api_client("city").post("/api/v1/assistance/parameters", {
        "program": "subsistence_allowance", "region": "6207", "effective_from": "2024-02-01", "values": SUB,
        "note": "x" * 201}, content_type="application/json")
    assert resp.status_code == 422 and resp.json()["error"]["code"] == "note.too_long"


def _march_batch_with_lines(users, make_person):
    """甘州区 (620702) 低保 standard 735.00 from 2025-01 (city) and a generated March 2025
    batch with one line."""
    from jiayuan.assistance.models import Program
    from jiayuan.assistance.services.batches import generate_batch
    from jiayuan.regions.models import Region

    from .factories import SUBSISTENCE, make_enrollment, subsistence_inputs

    services.set_parameters(act(users, "city"), SUBSISTENCE, "6207", datetime.date(2025, 1, 1), SUB)
    head = make_person(OWNER_COMMUNITY, "批次户主")
    make_enrollment(SUBSISTENCE, head, inputs=subsistence_inputs(1, "500.00"))
    batch = generate_batch(act(users, "county"), Program.objects.get(code=SUBSISTENCE),
                           Region.objects.get(code="620702"), datetime.date(2025, 3, 1))
    assert batch.line_count == 1
    return batch


def test_backdated_row_over_a_computed_batch_is_refused(users, make_person, api_client):
    # Finding 5: a row from February (city) or March (甘州区) would govern the March batch
    # already computed with January's row: 409. April onwards is fine.
    batch = _march_batch_with_lines(users, make_person)
    for region, month in (("6207", datetime.date(2025, 2, 1)), ("620702", datetime.date(2025, 3, 1))):
        with pytest.raises(Conflict) as exc:
            services.set_parameters(act(users, "city"), "subsistence_allowance", region, month,
                                    {"standard_urban": "800.00", "standard_rural": "600.00"})
        assert exc.value.code == "parameter.batch_exists"
        assert f"#{batch.pk}" in exc.value.message and "2025-04" in exc.value.message
    resp = api_client("city").post("/api/v1/assistance/parameters", {
        "program": "subsistence_allowance", "region": "6207", "effective_from": "2025-03-01", "values": SUB},
        content_type="application/json")
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "parameter.batch_exists"
    # another county (民乐县 620722) has no batch: its own row from February is fine
    _row, created = services.set_parameters(act(users, "city"), "subsistence_allowance", "620722",
                                            datetime.date(2025, 2, 1), SUB)
    assert created
    _row, created = services.set_parameters(act(users, "city"), "subsistence_allowance", "6207",
                                            datetime.date(2025, 4, 1), SUB)
    assert created
    assert ProgramParameter.objects.filter(program_id="subsistence_allowance").count() == 3


def test_city_row_under_a_county_override_does_not_block(users, make_person):
    # 甘州区 has its own row from January 2025: its March batch is governed by it, so a
    # city row from February changes nothing there; a 甘州区 row from February would.
    services.set_parameters(act(users, "county"), "subsistence_allowance", "620702", datetime.date(2025, 1, 1),
                            {"standard_urban": "760.00", "standard_rural": "580.00"})
    _march_batch_with_lines(users, make_person)
    _row, created = services.set_parameters(act(users, "city"), "subsistence_allowance", "6207",
                                            datetime.date(2025, 2, 1), SUB)
    assert created
    with pytest.raises(Conflict) as exc:
        services.set_parameters(act(users, "county"), "subsistence_allowance", "620702", datetime.date(2025, 2, 1),
                                SUB)
    assert exc.value.code == "parameter.batch_exists"


def test_a_batch_that_computed_nothing_does_not_block(users):
    from jiayuan.assistance.models import Program
    from jiayuan.assistance.services.batches import generate_batch
    from jiayuan.regions.models import Region

    # no parameters in force: the March batch of 民乐县 computed nothing (no lines)
    empty = generate_batch(act(users, "city"), Program.objects.get(code="subsistence_allowance"),
                           Region.objects.get(code="620722"), datetime.date(2025, 3, 1))
    assert empty.line_count == 0
    _row, created = services.set_parameters(act(users, "city"), "subsistence_allowance", "620722",
                                            datetime.date(2025, 1, 1), SUB)
    assert created
