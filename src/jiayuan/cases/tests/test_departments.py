"""Departments (issue 11 finding 13): dispatching to another area's department answers
exactly like dispatching to one that does not exist, and a department's code and name
refuse control and invisible characters whoever writes them."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from jiayuan.audit.services import Actor
from jiayuan.cases.models import Case, Department
from jiayuan.errors import ValidationFailed
from jiayuan.regions.models import Region

pytestmark = pytest.mark.django_db

FAR_NAME = "宋飞兵民乐县城市管理局"   # a department of another county (民乐县 620722)
NOT_FOUND = "承办部门不存在、已停用或不负责该案件所在区域"


@pytest.fixture
def accepted(report_event, act, depts):
    """A grid event of 交通巷社区 accepted by the street (waiting for dispatch), and the
    other county's department."""
    far = Department.objects.create(code="ml-cgj", name=FAR_NAME, region_id="620722")
    return act("township", report_event(), "accept"), far


def _api_dispatch(client, case, value):
    case = Case.objects.get(pk=case.pk)
    return client.post(f"/api/v1/cases/{case.number}/transitions",
                       {"action": "dispatch", "version": case.version, "fields": {"department": value}},
                       content_type="application/json")


def test_dispatch_to_another_areas_department_answers_like_a_missing_one_api(api_client, accepted):
    case, far = accepted
    client = api_client("township")
    missing_id = Department.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    answers = {}
    for label, value in (("far id", far.pk), ("missing id", missing_id), ("far code", far.code),
                         ("missing code", "no-such-dept")):
        resp = _api_dispatch(client, case, value)
        answers[label] = (resp.status_code, resp.json())
        assert FAR_NAME not in resp.content.decode()
    assert answers["far id"] == answers["missing id"] == answers["far code"] == answers["missing code"]
    status, body = answers["far id"]
    assert status == 422
    assert body["error"]["code"] == "department.not_found" and body["error"]["message"] == NOT_FOUND
    assert body["error"]["fields"] == {"department": [{"code": "department.not_found", "message": NOT_FOUND}]}
    assert Case.objects.get(pk=case.pk).state == "accepted"


def test_dispatch_to_another_areas_department_answers_like_a_missing_one_page(more_users, accepted):
    case, far = accepted
    client = Client()
    client.force_login(more_users["township"])
    missing_id = far.pk + 1000

    def post(value):
        c = Case.objects.get(pk=case.pk)
        resp = client.post(f"/cases/{c.number}/act/dispatch/", {
            "dispatch-version": c.version, "dispatch-request_key": f"k-{value}", "dispatch-field_department": value})
        html = resp.content.decode()
        assert FAR_NAME not in html
        errors = re.findall(r'data-field-error="field_department"[^>]*>(.*?)<', html, re.S)
        return resp.status_code, [e.strip() for e in errors]

    far_answer, missing_answer = post(far.pk), post(missing_id)
    assert far_answer == missing_answer
    assert far_answer[0] == 422 and any(NOT_FOUND in e for e in far_answer[1]), far_answer
    assert Case.objects.get(pk=case.pk).state == "accepted"


# --- control characters in codes and names ----------------------------------------------------

@pytest.mark.parametrize("code, name, field, char", [
    ("ml-cgj", "\x14ñK城管", "name", "U+0014"),          # the fuzzer's department
    ("ml-cgj", "城市\u200b管理局", "name", "U+200B"),     # zero-width space (Cf)
    ("ml-cgj", "城市管理局\u202e", "name", "U+202E"),     # right-to-left override (Cf)
    ("ml-cgj", "城市\x1f管理局", "name", "U+001F"),       # a unit separator Python calls white space
    ("ml\x00cgj", "城市管理局", "code", "U+0000"),
    ("ml-\tcgj", "城市管理局", "code", "U+0009"),         # a code allows no white space inside
    ("\x1fml-cgj", "城市管理局", "code", "U+001F"),       # nor a control character stripped around it
])
def test_department_code_and_name_refuse_control_characters(users, code, name, field, char):
    from jiayuan.cases.services import create_department

    region = Region.objects.get(code="620702")
    with pytest.raises(ValidationFailed) as exc:
        create_department(Actor(users["county"], "api"), code, name, region)
    err = exc.value.fields[field][0]
    assert err["code"] == f"department.{field}_control"
    assert char in err["message"] and "控制字符" in err["message"]
    assert not Department.objects.exists()
    # nothing else can store it either: a command or the shell through the model
    with pytest.raises(ValidationError):
        Department.objects.create(code=code, name=name, region=region)
    assert not Department.objects.exists()


def test_ordinary_white_space_in_a_name_is_folded(users):
    from jiayuan.cases.services import create_department

    d = create_department(Actor(users["county"], "api"), " gz-cgj\n", "甘州区\t城市管理局\r\n", Region.objects.get(
        code="620702"))
    assert (d.code, d.name) == ("gz-cgj", "甘州区 城市管理局")


def test_the_system_check_lists_departments_stored_before(db):
    """Rows written before the rule (here: by an UPDATE, which skips the model) are listed
    by ``jiayuan check --database default``."""
    from django.core.management import call_command

    from jiayuan.cases.checks import departments_with_control_characters

    ok = Department.objects.create(code="gz-cgj", name="甘州区城市管理局", region_id="620702")
    bad = Department.objects.create(code="fuzz-1", name="placeholder", region_id="620702")
    assert departments_with_control_characters(databases=["default"]) == []
    Department.objects.filter(pk=bad.pk).update(name="\x14ñK")
    warnings = departments_with_control_characters(databases=["default"])
    assert [w.id for w in warnings] == ["cases.W001"]
    assert f"#{bad.pk} 'fuzz-1'" in warnings[0].msg and f"#{ok.pk}" not in warnings[0].msg
    assert departments_with_control_characters(databases=None) == []  # plain `check`: no query
    call_command("check", databases=["default"])  # a warning, not an error: the command runs


# --- what a department takes (issue 10): case types and top-level event categories --------

def test_dispatch_offers_and_accepts_only_departments_taking_the_category(report_event, act, depts, users):
    """A grid event of 环境卫生 (sanitation.garbage): 甘州区城市管理局 set to take 环境卫生
    is offered and may be dispatched to; 甘州区民政局 set to take 民生诉求 only is neither
    offered nor accepted; a department with no lists (东街街道城管中队) takes everything."""
    from jiayuan.cases.selectors import departments_for_case

    Department.objects.filter(code="gz-cgj").update(case_types=["grid_event"], categories=["sanitation"])
    Department.objects.filter(code="gz-mzj").update(categories=["livelihood"])
    Department.objects.filter(code="gz-rsj").update(case_types=["service_request"])
    case = act("township", report_event(), "accept")
    offered = set(departments_for_case(users["township"], case).values_list("code", flat=True))
    assert offered == {"gz-cgj", "dj-cgzd"}
    with pytest.raises(ValidationFailed) as exc:
        act("township", case, "dispatch", fields={"department": "gz-mzj"})
    assert exc.value.fields["department"][0]["code"] == "department.not_found"
    case = act("township", case, "dispatch", fields={"department": "gz-cgj"})
    assert case.state == "dispatched"
