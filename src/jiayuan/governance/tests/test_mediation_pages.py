"""People's mediation through its pages and API: a mediator records a case to an
agreement and prints it; a refusal through the API; scope."""

from datetime import date

import pytest

from jiayuan.governance.models import MediationRefusal

from .conftest import OWNER_COMMUNITY, party_list

pytestmark = pytest.mark.django_db


def test_a_mediator_records_a_case_to_an_agreement_and_prints_it(users, committee, page_client):
    c = page_client("community")
    form = {"region": OWNER_COMMUNITY, "category": "house_land", "start_mode": "application",
            "facts": "宅基地界址争议", "request": "确认界址", "request_key": "k-1",
            "p0_name": "张大山", "p0_role": "applicant", "p0_stance": "applied", "p0_phone": "13800000001",
            "p1_name": "李小河", "p1_role": "respondent", "p1_stance": "agreed"}
    resp = c.post("/governance/mediation/new/", form)
    assert resp.status_code == 302, resp.content.decode()[:3000]
    url = resp["Location"]
    number = url.rstrip("/").split("/")[-1]
    members = list(committee.members.order_by("id"))
    assert c.post(f"{url}assign/", {"mediators": [members[0].pk, members[2].pk]}).status_code == 302
    assert c.post(f"{url}session/", {"held_on": "2025-09-01", "place": "调解室", "record": "实地测量界址"}).status_code == 302
    resp = c.post(f"{url}agreement/", {"facts_and_issues": "两家宅基地界址不清", "terms": "以现有围墙中线为界",
                                       "performance_manner": "双方共同确认界桩", "performance_deadline": "2025-09-10",
                                       "signed_on": "2025-09-01"})
    assert resp.status_code == 302
    page = c.get(url).content.decode()
    assert "2025-10-09" in page  # 30 days after 09-01 falls in the National Day holiday
    paper = c.get(f"{url}print/").content.decode()
    for text in ("人民调解协议书", "申请人：张大山", "被申请人：李小河", "两家宅基地界址不清", "以现有围墙中线为界",
                 "双方共同确认界桩", "2025年9月10日", "交通巷社区人民调解委员会", "（盖章）", "签名、按指印",
                 "人民调解员（签名）", "2025年10月9日"):
        assert text in paper, text
    assert number in paper


def test_the_api_refuses_an_opening_against_a_partys_refusal_and_records_it(users, committee, api_client):
    resp = api_client("community").post("/api/v1/mediation-cases", {
        "region": OWNER_COMMUNITY, "category": "neighbour", "start_mode": "initiative",
        "parties": party_list("refused"), "facts": "噪音"}, content_type="application/json")
    assert resp.status_code == 422 and resp.json()["error"]["code"] == "mediation.party_refused"
    assert MediationRefusal.objects.count() == 1


def test_the_api_opens_and_reads_a_case_and_scope_hides_it(users, committee, api_client, page_client):
    resp = api_client("community").post("/api/v1/mediation-cases", {
        "region": OWNER_COMMUNITY, "category": "neighbour", "start_mode": "application",
        "parties": party_list(), "facts": "噪音"}, content_type="application/json")
    assert resp.status_code == 201
    number = resp.json()["number"]
    assert api_client("township").get(f"/api/v1/mediation-cases/{number}").json()["state"] == "registered"
    assert api_client("peer").get(f"/api/v1/mediation-cases/{number}").status_code == 404
    assert api_client("grid_member").get(f"/api/v1/cases/{number}").status_code == 404
    assert page_client("peer").get(f"/governance/mediation/{number}/").status_code == 404
    assert page_client("grid_member").get(f"/governance/mediation/{number}/").status_code == 403
    got = api_client("township").get("/api/v1/mediation-results", {"region": "620702001"}).json()
    assert (got["cases"], got["agreements"]) == (1, 0)
