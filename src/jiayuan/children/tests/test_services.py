"""Services of children's files against the database: registry facts, flags for review,
visits and due dates, duties."""

import datetime

import pytest

from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.children import selectors, services
from jiayuan.children.models import ChildFile, ChildrenDuty
from jiayuan.conftest import OWNER_COMMUNITY, make_id_number
from jiayuan.errors import Conflict, Forbidden, NotFound, ValidationFailed
from jiayuan.people.services import set_life_status

pytestmark = pytest.mark.django_db
D = datetime.date
RURAL_VILLAGE = "620702100200"  # 梁家墩村 (村民委员会: rural)


def test_a_rural_child_with_both_parents_away_is_left_behind_with_the_facts(users, make_person, admin_actor):
    kid = make_person(region=RURAL_VILLAGE, name="张小军", id_number=make_id_number(D(2015, 6, 1), 1))
    f = services.open_file(Actor(users["county"], "page"), kid.pk, {"parents": {
        "father": {"name": "张大军", "working_away": True}, "mother": {"name": "刘梅", "working_away": True}}},
        on=D(2026, 3, 1))
    assert f.categories == ["left_behind"]
    facts = f.category_facts[0]["facts"]
    assert facts[0] == {"code": "age", "params": {"age": 10, "birth_date": "2015-06-01"}}
    assert facts[1] == {"code": "rural", "params": {"region": "梁家墩村"}}


def test_an_urban_child_with_both_parents_away_has_no_category(child_file):
    assert child_file.categories == [] and child_file.proposed is None


def test_a_parent_marked_deceased_in_the_registry_flags_the_file_and_changes_nothing(
        users, make_person, director, child, admin_actor):
    father = make_person(name="李大山", id_number=make_id_number(D(1985, 1, 1), 1))
    f = services.open_file(Actor(director, "page"), child.pk, {"parents": {
        "father": {"person": father.pk, "imprisoned": True},
        "mother": {"name": "王春梅", "seriously_ill": True}}})
    assert f.categories == ["in_difficulty", "de_facto_unsupported"]
    set_life_status(admin_actor, father, "deceased", D(2026, 2, 1))
    f.refresh_from_db()
    # 62号: one deceased, the other 重病 — still de facto unsupported, but the facts changed
    assert f.categories == ["in_difficulty", "de_facto_unsupported"]
    assert f.proposed is not None and {"code": "de_facto_unsupported", "change": "changed"} in f.review_reasons
    assert AuditEntry.objects.filter(action="child_file.flag", object_id=str(f.pk)).exists()
    assert list(selectors.files_to_review(director)) == [f]
    from django.test import Client

    c = Client(raise_request_exception=False)
    c.force_login(director)
    r = c.post(f"/children/{f.pk}/confirm/", {"version": "abc"})   # regression: int("abc") was a 500
    assert r.status_code == 409
    f.refresh_from_db()
    assert f.proposed is not None                                    # nothing confirmed
    services.confirm_review(Actor(director, "page"), f)
    f.refresh_from_db()
    assert f.proposed is None and f.review_reasons == []
    assert {"code": "parent", "params": {"role": "father", "situations": ["deceased"]}} in f.category_facts[1]["facts"]


def test_a_parent_coming_home_flags_the_left_behind_file(users, make_person):
    kid = make_person(region=RURAL_VILLAGE, name="张小军", id_number=make_id_number(D(2015, 6, 1), 1))
    county = Actor(users["county"], "page")
    f = services.open_file(county, kid.pk, {"parents": {
        "father": {"name": "张大军", "working_away": True}, "mother": {"name": "刘梅", "working_away": True}}})
    services.set_parent(county, f, "father", {"working_away": False}, version=f.version)
    f.refresh_from_db()
    assert f.categories == ["left_behind"]  # not changed silently
    assert f.review_reasons == [{"code": "left_behind", "change": "removed"}] and f.proposed == []


def test_the_daily_run_flags_a_child_on_the_16th_birthday_not_the_day_before(users, make_person):
    kid = make_person(region=RURAL_VILLAGE, name="张小军", id_number=make_id_number(D(2010, 7, 15), 1))
    county = Actor(users["county"], "page")
    f = services.open_file(county, kid.pk, {"parents": {
        "father": {"name": "张大军", "working_away": True}, "mother": {"name": "刘梅", "working_away": True}}},
        on=D(2026, 1, 5))
    assert services.rederive(county, [f.pk], on=D(2026, 7, 14)) == 0
    assert services.rederive(county, [f.pk], on=D(2026, 7, 15)) == 1
    f.refresh_from_db()
    assert f.categories == ["left_behind"] and f.review_reasons == [{"code": "left_behind", "change": "removed"}]


def test_the_first_visit_is_due_a_month_after_opening_for_the_first_grade(child_file):
    assert (child_file.risk, child_file.opened_on, child_file.next_visit_due) == ("red", D(2026, 1, 10), D(2026, 2, 10))


def test_a_visit_regrading_to_green_moves_the_due_date_a_quarter_on(child_file, director):
    services.record_visit(Actor(director, "page"), child_file, visited_on=D(2026, 3, 31), place="家中",
                          findings="祖母照料良好", risk="green", reason="监护到位，学习正常")
    child_file.refresh_from_db()
    assert (child_file.risk, child_file.last_visit_on, child_file.next_visit_due) == ("green", D(2026, 3, 31),
                                                                                        D(2026, 6, 30))


def test_regrading_between_visits_moves_the_due_date_from_the_last_visit(child_file, director):
    a = Actor(director, "page")
    services.record_visit(a, child_file, visited_on=D(2026, 3, 31), place="家中", findings="正常", risk="green",
                          reason="良好")
    child_file.refresh_from_db()
    services.regrade(a, child_file, "yellow", "祖母住院", version=child_file.version)
    child_file.refresh_from_db()
    assert child_file.next_visit_due == D(2026, 5, 31)


def test_changing_the_grade_without_a_reason_is_refused(child_file, director):
    with pytest.raises(ValidationFailed) as e:
        services.record_visit(Actor(director, "page"), child_file, visited_on=D(2026, 3, 1), place="家中",
                              findings="正常", risk="green")
    assert "reason" in e.value.fields


def test_a_visit_entered_late_does_not_move_the_due_date(child_file, director):
    a = Actor(director, "page")
    services.record_visit(a, child_file, visited_on=D(2026, 4, 1), place="家中", findings="正常", risk="red")
    services.record_visit(a, child_file, visited_on=D(2026, 3, 1), place="学校", findings="补录", risk="red")
    child_file.refresh_from_db()
    assert child_file.next_visit_due == D(2026, 5, 1) and child_file.visits.count() == 2


def test_a_visit_in_the_future_is_refused(child_file, director):
    with pytest.raises(ValidationFailed):
        services.record_visit(Actor(director, "page"), child_file, visited_on=selectors.today() + datetime.timedelta(1),
                              place="家中", findings="x", risk="red")


def test_the_team_member_may_visit_but_not_edit(child_file, users):
    a = Actor(users["org"], "api")
    services.record_visit(a, child_file, visited_on=D(2026, 2, 1), place="学校", findings="正常", risk="red")
    with pytest.raises(Forbidden):
        services.regrade(a, child_file, "green", "x")


def test_a_colleague_of_the_same_community_cannot_read_the_file(child_file, colleague, users):
    for who in (colleague, users["peer"], users["outsider"], users["township"], users["grid_member"]):
        with pytest.raises(NotFound):
            selectors.get_file(who, child_file.pk)
    for who in ("community", "org", "county", "city", "admin"):
        assert selectors.get_file(users[who], child_file.pk) == child_file


def test_the_supervisor_of_the_township_reads_the_file(child_file, users, admin_actor):
    services.appoint(admin_actor, "children_supervisor", "620702001", users["township"].pk, D(2025, 1, 1))
    assert selectors.get_file(users["township"], child_file.pk) == child_file


def test_a_file_cannot_be_opened_twice(child_file, director, child):
    with pytest.raises(Conflict):
        services.open_file(Actor(director, "page"), child.pk)


def test_an_adult_gets_no_file(director, make_person):
    adult = make_person(name="成年人", id_number=make_id_number(D(2000, 1, 1), 1))
    with pytest.raises(ValidationFailed) as e:
        services.open_file(Actor(director, "page"), adult.pk)
    assert e.value.code == "child.adult"


def test_a_colleague_cannot_open_a_file(colleague, child):
    with pytest.raises(Forbidden):
        services.open_file(Actor(colleague, "page"), child.pk)


def test_naming_a_new_director_ends_the_old_duty(director, colleague, admin_actor):
    services.appoint(admin_actor, "children_director", OWNER_COMMUNITY, colleague.pk, D(2026, 6, 1))
    duties = ChildrenDuty.objects.filter(region_id=OWNER_COMMUNITY).order_by("pk")
    assert [(d.user_id, d.ended_on) for d in duties] == [(director.pk, D(2026, 6, 1)), (colleague.pk, None)]


def test_a_director_must_sit_in_a_village_and_the_account_cover_it(users, admin_actor):
    with pytest.raises(ValidationFailed) as e:
        services.appoint(admin_actor, "children_director", "620702001", users["township"].pk, D(2026, 1, 1))
    assert e.value.code == "duty.level"
    with pytest.raises(ValidationFailed) as e:
        services.appoint(admin_actor, "children_director", OWNER_COMMUNITY, users["peer"].pk, D(2026, 1, 1))
    assert e.value.code == "duty.account"


def test_the_duty_page_data_names_the_missing(director, users):
    towns, villages = selectors.duty_coverage(users["township"])
    by_code = {r.region.code: r.duty for r in villages}
    assert by_code[OWNER_COMMUNITY].user == director and by_code["620702001005"] is None
    assert all(r.duty is None for r in towns)


def test_overdue_visits_are_in_the_to_do_of_the_director_and_the_team_member_only(child_file, director, users, colleague):
    assert list(selectors.visits_owed(director)) == [child_file]
    assert list(selectors.visits_owed(users["org"])) == [child_file]
    assert list(selectors.visits_owed(colleague)) == [] and list(selectors.files_to_review(users["org"])) == []
    assert ChildFile.objects.count() == 1


def test_villages_without_a_director_are_in_the_to_do_of_who_names_them(director, users):
    missing = set(selectors.villages_without_director(users["township"]).values_list("code", flat=True))
    assert OWNER_COMMUNITY not in missing and "620702001005" in missing
    assert all(len(c) == 12 and c.startswith("620702001") for c in missing)


def test_a_batch_derives_what_each_file_alone_derives(users, make_person, admin_actor):
    """``child_facts_many`` over several files (a grid child, a village child, an urban
    one; a household on 低保; a certificate; a registry parent deceased; a parent lost
    for 7 months) gives each file exactly the facts it gets alone — nothing leaks from
    one file to another — and ``rederive`` in a batch flags what it flags file by file."""
    from jiayuan.conftest import GRID
    from jiayuan.people.models import PersonTag, TagKind
    from jiayuan.people.services import create_household

    county = Actor(users["county"], "page")
    on = D(2026, 3, 1)
    kids = [make_person(region=r, name=n, id_number=make_id_number(D(2014 + i, 2, 3), 1 + i % 2))
            for i, (r, n) in enumerate(((RURAL_VILLAGE, "张一"), (GRID, "李二"), (OWNER_COMMUNITY, "王三"),
                                        (RURAL_VILLAGE, "赵四")))]
    create_household(admin_actor, {"number": "BATCH1", "region": RURAL_VILLAGE}, kids[0])
    kind = TagKind.objects.filter(pk="subsistence_allowance").first()
    if kind is not None:
        PersonTag.objects.create(person=kids[0], kind=kind, region_id=kids[0].region_id, valid_from=D(2025, 1, 1))
    father = make_person(name="赵父", id_number=make_id_number(D(1980, 1, 1), 1))
    specs = [
        {"father": {"name": "张父", "working_away": True}, "mother": {"name": "张母", "working_away": True}},
        {"father": {"name": "李父", "imprisoned": True}, "mother": {"name": "李母", "lost_contact_since": D(2025, 7, 1)}},
        {"father": {"name": "王父", "working_away": True}, "mother": {"name": "王母", "working_away": True}},
        {"father": {"person": father.pk, "working_away": True}, "mother": {"name": "赵母", "seriously_ill": True}},
    ]
    files = [services.open_file(county, k.pk, {"parents": p}, on=on) for k, p in zip(kids, specs)]
    set_life_status(admin_actor, father, "deceased", D(2026, 2, 1))
    rows = list(ChildFile.objects.select_related("person", "region").filter(pk__in=[f.pk for f in files]))
    batch = selectors.child_facts_many(rows, on)
    assert batch == {f.pk: selectors.child_facts_many([f], on)[f.pk] for f in rows}
    assert batch[files[0].pk].registration == "rural" and batch[files[2].pk].registration == "urban"
    if kind is not None:
        assert batch[files[0].pk].poverty_program == "低保" and batch[files[2].pk].poverty_program == ""
    # one at a time vs the batch: the same files flagged (the deceased father's file by
    # the signal already; the 16th birthday of none)
    flagged_alone = sorted(f.pk for f in rows if services.rederive(county, [f.pk], on) == 1)
    assert services.rederive(county, [f.pk for f in rows], on) == len(flagged_alone)
    assert sorted(ChildFile.objects.filter(proposed__isnull=False).values_list("pk", flat=True)) == flagged_alone
