"""Hostile input to ``/api/v1/children-homes``: unknown fields are named, not dropped."""

import pytest

from jiayuan.children.models import ChildrensHome
from jiayuan.conftest import OUTSIDE_VILLAGE

from .test_homes_api import fields, home, patch  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("change", [{"region": OUTSIDE_VILLAGE}, {"capacityy": 40}, {"id": 999}])
def test_patching_a_field_that_cannot_change_is_422_naming_it(api_client, home, change):  # noqa: F811
    # the region is not changed (register the home anew); a misspelt field is no silent success
    c, path = api_client("township"), f"/api/v1/children-homes/{home['id']}"
    r = patch(c, path, {**change, "version": 1})
    assert r.status_code == 422 and list(change)[0] in fields(r), r.content
    h = ChildrensHome.objects.get(pk=home["id"])
    assert (h.region_id, h.capacity, h.version) == (home["region"], 30, 1)
