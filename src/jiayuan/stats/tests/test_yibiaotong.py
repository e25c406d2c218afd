"""一表通: provenance of every cell, a value entered once reused by another form, corrections
with who and when, the catalogue's approval (services and database), completion counts and
aggregates worked out by hand, pre-filled values equal to the registry's, exports read back."""

import datetime
import io
import json
from decimal import Decimal

import openpyxl
import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.errors import Conflict, Forbidden, NotFound, ValidationFailed
from jiayuan.people.models import Person
from jiayuan.regions.models import Region
from jiayuan.stats import registry
from jiayuan.stats.models import ReportForm, ReportSubmission, ReportTask, UnitValue
from jiayuan.stats.rules import parse_period
from jiayuan.stats.yibiaotong import exports, rules, selectors, services

OWNER = "620702001001"
PEER = "620702001005"
RULE_CODE = "children.home_children"   # any indicator defined for every level and period


def _persons_under(region, period):
    """Test rule: persons alive in the region (a count from records)."""
    return Person.objects.filter(region__code__startswith=region.code, life_status="alive").count()


@pytest.fixture
def test_rule():
    """Register ``_persons_under`` as the rule of RULE_CODE for the test only (restored
    after, whatever module registers the real rule)."""
    saved = dict(registry._RULES)
    registry._RULES[RULE_CODE] = registry.Rule(RULE_CODE, _persons_under)
    yield
    registry._RULES.clear()
    registry._RULES.update(saved)


@pytest.fixture
def cat(users, test_rule):
    """The seeded elements and two approved forms (author: city admin, approver: the
    county): A = [indicator, office area (entered), households (registry)],
    B = [office area (entered), council meetings (entered)], both for communities."""
    city, county = Actor(users["city"], "page"), Actor(users["county"], "page")
    services.seed_elements(city)
    a = services.create_form(city, {"code": "YBT-01", "title": "社区基本情况表", "units": "communities"},
                             [(RULE_CODE, "sum"), ("entered.office_area_m2", "max"), ("registry.households", "sum")])
    b = services.create_form(city, {"code": "YBT-02", "title": "社区议事协商情况表", "units": "communities"},
                             [("entered.office_area_m2", "min"), ("entered.council_meetings", "sum")])
    return {"a": services.approve_form(county, a), "b": services.approve_form(county, b)}


def _issue(users, form, period="2026", days=10):
    return services.issue_task(Actor(users["township"], "page"), form, period,
                               timezone.localdate() + datetime.timedelta(days=days))


def _sub(task, unit=OWNER):
    return ReportSubmission.objects.get(task=task, unit_id=unit)


def _cells(user, sub):
    return {item.element.code: cell for item, cell in selectors.unit_form(user, sub).rows}


def test_each_cell_says_where_it_comes_from(users, cat, make_person):
    for name in ("甲", "乙", "丙"):
        make_person(region=OWNER, name=f"张{name}")
    make_person(region=PEER, name="李丁")
    task = _issue(users, cat["a"])
    sub = _sub(task)
    community = users["community"]
    cells = _cells(community, sub)
    assert (cells[RULE_CODE].value, cells[RULE_CODE].provenance) == (Decimal(3), "records")   # 3 persons by hand
    assert (cells["registry.households"].value, cells["registry.households"].provenance) == (Decimal(0), "records")
    assert (cells["entered.office_area_m2"].value, cells["entered.office_area_m2"].provenance) == (None, "missing")

    act = Actor(community, "page")
    services.record_value(act, sub, RULE_CODE, "3")               # the same as the platform: confirmed
    services.record_value(act, sub, "registry.households", "2")   # differs from 0: corrected
    services.record_value(act, sub, "entered.office_area_m2", "１２０.５")  # full-width digits: entered
    cells = _cells(community, sub)
    assert [(c.value, c.provenance) for c in cells.values()] == [
        (Decimal(3), "confirmed"), (Decimal("120.50"), "entered"), (Decimal(2), "corrected")]
    assert cells["registry.households"].platform_value == Decimal(0)
    assert cells["registry.households"].recorded_by == "community"


def test_prefilled_value_equals_the_registry_value(users, cat, make_person):
    make_person(region=OWNER, name="张一")
    make_person(region=OWNER, name="张二")
    task = _issue(users, cat["a"])
    unit = Region.objects.get(code=OWNER)
    expected = registry.value(RULE_CODE, unit, parse_period("2026"))
    assert expected == 2
    assert _cells(users["community"], _sub(task))[RULE_CODE].value == expected


def test_a_value_entered_once_appears_in_another_form(users, cat):
    t1, t2 = _issue(users, cat["a"]), _issue(users, cat["b"])
    services.record_value(Actor(users["community"], "page"), _sub(t1), "entered.office_area_m2", "260")
    cell = _cells(users["community"], _sub(t2))["entered.office_area_m2"]
    assert (cell.value, cell.provenance, cell.recorded_by) == (Decimal(260), "entered", "community")
    # another period is another value; another unit sees nothing of it
    t3 = _issue(users, cat["b"], period="2026H2")
    assert _cells(users["community"], _sub(t3))["entered.office_area_m2"].provenance == "missing"
    assert _cells(users["peer"], _sub(t2, PEER))["entered.office_area_m2"].provenance == "missing"


def test_a_correction_keeps_who_when_and_the_platform_value(users, cat, make_person):
    make_person(region=OWNER, name="张一")
    task = _issue(users, cat["a"])
    before = timezone.now()
    services.record_value(Actor(users["community"], "page"), _sub(task), RULE_CODE, "5")
    uv = UnitValue.objects.get(unit_id=OWNER, element__code=RULE_CODE, period="2026")
    assert (uv.value, uv.platform_value, uv.provenance, uv.recorded_by) == (5, 1, "corrected", users["community"])
    assert uv.recorded_at >= before
    entry = AuditEntry.objects.filter(action="report.value_record").latest("seq")
    assert entry.actor_name == "community" and entry.region_code == OWNER
    assert entry.extra["provenance"] == "corrected" and entry.extra["platform_value"] == "1"
    assert entry.changes["value"] == [None, "5"]


def test_an_unapproved_form_cannot_be_issued(users, test_rule):
    city, county = Actor(users["city"], "page"), Actor(users["county"], "page")
    services.seed_elements(city)
    draft = services.create_form(city, {"code": "YBT-09", "title": "草稿表"}, [("entered.council_meetings", "sum")])
    deadline = timezone.localdate() + datetime.timedelta(days=5)
    with pytest.raises(ValidationFailed) as exc:
        services.issue_task(county, draft, "2026", deadline)
    assert exc.value.fields["form"][0]["code"] == "report_task.form_not_approved"
    assert "尚未审定" in exc.value.message
    with pytest.raises(ValidationFailed) as exc:      # outside the catalogue
        services.issue_task(county, None, "2026", deadline)
    assert "不在报表目录中" in exc.value.message
    # the database refuses too
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportTask.objects.create(form=draft, region_id="620702", period="2026", deadline=deadline,
                                  issuer=users["county"])
    # the author cannot approve their own form: the service, then the database
    with pytest.raises(Forbidden):
        services.approve_form(city, draft)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportForm.objects.filter(pk=draft.pk).update(status="approved", approved_by=users["city"],
                                                      approved_at=timezone.now())
    services.approve_form(county, draft)
    with pytest.raises(Conflict):
        services.approve_form(county, draft)
    assert services.issue_task(county, draft, "2026", deadline).submissions.count() > 0
    # a community worker cannot issue
    with pytest.raises(Forbidden):
        services.issue_task(Actor(users["community"], "page"), draft, "2026", deadline)


def test_completion_counts_by_hand(users, cat):
    task = _issue(users, cat["b"])
    codes = sorted(ReportSubmission.objects.filter(task=task).values_list("unit_id", flat=True))
    communities = sorted(Region.objects.filter(parent_id="620702001", kind="community").values_list("code", flat=True))
    assert codes == communities
    n = len(codes)
    for code in codes[:2]:   # two submit, one starts
        u = _user(code)
        s = _sub(task, code)
        services.record_value(Actor(u, "page"), s, "entered.office_area_m2", "100")
        services.record_value(Actor(u, "page"), s, "entered.council_meetings", "4")
        services.submit(Actor(u, "page"), s)
    services.record_value(Actor(_user(codes[2]), "page"), _sub(task, codes[2]), "entered.council_meetings", "1")
    on_time = selectors.completion(task, today=task.deadline)
    assert on_time.counts == {"submitted": 2, "overdue": 0, "in_progress": 1, "not_started": n - 3, "total": n}
    late = selectors.completion(task, today=task.deadline + datetime.timedelta(days=1))
    assert late.counts == {"submitted": 2, "overdue": n - 2, "in_progress": 0, "not_started": 0, "total": n}
    # submitted: frozen, no more changes
    with pytest.raises(Conflict):
        services.record_value(Actor(_user(codes[0]), "page"), _sub(task, codes[0]), "entered.council_meetings", "9")


def _user(code):
    from jiayuan.accounts.models import User

    return User.objects.get_or_create(username=f"w{code}", defaults={"role": "community_worker", "scope_id": code,
                                                                     "full_name": f"填报员{code[-3:]}"})[0]


def test_submit_refuses_missing_cells_and_the_aggregate_by_hand(users, cat):
    task = _issue(users, cat["b"])
    owner, peer = Actor(users["community"], "page"), Actor(users["peer"], "page")
    with pytest.raises(ValidationFailed) as exc:
        services.submit(owner, _sub(task))
    assert "社区办公用房面积" in exc.value.message
    for act, code, area, meetings in ((owner, OWNER, "180", "6"), (peer, PEER, "240.5", "3")):
        services.record_value(act, _sub(task, code), "entered.office_area_m2", area)
        services.record_value(act, _sub(task, code), "entered.council_meetings", meetings)
        services.submit(act, _sub(task, code))
    agg = selectors.aggregate(task)
    assert agg.submitted == 2
    # office area: min(180, 240.5) = 180; meetings: 6 + 3 = 9
    assert agg.totals == [Decimal(180), Decimal(9)]
    assert [u.code for u, _v in agg.units] == [OWNER, PEER]


def test_scope_a_peer_neither_reads_nor_fills_the_owners_form(users, cat):
    task = _issue(users, cat["b"])
    with pytest.raises(NotFound):
        selectors.get_submission(users["peer"], _sub(task).pk)
    with pytest.raises(Forbidden):
        services.record_value(Actor(users["peer"], "page"), _sub(task), "entered.council_meetings", "1")
    assert selectors.get_submission(users["township"], _sub(task).pk)   # the issuer reads
    assert selectors.get_submission(users["county"], _sub(task).pk)     # the level above too
    assert not selectors.unit_form(users["township"], _sub(task)).can_fill


def test_exports_read_back(users, cat):
    task = _issue(users, cat["b"])
    owner = Actor(users["community"], "page")
    services.record_value(owner, _sub(task), "entered.office_area_m2", "180")
    services.record_value(owner, _sub(task), "entered.council_meetings", "6")
    services.submit(owner, _sub(task))
    view = selectors.unit_form(users["community"], _sub(task))
    wb = openpyxl.load_workbook(io.BytesIO(exports.unit_form_xlsx(view)))
    ws = wb.active
    cells = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    flat = [str(c) for row in cells for c in row if c is not None]
    assert cells[0][0] == "社区议事协商情况表"
    assert any("交通巷" in c for c in flat) and any("2026" in c for c in flat)
    assert ["社区办公用房面积", "平方米", 180] == [c for c in cells[_row(cells, "社区办公用房面积")][1:4]]
    assert any(c.startswith("填报人") for c in flat) and any(c.startswith("审核人") for c in flat)
    data = json.loads(exports.unit_form_json(view))
    assert data["values"]["entered.council_meetings"]["value"] == "6"
    assert data["values"]["entered.council_meetings"]["provenance"] == "entered"

    agg = selectors.aggregate(task)
    ws = openpyxl.load_workbook(io.BytesIO(exports.aggregate_xlsx(task, agg))).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    total = rows[_row(rows, "合计")]
    assert total[2:4] == [180, 6]
    csv_text = exports.aggregate_csv(task, agg).decode("utf-8-sig")
    assert "交通巷社区" in csv_text and "180" in csv_text


def _row(rows, label):
    return next(k for k, r in enumerate(rows) if label in [str(c) for c in r if c is not None])


@pytest.mark.parametrize("text", ["1e30", "1e27", "9" * 40, "123456789012345678901234567890.5"])
def test_a_huge_value_is_a_422_not_a_500(users, cat, api_client, text):
    """Regression (attack): a value beyond Decimal's 28 digits once raised
    InvalidOperation in quantize before the bound was checked (a 500)."""
    with pytest.raises(rules.RuleError):
        rules.parse_value(text)
    task = _issue(users, cat["b"])
    resp = api_client("community").post(f"/api/v1/report-submissions/{_sub(task).pk}/values",
                                        {"element": "entered.council_meetings", "value": text},
                                        content_type="application/json")
    assert resp.status_code == 422, resp.content
    assert not UnitValue.objects.filter(unit_id=OWNER).exists()


def test_a_retired_form_issues_no_new_task_and_its_past_tasks_stay(users, cat):
    """Retiring (停用): only an approved form, by a ``manage_report_forms`` holder, with a
    reason; afterwards the service and the database refuse a new task, the task issued
    before and its submissions stay readable (and can still be finished), and who, when
    and why are kept on the form and in the audit chain."""
    form, county, township = cat["b"], Actor(users["county"], "page"), Actor(users["township"], "page")
    before = _issue(users, form)
    sub = _sub(before)
    services.record_value(Actor(users["community"], "page"), sub, "entered.council_meetings", "4")
    with pytest.raises(Forbidden):                                  # a community worker may not
        services.retire_form(Actor(users["community"], "page"), form, "不再使用")
    with pytest.raises(ValidationFailed) as exc:                    # a reason is required
        services.retire_form(county, form, "  ")
    assert exc.value.fields["reason"][0]["code"] == "reason.missing"
    draft = services.create_form(Actor(users["city"], "page"), {"code": "YBT-09", "title": "草稿表"},
                                 [("entered.council_meetings", "sum")])
    with pytest.raises(Conflict) as exc:                            # a draft was never used
        services.retire_form(county, draft, "不再使用")
    assert "只有已审定" in exc.value.message
    assert ReportForm.objects.get(pk=form.pk).status == "approved"  # nothing written by the refusals

    services.retire_form(county, form, "与社区基本情况表合并")
    form.refresh_from_db()
    assert (form.status, form.retired_by, form.retire_reason) == ("retired", users["county"], "与社区基本情况表合并")
    assert form.retired_at is not None and form.approved_by == users["county"]   # the approval is kept
    entry = AuditEntry.objects.get(action="report.form_retire")
    assert (entry.object_id, entry.extra["reason"], entry.changes["status"]) == (
        str(form.pk), "与社区基本情况表合并", ["approved", "retired"])
    with pytest.raises(Conflict) as exc:
        services.retire_form(county, form, "再停一次")
    assert "已经停用" in exc.value.message

    with pytest.raises(ValidationFailed) as exc:                    # no new task: the service …
        _issue(users, form)
    assert exc.value.fields["form"][0]["code"] == "report_task.form_retired"
    assert "已停用" in exc.value.message
    with pytest.raises(IntegrityError), transaction.atomic():       # … and the database
        ReportTask.objects.create(form=form, region_id="620702001", period="2026",
                                  deadline=timezone.localdate(), issuer=users["township"])
    assert list(ReportTask.objects.filter(form=form)) == [before]
    assert form not in selectors.issuable_forms(users["township"])
    # the past task: readable by the issuer, the unit finishes it
    assert selectors.get_task(users["township"], before.pk) == before
    assert _cells(users["community"], sub)["entered.council_meetings"].value == Decimal("4")
    services.record_value(Actor(users["community"], "page"), sub, "entered.office_area_m2", "120")
    services.submit(Actor(users["community"], "page"), sub)
    assert _sub(before).values["entered.council_meetings"][:2] == ["4", "entered"]
