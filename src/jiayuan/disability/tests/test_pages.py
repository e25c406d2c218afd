"""Pages: list with filters, record form from a person, detail with history, reveal,
care need, revoke; scope and roles."""

import pytest

from jiayuan.audit.models import AuditEntry
from jiayuan.disability.models import DisabilityCertificate

from .conftest import HOLDER_ID

pytestmark = pytest.mark.django_db
MASKED = "110105********002X52"


@pytest.fixture
def cert(holder, record):
    return record(holder, HOLDER_ID + "52")


def test_list_renders_masked_numbers_and_filters(page_client, cert):
    c = page_client("community")
    r = c.get("/disability/")
    body = r.content.decode()
    assert r.status_code == 200 and "残疾人证" in body and "王秀英" in body
    assert MASKED in body and HOLDER_ID not in body
    assert "共 1 张" in body and "登记残疾人证" in body
    assert "王秀英" not in c.get("/disability/?type=4").content.decode()
    assert "王秀英" in c.get("/disability/?type=5&grade=2&care_need=no").content.decode()
    assert "王秀英" not in c.get("/disability/?status=revoked").content.decode()
    assert c.get("/disability/?region=620722").status_code == 404  # a region out of scope


def test_one_persons_certificates_from_the_person_page(page_client, cert, holder):
    c = page_client("community")
    person_page = c.get(f"/persons/{holder.pk}/").content.decode()
    assert f"/disability/?person={holder.pk}" in person_page
    r = c.get(f"/disability/?person={holder.pk}")
    assert r.status_code == 200 and "王秀英 的残疾人证" in r.content.decode()
    assert f"/disability/new/?person={holder.pk}" in r.content.decode()
    assert page_client("peer").get(f"/disability/?person={holder.pk}").status_code == 404


def test_record_form(page_client, holder):
    c = page_client("community")
    assert "选择持证人" in c.get("/disability/new/").content.decode()
    found = c.get("/disability/new/?q=王秀英").content.decode()
    assert f"?person={holder.pk}" in found
    r = c.get(f"/disability/new/?person={holder.pk}")
    assert r.status_code == 200 and "为 王秀英 登记残疾人证" in r.content.decode()
    bad = c.post(f"/disability/new/?person={holder.pk}", {"person": holder.pk, "number": HOLDER_ID + "82",
                                                          "issued_on": "2021-01-01", "replaces": 0})
    assert bad.status_code == 422 and "第19位是残疾类别" in bad.content.decode()
    assert not DisabilityCertificate.objects.exists()
    ok = c.post(f"/disability/new/?person={holder.pk}", {"person": holder.pk, "number": HOLDER_ID.lower() + "52",
                                                         "issued_on": "2021-01-01", "replaces": 0,
                                                         "long_term_care_need": "on"})
    cert = DisabilityCertificate.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/disability/{cert.pk}/"
    assert cert.long_term_care_need and (cert.disability_type, cert.grade) == (5, 2)
    # the form now warns that a new certificate replaces this one, and a stale form is refused
    assert "原证将标记为“已换证”" in c.get(f"/disability/new/?person={holder.pk}").content.decode()
    stale = c.post(f"/disability/new/?person={holder.pk}", {"person": holder.pk, "number": HOLDER_ID + "51",
                                                            "issued_on": "2022-01-01", "replaces": 0})
    assert stale.status_code == 409 and "已被他人登记或修改" in stale.content.decode()


def test_record_form_roles_and_scope(page_client, holder):
    assert page_client("grid_member").get(f"/disability/new/?person={holder.pk}").status_code == 403
    assert page_client("auditor").get("/disability/").status_code == 403
    assert page_client("peer").get(f"/disability/new/?person={holder.pk}").status_code == 404


def test_detail_with_history(page_client, holder, record):
    old = record(holder, HOLDER_ID + "42", issued_on="2015-01-01")
    new = record(holder, HOLDER_ID + "41", issued_on="2023-01-01")
    c = page_client("community")
    body = c.get(f"/disability/{old.pk}/").content.decode()
    assert "已换证" in body and "换发新证：肢体残疾二级 → 肢体残疾一级" in body
    assert "110105********002X42" in body and HOLDER_ID not in body
    body = c.get(f"/disability/{new.pk}/").content.decode()
    assert "肢体残疾一级" in body and "登记残疾人证" in body  # history row
    assert f"/disability/{old.pk}/" in body  # the earlier certificate is linked
    assert "显示完整证号" in body and "注销该残疾人证" in body
    assert page_client("peer").get(f"/disability/{new.pk}/").status_code == 404
    assert page_client("outsider").get(f"/disability/{new.pk}/").status_code == 404
    grid = page_client("grid_member").get(f"/disability/{new.pk}/").content.decode()
    assert "显示完整证号" not in grid and "注销该残疾人证" not in grid


def test_reveal_on_the_page_is_audited(page_client, cert):
    c = page_client("community")
    r = c.post(f"/disability/{cert.pk}/reveal/", HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "11010519491231002X52" in r.content.decode()
    assert AuditEntry.objects.filter(action="person.view_sensitive", source="page").count() == 1
    full = c.post(f"/disability/{cert.pk}/reveal/")
    assert full.status_code == 200 and "11010519491231002X52" in full.content.decode()
    assert page_client("grid_member").post(f"/disability/{cert.pk}/reveal/").status_code == 403
    assert AuditEntry.objects.filter(action="person.view_sensitive").count() == 2


def test_care_need_and_revoke_on_the_page(page_client, cert):
    c = page_client("community")
    r = c.post(f"/disability/{cert.pk}/care-need/", {"long_term_care_need": "yes", "version": 1})
    assert r.status_code == 302
    cert.refresh_from_db()
    assert cert.long_term_care_need and cert.version == 2
    stale = c.post(f"/disability/{cert.pk}/care-need/", {"long_term_care_need": "no", "version": 1})
    assert stale.status_code == 409 and "请刷新后重试" in stale.content.decode()
    empty = c.post(f"/disability/{cert.pk}/revoke/", {"reason": "", "version": 2})
    assert empty.status_code == 422 and "请填写注销原因" in empty.content.decode()
    assert page_client("grid_member").post(f"/disability/{cert.pk}/revoke/", {"reason": "x"}).status_code == 403
    done = c.post(f"/disability/{cert.pk}/revoke/", {"reason": "误登记", "version": 2})
    assert done.status_code == 302
    body = c.get(f"/disability/{cert.pk}/").content.decode()
    assert "已注销" in body and "误登记" in body and "注销该残疾人证" not in body
