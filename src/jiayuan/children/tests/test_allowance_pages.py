"""The children's allowances on the file (``/children/<id>/allowances/``): county civil
affairs enrol the child from the file, the file shows the enrollment and its payments, and
an enrollment is stopped with a reason once the file's category no longer holds.

Parameters as in ``test_allowances.py``: 事实无人抚养 standard 1,100.00, 补差 — the child gets
560.00 of 低保 a month, so 1,100.00 − 560.00 = 540.00 a month.
"""

import datetime

import pytest

from jiayuan.assistance.models import Enrollment
from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.children import services

from .test_allowances import allowance_params, unsupported_file  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db
D = datetime.date


def url(f):
    return f"/children/{f.pk}/allowances/"


ENROL = {"op": "enrol", "program": "de_facto_unsupported_allowance", "start_month": "2026-02",
         "assistance_amount": "560.00"}


def test_county_enrols_the_child_from_the_file(page_client, unsupported_file, allowance_params):
    c = page_client("county")
    page = c.get(url(unsupported_file)).content.decode()
    assert 'data-testid="enrol-form"' in page and 'data-testid="no-allowances"' in page
    r = c.post(url(unsupported_file), ENROL)
    assert r.status_code == 302 and r["Location"] == url(unsupported_file)
    e = Enrollment.objects.get(person=unsupported_file.person)
    assert (e.program_id, str(e.amount), e.start_month, e.status) == (
        "de_facto_unsupported_allowance", "540.00", D(2026, 2, 1), "active")
    page = c.get(url(unsupported_file)).content.decode()
    assert "540.00" in page and "享受中" in page and 'data-testid="allowance-no-longer-holds"' not in page
    detail = c.get(f"/children/{unsupported_file.pk}/").content.decode()
    assert "事实无人抚养儿童基本生活补贴" in detail and "540.00" in detail
    assert AuditEntry.objects.filter(action="child_file.allowance", object_id=str(unsupported_file.pk)).exists()


def test_a_refusal_is_shown_on_the_form_and_writes_nothing(page_client, unsupported_file, allowance_params):
    c = page_client("county")
    r = c.post(url(unsupported_file), {**ENROL, "program": "orphan_allowance", "care_setting": "home"})
    assert r.status_code == 422 and "未认定为孤儿" in r.content.decode()
    r = c.post(url(unsupported_file), {**ENROL, "start_month": "2026-13"})
    assert r.status_code == 422 and 'invalid-feedback' in r.content.decode()
    assert not Enrollment.objects.filter(person=unsupported_file.person).exists()


def test_who_sees_and_who_enrols(page_client, unsupported_file, allowance_params, colleague):
    # the 儿童主任 reads the file and its allowances but does not decide enrollments
    page = page_client("community").get(url(unsupported_file))
    assert page.status_code == 200 and 'data-testid="enrol-form"' not in page.content.decode()
    assert page_client("community").post(url(unsupported_file), ENROL).status_code == 403
    # no need to know: 404 like any file route
    assert page_client("colleague").get(url(unsupported_file)).status_code == 404
    assert page_client("outsider").post(url(unsupported_file), ENROL).status_code == 404
    assert not Enrollment.objects.exists()


def test_payments_show_on_the_file(page_client, unsupported_file, allowance_params, users):
    from jiayuan.assistance.services.batches import generate_batch
    from jiayuan.regions.models import Region

    county = Actor(users["county"], "page")
    e = services.enrol_allowance(county, unsupported_file, "de_facto_unsupported_allowance", D(2026, 2, 1),
                                 {"assistance_amount": "560.00"})
    generate_batch(county, e.program, Region.objects.get(code="620702"), D(2026, 3, 1))
    page = page_client("county").get(url(unsupported_file)).content.decode()
    assert "2026-03" in page and "待发放" in page
    assert "发放 1 笔，已发放 0 元" in page_client("county").get(f"/children/{unsupported_file.pk}/").content.decode()


def test_stopping_when_the_category_no_longer_holds(page_client, unsupported_file, allowance_params, users,
                                                     director):
    county = Actor(users["county"], "page")
    e = services.enrol_allowance(county, unsupported_file, "de_facto_unsupported_allowance", D(2026, 2, 1),
                                 {"assistance_amount": "560.00"})
    c = page_client("county")
    # the mother recovers: the file is flagged, the proposal no longer names 事实无人抚养
    services.set_parent(Actor(director, "page"), unsupported_file, "mother", {"seriously_ill": False})
    page = c.get(url(unsupported_file)).content.decode()
    assert "重新认定的类别不再符合" in page
    unsupported_file.refresh_from_db()
    services.confirm_review(Actor(director, "page"), unsupported_file)
    page = c.get(url(unsupported_file)).content.decode()
    assert "档案确认的类别已不符合" in page and 'data-testid="stop-form"' in page
    # a reason is required; nothing changes without it
    r = c.post(url(unsupported_file), {"op": "stop", "enrollment": e.pk, "reason": "", "end_month": "2026-03"})
    assert r.status_code == 422
    assert Enrollment.objects.get(pk=e.pk).status == "active"
    r = c.post(url(unsupported_file), {"op": "stop", "enrollment": e.pk, "reason": "母亲康复，恢复监护",
                                       "end_month": "2026-03"})
    assert r.status_code == 302
    e.refresh_from_db()
    assert (e.status, e.end_month) == ("terminated", D(2026, 3, 1))
    entry = AuditEntry.objects.get(action="child_file.allowance_stop", object_id=str(unsupported_file.pk))
    assert entry.extra["reason"] == "母亲康复，恢复监护" and entry.extra["end_month"] == "2026-03-01"
    page = c.get(url(unsupported_file)).content.decode()
    assert "已终止" in page and 'data-testid="stop-form"' not in page
    # stopping again is the wrong state
    r = c.post(url(unsupported_file), {"op": "stop", "enrollment": e.pk, "reason": "再次", "end_month": "2026-03"})
    assert r.status_code == 409


def test_an_unknown_enrollment_is_not_found(page_client, unsupported_file, allowance_params):
    r = page_client("county").post(url(unsupported_file), {"op": "stop", "enrollment": 987654, "reason": "x"})
    assert r.status_code == 404
