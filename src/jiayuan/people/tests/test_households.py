"""Households: number unique within the community, exactly one head (与户主关系 02,
GB/T 4761), members joining and leaving, the head changing. Enforced by the services
and, for the one head, by a partial unique constraint in the database."""

import pytest
from django.db import IntegrityError, transaction

from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.conftest import GRID, OWNER_COMMUNITY, PEER_COMMUNITY
from jiayuan.errors import Conflict, Forbidden, ValidationFailed
from jiayuan.people import services
from jiayuan.people.models import Household, Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(users):
    return Actor(users["community"], "page")


@pytest.fixture
def family(make_person):
    """Four persons of 交通巷社区, in no household yet."""
    return {
        "father": make_person(name="王建国"),
        "mother": make_person(name="李秀兰", sex_for_id=2),
        "son": make_person(name="王小明"),
        "grandma": make_person(name="赵桂英", sex_for_id=2),
    }


def relations(hh: Household) -> dict[str, str]:
    return dict(Person.objects.filter(household=hh).values_list("name", "relation_to_head"))


def make(actor, family, number="0001", region=GRID) -> Household:
    return services.create_household(actor, {"number": number, "region": region, "address": "南关 3 号"},
                                     family["father"], [(family["mother"], "12"), (family["son"], "20")])


def test_a_household_is_created_with_its_head_and_members(actor, family):
    hh = make(actor, family)
    assert (hh.number, hh.region_id, hh.community_id, hh.address) == ("0001", GRID, OWNER_COMMUNITY, "南关 3 号")
    assert relations(hh) == {"王建国": "02", "李秀兰": "12", "王小明": "20"}


def test_members_take_the_households_region(actor, family):
    hh = make(actor, family, region=GRID)
    assert set(Person.objects.filter(household=hh).values_list("region_id", flat=True)) == {GRID}


def test_relations_are_accepted_by_name(actor, family):
    hh = services.create_household(actor, {"number": "0001", "region": OWNER_COMMUNITY}, family["father"],
                                   [(family["mother"], "妻"), (family["grandma"], "母亲")])
    assert relations(hh) == {"王建国": "02", "李秀兰": "12", "赵桂英": "52"}


def test_creating_a_household_is_audited_per_member(actor, family):
    hh = make(actor, family)
    assert AuditEntry.objects.filter(action="household.create", object_id=str(hh.pk)).count() == 1
    joined = AuditEntry.objects.filter(action="household.member_add")
    assert {int(e.object_id) for e in joined} == {family[k].pk for k in ("father", "mother", "son")}
    son = joined.get(object_id=str(family["son"].pk))
    assert son.changes == {"household": [None, hh.pk], "relation_to_head": [None, "20"],
                           "region": [OWNER_COMMUNITY, GRID]}


def test_a_second_head_is_refused_and_nothing_is_created(actor, family):
    with pytest.raises(ValidationFailed) as exc:
        services.create_household(actor, {"number": "0001", "region": GRID}, family["father"],
                                  [(family["mother"], "02")])
    assert exc.value.code == "household.multiple_heads"
    assert not Household.objects.exists()
    assert not Person.objects.filter(household__isnull=False).exists()


def test_the_database_refuses_a_second_head_even_behind_the_services_back(actor, family):
    hh = make(actor, family)
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.filter(pk=family["son"].pk).update(relation_to_head="02")
    assert relations(hh)["王小明"] == "20"


def test_the_database_refuses_a_member_without_a_relation(actor, family):
    make(actor, family)
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.filter(pk=family["son"].pk).update(relation_to_head="")


def test_the_household_number_is_unique_within_the_community(actor, family, users):
    make(actor, family, number="0001")
    with pytest.raises(ValidationFailed) as exc:
        services.create_household(actor, {"number": "0001", "region": OWNER_COMMUNITY}, family["grandma"])
    assert exc.value.code == "household.number_taken"
    assert Person.objects.get(pk=family["grandma"].pk).household_id is None


def test_the_same_number_may_be_used_in_another_community(actor, family, users, make_person):
    make(actor, family, number="0001")
    peer_head = make_person(region=PEER_COMMUNITY, name="周平")
    hh = services.create_household(Actor(users["peer"], "page"), {"number": "0001", "region": PEER_COMMUNITY},
                                   peer_head)
    assert (hh.community_id, hh.number) == (PEER_COMMUNITY, "0001")


def test_a_person_already_in_a_household_cannot_join_another(actor, family):
    make(actor, family)
    son = Person.objects.get(pk=family["son"].pk)
    with pytest.raises(ValidationFailed) as exc:
        services.create_household(actor, {"number": "0002", "region": GRID}, family["grandma"], [(son, "40")])
    assert exc.value.code == "household.member_taken"
    assert Household.objects.count() == 1


def test_a_person_who_joined_another_household_meanwhile_is_a_conflict(actor, family):
    """The caller's copy still shows no household (read before someone else saved)."""
    make(actor, family)
    stale_son = family["son"]
    with pytest.raises(Conflict) as exc:
        services.create_household(actor, {"number": "0002", "region": GRID}, family["grandma"], [(stale_son, "40")])
    assert exc.value.code == "household.member_taken"
    assert Household.objects.count() == 1
    assert Person.objects.get(pk=family["grandma"].pk).household_id is None


def test_a_household_needs_a_number(actor, family):
    with pytest.raises(ValidationFailed) as exc:
        services.create_household(actor, {"number": "  ", "region": GRID}, family["father"])
    assert exc.value.code == "household.number_missing"


def test_a_member_is_added_with_a_relation_and_moves_to_the_households_region(actor, family):
    hh = make(actor, family)
    services.add_member(actor, hh, family["grandma"], "52")
    grandma = Person.objects.get(pk=family["grandma"].pk)
    assert (grandma.household_id, grandma.relation_to_head, grandma.region_id) == (hh.pk, "52", GRID)


def test_a_member_cannot_be_added_as_a_second_head(actor, family):
    hh = make(actor, family)
    with pytest.raises(ValidationFailed) as exc:
        services.add_member(actor, hh, family["grandma"], "02")
    assert exc.value.code == "household.multiple_heads"
    assert Person.objects.get(pk=family["grandma"].pk).household_id is None


def test_a_member_needs_a_relation(actor, family):
    hh = make(actor, family)
    with pytest.raises(ValidationFailed) as exc:
        services.add_member(actor, hh, family["grandma"], "")
    assert exc.value.code == "relation.missing"


def test_removing_a_member_keeps_the_person_in_the_registry(actor, family):
    hh = make(actor, family)
    services.remove_member(actor, hh, Person.objects.get(pk=family["son"].pk))
    son = Person.objects.get(pk=family["son"].pk)
    assert (son.household_id, son.relation_to_head) == (None, "")
    assert relations(hh) == {"王建国": "02", "李秀兰": "12"}
    assert AuditEntry.objects.get(action="household.member_remove").changes == {"household": [hh.pk, None]}


def test_the_head_cannot_be_removed(actor, family):
    hh = make(actor, family)
    with pytest.raises(ValidationFailed) as exc:
        services.remove_member(actor, hh, Person.objects.get(pk=family["father"].pk))
    assert exc.value.code == "household.head_missing"
    assert relations(hh)["王建国"] == "02"


def test_removing_someone_who_is_not_a_member_is_refused(actor, family):
    hh = make(actor, family)
    with pytest.raises(ValidationFailed) as exc:
        services.remove_member(actor, hh, family["grandma"])
    assert exc.value.code == "household.not_member"


def test_changing_the_head_leaves_exactly_one_head(actor, family):
    hh = make(actor, family)
    services.change_head(actor, hh, Person.objects.get(pk=family["mother"].pk), "11")  # the old head is her 夫
    assert relations(hh) == {"王建国": "11", "李秀兰": "02", "王小明": "20"}
    assert Person.objects.filter(household=hh, relation_to_head="02").count() == 1
    changes = [e.changes for e in AuditEntry.objects.filter(action="household.head_change").order_by("seq")]
    assert changes == [{"relation_to_head": ["02", "11"]}, {"relation_to_head": ["12", "02"]}]


def test_the_new_head_must_be_a_member(actor, family):
    hh = make(actor, family)
    with pytest.raises(ValidationFailed) as exc:
        services.change_head(actor, hh, family["grandma"], "20")
    assert exc.value.code == "household.not_member"
    assert relations(hh)["王建国"] == "02"


def test_the_old_head_needs_a_relation_other_than_head(actor, family):
    hh = make(actor, family)
    with pytest.raises(ValidationFailed) as exc:
        services.change_head(actor, hh, Person.objects.get(pk=family["mother"].pk), "02")
    assert exc.value.code == "relation.missing"


def test_a_household_update_with_a_stale_version_conflicts(actor, family):
    hh = make(actor, family)
    services.update_household(actor, hh, {"address": "南关 5 号"}, expected_version=1)
    with pytest.raises(Conflict) as exc:
        services.update_household(actor, hh, {"address": "北关 1 号"}, expected_version=1)
    assert (exc.value.status, exc.value.code) == (409, "household.conflict")
    assert Household.objects.get(pk=hh.pk).address == "南关 5 号"


def test_a_household_update_audits_before_and_after(actor, family):
    hh = make(actor, family)
    hh = services.update_household(actor, hh, {"number": "0009"})
    assert (hh.number, hh.version) == ("0009", 2)
    assert AuditEntry.objects.get(action="household.update").changes == {"number": ["0001", "0009"]}


@pytest.mark.parametrize("who", ["org", "auditor"])
def test_roles_without_edit_registry_cannot_make_households(users, family, who):
    with pytest.raises(Forbidden):
        services.create_household(Actor(users[who], "page"), {"number": "0001", "region": GRID}, family["father"])


# --- bulk registration (demo data, benchmarks) -------------------------------------------

def test_bulk_registration_creates_households_and_members_audited_per_row(users):
    from jiayuan.people.services import BulkHousehold, BulkPerson, bulk_register

    batch = [
        BulkHousehold("B001", GRID, "北关 1 号", [
            BulkPerson("李秀英", "11010519491231002X", relation_to_head="02", tags=["elderly_living_alone"]),
            BulkPerson("陈老", "440524188001010014", relation_to_head="51")]),
        BulkHousehold("B002", OWNER_COMMUNITY, "北关 2 号", [
            BulkPerson("张建国", "620702198005170010", relation_to_head="02", phone="13812345678")]),
    ]
    assert bulk_register(Actor(users["admin"], "command"), batch) == 3
    lxy = Person.objects.get(name="李秀英")
    assert (lxy.sex, lxy.birth_date.isoformat(), lxy.region_id, lxy.household.number) == (2, "1949-12-31", GRID, "B001")
    assert list(lxy.tags.values_list("kind_id", "region_id")) == [("elderly_living_alone", GRID)]
    assert Person.objects.get(name="张建国").phone == "13812345678"
    entries = AuditEntry.objects.filter(action__in=["household.create", "person.create"], source="command")
    assert sorted((e.action, e.object_repr) for e in entries) == [
        ("household.create", "B001"), ("household.create", "B002"),
        ("person.create", "张建国"), ("person.create", "李秀英"), ("person.create", "陈老")]
    assert {int(e.object_id) for e in entries.filter(action="person.create")} == set(
        Person.objects.values_list("pk", flat=True))


def test_bulk_registration_writes_nothing_when_one_id_number_is_bad(users):
    from jiayuan.people.services import BulkHousehold, BulkPerson, bulk_register

    batch = [BulkHousehold("B001", GRID, "", [BulkPerson("李秀英", "11010519491231002X", relation_to_head="02")]),
             BulkHousehold("B002", GRID, "", [BulkPerson("错号", "110105194912310021", relation_to_head="02")])]
    entries = AuditEntry.objects.count()
    with pytest.raises(ValueError):
        bulk_register(Actor(users["admin"], "command"), batch)
    assert (Household.objects.count(), Person.objects.count(), AuditEntry.objects.count()) == (0, 0, entries)
