"""Identity documents beside the resident ID card (issue 10): a person is the pair
(document type, normalised number). Values here are worked out by hand from DOMAIN.md
("Citizen ID number", "Identity documents other than the resident ID card")."""

import json
from datetime import date

import pytest

from jiayuan import security
from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.conftest import GRID, OUTSIDE_VILLAGE, OWNER_COMMUNITY
from jiayuan.errors import ValidationFailed
from jiayuan.people import rules
from jiayuan.people.models import Person
from jiayuan.people.services import create_person, update_person

FEMALE_1949 = "11010519491231002X"  # GB 11643's published example: born 1949-12-31, female

# 外国人永久居留身份证, 2023 version, built by hand: 9 | 11 (北京) | 840 (nationality, ISO 3166
# numeric of the USA) | 19850315 (birth date) | 001 (sequence) | check character.
# Check (MOD 11-2, weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 over 9 1 1 8 4 0 1 9 8 5 0 3 1 5 0 0 1):
# 63 + 9 + 10 + 40 + 32 + 0 + 2 + 9 + 48 + 15 + 0 + 27 + 10 + 25 + 0 + 0 + 2 = 292;
# 292 mod 11 = 6 (11 × 26 = 286); 1 0 X 9 8 7 6 5 4 3 2 at index 6 is "6".
FPR_2023 = "911840198503150016"
FPR_2017 = "USA110085031500"  # 3 letters + 12 digits (DOMAIN.md); a made-up number of that shape


# --- rules ------------------------------------------------------------------------------

@pytest.mark.parametrize("value, code", [
    (None, "resident_id"), ("", "resident_id"), ("  ", "resident_id"),
    ("resident_id", "resident_id"), ("居民身份证", "resident_id"), ("港澳台居民居住证", "resident_id"),
    ("PASSPORT", "passport"), ("护照", "passport"), (" 护 照 ", "passport"),
    ("外国人永久居留身份证", "foreign_permanent_residence"), ("foreign_permanent_residence", "foreign_permanent_residence"),
    ("港澳居民来往内地通行证", "hk_macao_permit"), ("回乡证", "hk_macao_permit"),
    ("台湾居民来往大陆通行证", "taiwan_permit"), ("台胞证", "taiwan_permit"), ("taiwan_permit", "taiwan_permit"),
])
def test_parse_id_type_accepts_codes_and_chinese_names(value, code):
    assert rules.parse_id_type(value) == code


@pytest.mark.parametrize("value", ["驾驶证", "港澳通行证", "id_card", 1])
def test_parse_id_type_refuses_other_documents(value):
    with pytest.raises(rules.RuleError) as exc:
        rules.parse_id_type(value)
    assert (exc.value.code, exc.value.field) == ("id_type.unknown", "id_type")


def test_resident_id_keeps_todays_behaviour():
    assert rules.normalise_document("resident_id", "110105491231002") == FEMALE_1949
    info = rules.parse_document("resident_id", "11010519491231002x")
    assert (info.number, info.birth_date, info.sex, info.id_type) == (FEMALE_1949, date(1949, 12, 31), 2,
                                                                        "resident_id")
    with pytest.raises(rules.RuleError) as exc:
        rules.validate_document("resident_id", "110105194912310021")
    assert exc.value.code == "id_number.checksum"


def test_fpr_2023_check_character_and_birth_date():
    assert rules.id_check_char(FPR_2023[:17]) == "6"
    info = rules.parse_document("foreign_permanent_residence", " 9118 4019 8503 1500 16 ")
    assert (info.number, info.birth_date, info.sex) == (FPR_2023, date(1985, 3, 15), None)
    for wrong, code in ((FPR_2023[:17] + "7", "id_number.checksum"),
                        ("911840198513150016", "id_number.birth_date"),   # month 13
                        ("811840198503150016", "id_number.format"),        # first digit not 9
                        ("91184019850315001", "id_number.format")):        # 17 characters
        with pytest.raises(rules.RuleError) as exc:
            rules.parse_document("foreign_permanent_residence", wrong)
        assert (exc.value.code, exc.value.field) == (code, "id_number"), wrong


def test_fpr_2017_is_three_letters_and_twelve_digits():
    info = rules.parse_document("foreign_permanent_residence", "usa 110085031500")
    assert (info.number, info.birth_date, info.sex) == (FPR_2017, None, None)
    for wrong in ("US1110085031500", "USA11008503150", "USAB10085031500"):
        with pytest.raises(rules.RuleError) as exc:
            rules.parse_document("foreign_permanent_residence", wrong)
        assert exc.value.code == "id_number.format"


@pytest.mark.parametrize("id_type, raw, number", [
    ("passport", "e1234 5678", "E12345678"),
    ("passport", "ＥＡ１２３４５６７", "EA1234567"),     # full-width, as pasted from a form
    ("passport", "H12345678", "H12345678"),
    ("hk_macao_permit", "h12345678", "H12345678"),
    ("hk_macao_permit", "M1234567801", "M1234567801"),
    ("taiwan_permit", "12345678", "12345678"),
    ("taiwan_permit", "1234567890", "1234567890"),
])
def test_other_documents_valid(id_type, raw, number):
    info = rules.parse_document(id_type, raw)
    assert (info.id_type, info.number, info.birth_date, info.sex) == (id_type, number, None, None)


@pytest.mark.parametrize("id_type, raw, code", [
    ("passport", "E123", "id_number.format"),              # 4 characters
    ("passport", "E-1234-5678", "id_number.format"),       # dash: not as issued
    ("passport", "", "id_number.missing"),
    ("passport", 12345678, "id_number.stored_as_number"),
    ("hk_macao_permit", "K12345678", "id_number.format"),
    ("hk_macao_permit", "H1234567", "id_number.format"),
    ("hk_macao_permit", "H123456789", "id_number.format"),  # 9 digits
    ("taiwan_permit", "1234567", "id_number.format"),
    ("taiwan_permit", "T12345678", "id_number.format"),
    ("driver_licence", "12345678", "id_type.unknown"),
])
def test_other_documents_invalid(id_type, raw, code):
    with pytest.raises(rules.RuleError) as exc:
        rules.parse_document(id_type, raw)
    assert exc.value.code == code


def test_document_key_keeps_resident_hash_input_and_separates_types():
    assert rules.document_key("resident_id", FEMALE_1949) == FEMALE_1949
    assert rules.document_key("passport", "H12345678") == "passport:H12345678"
    assert rules.document_key("hk_macao_permit", "H12345678") == "hk_macao_permit:H12345678"


def test_mask_document():
    assert rules.mask_document("resident_id", FEMALE_1949) == "110105********002X"
    assert rules.mask_document("foreign_permanent_residence", FPR_2023) == "911840********0016"
    # 11 characters: the 6 + 4 rule would show 10 of them; only the last 4 are kept
    assert rules.mask_document("hk_macao_permit", "H1234567801") == "*******7801"
    assert rules.mask_document("foreign_permanent_residence", FPR_2017) == "***********1500"
    assert rules.mask_document("taiwan_permit", "1234567890") == "******7890"
    # fewer than 6 would stay hidden: all stars
    assert rules.mask_document("passport", "H12345678") == "*********"
    assert rules.mask_document("taiwan_permit", "12345678") == "********"
    assert rules.mask_document("passport", "") == ""


def test_document_candidates():
    assert rules.document_candidates("h1234 5678") == [("passport", "H12345678"), ("hk_macao_permit", "H12345678")]
    assert rules.document_candidates("12345678") == [("passport", "12345678"), ("taiwan_permit", "12345678")]
    assert rules.document_candidates(FPR_2023) == [("foreign_permanent_residence", FPR_2023),
                                                   ("passport", FPR_2023)]
    assert rules.document_candidates("zhangsan") == [] and rules.document_candidates("张三") == []


# --- API: the done-when of issue 10 ------------------------------------------------------

def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_api_same_number_under_two_types_is_two_persons_and_the_same_pair_a_duplicate(api_client):
    c = api_client("community")
    base = {"name": "陈大文", "birth_date": "1980-05-17", "sex": 1, "region": GRID}
    r1 = post(c, "/api/v1/persons", {**base, "id_type": "passport", "id_number": "H12345678"})
    r2 = post(c, "/api/v1/persons", {**base, "id_type": "hk_macao_permit", "id_number": "H12345678"})
    assert (r1.status_code, r2.status_code) == (201, 201), (r1.content, r2.content)
    assert (r1.json()["id_type"], r2.json()["id_type"]) == ("passport", "hk_macao_permit")
    assert r1.json()["id"] != r2.json()["id"]
    r3 = post(c, "/api/v1/persons", {**base, "name": "陈小文", "id_type": "passport", "id_number": "h1234 5678"})
    assert r3.status_code == 422
    assert [e["code"] for e in r3.json()["error"]["fields"]["id_number"]] == ["id_number.duplicate"]
    assert "H12345678" not in r3.content.decode()
    assert Person.objects.filter(name__startswith="陈").count() == 2


def test_api_default_type_is_resident_id_and_detail_shows_type(api_client):
    c = api_client("community")
    r = post(c, "/api/v1/persons", {"name": "李秀英", "id_number": FEMALE_1949, "region": GRID})
    assert r.status_code == 201 and r.json()["id_type"] == "resident_id"
    p = Person.objects.get(pk=r.json()["id"])
    assert p.id_type == "resident_id"
    # a resident ID's keyed hash is that of the number alone, as before this change
    assert p.id_number_hash == security.lookup_hash("id_number", FEMALE_1949)
    got = c.get(f"/api/v1/persons/{p.pk}").json()
    assert got["id_type"] == "resident_id" and got["id_number"] == "110105********002X"


def test_api_unknown_type_is_a_chinese_field_error(api_client):
    c = api_client("community")
    r = post(c, "/api/v1/persons", {"name": "陈大文", "id_type": "driver_licence", "id_number": "H12345678",
                                    "birth_date": "1980-05-17", "region": GRID})
    assert r.status_code == 422
    assert r.json()["error"]["fields"]["id_type"][0]["code"] == "id_type.unknown"
    assert "证件类型" in r.json()["error"]["fields"]["id_type"][0]["message"]


def test_api_openapi_lists_the_types(api_client):
    schema = api_client("community").get("/api/v1/openapi.json").json()
    enums = json.dumps(schema)
    assert '"enum": ["resident_id", "foreign_permanent_residence", "passport", "hk_macao_permit", "taiwan_permit"]' \
        in enums


# --- services: birth date and sex -----------------------------------------------------------

@pytest.fixture
def actor(users):
    return Actor(users["community"], "api")


def test_passport_needs_a_birth_date_and_takes_the_sex_as_entered(actor):
    with pytest.raises(ValidationFailed) as exc:
        create_person(actor, {"name": "Maria Lopez", "id_type": "passport", "id_number": "XDA123456",
                              "region": GRID})
    assert [e["code"] for e in exc.value.fields["birth_date"]] == ["birth_date.missing"]
    p = create_person(actor, {"name": "Maria Lopez", "id_type": "passport", "id_number": "XDA123456",
                              "birth_date": "1990-02-03", "sex": "女", "region": GRID})
    assert (p.id_type, p.id_number, p.birth_date, p.sex) == ("passport", "XDA123456", date(1990, 2, 3), 2)
    q = create_person(actor, {"name": "John Smith", "id_type": "passport", "id_number": "XDA123457",
                              "birth_date": "1991-02-03", "region": GRID})
    assert q.sex == 0  # 未知的性别: not encoded, not entered
    with pytest.raises(ValidationFailed) as exc:
        create_person(actor, {"name": "Future", "id_type": "passport", "id_number": "XDA123458",
                              "birth_date": "2999-01-01", "region": GRID})
    assert [e["code"] for e in exc.value.fields["birth_date"]] == ["birth_date.range"]


def test_fpr_2023_derives_the_birth_date_and_checks_an_entered_one(actor):
    p = create_person(actor, {"name": "Anna Schmidt", "id_type": "foreign_permanent_residence",
                              "id_number": FPR_2023, "sex": 2, "region": GRID})
    assert (p.birth_date, p.sex) == (date(1985, 3, 15), 2)
    # born 1985-03-16: digit 14 (weight 5) is 6 instead of 5, sum 292 + 5 = 297 = 11 × 27,
    # remainder 0 → check character "1"
    with pytest.raises(ValidationFailed) as exc:
        create_person(actor, {"name": "Anna Schmidt", "id_type": "foreign_permanent_residence",
                              "id_number": "911840198503160011", "birth_date": "1985-03-15", "region": GRID})
    assert [e["code"] for e in exc.value.fields["birth_date"]] == ["birth_date.mismatch"]


def test_same_resident_digits_as_passport_are_another_person(actor):
    """The same characters under resident_id and passport: two hashes, two persons."""
    create_person(actor, {"name": "李秀英", "id_number": FEMALE_1949, "region": GRID})
    p = create_person(actor, {"name": "李秀英", "id_type": "passport", "id_number": FEMALE_1949,
                              "birth_date": "1949-12-31", "region": GRID})
    assert p.id_number_hash == security.lookup_hash("id_number", "passport:" + FEMALE_1949)
    assert Person.objects.count() == 2


def test_update_type_rechecks_number_and_duplicates(actor):
    a = create_person(actor, {"name": "陈大文", "id_type": "passport", "id_number": "H12345678",
                              "birth_date": "1980-05-17", "region": GRID})
    b = create_person(actor, {"name": "陈大文", "id_type": "hk_macao_permit", "id_number": "H87654321",
                              "birth_date": "1980-05-17", "region": GRID})
    # changing b's number to a's number under b's own type is not a duplicate
    b = update_person(actor, b, {"id_number": "H12345678"})
    assert (b.id_type, b.id_number) == ("hk_macao_permit", "H12345678")
    with pytest.raises(ValidationFailed) as exc:
        update_person(actor, b, {"id_type": "passport"})  # now (passport, H12345678): a's
    assert [e["code"] for e in exc.value.fields["id_number"]] == ["id_number.duplicate"]
    with pytest.raises(ValidationFailed) as exc:
        update_person(actor, a, {"id_type": "taiwan_permit"})  # H12345678 is no Taiwan permit number
    assert [e["code"] for e in exc.value.fields["id_number"]] == ["id_number.format"]
    a = update_person(actor, a, {"birth_date": "1981-01-01", "sex": 1})
    assert (a.birth_date, a.sex) == (date(1981, 1, 1), 1)
    entry = AuditEntry.objects.filter(action="person.update", object_id=str(b.pk)).first()
    assert entry.changes["id_number"] == ["***", "***"]


def test_audit_names_the_type_of_other_documents_only(actor):
    p = create_person(actor, {"name": "陈大文", "id_type": "passport", "id_number": "H12345678",
                              "birth_date": "1980-05-17", "region": GRID})
    entry = AuditEntry.objects.get(action="person.create", object_id=str(p.pk))
    assert entry.changes["id_type"] == [None, "passport"]
    r = create_person(actor, {"name": "李秀英", "id_number": FEMALE_1949, "region": OWNER_COMMUNITY})
    assert "id_type" not in AuditEntry.objects.get(action="person.create", object_id=str(r.pk)).changes


def test_person_out_of_scope_region_still_refused(actor):
    with pytest.raises(ValidationFailed) as exc:
        create_person(actor, {"name": "陈大文", "id_type": "passport", "id_number": "H12345678",
                              "birth_date": "1980-05-17", "region": OUTSIDE_VILLAGE})
    assert "region" in exc.value.fields


# --- search -------------------------------------------------------------------------------

def test_search_by_whole_passport_number_finds_it_and_is_an_audited_identifier_search(api_client, actor):
    a = create_person(actor, {"name": "陈大文", "id_type": "passport", "id_number": "H12345678",
                              "birth_date": "1980-05-17", "region": GRID})
    b = create_person(actor, {"name": "陈小文", "id_type": "hk_macao_permit", "id_number": "H12345678",
                              "birth_date": "1982-05-17", "region": GRID})
    e = create_person(actor, {"name": "王五", "id_type": "passport", "id_number": "E99887766",
                              "birth_date": "1970-01-01", "region": GRID})
    create_person(actor, {"name": "李秀英", "id_number": FEMALE_1949, "region": GRID})
    c = api_client("community")

    def found(q):
        r = c.get("/api/v1/persons", {"q": q})
        assert r.status_code == 200
        return sorted(p["id"] for p in r.json()["results"])

    assert found("h1234 5678") == sorted([a.pk, b.pk])  # both documents of that number
    assert found("E99887766") == [e.pk]
    assert found("E99887767") == []
    assert found("7766") == [e.pk]  # last 4 characters, as for resident IDs
    entries = AuditEntry.objects.filter(action="person.search_identifier")
    assert [x.extra["kind"] for x in entries.order_by("seq")] == ["document", "document", "document", "id_tail"]
    assert "H12345678" not in json.dumps([x.changes for x in entries] + [x.extra for x in entries])


def test_search_by_fpr_2023_number(api_client, actor):
    p = create_person(actor, {"name": "Anna Schmidt", "id_type": "foreign_permanent_residence",
                              "id_number": FPR_2023, "region": GRID})
    r = api_client("community").get("/api/v1/persons", {"q": FPR_2023})
    assert [x["id"] for x in r.json()["results"]] == [p.pk]
    assert r.json()["results"][0]["id_number"] == "911840********0016"


def test_export_filter_with_a_passport_number_is_logged_masked():
    from jiayuan.imports.services import _loggable_filters

    assert _loggable_filters({"q": "E99887766"}) == {"q": "*********"}
    assert _loggable_filters({"q": "张三"}) == {"q": "张三"}


# --- pages ---------------------------------------------------------------------------------

def test_person_form_registers_a_passport_holder_and_detail_shows_the_type(page_client):
    client = page_client("community")
    form = client.get("/persons/new/").content.decode()
    assert 'name="id_type"' in form and "港澳居民来往内地通行证" in form and 'name="birth_date"' in form
    r = client.post("/persons/new/", {"name": "Maria Lopez", "id_type": "passport", "id_number": "xda 123456",
                                      "sex": "2", "birth_date": "1990-02-03", "residence_status": "floating",
                                      "region": GRID})
    assert r.status_code == 302, r.content.decode()[:2000]
    p = Person.objects.get(name="Maria Lopez")
    assert (p.id_type, p.id_number, p.sex, p.birth_date) == ("passport", "XDA123456", 2, date(1990, 2, 3))
    body = client.get(f"/persons/{p.pk}/").content.decode()
    assert 'data-testid="id-type-name">护照<' in body
    assert "XDA123456" not in body and 'data-testid="id-number">*********<' in body  # 9 characters: all hidden
    # without a birth date: the form says so under the field, nothing is written
    r = client.post("/persons/new/", {"name": "John Smith", "id_type": "passport", "id_number": "XDA123457",
                                      "residence_status": "floating", "region": GRID})
    assert r.status_code == 422 and "该证件号码不含出生日期" in r.content.decode()
    assert not Person.objects.filter(name="John Smith").exists()


def test_person_pages_in_english(page_client, settings, actor):
    p = create_person(actor, {"name": "Maria Lopez", "id_type": "passport", "id_number": "XDA123456",
                              "birth_date": "1990-02-03", "region": GRID})
    from django.utils import translation

    client = page_client("community")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    try:
        body = client.get(f"/persons/{p.pk}/").content.decode()
    finally:
        translation.activate(settings.LANGUAGE_CODE)  # the request leaves English active in this thread
    assert "Document type" in body and "Passport" in body


def test_update_of_a_number_stored_under_a_looser_format_still_takes_sex_and_birth_date(actor):
    """Passport and permit formats are (check): if they are tightened, numbers stored
    before must not make an edit of the sex or birth date fail."""
    p = create_person(actor, {"name": "陈大文", "id_type": "passport", "id_number": "H12345678",
                              "birth_date": "1980-05-17", "region": GRID})
    Person.objects.filter(pk=p.pk).update(id_number_cipher=security.encrypt("H-123"))  # fits no pattern now
    p.refresh_from_db()
    p = update_person(actor, p, {"sex": 1, "birth_date": "1980-05-18"})
    assert (p.sex, p.birth_date, p.id_number) == (1, date(1980, 5, 18), "H-123")
