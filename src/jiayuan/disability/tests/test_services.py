"""Recording, replacing, revoking certificates; scope and roles; the facts for 两项补贴."""

import json
from datetime import date

import pytest
from django.db import IntegrityError, transaction

from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.conftest import OUTSIDE_VILLAGE, PEER_COMMUNITY
from jiayuan.disability import selectors, services
from jiayuan.disability.models import DisabilityCertificate
from jiayuan.errors import Conflict, Forbidden, NotFound, ValidationFailed
from jiayuan.people.services import set_life_status

from .conftest import HOLDER_ID

pytestmark = pytest.mark.django_db
Status = DisabilityCertificate.Status


def entries(action):
    return list(AuditEntry.objects.filter(action=action).order_by("seq"))


def assert_no_number_logged():
    """Neither the ID number nor any certificate number is in the audit log."""
    for e in AuditEntry.objects.filter(action__startswith="disability."):
        text = json.dumps([e.changes, e.extra, e.object_repr], ensure_ascii=False)
        assert HOLDER_ID not in text and HOLDER_ID[:17] not in text


def test_record_derives_type_and_grade_and_audits_without_the_number(holder, record, users):
    cert = record(holder, HOLDER_ID.lower() + "52", long_term_care_need=True, note="县残联换发")
    cert.refresh_from_db()
    assert (cert.disability_type, cert.grade, cert.status) == (5, 2, Status.VALID)
    assert cert.issued_on == date(2020, 3, 1) and cert.long_term_care_need is True
    assert cert.region_id == holder.region_id and cert.created_by == users["community"]
    assert cert.note == "县残联换发" and cert.version == 1
    [e] = entries("disability.record")
    assert e.object_id == str(cert.pk) and e.object_repr == "智力残疾二级" and e.region_code == holder.region_id
    assert e.changes["disability_type"] == [None, 5] and e.changes["grade"] == [None, 2]
    assert_no_number_logged()


def test_the_whole_number_is_rebuilt_not_stored(holder, record):
    cert = record(holder, HOLDER_ID + "41")
    assert selectors.masked_number(cert) == "110105********002X41"
    stored = json.dumps(list(DisabilityCertificate.objects.values()), default=str)
    assert HOLDER_ID not in stored


def test_a_new_certificate_replaces_the_valid_one(holder, record):
    old = record(holder, HOLDER_ID + "42", issued_on="2018-05-10")
    new = record(holder, HOLDER_ID + "41", issued_on=date(2024, 6, 1))
    old.refresh_from_db()
    assert old.status == Status.REPLACED and old.version == 2
    assert old.status_reason == "换发新证：肢体残疾二级 → 肢体残疾一级，新证发证日期 2024-06-01"
    assert new.status == Status.VALID and (new.disability_type, new.grade) == (4, 1)
    assert DisabilityCertificate.objects.filter(person=holder, status=Status.VALID).count() == 1
    assert selectors.valid_certificate(holder) == new
    assert [c.pk for c in selectors.certificates_of(holder)] == [new.pk, old.pk]
    [rep] = entries("disability.replace")
    assert rep.object_id == str(old.pk) and rep.changes == {"status": ["valid", "replaced"]}
    assert rep.extra["replaced_by"] == new.pk
    assert len(entries("disability.record")) == 2
    assert_no_number_logged()


def test_the_same_certificate_twice_is_a_conflict(holder, record):
    record(holder, HOLDER_ID + "52")
    with pytest.raises(Conflict) as exc:
        record(holder, HOLDER_ID + "52")
    assert exc.value.code == "disability.duplicate" and "已登记" in exc.value.message
    assert DisabilityCertificate.objects.count() == 1


def test_replaces_guards_against_a_concurrent_recording(holder, record):
    first = record(holder, HOLDER_ID + "52", replaces=0)  # the form saw no certificate
    with pytest.raises(Conflict) as exc:  # a second form also saw none
        record(holder, HOLDER_ID + "51", issued_on="2021-01-01", replaces=0)
    assert exc.value.code == "disability.conflict"
    with pytest.raises(Conflict):  # saw it, but at an older version
        record(holder, HOLDER_ID + "51", issued_on="2021-01-01", replaces=first.pk, replaces_version=0)
    assert DisabilityCertificate.objects.count() == 1
    ok = record(holder, HOLDER_ID + "51", issued_on="2021-01-01", replaces=first.pk, replaces_version=1)
    assert ok.status == Status.VALID


def test_the_database_allows_one_valid_certificate_per_person(holder, record):
    cert = record(holder, HOLDER_ID + "52")
    with pytest.raises(IntegrityError), transaction.atomic():
        DisabilityCertificate.objects.create(person=holder, region_id=holder.region_id, disability_type=1, grade=1,
                                             issued_on=date(2021, 1, 1))
    # replaced and revoked ones are not limited
    DisabilityCertificate.objects.create(person=holder, region_id=holder.region_id, disability_type=1, grade=1,
                                         issued_on=date(2019, 1, 1), status=Status.REPLACED)
    with pytest.raises(IntegrityError), transaction.atomic():
        DisabilityCertificate.objects.filter(pk=cert.pk).update(grade=5)  # check constraint 1–4
    with pytest.raises(IntegrityError), transaction.atomic():
        DisabilityCertificate.objects.filter(pk=cert.pk).update(disability_type=8)  # check constraint 1–7


def test_a_race_caught_by_the_constraint_is_a_409_and_writes_nothing(holder, record, monkeypatch):
    record(holder, HOLDER_ID + "52")
    n_audit = AuditEntry.objects.count()
    # The other request's certificate was committed after this one read "no valid
    # certificate": make the read see nothing, as it would have.
    monkeypatch.setattr(DisabilityCertificate.objects, "select_for_update",
                        lambda *a, **k: DisabilityCertificate.objects.none())
    with pytest.raises(Conflict) as exc:
        record(holder, HOLDER_ID + "41", issued_on="2022-02-02")
    assert exc.value.code == "disability.conflict" and "每人只能有一张有效证" in exc.value.message
    assert DisabilityCertificate.objects.count() == 1 and AuditEntry.objects.count() == n_audit


@pytest.mark.parametrize("number,code", [
    ("440524188001010014" + "52", "certificate.holder_mismatch"),
    (HOLDER_ID + "5", "certificate.length"),
    (HOLDER_ID + "80", "certificate.type_invalid"),
    (HOLDER_ID + "50", "certificate.grade_invalid"),
    ("", "certificate.missing"),
])
def test_a_bad_number_is_a_422_on_the_number_field(holder, record, number, code):
    with pytest.raises(ValidationFailed) as exc:
        record(holder, number)
    assert exc.value.status == 422 and exc.value.fields["number"][0]["code"] == code
    assert DisabilityCertificate.objects.count() == 0 and not entries("disability.record")


def test_every_field_error_at_once(holder, record):
    with pytest.raises(ValidationFailed) as exc:
        record(holder, HOLDER_ID + "92", issued_on="2020-13-01", valid_until="x")
    assert set(exc.value.fields) == {"number", "issued_on", "valid_until"}


def test_dates(holder, record):
    with pytest.raises(ValidationFailed) as exc:
        record(holder, HOLDER_ID + "52", issued_on="2099-01-01")
    assert exc.value.fields["issued_on"][0]["code"] == "issued_on.future"
    with pytest.raises(ValidationFailed) as exc:
        record(holder, HOLDER_ID + "52", issued_on="1949-12-30")  # the day before the holder's birth
    assert exc.value.fields["issued_on"][0]["code"] == "issued_on.before_birth"
    with pytest.raises(ValidationFailed) as exc:
        record(holder, HOLDER_ID + "52", issued_on="2020-03-01", valid_until="2020-02-29")
    assert exc.value.fields["valid_until"][0]["code"] == "valid_until.before_issue"
    with pytest.raises(ValidationFailed) as exc:
        record(holder, HOLDER_ID + "52", issued_on="")
    assert exc.value.fields["issued_on"][0]["code"] == "issued_on.missing"
    # boundaries that pass: issued on the birth date, valid until the issue date
    cert = record(holder, HOLDER_ID + "52", issued_on="1949-12-31", valid_until="1949-12-31")
    assert cert.valid_until == cert.issued_on == date(1949, 12, 31)


def test_no_certificate_for_a_deceased_person(holder, record, users):
    set_life_status(Actor(users["admin"], "command"), holder, "deceased", date(2024, 1, 1))
    holder.refresh_from_db()
    with pytest.raises(ValidationFailed) as exc:
        record(holder, HOLDER_ID + "52")
    assert exc.value.fields["person"][0]["code"] == "person.not_alive"


@pytest.mark.parametrize("who", ["community", "township", "county", "city", "admin"])
def test_roles_that_may_record(holder, record, who):
    assert record(holder, HOLDER_ID + "52", who=who).status == Status.VALID


@pytest.mark.parametrize("who", ["grid_member", "auditor", "org"])
def test_roles_that_may_not_record(holder, record, who):
    with pytest.raises(Forbidden):
        record(holder, HOLDER_ID + "52", who=who)


@pytest.mark.parametrize("who", ["peer", "outsider"])
def test_a_person_out_of_scope_is_not_found(holder, record, who):
    with pytest.raises(NotFound):
        record(holder, HOLDER_ID + "52", who=who)


def test_revoke(holder, record, users):
    cert = record(holder, HOLDER_ID + "52")
    a = Actor(users["community"], "page")
    with pytest.raises(ValidationFailed) as exc:
        services.revoke_certificate(a, cert, "  ")
    assert exc.value.fields["reason"][0]["code"] == "reason.required"
    with pytest.raises(Conflict):
        services.revoke_certificate(a, cert, "误登记", version=7)
    with pytest.raises(Forbidden):
        services.revoke_certificate(Actor(users["grid_member"], "page"), cert, "误登记")
    with pytest.raises(NotFound):
        services.revoke_certificate(Actor(users["peer"], "page"), cert, "误登记")
    done = services.revoke_certificate(a, cert, "误登记", version=1)
    assert (done.status, done.status_reason, done.version) == (Status.REVOKED, "误登记", 2)
    assert selectors.valid_certificate(holder) is None
    [e] = entries("disability.revoke")
    assert e.extra["reason"] == "误登记" and e.changes == {"status": ["valid", "revoked"]}
    with pytest.raises(Conflict) as exc:
        services.revoke_certificate(a, done, "再次")
    assert exc.value.code == "disability.not_valid"
    # after revocation a new certificate is simply recorded (nothing to replace)
    new = record(holder, HOLDER_ID + "52", issued_on="2021-01-01")
    assert new.status == Status.VALID and not entries("disability.replace")


def test_care_need(holder, record, users):
    cert = record(holder, HOLDER_ID + "21")
    a = Actor(users["community"], "page")
    changed = services.set_care_need(a, cert, True, version=1, note="评估为卧床一年")
    assert changed.long_term_care_need is True and changed.version == 2
    [e] = entries("disability.care_need")
    assert e.changes == {"long_term_care_need": [False, True]} and e.extra["note"] == "评估为卧床一年"
    same = services.set_care_need(a, changed, True, version=2)  # no change: nothing written
    assert same.version == 2 and len(entries("disability.care_need")) == 1
    with pytest.raises(Conflict) as exc:
        services.set_care_need(a, changed, False, version=1)
    assert exc.value.code == "disability.conflict" and "第 1 版" in exc.value.message
    with pytest.raises(Forbidden):
        services.set_care_need(Actor(users["grid_member"], "page"), changed, False)


def test_scope_of_the_selectors(holder, record, users):
    cert = record(holder, HOLDER_ID + "52")
    for who in ("community", "grid_member", "township", "county", "city", "admin"):
        assert selectors.get_certificate(users[who], cert.pk) == cert
    for who in ("peer", "outsider", "auditor", "org"):
        with pytest.raises(NotFound):
            selectors.get_certificate(users[who], cert.pk)
        assert not selectors.certificates_for(users[who]).exists()


def test_the_certificate_follows_its_holder_when_they_move(holder, record, users):
    from jiayuan.people.services import update_person

    cert = record(holder, HOLDER_ID + "52")
    update_person(Actor(users["admin"], "command"), holder, {"region": PEER_COMMUNITY})
    assert selectors.get_certificate(users["peer"], cert.pk) == cert
    with pytest.raises(NotFound):
        selectors.get_certificate(users["community"], cert.pk)


def test_filters(holder, record, make_person, users):
    a = record(holder, HOLDER_ID + "52", long_term_care_need=True)
    other = make_person(name="李明", region=OUTSIDE_VILLAGE)
    b = services.record_certificate(Actor(users["city"], "page"), other, other.id_number + "41", "2022-01-01")
    city = users["city"]
    search = lambda **kw: list(selectors.search_certificates(city, selectors.CertificateFilters(**kw)))  # noqa: E731
    assert search() == [b, a]  # newest issue date first
    assert search(disability_type=5) == [a] and search(grade=1) == [b]
    assert search(care_need=True) == [a] and search(care_need=False) == [b]
    assert search(region="620722") == [b] and search(q="秀英") == [a] and search(person=other.pk) == [b]
    services.revoke_certificate(Actor(city, "page"), b, "误登记")
    assert search() == [a] and search(status="revoked") == [b] and search(status="") == [b, a]


def test_certificate_facts_in_one_query(holder, record, make_person, django_assert_num_queries):
    record(holder, HOLDER_ID + "52", issued_on="2018-01-01")
    record(holder, HOLDER_ID + "51", issued_on="2023-07-01", valid_until="2033-07-01", long_term_care_need=True)
    other = make_person(name="李明")
    nobody = make_person(name="赵六")
    record(other, other.id_number + "34", issued_on="2020-01-01", valid_until="2024-12-31")
    with django_assert_num_queries(1):
        facts = selectors.certificate_facts([holder.pk, other.pk, nobody.pk])
    assert facts == {
        holder.pk: {"disability_type": 5, "grade": 1, "long_term_care_need": True,
                    "issued_on": date(2023, 7, 1), "valid_until": date(2033, 7, 1)},
        other.pk: {"disability_type": 3, "grade": 4, "long_term_care_need": False,
                   "issued_on": date(2020, 1, 1), "valid_until": date(2024, 12, 31)},
    }
    # on a date: expired on 2025-01-01 (valid until 2024-12-31), and the boundary day itself counts
    assert set(selectors.certificate_facts([holder.pk, other.pk], on=date(2025, 1, 1))) == {holder.pk}
    assert set(selectors.certificate_facts([holder.pk, other.pk], on=date(2024, 12, 31))) == {holder.pk, other.pk}
    # not yet issued on 2023-06-30 (the valid one is issued 2023-07-01)
    assert set(selectors.certificate_facts([holder.pk], on=date(2023, 6, 30))) == set()
    with django_assert_num_queries(0):
        assert selectors.certificate_facts([]) == {}


def test_reveal_is_audited_on_the_holder(holder, record, users):
    cert = record(holder, HOLDER_ID + "52")
    number = services.reveal_number(Actor(users["community"], "api"), cert, purpose="核对补贴")
    assert number == "11010519491231002X52"
    [e] = entries("person.view_sensitive")
    assert e.object_id == str(holder.pk) and e.extra["fields"] == ["id_number"]
    assert e.extra["purpose"] == f"查看残疾人证号 #{cert.pk} · 核对补贴"
    with pytest.raises(Forbidden):
        services.reveal_number(Actor(users["grid_member"], "api"), cert)
    assert len(entries("person.view_sensitive")) == 1


def test_every_change_of_the_valid_certificate_sends_certificate_changed(holder, record, users):
    # Review finding: the 两项补贴 copied type and grade and never heard of a change.
    from jiayuan.disability.signals import certificate_changed

    sent = []

    def receiver(sender, *, actor, person, before, after, status, **kwargs):
        sent.append((person.pk, before, after, status))

    certificate_changed.connect(receiver, dispatch_uid="test.certificate_changed")
    try:
        first = record(holder, HOLDER_ID + "42", issued_on="2018-05-10")
        second = record(holder, HOLDER_ID + "41", issued_on="2024-06-01", long_term_care_need=True)
        services.set_care_need(Actor(users["community"], "page"), second, False, version=second.version)
        second.refresh_from_db()
        services.revoke_certificate(Actor(users["community"], "page"), second, "持证人已注销户籍",
                                    version=second.version)
    finally:
        certificate_changed.disconnect(dispatch_uid="test.certificate_changed")
    f42 = {"disability_type": 4, "grade": 2, "long_term_care_need": False}
    f41 = {"disability_type": 4, "grade": 1, "long_term_care_need": True}
    f41_no_need = {**f41, "long_term_care_need": False}
    assert sent == [(holder.pk, None, f42, "recorded"), (holder.pk, f42, f41, "replaced"),
                    (holder.pk, f41, f41_no_need, "care_need"), (holder.pk, f41_no_need, None, "revoked")]
    assert first.pk != second.pk


def test_a_failing_receiver_undoes_the_revocation(holder, record, users):
    from jiayuan.disability.signals import certificate_changed

    cert = record(holder, HOLDER_ID + "41")

    def boom(sender, **kwargs):
        raise RuntimeError("receiver failed")

    certificate_changed.connect(boom, dispatch_uid="test.boom")
    try:
        with pytest.raises(RuntimeError):
            services.revoke_certificate(Actor(users["community"], "page"), cert, "错误", version=cert.version)
    finally:
        certificate_changed.disconnect(dispatch_uid="test.boom")
    cert.refresh_from_db()
    assert cert.status == Status.VALID
