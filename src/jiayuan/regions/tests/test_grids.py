"""Grid management: create (code = community's 12 digits + next free 3-digit sequence),
rename, boundary, split, and moving households (their members follow).

conftest: grid 620702001001001 exists under 交通巷社区 (620702001001), and
620702001005001 under 甘泉社区 (620702001005).
"""

from datetime import date

import pytest

from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.conftest import GRID, OWNER_COMMUNITY, PEER_COMMUNITY, PEER_GRID
from jiayuan.errors import Forbidden, ValidationFailed
from jiayuan.people import services as people
from jiayuan.people.models import Household, Person, PersonTag
from jiayuan.regions import services
from jiayuan.regions.models import Region

SQUARE = {"type": "Polygon", "coordinates": [[[100.45, 38.93], [100.46, 38.93], [100.46, 38.94], [100.45, 38.93]]]}


@pytest.fixture
def worker(users):
    return Actor(users["community"], "page")


def region(code: str) -> Region:
    return Region.objects.get(code=code)


@pytest.fixture
def make_household(users, make_person):
    """``make_household("0001", region=GRID, members=2)``: head + ``members`` children (relation 20)."""

    def factory(number: str, region: str = GRID, members: int = 1) -> Household:
        actor = Actor(users["admin"], "command")
        head = make_person(region=OWNER_COMMUNITY, name="王户主")
        others = [(make_person(region=OWNER_COMMUNITY, name="王成员"), "20") for _ in range(members - 1)]
        return people.create_household(actor, {"number": number, "region": region}, head, others)

    return factory


# --- create ---------------------------------------------------------------------------

def test_a_new_grid_gets_the_next_sequence_after_the_existing_one(worker):
    grid = services.create_grid(worker, region(OWNER_COMMUNITY), "第二网格")
    assert grid.code == "620702001001002"
    assert (grid.level, grid.parent_id, grid.name, grid.kind) == ("grid", OWNER_COMMUNITY, "第二网格", "")


def test_the_first_free_sequence_is_reused(worker):
    Region.objects.create(code=OWNER_COMMUNITY + "003", name="第三网格", level="grid", parent_id=OWNER_COMMUNITY)
    assert services.create_grid(worker, region(OWNER_COMMUNITY), "补 002").code == "620702001001002"
    assert services.create_grid(worker, region(OWNER_COMMUNITY), "新 004").code == "620702001001004"


def test_the_first_grid_of_a_village_is_001(users):
    actor = Actor(users["outsider"], "page")
    grid = services.create_grid(actor, region("620722102200"), "六坝村一组网格")
    assert grid.code == "620722102200001"


def test_a_grid_can_only_be_created_under_a_community_or_village(worker):
    with pytest.raises(ValidationFailed) as exc:
        services.create_grid(worker, region("620702001"), "街道网格")
    assert exc.value.fields == {"parent": [{"code": "grid.parent_level", "message": "网格只能建在社区或村之下"}]}


def test_the_grid_name_is_trimmed_and_required(worker):
    assert services.create_grid(worker, region(OWNER_COMMUNITY), "  第二 \u3000 网格 ").name == "第二 网格"
    with pytest.raises(ValidationFailed) as exc:
        services.create_grid(worker, region(OWNER_COMMUNITY), "   ")
    assert exc.value.code == "name.missing"


def test_creating_a_grid_is_audited(worker):
    grid = services.create_grid(worker, region(OWNER_COMMUNITY), "第二网格")
    entry = AuditEntry.objects.get(action="grid.create", object_id=grid.code)
    assert (entry.actor_name, entry.source, entry.region_code) == ("community", "page", grid.code)
    assert entry.changes == {"name": [None, "第二网格"]}


@pytest.mark.parametrize("who", ["grid_member", "org", "auditor"])
def test_roles_without_manage_grids_cannot_create_a_grid(users, who):
    with pytest.raises(Forbidden):
        services.create_grid(Actor(users[who], "page"), region(OWNER_COMMUNITY), "越权网格")
    assert not Region.objects.filter(code="620702001001002").exists()


# --- rename and boundary --------------------------------------------------------------

def test_renaming_a_grid_keeps_its_code_and_audits_before_and_after(worker):
    grid = services.update_grid(worker, region(GRID), "东区网格")
    assert (grid.code, region(GRID).name) == (GRID, "东区网格")
    entry = AuditEntry.objects.get(action="grid.update", object_id=GRID)
    assert entry.changes == {"name": ["第一网格", "东区网格"]}


def test_a_closed_polygon_is_stored_as_the_boundary(worker):
    services.update_grid(worker, region(GRID), "第一网格", SQUARE)
    assert region(GRID).boundary == SQUARE


def test_a_multipolygon_is_a_valid_boundary(worker):
    multi = {"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"]]}
    assert services.create_grid(worker, region(OWNER_COMMUNITY), "两片", multi).boundary == multi


@pytest.mark.parametrize(
    "boundary",
    [
        {"type": "Polygon", "coordinates": [[[100.45, 38.93], [100.46, 38.93], [100.46, 38.94], [100.47, 38.95]]]},
        {"type": "Polygon", "coordinates": [[[100.45, 38.93], [100.46, 38.93], [100.45, 38.93]]]},
        {"type": "Polygon", "coordinates": [[[200.0, 38.93], [100.46, 38.93], [100.46, 38.94], [200.0, 38.93]]]},
        {"type": "Polygon", "coordinates": [[[100.45, 95.0], [100.46, 38.93], [100.46, 38.94], [100.45, 95.0]]]},
        {"type": "Point", "coordinates": [100.45, 38.93]},
        {"type": "Polygon", "coordinates": "100.45 38.93"},
        {"type": "Polygon", "coordinates": [[["东", "北"], [1, 2], [3, 4], ["东", "北"]]]},
        "not geojson",
    ],
    ids=["ring-not-closed", "three-points", "longitude-200", "latitude-95", "point", "coords-not-list",
         "coords-not-numbers", "a-string"],
)
def test_an_invalid_boundary_is_refused_and_nothing_changes(worker, boundary):
    with pytest.raises(ValidationFailed) as exc:
        services.update_grid(worker, region(GRID), "改名", boundary)
    assert exc.value.code == "boundary.invalid"
    assert (region(GRID).name, region(GRID).boundary) == ("第一网格", None)


def test_only_a_grid_can_be_renamed_as_a_grid(worker):
    with pytest.raises(ValidationFailed) as exc:
        services.update_grid(worker, region(OWNER_COMMUNITY), "社区改名")
    assert exc.value.code == "grid.not_grid"


# --- moving households and splitting --------------------------------------------------

def test_moving_a_household_moves_its_members_and_their_tags(worker, make_household):
    hh = make_household("0001", region=GRID, members=2)
    head = hh.members.get(relation_to_head="02")
    people.add_tag(worker, head, "disabled", valid_from=date(2024, 1, 1))
    assert services.move_households(worker, [hh], region(OWNER_COMMUNITY)) == 1

    assert Household.objects.get(pk=hh.pk).region_id == OWNER_COMMUNITY
    assert set(Person.objects.filter(household=hh).values_list("region_id", flat=True)) == {OWNER_COMMUNITY}
    assert PersonTag.objects.get(person=head).region_id == OWNER_COMMUNITY


def test_moving_a_household_audits_the_household_and_each_member(worker, make_household):
    hh = make_household("0001", region=OWNER_COMMUNITY, members=3)
    services.move_households(worker, [hh], region(GRID))
    entry = AuditEntry.objects.get(action="household.move")
    assert (entry.object_id, entry.changes) == (str(hh.pk), {"region": [OWNER_COMMUNITY, GRID]})
    person_entries = AuditEntry.objects.filter(action="person.move")
    assert sorted(int(e.object_id) for e in person_entries) == sorted(hh.members.values_list("pk", flat=True))
    assert all(e.changes == {"region": [OWNER_COMMUNITY, GRID]} for e in person_entries)


def test_moving_a_household_bumps_versions_so_stale_edits_conflict(worker, make_household):
    hh = make_household("0001", region=GRID)
    services.move_households(worker, [hh], region(OWNER_COMMUNITY))
    assert Household.objects.get(pk=hh.pk).version == hh.version + 1


def test_a_household_already_in_the_target_is_not_counted(worker, make_household):
    hh = make_household("0001", region=GRID)
    assert services.move_households(worker, [hh], region(GRID)) == 0
    assert not AuditEntry.objects.filter(action="household.move").exists()


def test_a_household_cannot_move_into_another_communitys_grid(users, make_household):
    hh = make_household("0001", region=GRID)
    admin = Actor(users["admin"], "page")
    with pytest.raises(ValidationFailed) as exc:
        services.move_households(admin, [hh], region(PEER_GRID))
    assert exc.value.code == "grid.other_community"
    assert Household.objects.get(pk=hh.pk).region_id == GRID


def test_households_move_only_into_a_grid_or_community(worker, make_household):
    hh = make_household("0001", region=GRID)
    with pytest.raises(ValidationFailed) as exc:
        services.move_households(worker, [hh], region("620702001"))
    assert exc.value.code == "grid.target_level"


def test_splitting_a_grid_creates_a_sibling_and_moves_the_chosen_households(worker, make_household):
    stays = make_household("0001", region=GRID)
    goes = make_household("0002", region=GRID, members=2)
    new = services.split_grid(worker, region(GRID), "第一网格（北）", [goes])

    assert (new.code, new.parent_id, new.name) == ("620702001001002", OWNER_COMMUNITY, "第一网格（北）")
    assert Household.objects.get(pk=goes.pk).region_id == new.code
    assert set(goes.members.values_list("region_id", flat=True)) == {new.code}
    assert Household.objects.get(pk=stays.pk).region_id == GRID
    assert set(stays.members.values_list("region_id", flat=True)) == {GRID}


def test_a_split_refuses_households_of_other_grids_and_creates_nothing(worker, make_household):
    elsewhere = make_household("0003", region=OWNER_COMMUNITY)
    with pytest.raises(ValidationFailed) as exc:
        services.split_grid(worker, region(GRID), "北片", [elsewhere])
    assert exc.value.code == "grid.not_member"
    assert not Region.objects.filter(code="620702001001002").exists()


def test_only_a_grid_can_be_split(worker, make_household):
    hh = make_household("0001", region=OWNER_COMMUNITY)
    with pytest.raises(ValidationFailed) as exc:
        services.split_grid(worker, region(OWNER_COMMUNITY), "北片", [hh])
    assert exc.value.code == "grid.not_grid"
    assert Household.objects.get(pk=hh.pk).region_id == OWNER_COMMUNITY


def test_a_role_without_manage_grids_is_refused_before_anything_else(users, make_household):
    elsewhere = make_household("0003", region=OWNER_COMMUNITY)
    with pytest.raises(Forbidden):
        services.split_grid(Actor(users["grid_member"], "page"), region(GRID), "北片", [elsewhere])


def test_grid_members_cannot_move_households(users, make_household):
    hh = make_household("0001", region=GRID)
    with pytest.raises(Forbidden):
        services.move_households(Actor(users["grid_member"], "page"), [hh], region(OWNER_COMMUNITY))


def test_peer_communities_keep_their_own_grid_sequences(worker, users):
    """Each community numbers its grids on its own: 甘泉社区 has 001 too."""
    peer = Actor(users["peer"], "page")
    assert services.create_grid(peer, region(PEER_COMMUNITY), "甘泉二").code == "620702001005002"
    assert services.create_grid(worker, region(OWNER_COMMUNITY), "交通巷二").code == "620702001001002"
