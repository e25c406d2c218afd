"""Fixtures of the children's tests: a 儿童主任 (the ``community`` user of 交通巷社区), a
colleague of the same community without the duty, a team member (``org``), and a child of
交通巷社区 whose file is open, with parents."""

import datetime

import pytest

from jiayuan.accounts.models import User
from jiayuan.audit.services import Actor
from jiayuan.children import services
from jiayuan.conftest import OWNER_COMMUNITY, PASSWORD, make_id_number

CHILD_BIRTH = datetime.date(2016, 4, 2)


@pytest.fixture
def admin_actor(users):
    return Actor(users["admin"], "command")


@pytest.fixture
def director(users, admin_actor):
    """``community`` named 儿童主任 of 交通巷社区."""
    services.appoint(admin_actor, "children_director", OWNER_COMMUNITY, users["community"].pk,
                     datetime.date(2025, 1, 1))
    return users["community"]


@pytest.fixture
def colleague(users):
    """Another community worker of 交通巷社区, without a children's duty."""
    u = User(username="colleague", role="community_worker", scope_id=OWNER_COMMUNITY, full_name="同社区同事")
    u.set_password(PASSWORD)
    u.save()
    users["colleague"] = u
    return u


@pytest.fixture
def child(make_person):
    return make_person(name="李小花", id_number=make_id_number(CHILD_BIRTH, 2))


@pytest.fixture
def child_file(director, child, users, admin_actor):
    """The file of 李小花 (both parents working away, urban registration: no category),
    opened by the director; ``org`` is the volunteer of her care team."""
    f = services.open_file(Actor(director, "page"), child.pk, {
        "guardian_name": "李奶奶", "guardian_relation": "祖母", "guardian_phone": "13800001111",
        "parents": {"father": {"name": "李大山", "working_away": True, "away_place": "浙江宁波"},
                    "mother": {"name": "王春梅", "working_away": True, "away_place": "新疆乌鲁木齐"}}},
        on=datetime.date(2026, 1, 10))
    services.set_team_member(Actor(director, "page"), f, "volunteer", user_id=users["org"].pk)
    f.refresh_from_db()
    return f


def png_bytes(width: int = 4, height: int = 3) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploads go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
