import pytest

from jiayuan.conftest import GRID

from jiayuan.audit.services import Actor
from jiayuan.disability import services

HOLDER_ID = "11010519491231002X"  # GB 11643 published example


@pytest.fixture
def holder(make_person):
    """A person of 交通巷社区's first grid (in the scope of the community worker and of the
    grid member) whose ID number is the published example 11010519491231002X."""
    return make_person(region=GRID, name="王秀英", id_number=HOLDER_ID)


@pytest.fixture
def record(users):
    """``record(person, number, who="community", **kw)`` through the service."""

    def do(person, number, who="community", issued_on="2020-03-01", **kw):
        return services.record_certificate(Actor(users[who], "page"), person, number, issued_on, **kw)

    return do
