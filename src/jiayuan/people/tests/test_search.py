"""Person search (``selectors.search_persons``): name fragment, pinyin (full and
initials), whole ID number in any spelling, last 4 or 6 of the ID, whole phone; filters;
and every search scoped to the user's subtree.

ID numbers (check characters worked out by hand, GB 11643-1999 MOD 11-2):

=============  ====================  ====  =========================  ==============
person         ID number             S     S mod 11 → check           region
=============  ====================  ====  =========================  ==============
张建国         620702198005170010    254   1 → 0                      交通巷社区
李秀英         11010519491231002X    167   2 → X                      交通巷社区
王建华         620702199203150031    242   0 → 1                      its first grid
欧阳建国       620722196507080054    294   8 → 4                      交通巷社区
买买提·艾力    620721200001010078    147   4 → 8                      交通巷社区
张建国 (peer)  620722197809090017    324   5 → 7                      甘泉社区
张建国 (out)   620702198506200046    259   6 → 6                      六坝村
=============  ====================  ====  =========================  ==============
"""

from datetime import date

import pytest

from jiayuan.audit.services import Actor
from jiayuan.conftest import GRID, OUTSIDE_VILLAGE, OWNER_COMMUNITY, PEER_COMMUNITY
from jiayuan.people import services
from jiayuan.people.selectors import PersonFilters, birth_date_bounds, search_persons

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(make_person):
    p = {
        "zjg": make_person(name="张建国", id_number="620702198005170010", phone="13812345678"),
        "lxy": make_person(name="李秀英", id_number="11010519491231002X", residence_status="floating"),
        "wjh": make_person(region=GRID, name="王建华", id_number="620702199203150031"),
        "oyjg": make_person(name="欧阳建国", id_number="620722196507080054"),
        "mmt": make_person(name="买买提·艾力", id_number="620721200001010078"),
        "peer": make_person(region=PEER_COMMUNITY, name="张建国", id_number="620722197809090017",
                            phone="13987654321"),
        "out": make_person(region=OUTSIDE_VILLAGE, name="张建国", id_number="620702198506200046"),
    }
    return p


def found(user, registry, **filters) -> set[str]:
    """Keys of ``registry`` whose persons the search returns."""
    by_pk = {p.pk: key for key, p in registry.items()}
    return {by_pk[pk] for pk in search_persons(user, PersonFilters(**filters)).values_list("pk", flat=True)}


# --- what the owner finds -------------------------------------------------------------

@pytest.mark.parametrize(
    "q, expected",
    [
        ("建", {"zjg", "wjh", "oyjg"}),          # one character
        ("建国", {"zjg", "oyjg"}),               # two characters
        ("国建", set()),                         # order matters
        ("张建国", {"zjg"}),
        ("买买提·艾力", {"mmt"}),
        ("买买提•艾力", {"mmt"}),                # bullet typed for the middle dot
        ("提·艾", {"mmt"}),
    ],
)
def test_name_fragment(users, registry, q, expected):
    assert found(users["community"], registry, q=q) == expected


@pytest.mark.parametrize(
    "q, expected",
    [
        ("zjg", {"zjg"}),
        ("ZJG", {"zjg"}),
        ("zhangjianguo", {"zjg"}),
        ("zhang jian guo", {"zjg"}),
        ("zhang", {"zjg"}),                      # prefix of the full pinyin
        ("zj", {"zjg"}),                         # prefix of the initials
        ("wjh", {"wjh"}),
        ("oyjg", {"oyjg"}),
        ("ouyang", {"oyjg"}),
        ("lxy", {"lxy"}),
        ("mmtal", {"mmt"}),
        ("jg", set()),                           # initials match from the start only
    ],
)
def test_pinyin_full_and_initials(users, registry, q, expected):
    assert found(users["community"], registry, q=q) == expected


@pytest.mark.parametrize(
    "q",
    [
        "11010519491231002X",
        "11010519491231002x",                     # lowercase x
        "１１０１０５１９４９１２３１００２Ｘ",        # full-width
        "110105 19491231 002X",                   # spaces
        " 110105-19491231-002x\u200b ",           # dashes and an invisible character
        "110105491231002",                        # the old 15-digit form
    ],
)
def test_whole_id_number_in_any_spelling(users, registry, q):
    assert found(users["community"], registry, q=q) == {"lxy"}


@pytest.mark.parametrize(
    "q, expected",
    [
        ("0010", {"zjg"}),
        ("002X", {"lxy"}),
        ("002x", {"lxy"}),
        ("170010", {"zjg"}),
        ("31002x", {"lxy"}),
        ("150031", {"wjh"}),
        ("9999", set()),
    ],
)
def test_last_4_or_6_characters_of_the_id_number(users, registry, q, expected):
    assert found(users["community"], registry, q=q) == expected


@pytest.mark.parametrize("q", ["13812345678", "138 1234 5678", "138-1234-5678", "+86 13812345678"])
def test_whole_phone(users, registry, q):
    assert found(users["community"], registry, q=q) == {"zjg"}


def test_a_mistyped_id_number_finds_nobody(users, registry):
    assert found(users["community"], registry, q="110105194912310021") == set()


def test_blank_query_lists_the_whole_scope(users, registry):
    assert found(users["community"], registry) == {"zjg", "lxy", "wjh", "oyjg", "mmt"}


# --- filters --------------------------------------------------------------------------

def test_filter_by_sex(users, registry):
    assert found(users["community"], registry, sex=2) == {"lxy"}
    assert found(users["community"], registry, sex=1) == {"zjg", "wjh", "oyjg", "mmt"}


def test_filter_by_region_inside_the_scope(users, registry):
    assert found(users["community"], registry, region=GRID) == {"wjh"}
    assert found(users["township"], registry, region=PEER_COMMUNITY) == {"peer"}


def test_filter_by_residence_status(users, registry):
    assert found(users["community"], registry, residence_status="floating") == {"lxy"}


def test_filter_by_current_tag(users, registry):
    actor = Actor(users["community"], "page")
    services.add_tag(actor, registry["lxy"], "elderly_living_alone", valid_from=date(2020, 1, 1))
    ended = services.add_tag(actor, registry["zjg"], "elderly_living_alone", valid_from=date(2020, 1, 1))
    services.end_tag(actor, ended, date(2021, 1, 1))
    assert found(users["community"], registry, tag="elderly_living_alone") == {"lxy"}


def test_filters_combine_with_the_query(users, registry):
    assert found(users["community"], registry, q="建", region=GRID) == {"wjh"}
    assert found(users["community"], registry, q="建国", sex=2) == set()


def test_filter_by_life_status(users, registry):
    services.set_life_status(Actor(users["community"], "page"), registry["oyjg"], "deceased", date(2024, 1, 2))
    assert found(users["community"], registry, life_status="deceased") == {"oyjg"}


# --- age bands ------------------------------------------------------------------------

@pytest.mark.parametrize(
    "age_min, age_max, on, bounds",
    [
        # 60–69 on 2025-06-15: turned 60 by then (born ≤ 1965-06-15), not yet 70 (born > 1955-06-15)
        (60, 69, date(2025, 6, 15), (date(1955, 6, 16), date(1965, 6, 15))),
        # a newborn band: 0 on 2024-03-01 means born after 2023-03-01 (that baby turns 1 today)
        (0, 0, date(2024, 3, 1), (date(2023, 3, 2), date(2024, 3, 1))),
        # 18+ on 29 Feb 2024: born 2006-02-28 turned 18 yesterday; born 2006-03-01 not yet
        (18, None, date(2024, 2, 29), (None, date(2006, 2, 28))),
        # 19+ on 28 Feb 2023 (common year): a baby of 29 Feb 2004 reaches 19 on 28 Feb
        (19, None, date(2023, 2, 28), (None, date(2004, 2, 29))),
        # 20+ on 28 Feb 2024 (leap year): a baby of 29 Feb 2004 turns 20 only tomorrow
        (20, None, date(2024, 2, 28), (None, date(2004, 2, 28))),
        # ≤18 on 28 Feb 2023: a baby of 29 Feb 2004 is already 19, so the band starts 1 March
        (None, 18, date(2023, 2, 28), (date(2004, 3, 1), None)),
        # ≤18 on 29 Feb 2024: born 2005-02-28 turned 19 yesterday
        (None, 18, date(2024, 2, 29), (date(2005, 3, 1), None)),
    ],
)
def test_birth_date_bounds_of_an_age_band(age_min, age_max, on, bounds):
    assert birth_date_bounds(age_min, age_max, on) == bounds


def test_age_band_search_counts_the_29_february_birthday_on_28_february(users, make_person, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: date(2023, 2, 28))
    people = {
        "leap": make_person(name="闰日生", birth=date(2004, 2, 29)),     # 19 on 2023-02-28
        "eve": make_person(name="前日生", birth=date(2004, 2, 28)),      # 19
        "march": make_person(name="三月生", birth=date(2004, 3, 1)),     # 18
    }
    user = users["community"]
    assert found(user, people, age_min=19, age_max=19) == {"leap", "eve"}
    assert found(user, people, age_max=18) == {"march"}
    assert found(user, people, age_min=18) == {"leap", "eve", "march"}


def test_age_is_reached_on_the_birthday(users, make_person, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: date(2025, 6, 15))
    people = {
        "today": make_person(name="今天满六十", birth=date(1965, 6, 15)),
        "tomorrow": make_person(name="明天满六十", birth=date(1965, 6, 16)),
    }
    assert found(users["community"], people, age_min=60) == {"today"}
    assert found(users["community"], people, age_max=59) == {"tomorrow"}


# --- scope ----------------------------------------------------------------------------

OWNER_TERMS = ["建国", "建", "zjg", "zhangjianguo", "620702198005170010", "0010", "170010", "13812345678",
               "11010519491231002x", "002X", "lxy"]


@pytest.mark.parametrize("q", OWNER_TERMS)
def test_the_peer_never_finds_the_owners_persons(users, registry, q):
    assert found(users["peer"], registry, q=q) <= {"peer"}


@pytest.mark.parametrize("q", OWNER_TERMS)
def test_the_outsider_never_finds_the_owners_persons(users, registry, q):
    assert found(users["outsider"], registry, q=q) <= {"out"}


def test_each_community_finds_its_own_namesake(users, registry):
    assert found(users["community"], registry, q="zjg") == {"zjg"}
    assert found(users["peer"], registry, q="zjg") == {"peer"}
    assert found(users["outsider"], registry, q="zjg") == {"out"}


def test_wider_scopes_find_everyone_below_them(users, registry):
    assert found(users["township"], registry, q="zjg") == {"zjg", "peer"}
    assert found(users["county"], registry, q="zjg") == {"zjg", "peer"}
    assert found(users["city"], registry, q="zjg") == {"zjg", "peer", "out"}
    assert found(users["admin"], registry, q="zjg") == {"zjg", "peer", "out"}


def test_a_grid_member_finds_only_the_grid(users, registry):
    assert found(users["grid_member"], registry, q="建") == {"wjh"}
    assert found(users["grid_member"], registry) == {"wjh"}


def test_the_peers_own_phone_is_found_only_by_the_peer(users, registry):
    assert found(users["peer"], registry, q="13987654321") == {"peer"}
    assert found(users["community"], registry, q="13987654321") == set()


def test_a_region_filter_cannot_widen_the_scope(users, registry):
    assert found(users["community"], registry, region=PEER_COMMUNITY) == set()
    assert found(users["community"], registry, region="62") == {"zjg", "lxy", "wjh", "oyjg", "mmt"}


@pytest.mark.parametrize("who", ["org", "auditor"])
def test_roles_without_the_registry_find_nothing(users, registry, who):
    assert found(users[who], registry) == set()
    assert found(users[who], registry, q="zjg") == set()


def test_a_landline_is_found_whole(users, make_person):
    p = {"ll": make_person(name="孙立", phone="0936 8212345")}
    assert found(users["community"], p, q="0936-8212345") == {"ll"}
    assert found(users["community"], p, q="(0936)8212345") == {"ll"}
    assert found(users["peer"], p, q="0936-8212345") == set()


# --- counts for the home page and the region tree -------------------------------------

def test_scope_counts_see_only_the_scope(users, registry):
    from jiayuan.people.selectors import counts_by_child, scope_counts
    from jiayuan.regions.models import Region

    actor = Actor(users["admin"], "command")
    services.create_household(actor, {"number": "0001", "region": GRID}, registry["wjh"])
    services.add_tag(actor, registry["lxy"], "elderly_living_alone", valid_from=date(2020, 1, 1))
    services.add_tag(actor, registry["peer"], "elderly_living_alone", valid_from=date(2020, 1, 1))
    services.set_life_status(actor, registry["mmt"], "moved_out", date(2024, 1, 1))

    def summary(user):
        c = scope_counts(user)
        return c.households, c.persons, dict((k.code, n) for k, n in c.tags)["elderly_living_alone"]

    assert summary(users["community"]) == (1, 4, 1)    # 5 persons, one moved out
    assert summary(users["peer"]) == (0, 1, 1)
    assert summary(users["outsider"]) == (0, 1, 0)
    assert summary(users["township"]) == (1, 5, 2)
    assert summary(users["org"]) == (0, 0, 0)
    assert summary(users["auditor"]) == (0, 0, 0)

    street = Region.objects.get(code="620702001")
    children = Region.objects.filter(parent=street)
    by_child = counts_by_child(users["township"], street, children)
    assert by_child[OWNER_COMMUNITY] == {"persons": 4, "households": 1}
    assert by_child[PEER_COMMUNITY] == {"persons": 1, "households": 0}
    assert counts_by_child(users["peer"], street, children)[OWNER_COMMUNITY] == {"persons": 0, "households": 0}
