"""What moving households and splitting a grid promise (regions/services.py), as
invariants: members go with their household and keep nothing behind (region, tags),
every count of the community is preserved and divided as worked out below, each moved
record is audited once towards its target and the registry hears of each person moved,
versions rise, scope follows the move, and a refused move or split changes nothing.

The registry of 交通巷社区 (620702001001) in these tests, worked out by hand:

    grid 620702001001001 (GRID)   household 0001: 王甲 (head, tagged disabled), 王乙, 王丙  → 3 persons
                                  household 0002: 李甲 (head), 李乙                      → 2 persons
                                  赵独居, registered in the grid, in no household          → 1 person
    the community itself          household 0003: 孙甲 (head)                            → 1 person

    community: 3 households, 7 persons, 1 person tagged disabled; the grid: 2 households,
    6 persons.
"""

from datetime import date

import pytest
from django.http import Http404

from jiayuan.accounts.models import User
from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.conftest import GRID, OWNER_COMMUNITY, PASSWORD, PEER_GRID
from jiayuan.errors import NotFound, ValidationFailed
from jiayuan.people import selectors as people_selectors
from jiayuan.people import services as people
from jiayuan.people.models import Household, Person, PersonTag
from jiayuan.people.signals import person_moved
from jiayuan.regions import services
from jiayuan.regions.models import Region

pytestmark = pytest.mark.django_db

SECOND_GRID = OWNER_COMMUNITY + "002"
MINLE_VILLAGE = "620722102200"   # 六坝村, 民乐县: another county


def region(code: str) -> Region:
    return Region.objects.get(code=code)


@pytest.fixture
def worker(users):
    return Actor(users["community"], "page")


@pytest.fixture
def registry(users, make_person, worker):
    """The registry of the module docstring: {"0001": Household, "0002": …, "0003": …,
    "loner": Person}."""
    admin = Actor(users["admin"], "command")

    def household(number, where, names):
        head, *rest = [make_person(region=OWNER_COMMUNITY, name=n) for n in names]
        return people.create_household(admin, {"number": number, "region": where}, head,
                                       [(p, "20") for p in rest])

    rows = {
        "0001": household("0001", GRID, ["王甲", "王乙", "王丙"]),
        "0002": household("0002", GRID, ["李甲", "李乙"]),
        "0003": household("0003", OWNER_COMMUNITY, ["孙甲"]),
        "loner": make_person(region=GRID, name="赵独居"),
    }
    head = rows["0001"].members.get(relation_to_head="02")
    people.add_tag(worker, head, "disabled", valid_from=date(2024, 1, 1))
    return rows


@pytest.fixture
def second_grid(worker):
    return services.create_grid(worker, region(OWNER_COMMUNITY), "第二网格")


def counts(user, code: str = "") -> tuple[int, int, int]:
    """(households, persons, persons tagged disabled) the user counts under ``code``."""
    c = people_selectors.scope_counts(user, code)
    return c.households, c.persons, dict((k.code, n) for k, n in c.tags)["disabled"]


def regions_of(household: Household) -> set[str]:
    return set(Person.objects.filter(household=household).values_list("region_id", flat=True))


# --- moving households ------------------------------------------------------------------

def test_the_registry_is_as_the_module_docstring_says(users, registry):
    assert counts(users["community"]) == (3, 7, 1)
    assert counts(users["community"], GRID) == (2, 6, 1)


def test_a_move_between_grids_takes_every_member_and_keeps_the_communitys_counts(users, registry, worker,
                                                                                   second_grid):
    assert services.move_households(worker, [registry["0001"]], second_grid) == 1

    assert Household.objects.get(pk=registry["0001"].pk).region_id == SECOND_GRID
    assert regions_of(registry["0001"]) == {SECOND_GRID}
    assert set(PersonTag.objects.filter(person__household=registry["0001"]).values_list("region_id", flat=True)) \
        == {SECOND_GRID}
    # the community's totals do not change; the grid's are divided: 3 persons of 0001 left
    # the first grid (6 → 3: 0002's two and 赵独居), the tag went with 王甲
    assert counts(users["community"]) == (3, 7, 1)
    assert counts(users["community"], GRID) == (1, 3, 0)
    assert counts(users["community"], SECOND_GRID) == (1, 3, 1)
    assert (Household.objects.count(), Person.objects.count()) == (3, 7)


def test_a_person_of_the_grid_outside_the_moved_households_stays(registry, worker, second_grid):
    services.move_households(worker, [registry["0001"]], second_grid)
    assert Person.objects.get(pk=registry["loner"].pk).region_id == GRID
    assert regions_of(registry["0002"]) == {GRID}


def test_each_moved_household_and_member_is_audited_once_towards_the_target(registry, worker, second_grid):
    services.move_households(worker, [registry["0001"]], second_grid)
    household_lines = AuditEntry.objects.filter(action="household.move")
    assert [(e.object_id, e.region_code, e.changes) for e in household_lines] == [
        (str(registry["0001"].pk), SECOND_GRID, {"region": [GRID, SECOND_GRID]})]
    person_lines = AuditEntry.objects.filter(action="person.move")
    members = sorted(registry["0001"].members.values_list("pk", flat=True))
    assert sorted(int(e.object_id) for e in person_lines) == members
    assert {(e.actor_name, e.source, e.region_code) for e in person_lines} == {("community", "page", SECOND_GRID)}
    assert all(e.changes == {"region": [GRID, SECOND_GRID]} for e in person_lines)


def test_the_registry_hears_of_each_member_moved_from_where_to_where(registry, worker, second_grid):
    heard = []

    def listen(sender, *, actor, moves, **kwargs):
        heard.extend(moves)

    person_moved.connect(listen, dispatch_uid="test_moves.listen")
    try:
        services.move_households(worker, [registry["0001"]], second_grid)
    finally:
        person_moved.disconnect(dispatch_uid="test_moves.listen")
    members = registry["0001"].members.values_list("pk", flat=True)
    assert sorted(heard) == sorted((pk, GRID, SECOND_GRID) for pk in members)


def test_a_move_raises_the_version_of_the_household_and_of_each_member(registry, worker, second_grid):
    before = dict(Person.objects.filter(household=registry["0001"]).values_list("pk", "version"))
    services.move_households(worker, [registry["0001"]], second_grid)
    assert Household.objects.get(pk=registry["0001"].pk).version == registry["0001"].version + 1
    after = dict(Person.objects.filter(household=registry["0001"]).values_list("pk", "version"))
    assert after == {pk: v + 1 for pk, v in before.items()}


def test_households_already_in_the_target_are_left_alone_and_not_counted(registry, worker):
    # 0003 already lives in the community itself; only 0001 moves
    assert services.move_households(worker, [registry["0001"], registry["0003"]], region(OWNER_COMMUNITY)) == 1
    assert Household.objects.get(pk=registry["0003"].pk).version == registry["0003"].version
    assert [e.object_id for e in AuditEntry.objects.filter(action="household.move")] == [str(registry["0001"].pk)]


def test_one_household_of_another_community_stops_the_whole_move(users, registry, make_person, second_grid):
    peer_head = make_person(region=PEER_GRID, name="钱甲")
    admin = Actor(users["admin"], "page")
    peer = people.create_household(admin, {"number": "0009", "region": PEER_GRID}, peer_head)
    with pytest.raises(ValidationFailed) as exc:
        services.move_households(admin, [registry["0001"], peer], second_grid)
    assert exc.value.code == "grid.other_community"
    assert Household.objects.get(pk=registry["0001"].pk).region_id == GRID
    assert regions_of(registry["0001"]) == {GRID}
    assert not AuditEntry.objects.filter(action__in=["household.move", "person.move"]).exists()


def test_a_household_does_not_move_into_another_county(users, registry):
    admin = Actor(users["admin"], "page")
    minle_grid = services.create_grid(admin, region(MINLE_VILLAGE), "六坝村一组网格")
    for target in (minle_grid, region(MINLE_VILLAGE)):
        with pytest.raises(ValidationFailed) as exc:
            services.move_households(admin, [registry["0001"]], target)
        assert exc.value.code == "grid.other_community"
    assert counts(users["community"], GRID) == (2, 6, 1)


@pytest.mark.parametrize("target", ["6207", "620702", "620702001"], ids=["city", "county", "street"])
def test_households_move_into_no_region_above_the_community(users, registry, target):
    with pytest.raises(ValidationFailed) as exc:
        services.move_households(Actor(users["admin"], "page"), [registry["0001"]], region(target))
    assert exc.value.code == "grid.target_level"
    assert Household.objects.get(pk=registry["0001"].pk).region_id == GRID


def test_after_the_move_the_old_grids_member_no_longer_sees_them_and_the_new_ones_does(
        users, registry, worker, second_grid):
    old = users["grid_member"]                                  # scope: the first grid
    new = User(username="grid2", role="grid_member", scope_id=SECOND_GRID, full_name="第二网格员")
    new.set_password(PASSWORD)
    new.save()
    moved = registry["0001"]
    members = set(moved.members.values_list("pk", flat=True))
    assert people_selectors.get_household(old, moved.pk) == moved
    assert not people_selectors.households_for(new).exists()

    services.move_households(worker, [moved], second_grid)

    with pytest.raises((Http404, NotFound)):
        people_selectors.get_household(old, moved.pk)
    assert not people_selectors.persons_for(old).filter(pk__in=members).exists()
    assert set(people_selectors.persons_for(new).values_list("pk", flat=True)) == members
    assert people_selectors.get_household(new, moved.pk) == moved
    # the community's worker sees them before and after
    assert set(people_selectors.persons_for(users["community"]).filter(pk__in=members)
               .values_list("pk", flat=True)) == members


# --- splitting a grid ---------------------------------------------------------------------

def test_a_split_creates_the_next_sibling_and_divides_the_grids_counts(users, registry, worker):
    new = services.split_grid(worker, region(GRID), "第一网格（北）", [registry["0001"]])
    assert (new.code, new.parent_id, new.level) == (SECOND_GRID, OWNER_COMMUNITY, "grid")
    # 6 persons of the grid: 0001's three go north, 0002's two and 赵独居 stay
    assert counts(users["community"], GRID) == (1, 3, 0)
    assert counts(users["community"], SECOND_GRID) == (1, 3, 1)
    assert counts(users["community"]) == (3, 7, 1)


def test_a_split_is_audited_as_one_new_grid_and_each_record_moved(registry, worker):
    new = services.split_grid(worker, region(GRID), "第一网格（北）", [registry["0001"], registry["0002"]])
    assert list(AuditEntry.objects.filter(action="grid.create").values_list("object_id", flat=True)) == [new.code]
    assert AuditEntry.objects.filter(action="household.move", region_code=new.code).count() == 2
    assert AuditEntry.objects.filter(action="person.move", region_code=new.code).count() == 5


def test_a_split_with_no_name_creates_no_grid_and_moves_nothing(registry, worker):
    with pytest.raises(ValidationFailed) as exc:
        services.split_grid(worker, region(GRID), "  ", [registry["0001"]])
    assert exc.value.code == "name.missing"
    assert not Region.objects.filter(code=SECOND_GRID).exists()
    assert regions_of(registry["0001"]) == {GRID}
    assert not AuditEntry.objects.filter(action__in=["grid.create", "household.move"]).exists()


def test_a_split_when_every_grid_number_is_taken_moves_nothing(registry, worker):
    # grids 002–999 exist besides 001: no sequence left for the new one
    Region.objects.bulk_create([Region(code=f"{OWNER_COMMUNITY}{n:03d}", name=f"网格{n}", level="grid",
                                       parent_id=OWNER_COMMUNITY) for n in range(2, 1000)])
    with pytest.raises(ValidationFailed) as exc:
        services.split_grid(worker, region(GRID), "第一网格（北）", [registry["0001"]])
    assert exc.value.code == "grid.full"
    assert Household.objects.get(pk=registry["0001"].pk).region_id == GRID
    assert regions_of(registry["0001"]) == {GRID}


def test_a_village_grid_splits_under_its_village(users, make_person):
    """六坝村 (a rural village of 民乐县): its first grid is 001, the split's 002."""
    outsider = Actor(users["outsider"], "page")
    first = services.create_grid(outsider, region(MINLE_VILLAGE), "一组")
    head = make_person(region=MINLE_VILLAGE, name="周甲")
    hh = people.create_household(Actor(users["admin"], "command"), {"number": "0001", "region": first.code}, head)
    new = services.split_grid(outsider, first, "二组", [hh])
    assert (first.code, new.code, new.parent_id) == (MINLE_VILLAGE + "001", MINLE_VILLAGE + "002", MINLE_VILLAGE)
    assert regions_of(hh) == {new.code}
