"""Registering and changing persons through ``people.services``.

ID numbers used here, check characters worked out by hand (GB 11643-1999: S = Σ dᵢ·wᵢ,
weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, S mod 11 → 1 0 X 9 8 7 6 5 4 3 2):

- ``11010519491231002X``: the standard's example; S = 167, 167 mod 11 = 2 → X;
  born 1949-12-31, sequence 002 even → female. Its 15-digit form is ``110105491231002``.
- ``440524188001010014``: the standard's example; S = 195, 195 mod 11 = 8 → 4;
  born 1880-01-01, sequence 001 odd → male.
- ``620702198005170010``: a 甘州区 number; S = 254, 254 mod 11 = 1 → 0;
  born 1980-05-17, sequence 001 → male.
"""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from jiayuan import security
from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.conftest import GRID, OUTSIDE_VILLAGE, OWNER_COMMUNITY
from jiayuan.errors import Conflict, Forbidden, ValidationFailed
from jiayuan.people import services
from jiayuan.people.models import Person, PersonTag
from jiayuan.people.selectors import current_tags_q

FEMALE_1949 = "11010519491231002X"
MALE_1880 = "440524188001010014"
GANZHOU_1980 = "620702198005170010"

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(users):
    return Actor(users["community"], "page")


def create(actor, **data):
    data.setdefault("name", "张建国")
    data.setdefault("region", OWNER_COMMUNITY)
    return services.create_person(actor, data)


def field_codes(exc: ValidationFailed) -> dict[str, list[str]]:
    return {f: [e["code"] for e in errs] for f, errs in exc.fields.items()}


# --- create: derived values -----------------------------------------------------------

def test_sex_and_birth_date_are_derived_from_the_id_number(actor):
    p = create(actor, name="李秀英", id_number=FEMALE_1949)
    assert (p.sex, p.birth_date) == (2, date(1949, 12, 31))
    p = create(actor, name="陈老", id_number=MALE_1880)
    assert (p.sex, p.birth_date) == (1, date(1880, 1, 1))


def test_given_sex_and_birth_date_that_agree_are_accepted(actor):
    p = create(actor, id_number=GANZHOU_1980, sex="男", birth_date="1980-05-17")
    assert (p.sex, p.birth_date) == (1, date(1980, 5, 17))


def test_a_15_digit_id_number_is_stored_as_18(actor):
    p = create(actor, name="李秀英", id_number="110105491231002")
    p.refresh_from_db()
    assert p.id_number == FEMALE_1949
    assert p.id_tail4 == "002X"


def test_the_id_number_is_normalised_before_it_is_stored(actor):
    p = create(actor, name="李秀英", id_number=" １１０１０５ １９４９１２３１ ００２ｘ\u200b")
    p.refresh_from_db()
    assert p.id_number == FEMALE_1949


def test_defaults_of_a_new_person(actor):
    p = create(actor, id_number=GANZHOU_1980)
    p.refresh_from_db()
    assert (p.residence_status, p.life_status, p.life_status_date, p.version) == ("registered", "alive", None, 1)
    assert (p.household_id, p.relation_to_head, p.phone, p.region_id) == (None, "", "", OWNER_COMMUNITY)


def test_the_phone_is_normalised(actor):
    p = create(actor, id_number=GANZHOU_1980, phone="+86 138-1234-5678")
    assert p.phone == "13812345678"
    assert p.phone_masked == "138****5678"


def test_masked_forms_keep_first_6_and_last_4_of_the_id(actor):
    assert create(actor, id_number=FEMALE_1949, name="李秀英").id_number_masked == "110105********002X"


def test_a_grid_member_registers_persons_in_their_grid(users):
    p = create(Actor(users["grid_member"], "page"), id_number=GANZHOU_1980, region=GRID)
    assert p.region_id == GRID


# --- create: every error code ---------------------------------------------------------

@pytest.mark.parametrize(
    "data, field, code",
    [
        ({"id_number": ""}, "id_number", "id_number.missing"),
        ({"id_number": None}, "id_number", "id_number.missing"),
        ({"id_number": "6207021980"}, "id_number", "id_number.format"),
        ({"id_number": "11010519491231002Y"}, "id_number", "id_number.format"),
        ({"id_number": "110105194912310021"}, "id_number", "id_number.checksum"),
        ({"id_number": "110105194902300021"}, "id_number", "id_number.birth_date"),  # 30 February
        ({"id_number": 110105194912310020}, "id_number", "id_number.stored_as_number"),
        ({"id_number": 1.1010519491231002e17}, "id_number", "id_number.stored_as_number"),
        ({"id_number": FEMALE_1949, "sex": "男"}, "sex", "sex.mismatch"),
        ({"id_number": FEMALE_1949, "sex": 1}, "sex", "sex.mismatch"),
        ({"id_number": FEMALE_1949, "birth_date": "1949-12-30"}, "birth_date", "birth_date.mismatch"),
        ({"id_number": FEMALE_1949, "phone": "1381234567"}, "phone", "phone.format"),
        ({"id_number": FEMALE_1949, "name": "  "}, "name", "name.missing"),
        ({"id_number": FEMALE_1949, "name": "张3"}, "name", "name.invalid"),
        ({"id_number": FEMALE_1949, "name": "张\x07三"}, "name", "name.invalid"),
    ],
)
def test_each_invalid_value_is_refused_with_its_stable_code(actor, data, field, code):
    with pytest.raises(ValidationFailed) as exc:
        create(actor, **data)
    assert exc.value.status == 422
    assert exc.value.code == code
    assert list(exc.value.fields) == [field]
    [error] = exc.value.fields[field]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert not Person.objects.exists()


def test_a_wrong_check_character_message_names_the_right_one(actor):
    with pytest.raises(ValidationFailed) as exc:
        create(actor, id_number="110105194912310021")
    assert exc.value.fields["id_number"][0]["message"] == "公民身份号码校验位错误：第18位应为 X，实为 1，请核对号码"


def test_a_sex_mismatch_message_says_what_the_id_number_shows(actor):
    with pytest.raises(ValidationFailed) as exc:
        create(actor, id_number=FEMALE_1949, sex="男")
    assert exc.value.fields["sex"][0]["message"] == "性别与公民身份号码不符：号码显示为“女”，填写的是“男”"


def test_every_field_error_is_reported_at_once(actor):
    with pytest.raises(ValidationFailed) as exc:
        create(actor, name="", id_number=FEMALE_1949, sex="男", birth_date="1950-01-01", phone="12")
    assert exc.value.code == "validation"  # several errors: the overall code is generic
    assert field_codes(exc.value) == {
        "name": ["name.missing"], "sex": ["sex.mismatch"], "birth_date": ["birth_date.mismatch"],
        "phone": ["phone.format"],
    }


def test_the_same_id_number_in_another_spelling_is_a_duplicate(actor, users):
    first = create(actor, name="李秀英", id_number=FEMALE_1949)
    for spelling in ("11010519491231002x", "110105491231002", "１１０１０５１９４９１２３１００２Ｘ"):
        with pytest.raises(ValidationFailed) as exc:
            create(Actor(users["admin"], "page"), name="李秀英", id_number=spelling, region=OUTSIDE_VILLAGE)
        assert field_codes(exc.value) == {"id_number": ["id_number.duplicate"]}
        assert "110105********002X" in exc.value.fields["id_number"][0]["message"]
    assert list(Person.objects.values_list("pk", flat=True)) == [first.pk]


@pytest.mark.parametrize(
    "region, code",
    [
        ("", "region.missing"),
        ("620702001", "region.level"),              # 东街街道 is a township
        (OUTSIDE_VILLAGE, "region.out_of_scope"),   # 六坝村: another county
        ("620702001999", "region.out_of_scope"),    # does not exist: same answer
    ],
)
def test_the_region_must_be_a_community_village_or_grid_in_scope(users, region, code):
    with pytest.raises(ValidationFailed) as exc:
        create(Actor(users["township"], "page"), id_number=GANZHOU_1980, region=region)
    assert field_codes(exc.value) == {"region": [code]}


@pytest.mark.parametrize("who", ["org", "auditor"])
def test_roles_without_edit_registry_cannot_register(users, who):
    with pytest.raises(Forbidden) as exc:
        create(Actor(users[who], "page"), id_number=GANZHOU_1980)
    assert (exc.value.status, exc.value.code) == (403, "permission_denied")


# --- protected storage ----------------------------------------------------------------

def _raw_row(pk) -> dict:
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM people_person WHERE id = %s", [pk])
        names = [c[0] for c in cur.description]
        return dict(zip(names, cur.fetchone()))


def _as_bytes(value) -> bytes:
    if isinstance(value, memoryview):
        return value.tobytes()
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8")


def test_the_database_row_holds_neither_the_id_number_nor_the_phone_in_clear(actor):
    p = create(actor, name="李秀英", id_number=FEMALE_1949, phone="13812345678")
    row = _raw_row(p.pk)
    for column, value in row.items():
        raw = _as_bytes(value)
        for secret in (FEMALE_1949, "110105491231002", "19491231002X", "13812345678", "12345678"):
            assert secret.encode() not in raw, f"{secret} in clear in column {column}"
    # The tail search column keeps only the last four characters, by design.
    assert row["id_tail4"] == "002X"


def test_the_cipher_text_decrypts_to_the_values(actor):
    p = create(actor, name="李秀英", id_number=FEMALE_1949, phone="13812345678")
    row = _raw_row(p.pk)
    assert security.decrypt(row["id_number_cipher"]) == FEMALE_1949
    assert security.decrypt(row["phone_cipher"]) == "13812345678"


def test_the_lookup_hash_is_keyed_not_a_plain_digest(actor):
    import hashlib

    p = create(actor, name="李秀英", id_number=FEMALE_1949)
    plain = {hashlib.sha256(s.encode()).hexdigest() for s in (FEMALE_1949, "id_number:" + FEMALE_1949)}
    assert p.id_number_hash not in plain
    assert len(p.id_number_hash) == 64


def test_a_raw_duplicate_insert_breaks_the_unique_keyed_hash(actor):
    p = create(actor, name="李秀英", id_number=FEMALE_1949)
    copy = Person.objects.get(pk=p.pk)
    copy.pk = None
    copy.name = "冒名者"
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save(force_insert=True)
    assert Person.objects.count() == 1


# --- update ---------------------------------------------------------------------------

def test_an_update_bumps_the_version_and_audits_before_and_after(actor):
    p = create(actor, id_number=GANZHOU_1980, address="南街 1 号")
    p = services.update_person(actor, p, {"name": "张建民", "address": "南街 2 号"}, expected_version=1)
    assert (p.name, p.address, p.version) == ("张建民", "南街 2 号", 2)
    entry = AuditEntry.objects.get(action="person.update", object_id=str(p.pk))
    assert entry.changes == {"address": ["南街 1 号", "南街 2 号"], "name": ["张建国", "张建民"]}


def test_an_update_with_a_stale_version_conflicts_and_writes_nothing(actor):
    p = create(actor, id_number=GANZHOU_1980)
    services.update_person(actor, p, {"name": "张建民"}, expected_version=1)
    entries = AuditEntry.objects.count()
    with pytest.raises(Conflict) as exc:
        services.update_person(actor, p, {"name": "张三丰", "phone": "13900001111"}, expected_version=1)
    assert (exc.value.status, exc.value.code) == (409, "person.conflict")
    p.refresh_from_db()
    assert (p.name, p.phone, p.version) == ("张建民", "", 2)
    assert AuditEntry.objects.count() == entries


def test_an_update_that_changes_nothing_keeps_the_version(actor):
    p = create(actor, id_number=GANZHOU_1980)
    p = services.update_person(actor, p, {"name": "张建国"}, expected_version=1)
    assert p.version == 1
    assert not AuditEntry.objects.filter(action="person.update").exists()


def test_an_update_validates_only_the_fields_given(actor):
    p = create(actor, id_number=GANZHOU_1980)
    with pytest.raises(ValidationFailed) as exc:
        services.update_person(actor, p, {"phone": "12"})
    assert field_codes(exc.value) == {"phone": ["phone.format"]}


def test_an_update_refuses_a_sex_that_contradicts_the_stored_id_number(actor):
    p = create(actor, id_number=GANZHOU_1980)  # male
    with pytest.raises(ValidationFailed) as exc:
        services.update_person(actor, p, {"sex": "女", "birth_date": "1980-05-18"})
    assert field_codes(exc.value) == {"sex": ["sex.mismatch"], "birth_date": ["birth_date.mismatch"]}
    p.refresh_from_db()
    assert (p.sex, p.birth_date, p.version) == (1, date(1980, 5, 17), 1)


def test_changing_the_id_number_rederives_sex_and_birth_date(actor):
    p = create(actor, name="李秀英", id_number=MALE_1880)
    p = services.update_person(actor, p, {"id_number": FEMALE_1949})
    assert (p.id_number, p.sex, p.birth_date) == (FEMALE_1949, 2, date(1949, 12, 31))


def test_changing_to_an_id_number_already_registered_is_a_duplicate(actor):
    create(actor, name="李秀英", id_number=FEMALE_1949)
    p = create(actor, id_number=GANZHOU_1980)
    with pytest.raises(ValidationFailed) as exc:
        services.update_person(actor, p, {"id_number": "11010519491231002x"})
    assert field_codes(exc.value) == {"id_number": ["id_number.duplicate"]}
    p.refresh_from_db()
    assert p.id_number == GANZHOU_1980


def test_a_person_moves_to_another_region_of_the_scope_with_their_tags(users):
    actor = Actor(users["township"], "page")
    p = create(actor, id_number=GANZHOU_1980)
    services.add_tag(actor, p, "disabled", valid_from=date(2024, 1, 1))
    p = services.update_person(actor, p, {"region": "620702001005"})
    assert p.region_id == "620702001005"
    assert PersonTag.objects.get(person=p).region_id == "620702001005"


def test_a_person_cannot_be_moved_out_of_the_scope(actor):
    p = create(actor, id_number=GANZHOU_1980)
    with pytest.raises(ValidationFailed) as exc:
        services.update_person(actor, p, {"region": "620702001005"})  # the peer's community
    assert field_codes(exc.value) == {"region": ["region.out_of_scope"]}


# --- life status ----------------------------------------------------------------------

def test_a_death_is_recorded_with_its_date_and_audited(actor):
    p = create(actor, id_number=GANZHOU_1980)
    p = services.set_life_status(actor, p, "deceased", date(2024, 3, 1), version=1)
    assert (p.life_status, p.life_status_date, p.version) == ("deceased", date(2024, 3, 1), 2)
    entry = AuditEntry.objects.get(action="person.life_status")
    assert entry.changes == {"life_status": ["alive", "deceased"], "life_status_date": [None, "2024-03-01"]}


def test_a_move_out_needs_a_date(actor):
    p = create(actor, id_number=GANZHOU_1980)
    with pytest.raises(ValidationFailed) as exc:
        services.set_life_status(actor, p, "moved_out", None)
    assert exc.value.code == "life_status_date.missing"


def test_a_life_status_date_cannot_be_in_the_future(actor):
    p = create(actor, id_number=GANZHOU_1980)
    with pytest.raises(ValidationFailed) as exc:
        services.set_life_status(actor, p, "deceased", timezone.localdate() + timedelta(days=1))
    assert exc.value.code == "life_status_date.future"


def test_an_unknown_life_status_is_refused(actor):
    p = create(actor, id_number=GANZHOU_1980)
    with pytest.raises(ValidationFailed) as exc:
        services.set_life_status(actor, p, "missing", date(2024, 1, 1))
    assert exc.value.code == "life_status.unknown"


def test_back_to_alive_clears_the_date(actor):
    p = create(actor, id_number=GANZHOU_1980)
    p = services.set_life_status(actor, p, "moved_out", date(2024, 3, 1))
    p = services.set_life_status(actor, p, "alive", None)
    assert (p.life_status, p.life_status_date) == ("alive", None)


def test_a_stale_life_status_change_conflicts(actor):
    p = create(actor, id_number=GANZHOU_1980)
    services.update_person(actor, p, {"address": "新地址"})
    with pytest.raises(Conflict):
        services.set_life_status(actor, p, "deceased", date(2024, 3, 1), version=1)
    p.refresh_from_db()
    assert p.life_status == "alive"


# --- tags -----------------------------------------------------------------------------

def test_a_tag_is_added_with_its_validity_and_source_and_audited(actor):
    p = create(actor, id_number=GANZHOU_1980)
    tag = services.add_tag(actor, p, "subsistence_allowance", valid_from=date(2024, 1, 1))
    assert (tag.kind_id, tag.valid_from, tag.valid_to, tag.source, tag.region_id) == (
        "subsistence_allowance", date(2024, 1, 1), None, "manual", OWNER_COMMUNITY)
    entry = AuditEntry.objects.get(action="person.tag_add")
    assert entry.changes == {"tag": [None, "subsistence_allowance"]}
    assert entry.extra == {"valid_from": "2024-01-01", "valid_to": None, "source": "manual"}


def test_ending_a_tag_keeps_it_as_history(actor):
    p = create(actor, id_number=GANZHOU_1980)
    tag = services.add_tag(actor, p, "subsistence_allowance", valid_from=date(2024, 1, 1))
    services.end_tag(actor, tag, date(2024, 6, 30))
    assert list(p.tags.values_list("kind_id", "valid_from", "valid_to")) == [
        ("subsistence_allowance", date(2024, 1, 1), date(2024, 6, 30))]
    assert not p.tags.filter(current_tags_q(date(2024, 7, 1))).exists()
    assert p.tags.filter(current_tags_q(date(2024, 6, 30))).exists()  # the end date is inclusive
    entry = AuditEntry.objects.get(action="person.tag_end")
    assert (entry.changes, entry.extra) == ({"tag": ["subsistence_allowance", None]}, {"valid_to": "2024-06-30"})


def test_a_tag_cannot_end_before_it_starts(actor):
    p = create(actor, id_number=GANZHOU_1980)
    tag = services.add_tag(actor, p, "disabled", valid_from=date(2024, 1, 1))
    with pytest.raises(ValidationFailed) as exc:
        services.end_tag(actor, tag, date(2023, 12, 31))
    assert exc.value.code == "tag.range"
    with pytest.raises(ValidationFailed):
        services.add_tag(actor, p, "disabled", valid_from=date(2024, 1, 1), valid_to=date(2023, 1, 1))


def test_an_unknown_tag_kind_is_refused(actor):
    p = create(actor, id_number=GANZHOU_1980)
    with pytest.raises(ValidationFailed) as exc:
        services.add_tag(actor, p, "no_such_tag")
    assert exc.value.code == "tag.unknown"
    assert not p.tags.exists()


def test_the_standard_tag_kinds_are_seeded():
    from jiayuan.people.models import TagKind

    names = dict(TagKind.objects.values_list("code", "name"))
    assert names["subsistence_allowance"] == "低保对象"
    assert names["extreme_poverty"] == "特困人员"
    assert names["left_behind_child"] == "留守儿童"
    assert names["child_in_difficulty"] == "困境儿童"
    assert names["elderly_living_alone"] == "独居老人"
    assert names["entitled_group"] == "优抚对象"


def test_a_household_member_moves_with_the_household_not_alone(actor, make_person):
    head = make_person(name="王建国")
    services.create_household(actor, {"number": "0001", "region": OWNER_COMMUNITY}, head)
    head.refresh_from_db()
    with pytest.raises(ValidationFailed) as exc:
        services.update_person(actor, head, {"region": GRID})
    assert field_codes(exc.value) == {"region": ["person.region_with_household"]}
    head.refresh_from_db()
    assert head.region_id == OWNER_COMMUNITY
