"""Test fixtures shared by the case-engine apps (cases, grid, servicecenter, open311,
and their API tests). Each of those apps' ``tests/conftest.py`` does
``from jiayuan.cases.testing import *``.

Adds to the project's fixtures (jiayuan/conftest.py): departments with staff, a
community director, photo uploads, and ``act`` to take a transition on the current version.
"""

import io

import pytest

from jiayuan.audit.services import Actor
from jiayuan.conftest import GRID, OWNER_COMMUNITY, PASSWORD

__all__ = ["live_data", "media_root", "depts", "more_users", "photo", "act", "report_event", "GRID", "OWNER_COMMUNITY",
           "png_bytes", "CITY_MGMT", "CIVIL_AFFAIRS", "HR_SOCIAL", "STREET_TEAM"]

CITY_MGMT = "gz-cgj"        # 甘州区城市管理局 (county)
CIVIL_AFFAIRS = "gz-mzj"    # 甘州区民政局 (county)
HR_SOCIAL = "gz-rsj"        # 甘州区人力资源和社会保障局 (county)
STREET_TEAM = "dj-cgzd"     # 东街街道城管中队 (street)


def png_bytes(size=(8, 6), color=(200, 30, 30), fmt="PNG") -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, fmt)
    return buf.getvalue()


@pytest.fixture
def live_data(transactional_db):
    """For tests with real transactions (threads on PostgreSQL): the flush after an
    earlier transactional test empties every table, so put back what the suite relies on
    — the divisions and grids, the shipped catalogs and the case types."""
    from django.core.management import call_command

    from jiayuan.cases.services import sync_case_types
    from jiayuan.conftest import PEER_COMMUNITY, PEER_GRID
    from jiayuan.grid.services import load_event_categories
    from jiayuan.regions.models import Region
    from jiayuan.servicecenter.services import load_catalogs

    call_command("load_divisions", prefix="6207", verbosity=0)
    for code, parent in ((GRID, OWNER_COMMUNITY), (PEER_GRID, PEER_COMMUNITY)):
        Region.objects.get_or_create(code=code, defaults={"name": "第一网格", "level": "grid", "parent_id": parent})
    load_event_categories(Actor(None, "command"))
    load_catalogs(Actor(None, "command"))
    sync_case_types()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def more_users(users):
    """``director`` (community director of the owner community), department staff
    ``dept`` (city management), ``dept2`` (civil affairs), ``dept3`` (human resources
    and social security), ``street_dept`` (the street's team), and ``other_grid``
    (grid member of the peer community's grid)."""
    from jiayuan.accounts.models import User
    from jiayuan.conftest import PEER_GRID

    def make(name, role, scope):
        u = User(username=name, role=role, scope_id=scope, full_name=name)
        u.set_password(PASSWORD)
        u.save()
        return u

    out = dict(users)
    out["director"] = make("director", "community_director", OWNER_COMMUNITY)
    out["dept"] = make("dept", "department_staff", "620702")
    out["dept2"] = make("dept2", "department_staff", "620702")
    out["dept3"] = make("dept3", "department_staff", "620702")
    out["street_dept"] = make("street_dept", "department_staff", "620702001")
    out["other_grid"] = make("other_grid", "grid_member", PEER_GRID)
    return out


@pytest.fixture
def depts(more_users):
    """{code: Department} for the four departments above, staffed."""
    from jiayuan.cases.models import Department, DepartmentMember

    rows = {}
    for code, name, region, staff in (
        (CITY_MGMT, "甘州区城市管理局", "620702", "dept"),
        (CIVIL_AFFAIRS, "甘州区民政局", "620702", "dept2"),
        (HR_SOCIAL, "甘州区人力资源和社会保障局", "620702", "dept3"),
        (STREET_TEAM, "东街街道城管中队", "620702001", "street_dept"),
    ):
        d = Department.objects.create(code=code, name=name, region_id=region)
        DepartmentMember.objects.create(department=d, user=more_users[staff])
        rows[code] = d
    return rows


@pytest.fixture
def photo(more_users):
    """``photo(who)`` → id of a stored PNG uploaded by that user."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from jiayuan.cases.services import store_attachment

    def upload(who: str, data: bytes | None = None, name: str = "photo.png") -> int:
        f = SimpleUploadedFile(name, data or png_bytes(), content_type="image/png")
        return store_attachment(Actor(more_users[who], "api"), f).pk

    return upload


@pytest.fixture
def act(more_users):
    """``act(who, case, action, comment=…, attachments=…, fields=…)`` → the case after
    the transition, acting on the case's current version (reloaded)."""
    from jiayuan.cases.models import Case
    from jiayuan.cases.services import transition

    def run(who: str, case, action: str, **kw):
        case = Case.objects.get(pk=case.pk)
        kw.setdefault("version", case.version)
        return transition(Actor(more_users[who], "api"), case, action, **kw)

    return run


@pytest.fixture
def report_event(more_users, photo):
    """``report_event(who="grid_member", **payload)`` → a new grid event (case)."""
    from jiayuan.cases.services import create_case

    def run(who: str = "grid_member", **payload):
        payload.setdefault("category", "sanitation.garbage")
        payload.setdefault("description", "小区门口垃圾堆放三天未清运")
        payload.setdefault("region", GRID)
        case, created = create_case(Actor(more_users[who], "api"), "grid_event", payload,
                                    request_key=payload.pop("request_key", ""))
        return case

    return run
