"""``make demo`` (jiayuan demo-setup) runs the whole grid-event loop with demo accounts:
departments for 甘州区 with a staff account each, grid events waiting at each step; and a
second run changes nothing (issue 10)."""

import pytest
from django.apps import apps
from django.core.management import call_command

from jiayuan.accounts.models import User
from jiayuan.audit.models import AuditEntry
from jiayuan.cases.models import Case, CaseTask, Department, DepartmentMember

DEMO_PASSWORD = "Demo-pass-2026"


def _snapshot() -> dict:
    rows = {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.managed}
    rows["audit.last"] = AuditEntry.objects.order_by("-seq").values_list("seq", "entry_hash").first()
    rows["cases"] = sorted(Case.objects.values_list("request_key", "state", "version"))
    rows["passwords"] = sorted(User.objects.values_list("username", "password"))
    return rows


@pytest.fixture
def demo(transactional_db, audit_log_flushable, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.DEMO_PASSWORD = DEMO_PASSWORD
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("demo_setup", persons=150, stdout=open("/dev/null", "w"))


def test_demo_departments_accounts_and_events_and_a_second_run_changes_nothing(demo):
    expected = {  # code: (name, region, categories taken, staff)
        "gz-cgj": ("甘州区城市管理局", "620702", ["facility", "sanitation"], "chengguan"),
        "gz-zjj": ("甘州区住房和城乡建设局", "620702", ["facility", "safety"], "zhujian"),
        "gz-mzj": ("甘州区民政局", "620702", ["livelihood"], "minzheng"),
        "dj-pcs": ("甘州公安分局东街派出所", "620702001", ["dispute", "order"], "paichusuo"),
        "gz-gd": ("甘州区供电公司", "620702", ["livelihood", "safety"], "gongdian"),
    }
    for code, (name, region, cats, staff) in expected.items():
        d = Department.objects.get(code=code)
        assert (d.name, d.region_id, d.categories, d.case_types, d.active) == (name, region, cats, ["grid_event"], True)
        u = User.objects.get(username=staff)
        assert (u.role, u.is_active, u.check_password(DEMO_PASSWORD)) == ("department_staff", True, True)
        assert DepartmentMember.objects.get(user=u).department == d
    states = dict(Case.objects.filter(created_by__username="wangge").values_list("request_key", "state"))
    assert states == {"demo-event-reported": "reported", "demo-event-accepted": "accepted",
                      "demo-event-dispatched": "dispatched", "demo-event-handled": "handled",
                      "demo-event-closed": "closed"}
    waiting = Case.objects.get(request_key="demo-event-dispatched")
    assert list(CaseTask.objects.filter(case=waiting).values_list("department__code", "status")) == [
        ("gz-cgj", "pending")]

    before = _snapshot()
    call_command("demo_setup", persons=150, stdout=open("/dev/null", "w"))
    assert _snapshot() == before


@pytest.mark.django_db
def test_an_account_a_module_also_uses_is_printed_once():
    """A module's demo may give work to a shared account (ctx.account("city", …)): the
    printed table lists each account once, the module's own accounts after the others."""
    import io as _io

    from jiayuan.web.management.commands.demo_setup import DEMO_ACCOUNTS, Command

    out = _io.StringIO()
    cmd = Command(stdout=out)
    cmd._print("pw", [("city", "city_admin", "6207", "张掖市民政局管理员"),
                      ("ertong", "community_worker", "620722100200", "六坝村儿童主任"),
                      ("ertong", "community_worker", "620722100200", "六坝村儿童主任")])
    lines = [line.split()[0] for line in out.getvalue().splitlines() if line.startswith("  ")]
    assert lines == [a[0] for a in DEMO_ACCOUNTS] + ["ertong"]
