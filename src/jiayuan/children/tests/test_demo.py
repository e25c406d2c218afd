"""The children's demo seeds files, duties, two referrals and the 未来星 home once, through
the services; the referrals are read by the 儿童主任 and not by another worker of the
village."""

from datetime import date

import pytest

from jiayuan.accounts.models import User
from jiayuan.audit.services import Actor
from jiayuan.cases import selectors as case_selectors
from jiayuan.children import demo
from jiayuan.children.models import ChildFile
from jiayuan.conftest import make_id_number

pytestmark = pytest.mark.django_db


class Ctx:
    def __init__(self):
        self.actor = Actor(None, "command")

    def account(self, username, role, scope, full_name):
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username, password="x-Pass-2026", role=role, scope_id=scope,
                                            full_name=full_name)
        return user


def test_the_demo_seeds_once_with_referrals(users, settings):
    from jiayuan.people.services import create_household, create_person

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    admin = Actor(users["admin"], "command")
    for i in range(4):
        kid = create_person(admin, {"name": "六坝儿童" + "甲乙丙丁"[i], "region": demo.VILLAGE,
                                    "id_number": make_id_number(date(2016, 1, 1 + i), 1 + i % 2, "620722")})
        create_household(admin, {"number": f"LB{i}", "region": demo.VILLAGE}, kid)
    summary = demo.seed_demo(Ctx())
    assert summary and "4 份儿童档案" in summary and "2 件转介" in summary
    ertong = User.objects.get(username="ertong")
    referrals = case_selectors.cases_for(ertong).filter(type_code="child_referral")
    assert referrals.count() == 2 and sorted(referrals.values_list("state", flat=True)) == ["handling", "referred"]
    other = User.objects.create_user("other", password="x-Pass-2026", role="community_worker",
                                     scope_id=demo.VILLAGE, full_name="同村其他工作人员")
    assert not case_selectors.cases_for(other).filter(type_code="child_referral").exists()
    assert ChildFile.objects.count() == 4
    assert demo.seed_demo(Ctx()) is None
