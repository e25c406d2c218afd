"""Confidential tips: the workflow through the services, need-to-know on every route,
the audit of every read, and the counts by stage worked by hand."""

import io
from datetime import date, timedelta

import openpyxl
import pytest

from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.errors import NotFound, ValidationFailed
from jiayuan.governance.models import Tip
from jiayuan.governance.tips import selectors, services
from jiayuan.regions.models import Region

from .conftest import INFORMANT, INFORMANT_PHONE, SECRET

pytestmark = pytest.mark.django_db

OUTSIDERS = ("community", "peer", "township", "auditor", "city", "admin", "outsider", "grid_member")


def test_content_and_informant_are_stored_encrypted(make_tip):
    tip = make_tip()
    raw = bytes(tip.content_cipher) + bytes(tip.informant_cipher)
    assert SECRET.encode() not in raw and INFORMANT.encode() not in raw and INFORMANT_PHONE.encode() not in raw
    assert tip.number == f"XS{date.today().year}-{tip.pk:06d}"
    assert tip.county_code == "620702"


def test_the_designated_handler_reads_the_content_and_each_read_is_audited(users, handler, make_tip):
    tip = make_tip()
    got = selectors.get_tip_for_handler(handler, tip.pk)
    for _ in range(2):
        content = services.reveal_tip(Actor(handler, "page"), got)
    assert (content.content, content.informant_name, content.informant_contact) == (SECRET, INFORMANT, INFORMANT_PHONE)
    assert AuditEntry.objects.filter(action="tip.view", object_id=str(tip.pk), actor_id=handler.pk).count() == 2


def test_an_undesignated_county_officer_and_an_ended_designation_read_nothing(users, handler, make_tip):
    tip = make_tip()
    designation = selectors.designations(users["admin"]).get(user=handler)
    services.end_designation(Actor(users["admin"], "page"), designation)
    with pytest.raises(NotFound):
        selectors.get_tip_for_handler(handler, tip.pk)


def test_a_handler_of_another_county_reads_nothing(users, make_tip):
    from jiayuan.conftest import _make_user

    other = _make_user("gaotai", "county_officer", "620722")
    services.designate_handler(Actor(users["admin"], "command"), other, "620722")
    tip = make_tip()
    with pytest.raises(NotFound):
        selectors.get_tip_for_handler(other, tip.pk)


def test_a_township_officer_cannot_be_designated(users):
    with pytest.raises(ValidationFailed) as exc:
        services.designate_handler(Actor(users["admin"], "command"), users["township"], "620702")
    assert exc.value.code == "tip.handler_role"


def test_the_collector_sees_the_status_only(users, make_tip):
    tip = make_tip()
    with pytest.raises(NotFound):
        selectors.get_tip_for_handler(users["community"], tip.pk)
    status = services.read_status(Actor(users["community"], "page"), selectors.get_tip_status(users["community"], tip.pk))
    assert set(status) == {"id", "number", "status", "collected_on", "verified_on", "transferred_on", "concluded_on"}
    assert AuditEntry.objects.filter(action="tip.view_status", object_id=str(tip.pk)).count() == 1


def test_the_workflow_runs_to_the_feedback_and_the_audit_log_holds_no_content(users, handler, make_tip):
    tip = make_tip(collected_on=date.today() - timedelta(days=10))
    a = Actor(handler, "page")
    tip = services.act_on_tip(a, tip, "verify", on=date.today() - timedelta(days=8))
    with pytest.raises(ValidationFailed) as exc:
        services.act_on_tip(a, tip, "transfer", recipient="police", on=date.today() - timedelta(days=9))
    assert exc.value.code == "tip.date_order"
    tip = services.act_on_tip(a, tip, "transfer", recipient="police", on=date.today() - timedelta(days=5))
    tip = services.act_on_tip(a, tip, "conclude", outcome="feedback", note="公安机关已立案侦查，反馈秘密细节")
    assert tip.state == "concluded" and tip.recipient == "police" and tip.concluded_on == date.today()
    assert [e.action for e in tip.events.all()] == ["collect", "verify", "transfer", "conclude"]
    for e in AuditEntry.objects.filter(object_type="governance.tip"):
        text = f"{e.object_repr}{e.changes}{e.extra}"
        assert SECRET not in text and INFORMANT not in text and "反馈秘密细节" not in text


def test_the_collector_cannot_act_on_the_tip(users, make_tip):
    tip = make_tip()
    with pytest.raises(NotFound):
        services.act_on_tip(Actor(users["community"], "page"), tip, "verify")


def test_a_double_submit_records_one_tip(make_tip):
    assert make_tip(request_key="k1").pk == make_tip(request_key="k1").pk
    assert Tip.objects.count() == 1


def test_a_tip_about_a_place_outside_the_collectors_scope_is_refused(make_tip):
    with pytest.raises(ValidationFailed) as exc:
        make_tip(region="620702001005")
    assert exc.value.code == "tip.region"


# --- every route, for the collector, a community worker, a street officer, an auditor …


def _xlsx_text(body: bytes) -> str:
    wb = openpyxl.load_workbook(io.BytesIO(body))
    return " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)


def _pages(client, tip, kind):
    """(route, response text) of every page and API route that lists, counts, searches or
    exports anything, for one client (``kind`` page or api)."""
    out = []
    if kind == "page":
        for url in ("/", "/todo/", "/governance/tips/", f"/governance/tips/{tip.pk}/",
                    f"/governance/tips/{tip.pk}/status/", "/governance/tips/counts/", "/cases/?q=王某某",
                    "/persons/?q=李秘", "/audit/", f"/audit/?q={tip.number}"):
            out.append((url, client.get(url)))
        resp = client.get("/governance/tips/counts/?format=xlsx")
        out.append(("counts.xlsx", resp))
    else:
        for url in (f"/api/v1/tips/{tip.pk}", f"/api/v1/tips/{tip.pk}/status", "/api/v1/tips",
                    "/api/v1/tips/counts", "/api/v1/todo", "/api/v1/cases?q=王某某", "/api/v1/persons?q=李秘"):
            out.append((url, client.get(url)))
        out.append(("api counts.xlsx", client.get("/api/v1/tips/counts.xlsx")))
    return out


@pytest.mark.parametrize("who", OUTSIDERS)
def test_tip_content_is_unreachable_from_every_route(who, users, handler, make_tip, page_client, api_client):
    tip = make_tip()
    for kind, client in (("page", page_client(who)), ("api", api_client(who))):
        for url, resp in _pages(client, tip, kind):
            if resp.get("Content-Type", "").startswith("application/vnd.openxml") and resp.status_code == 200:
                text = _xlsx_text(resp.content)
            else:
                text = resp.content.decode("utf-8", "replace")
            for secret in (SECRET, INFORMANT, INFORMANT_PHONE, "涉黑涉恶", "organized_crime"):
                assert secret not in text, (who, url, secret)
    assert page_client(who).get(f"/governance/tips/{tip.pk}/").status_code == 404
    assert api_client(who).get(f"/api/v1/tips/{tip.pk}").status_code == 404
    expected_status = 200 if who == "community" else 404
    assert api_client(who).get(f"/api/v1/tips/{tip.pk}/status").status_code == expected_status
    assert page_client(who).get(f"/governance/tips/{tip.pk}/status/").status_code == expected_status


def test_the_api_contract_handler_gets_the_tip_collector_only_the_status(users, handler, make_tip, api_client):
    tip = make_tip()
    body = api_client("county").get(f"/api/v1/tips/{tip.pk}").json()
    assert (body["content"], body["informant_name"], body["status"]) == (SECRET, INFORMANT, "collected")
    assert api_client("community").get(f"/api/v1/tips/{tip.pk}").status_code == 404
    status = api_client("community").get(f"/api/v1/tips/{tip.pk}/status").json()
    assert status == {"id": tip.pk, "number": tip.number, "status": "collected", "status_name": "已采集",
                      "collected_on": tip.collected_on.isoformat(), "verified_on": None, "transferred_on": None,
                      "concluded_on": None}
    assert api_client("county").get("/api/v1/tips/999999999").status_code == 404


def test_the_handler_works_a_tip_through_the_api_and_its_page(users, handler, make_tip, api_client, page_client):
    tip = make_tip()
    c = api_client("county")
    assert c.post(f"/api/v1/tips/{tip.pk}/actions", {"action": "transfer", "recipient": "police"},
                  content_type="application/json").status_code == 422
    assert c.post(f"/api/v1/tips/{tip.pk}/actions", {"action": "verify"},
                  content_type="application/json").json()["status"] == "verified"
    page = page_client("county")
    resp = page.get(f"/governance/tips/{tip.pk}/")
    assert resp.status_code == 200 and SECRET in resp.content.decode()
    resp = page.post(f"/governance/tips/{tip.pk}/act/", {"action": "transfer", "recipient": "discipline",
                                                         "on": date.today().isoformat()})
    assert resp.status_code == 302
    tip.refresh_from_db()
    assert (tip.state, tip.recipient) == ("transferred", "discipline")
    todo = api_client("county").get("/api/v1/todo").json()
    assert any(s["code"] == "tips" and s["count"] == 1 for s in todo["sources"])


def test_a_collector_records_a_tip_on_the_page_and_lands_on_its_status(users, page_client):
    resp = page_client("grid_member").post("/governance/tips/new/", {
        "region": "620702001001001", "category": "organized_crime", "content": SECRET, "informant_name": INFORMANT,
        "collected_on": date.today().isoformat(), "request_key": "form-1"})
    tip = Tip.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/governance/tips/{tip.pk}/status/"
    assert SECRET not in page_client("grid_member").get(resp["Location"]).content.decode()


# --- counts by stage, worked by hand


def _dated(users, handler, region, collected, verified=None, transferred=None, concluded=None, who="township"):
    tip = services.collect_tip(Actor(users[who], "page"), region_code=region, category="organized_crime",
                               content="x", anonymous=True, collected_on=collected)
    a = Actor(handler, "page")
    if verified:
        tip = services.act_on_tip(a, tip, "verify", on=verified)
    if transferred:
        tip = services.act_on_tip(a, tip, "transfer", recipient="police", on=transferred)
    if concluded:
        tip = services.act_on_tip(a, tip, "conclude", outcome="feedback" if transferred else "unfounded",
                                  note="反馈", on=concluded)
    return tip


def test_counts_by_stage_for_a_region_and_a_period_worked_by_hand(users, handler):
    y = date.today().year - 1
    d = lambda m, day: date(y, m, day)  # noqa: E731
    east, peer = "620702001001", "620702001005"
    _dated(users, handler, east, d(3, 1), d(3, 2), d(3, 5), d(4, 20))     # A: collected, transferred in March; concluded April
    _dated(users, handler, east, d(3, 10), d(3, 11), d(4, 2))             # B: collected March, transferred April
    _dated(users, handler, peer, d(3, 15), d(3, 16), d(3, 20))            # C: all in March, in 甘泉社区
    _dated(users, handler, peer, d(2, 27), d(3, 1), None, d(3, 3))        # D: collected Feb, unfounded in March
    _dated(users, handler, east, d(4, 1))                                 # E: collected April only
    march = (d(3, 1), d(3, 31))
    street = Region.objects.get(code="620702001")
    got = selectors.tip_counts(users["township"], street, *march)
    # March: collected A, B, C = 3; transferred A, C = 2; concluded D = 1
    assert got["total"] == {"collected": 3, "transferred": 2, "concluded": 1}
    assert [(r["code"], r["collected"], r["transferred"], r["concluded"]) for r in got["rows"]] == [
        (east, 2, 1, 0), (peer, 1, 1, 1)]
    # the first half of the year: collected A–E = 5, transferred A, B, C = 3, concluded A, D = 2
    county = Region.objects.get(code="620702")
    assert selectors.tip_counts(users["county"], county, d(1, 1), d(6, 30))["total"] == {
        "collected": 5, "transferred": 3, "concluded": 2}


def test_counts_outside_the_scope_are_not_found(users):
    with pytest.raises(NotFound):
        selectors.count_region(users["township"], "620722")
    assert selectors.may_view_counts(users["community"]) is False
