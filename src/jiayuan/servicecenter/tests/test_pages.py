"""Service-center pages: desk intake with the materials checklist and the receipt, the
public status lookup, certificates (issue, negative-list refusal, director's decision,
print with the registry's data, void) and public verification."""

import re

import pytest
from django.test import Client

from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.cases.models import Case
from jiayuan.cases.services import create_case
from jiayuan.servicecenter.models import Certificate, CertificateKindDecision
from jiayuan.servicecenter.services import issue_certificate

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def client_for(more_users):
    def make(who: str) -> Client:
        c = Client()
        c.force_login(more_users[who])
        return c

    return make


@pytest.fixture
def applicant(make_person):
    return make_person(region="620702001001001", name="李秀英", phone="13809361234", address="交通巷社区 12 号楼")


@pytest.fixture
def request_case(more_users, applicant):
    case, _ = create_case(Actor(more_users["community"], "page"), "service_request",
                          {"item": "jz.temporary_assistance", "person": applicant.pk, "materials": ["申请人身份证"]})
    return case


@pytest.fixture
def cert(more_users, applicant):
    return issue_certificate(Actor(more_users["community"], "page"), applicant, "居（租）住证明", "子女入学")


# --- desk intake and receipt ------------------------------------------------------------------

@pytest.mark.parametrize("who", ["community", "director", "township", "admin"])
def test_desk_intake_opens_for_desk_roles(client_for, who):
    r = client_for(who).get("/service/intake/")
    assert r.status_code == 200
    html = r.content.decode()
    assert '<optgroup label="优抚救助">' in html and "临时救助申请" in html


@pytest.mark.parametrize("who", ["grid_member", "dept", "auditor"])
def test_desk_intake_is_refused_to_other_roles(client_for, who, depts):
    assert client_for(who).get("/service/intake/").status_code == 403
    assert client_for(who).get("/service/intake/item/", {"item": "jz.temporary_assistance"}).status_code == 403


def test_item_info_shows_the_materials_checklist(client_for):
    r = client_for("community").get("/service/intake/item/", {"item": "jz.temporary_assistance"})
    html = r.content.decode()
    assert r.status_code == 200
    for m in ("申请人身份证", "户口簿", "困难情况说明及证明材料"):
        assert f'name="materials" value="{m}"' in html
    assert "10 个工作日" in text_of(r)


def test_intake_with_all_materials_is_accepted_and_gives_a_receipt(client_for, applicant):
    c = client_for("community")
    r = c.post("/service/intake/", {"request_key": "d1", "item": "jz.temporary_assistance", "person": applicant.pk,
                                    "materials": ["申请人身份证", "户口簿", "困难情况说明及证明材料"],
                                    "description": "家中突发火灾"})
    assert r.status_code == 302
    case = Case.objects.get()
    assert r["Location"] == f"/service/receipts/{case.number}/"
    assert case.state == "accepted" and case.channel == "desk"
    receipt = c.get(r["Location"])
    assert receipt.status_code == 200
    t = text_of(receipt)
    assert case.number in t and "临时救助申请" in t and "李秀英" in t and "已受理" in t
    assert applicant.id_number_masked in t and applicant.id_number not in receipt.content.decode()
    assert "138****1234" in t and "交通巷社区居民委员会" in t
    assert "/service/status/" in t and "data-print" in receipt.content.decode()
    # a double submit gives the same receipt
    again = c.post("/service/intake/", {"request_key": "d1", "item": "jz.temporary_assistance",
                                        "person": applicant.pk})
    assert again["Location"] == r["Location"] and Case.objects.count() == 1


def test_missing_materials_are_all_named_on_the_receipt(client_for, applicant):
    c = client_for("community")
    r = c.post("/service/intake/", {"request_key": "d2", "item": "jz.temporary_assistance", "person": applicant.pk,
                                    "materials": ["申请人身份证"]})
    case = Case.objects.get()
    assert case.state == "awaiting_materials"
    receipt = c.get(r["Location"])
    missing = receipt.content.decode()
    assert "户口簿、困难情况说明及证明材料" in missing and "一次性告知" in missing


def test_intake_errors_are_shown(client_for, make_person):
    other = make_person(region="620702001005", name="王五")
    c = client_for("community")
    r = c.post("/service/intake/", {"request_key": "d3", "item": "", "person": ""})
    assert r.status_code == 422
    html = r.content.decode()
    assert 'data-field-error="item"' in html and "请选择服务事项" in html and "请选择申请人" in html
    r = c.post("/service/intake/", {"request_key": "d3", "item": "jz.temporary_assistance", "person": other.pk})
    assert r.status_code == 422 and "申请人不存在或不在您的管辖范围内" in text_of(r)
    assert Case.objects.count() == 0


def test_receipt_scope_and_type(client_for, request_case, report_event):
    assert client_for("community").get(f"/service/receipts/{request_case.number}/").status_code == 200
    assert client_for("peer").get(f"/service/receipts/{request_case.number}/").status_code == 404
    assert client_for("outsider").get(f"/service/receipts/{request_case.number}/").status_code == 404
    assert client_for("auditor").get(f"/service/receipts/{request_case.number}/").status_code == 403
    event = report_event()
    assert client_for("community").get(f"/service/receipts/{event.number}/").status_code == 404


def test_status_lookup_without_an_account(request_case):
    c = Client()
    r = c.get("/service/status/", {"number": request_case.number, "phone_tail": "1234"})
    assert r.status_code == 200
    t = text_of(r)
    assert "待补正材料" in t and "临时救助申请" in t and "李秀英" not in t
    r = c.get("/service/status/", {"number": request_case.number, "phone_tail": "9999"})
    assert r.status_code == 404 and "未找到该编号，或手机号后四位不符" in text_of(r)
    assert c.get("/service/status/").status_code == 200


# --- certificates -----------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["community", "director", "admin"])
def test_certificate_pages_open_for_issuers(client_for, who, cert):
    c = client_for(who)
    assert c.get("/service/certificates/").status_code == 200
    assert c.get("/service/certificates/new/").status_code == 200
    assert c.get(f"/service/certificates/{cert.number}/").status_code == 200
    assert c.get(f"/service/certificates/{cert.number}/print/").status_code == 200


@pytest.mark.parametrize("who", ["peer", "outsider"])
def test_certificates_of_another_community_are_404(client_for, who, cert):
    c = client_for(who)
    assert c.get(f"/service/certificates/{cert.number}/").status_code == 404
    assert c.get(f"/service/certificates/{cert.number}/print/").status_code == 404
    assert c.post(f"/service/certificates/{cert.number}/revoke/", {"reason": "x"}).status_code == 404
    assert cert.number not in c.get("/service/certificates/").content.decode()


@pytest.mark.parametrize("who", ["grid_member", "township", "dept", "auditor"])
def test_certificate_pages_are_refused_to_other_roles(client_for, who, cert, depts):
    c = client_for(who)
    for url in ("/service/certificates/", "/service/certificates/new/", f"/service/certificates/{cert.number}/",
                f"/service/certificates/{cert.number}/print/"):
        assert c.get(url).status_code == 403, url


def test_issue_from_the_page_takes_the_registrys_data(client_for, applicant):
    c = client_for("community")
    page = c.get("/service/certificates/new/")
    assert "居（租）住证明" in page.content.decode() and "无犯罪记录证明" in page.content.decode()
    r = c.post("/service/certificates/new/", {"request_key": "c1", "person": applicant.pk,
                                              "kind": "居（租）住证明", "purpose": "子女入学"})
    assert r.status_code == 302
    cert = Certificate.objects.get()
    assert r["Location"] == f"/service/certificates/{cert.number}/"
    again = c.post("/service/certificates/new/", {"request_key": "c1", "person": applicant.pk,
                                                  "kind": "居（租）住证明", "purpose": "子女入学"})
    assert again["Location"] == r["Location"] and Certificate.objects.count() == 1


def test_negative_list_refusal_is_shown_with_its_reason(client_for, applicant):
    r = client_for("community").post("/service/certificates/new/", {
        "request_key": "c2", "person": applicant.pk, "kind": "无犯罪记录证明", "purpose": "求职"})
    assert r.status_code == 422
    html = r.content.decode()
    assert 'data-testid="refusal"' in html and "不予出具“无犯罪记录证明”" in html and "民发〔2020〕20号" in html
    assert Certificate.objects.count() == 0
    assert AuditEntry.objects.filter(action="certificate.refuse").count() == 1


def test_a_kind_on_neither_list_needs_the_directors_decision(client_for, applicant):
    data = {"request_key": "c3", "person": applicant.pk, "kind": "志愿服务证明", "purpose": "评优"}
    r = client_for("community").post("/service/certificates/new/", data)
    assert r.status_code == 409 and 'data-testid="needs-decision"' in r.content.decode()
    assert "社区负责人" in text_of(r) and "/service/certificates/decisions/" not in r.content.decode()
    # the director sees the link, and records the decision
    d = client_for("director")
    r = d.post("/service/certificates/new/", {**data, "request_key": "c4"})
    assert "/service/certificates/decisions/?kind=" in r.content.decode()
    assert client_for("community").get("/service/certificates/decisions/").status_code == 403
    r = d.post("/service/certificates/decisions/", {"community": "620702001001", "kind_name": "志愿服务证明",
                                                    "allowed": "yes", "legal_basis": ""})
    assert r.status_code == 422 and "同意出具须写明法律法规依据" in text_of(r)
    r = d.post("/service/certificates/decisions/", {"community": "620702001001", "kind_name": "志愿服务证明",
                                                    "allowed": "yes", "legal_basis": "《志愿服务条例》第二十条"})
    assert r.status_code == 302
    assert CertificateKindDecision.objects.get().allowed
    r = client_for("community").post("/service/certificates/new/", {**data, "request_key": "c5"})
    assert r.status_code == 302 and Certificate.objects.get().kind_name == "志愿服务证明"


def test_decision_for_another_community_is_404(client_for):
    r = client_for("director").post("/service/certificates/decisions/", {
        "community": "620702001005", "kind_name": "志愿服务证明", "allowed": "no", "reason": "无依据"})
    assert r.status_code == 404


def test_print_shows_the_community_and_whole_id_number_under_audit(client_for, cert, applicant):
    r = client_for("community").get(f"/service/certificates/{cert.number}/print/")
    html = r.content.decode()
    assert r.status_code == 200
    assert 'data-testid="cert-letterhead">交通巷社区居民委员会<' in html
    assert applicant.id_number in html and cert.number in html and "李秀英" in html and "子女入学" in html
    assert "@media print" not in html and "cases/cases.css" in html  # print CSS lives in the stylesheet
    assert AuditEntry.objects.filter(action="person.view_sensitive", object_id=str(applicant.pk)).count() == 1
    # the detail page shows the masked number only
    detail = client_for("community").get(f"/service/certificates/{cert.number}/").content.decode()
    assert applicant.id_number not in detail and applicant.id_number_masked in detail


def test_revoke_and_public_verification(client_for, cert):
    c = client_for("community")
    r = c.post(f"/service/certificates/{cert.number}/revoke/", {"reason": ""})
    assert r.status_code == 422 and "请填写作废原因" in text_of(r)
    r = c.post(f"/service/certificates/{cert.number}/revoke/", {"reason": "信息有误"})
    assert r.status_code == 302
    v = Client().get("/service/verify/", {"number": cert.number, "code": cert.verify_code})
    assert v.status_code == 200 and "已作废" in text_of(v) and "李*英" in text_of(v)
    assert Client().get("/service/verify/", {"number": "620702001001-ZM20990101-0001",
                                             "code": cert.verify_code}).status_code == 404
