"""The 一表通 demo seeds through the services, once, and leaves work waiting: 交通巷社区's
form for ``shequ`` (with the office area entered once in another form pre-filled), an
overdue task for ``dongjie``, a draft form for ``city`` to approve."""

import pytest

from jiayuan.accounts.models import User
from jiayuan.audit.services import Actor
from jiayuan.stats import demo
from jiayuan.stats.models import ReportForm, ReportSubmission
from jiayuan.stats.yibiaotong import selectors

pytestmark = pytest.mark.django_db


class Ctx:
    def __init__(self):
        self.actor = Actor(None, "command")


def test_the_demo_seeds_once_with_work_waiting(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for username, role, scope in (("city", "city_admin", "6207"), ("ganzhou", "county_officer", "620702"),
                                  ("dongjie", "township_officer", "620702001"),
                                  ("shequ", "community_worker", "620702001001")):
        User.objects.create_user(username, password="x-Pass-2026", role=role, scope_id=scope, full_name=username)
    assert "交通巷社区待填报" in demo.seed_demo(Ctx())
    shequ, ganzhou, dongjie = (User.objects.get(username=u) for u in ("shequ", "ganzhou", "dongjie"))
    waiting = list(selectors.waiting_submissions(shequ))
    assert [s.task.form.code for s in waiting] == ["YBT-01"]
    cells = {i.element.code: c for i, c in selectors.unit_form(shequ, waiting[0]).rows}
    assert (cells["entered.office_area_m2"].value, cells["entered.office_area_m2"].provenance) == (180, "entered")
    task = waiting[0].task
    assert task.issuer == ganzhou
    counts = selectors.completion(task).counts
    assert counts["submitted"] == 4 and counts["total"] >= 5
    assert selectors.overdue_tasks(dongjie).count() == 1
    assert ReportForm.objects.filter(status="draft", author=ganzhou).count() == 1
    assert ReportSubmission.objects.filter(submitted_at__isnull=False).count() == 6
    assert demo.seed_demo(Ctx()) is None
