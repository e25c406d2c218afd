"""Shared test fixtures: the real Zhangye divisions (loaded once per test database), one
user per role at each level of the tree, and factories for persons and API clients.

Scope layout used across the suite:

- ``community``: community worker of 交通巷社区 (620702001001), the owner;
- ``peer``: community worker of 甘泉社区 (620702001005), same street, other community;
- ``outsider``: community worker of 六坝村 (620722102200), another county;
- ``grid_member``: grid member of grid 620702001001001 (created here);
- ``township`` 东街街道, ``county`` 甘州区, ``city`` 张掖市, ``auditor`` (city), ``org`` (org staff).
"""

import itertools
from datetime import date

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from jiayuan.accounts.models import User
from jiayuan.audit.services import Actor
from jiayuan.people import rules
from jiayuan.regions.models import Region

# Fixture plugins of test-only code (jiayuan/tests/fixtures/), for the whole suite.
pytest_plugins = ["jiayuan.tests.fixtures.cases"]

OWNER_COMMUNITY = "620702001001"
PEER_COMMUNITY = "620702001005"
OUTSIDE_VILLAGE = "620722102200"
GRID = "620702001001001"
PEER_GRID = "620702001005001"


# The data migrations' seeds (module, function): each is idempotent (update_or_create) and
# never uses its schema editor. The official calendar and the case types are seeded again
# by cases' own post_migrate handlers, which a flush triggers.
SEED_MIGRATIONS = (
    ("jiayuan.assistance.migrations.0002_programs", "seed"),
    ("jiayuan.children.migrations.0003_allowance_programs", "seed"),
    ("jiayuan.governance.migrations.0002_body_kinds", "seed"),
    ("jiayuan.governance.migrations.0005_activity_kinds", "seed"),
    ("jiayuan.grid.migrations.0003_event_categories", "forwards"),
    ("jiayuan.servicecenter.migrations.0002_catalogs", "forwards"),
)


def seed_reference_data() -> None:
    """The reference data every test starts from, idempotently: the divisions of 张掖市
    (6207), the two test grids (:data:`GRID`, :data:`PEER_GRID`), and the rows the data
    migrations seed — tag kinds (people 0002; its function also builds indexes, so its
    list is read), programs (assistance 0002, children 0003), body and activity kinds,
    event categories and the service centre's catalogs (:data:`SEED_MIGRATIONS`)."""
    import importlib

    from django.apps import apps

    from jiayuan.people.models import TagKind

    call_command("load_divisions", prefix="6207", verbosity=0)
    for code, parent in ((GRID, OWNER_COMMUNITY), (PEER_GRID, PEER_COMMUNITY)):
        Region.objects.get_or_create(code=code, defaults={"name": "第一网格", "level": "grid", "parent_id": parent})
    people = importlib.import_module("jiayuan.people.migrations.0002_search_indexes_and_tag_kinds")
    for code, name, desc, sort in people.TAG_KINDS:
        TagKind.objects.update_or_create(code=code, defaults={"name": name, "description": desc, "sort": sort})
    for module, function in SEED_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        seed_reference_data()


@pytest.fixture(scope="session", autouse=True)
def _whole_code_loaded():
    """Before the first test, the URLconf — and through it every app's views and API
    modules — is imported, so that a session runs one version of the code. Otherwise it
    is imported at the first ``reverse()`` or request, which may come minutes later: a
    change of the source tree in between (a merge into the checkout the tests run from)
    mixed old and new modules, and that test failed on an import error while it passed
    alone (workforce's to-do test, the first of ``test_services.py`` to reverse a URL)."""
    from django.urls import get_resolver

    get_resolver().url_patterns


@pytest.fixture(autouse=True)
def _default_language_after():
    """After each test, the default language (Chinese) again. A request in English leaves
    English active on the thread (LocaleMiddleware activates a language per request and
    nothing deactivates it), and a later test that calls code directly would read English
    (web/tests/test_todo.py after cases/tests/test_i18n_names.py did)."""
    yield
    translation.deactivate()


PASSWORD = "Test-pass-2026"

ROLE_USERS = {
    "city": ("city_admin", "6207"),
    "county": ("county_officer", "620702"),
    "township": ("township_officer", "620702001"),
    "community": ("community_worker", OWNER_COMMUNITY),
    "peer": ("community_worker", PEER_COMMUNITY),
    "outsider": ("community_worker", OUTSIDE_VILLAGE),
    "grid_member": ("grid_member", GRID),
    "auditor": ("auditor", "6207"),
    "org": ("org_staff", "620702"),
}


def _make_user(name: str, role: str, scope: str | None) -> User:
    user = User(username=name, role=role, scope_id=scope, full_name=name, is_superuser=scope is None)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def users(db, settings) -> dict[str, User]:
    """One user per key of ROLE_USERS, plus ``admin`` (superuser). Fast password hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out = {name: _make_user(name, role, scope) for name, (role, scope) in ROLE_USERS.items()}
    out["admin"] = _make_user("admin", "", None)
    return out


_seq = itertools.count(1)


def make_id_number(birth: date = date(1980, 5, 17), sex: int = 1, area: str = "620702") -> str:
    """A valid ID number (GB 11643 check character computed by id_check_char) with exactly
    the given birth date and sex: odd sequences 001–999 for men, even 002–998 for women.
    Numbers of the same birth date, sex and area repeat only after 499 calls, so they are
    unique within any test (each test's rows are rolled back)."""
    n = next(_seq)
    seq = 2 * (n % 500) + 1 if sex == 1 else 2 * (n % 499) + 2
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + rules.id_check_char(first17)


@pytest.fixture
def make_person(users):
    """Factory: ``make_person(region=OWNER_COMMUNITY, name="张建国", **fields)`` registered
    through the service as the admin."""
    from jiayuan.people.services import create_person

    def factory(region: str = OWNER_COMMUNITY, name: str = "张建国", **fields):
        data = {"name": name, "id_number": fields.pop("id_number", None) or make_id_number(
            fields.pop("birth", date(1980, 5, 17)), fields.pop("sex_for_id", 1)), "region": region}
        data.update(fields)
        return create_person(Actor(users["admin"], "command"), data)

    return factory


@pytest.fixture
def api_client(users):
    """Factory: ``api_client("community")`` → a Client whose requests carry that user's
    bearer token (issued through POST /api/v1/auth/token)."""

    def factory(who: str) -> Client:
        client = Client()
        resp = client.post("/api/v1/auth/token", {"username": who, "password": PASSWORD},
                           content_type="application/json")
        assert resp.status_code == 200, resp.content
        token = resp.json()["token"]
        return Client(headers={"Authorization": f"Bearer {token}"})

    return factory


@pytest.fixture
def page_client(users):
    """Factory: ``page_client("community")`` → a Client logged in through the session."""

    def factory(who: str) -> Client:
        client = Client()
        client.force_login(users[who])
        return client

    return factory


@pytest.fixture
def audit_log_flushable(transactional_db):
    """Let pytest-django flush the tables after a transactional test.

    The audit log refuses DELETE by trigger (append-only). PostgreSQL's flush uses
    TRUNCATE, which row triggers do not see; SQLite's flush is ``DELETE FROM``, which the
    trigger refuses. Before the flush (this fixture tears down first), empty the log with
    the trigger briefly dropped and put the trigger back, so the flush finds nothing."""
    yield
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cur:
        cur.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_auditentry'")
        triggers = [row[0] for row in cur.fetchall()]
        cur.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_auditentry'")
        for (name,) in cur.fetchall():
            cur.execute(f'DROP TRIGGER "{name}"')
        cur.execute("DELETE FROM audit_auditentry")
        for sql in triggers:
            cur.execute(sql)


def _is_transactional(request) -> bool:
    names = request.fixturenames
    if "transactional_db" in names or "live_server" in names:
        return True
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction", marker.args[0] if marker.args else False))


@pytest.fixture(autouse=True)
def _every_transactional_test_flushes(request):
    """Every transactional test (browser tests with ``live_server`` and
    ``django_db(transaction=True)`` included) gets :func:`audit_log_flushable`, whether it
    asks for it or not: a test that forgot it left its rows behind on SQLite (the flush
    stopped at the append-only audit log), and the next transactional test failed at
    set-up on a foreign key (stats' dashboards browser test before eldercare's orders
    browser test in the full run).

    And every transactional test starts from the reference data of the session set-up
    (:func:`seed_reference_data`): the flush that ends a transactional test empties every
    table, data migrations' rows included, so each later one would otherwise have to load
    again the divisions, grids and catalogs it needs. pytest-django runs the transactional
    tests after all the others, so only they can meet a flushed database."""
    if _is_transactional(request):
        request.getfixturevalue("audit_log_flushable")
        if not Region.objects.filter(code=PEER_GRID).exists():   # a flush empties every table at once
            seed_reference_data()
    yield


def launch_chromium(p):
    """Debian's Chromium under Playwright (browser downloads do not work here), with the
    flags this machine needs. Skips the test when chromium is not installed;
    ``make test`` and CI install it (scripts/ensure-chromium)."""
    import shutil

    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (scripts/ensure-chromium installs it)")
    return p.chromium.launch(executable_path=chromium,
                             args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])


@pytest.fixture(autouse=True)
def _fresh_case_declarations():
    """Before each test, no parsed case-type declaration cached. ``cases.selectors.decl_of``
    caches by the row's primary key because stored versions are immutable and a key is
    never reused in production; a test database reuses keys after a rollback or flush, so
    a declaration parsed in one test could answer for another test's type with the same
    key (cases/tests/test_read_filter.py failed after other tests in the full run)."""
    from jiayuan.cases import selectors

    selectors._DECL_CACHE.clear()
    yield
