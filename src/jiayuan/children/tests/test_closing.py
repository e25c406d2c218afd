"""Closing a file (销档) with its reason and history, reopening it, and the roster exports
(need-to-know, audited). Ages worked by hand: a child born 2010-04-02 turns 16 on
2026-04-02 (周岁: the birthday itself counts) and 18 on 2028-04-02."""

import datetime
import io

import pytest

from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.children import rules, services
from jiayuan.children.models import ChildFile, ChildFileClosure
from jiayuan.conftest import make_id_number
from jiayuan.errors import Conflict, Forbidden, ValidationFailed

pytestmark = pytest.mark.django_db
BORN = datetime.date(2010, 4, 2)


def codes(errors):
    return [e.code for e in errors]


@pytest.mark.parametrize("reason, on, categories, expected", [
    ("age_16", datetime.date(2026, 4, 1), [], ["close.too_young"]),          # the day before the 16th birthday
    ("age_16", datetime.date(2026, 4, 2), [], []),                           # the birthday
    ("age_16", datetime.date(2026, 4, 2), ["in_difficulty"], ["close.still_in_category"]),
    ("age_16", datetime.date(2026, 4, 2), ["left_behind"], []),
    ("age_18", datetime.date(2028, 4, 1), [], ["close.too_young"]),
    ("age_18", datetime.date(2028, 4, 2), ["de_facto_unsupported"], []),
    ("parents_back", datetime.date(2026, 1, 1), ["left_behind"], []),
    ("other", datetime.date(2026, 1, 1), [], ["close.note_required"]),
    ("graduated", datetime.date(2026, 1, 1), [], ["close.reason"]),
])
def test_the_close_rule_at_the_boundaries(reason, on, categories, expected):
    assert codes(rules.check_close(reason, birth_date=BORN, on=on, categories=categories, note="")) == expected


@pytest.fixture
def teen_file(director, make_person):
    child = make_person(name="王小军", id_number=make_id_number(BORN, 1))
    return services.open_file(Actor(director, "page"), child.pk, {}, on=datetime.date(2026, 1, 10))


def test_closing_keeps_the_history_and_reopening_adds_to_it(teen_file, director):
    a = Actor(director, "page")
    with pytest.raises(ValidationFailed) as exc:
        services.close_file(a, teen_file, "age_16", on=datetime.date(2026, 4, 1))
    assert exc.value.fields["reason"][0]["code"] == "close.too_young"
    f = services.close_file(a, teen_file, "age_16", "年满16周岁", on=datetime.date(2026, 4, 2))
    assert (f.status, f.closed_on, f.close_reason) == ("closed", datetime.date(2026, 4, 2), "age_16")
    with pytest.raises(Conflict):
        services.close_file(a, f, "age_16", on=datetime.date(2026, 4, 3))
    f = services.reopen_file(a, f, "父母再次外出务工", on=datetime.date(2026, 5, 6))
    assert f.status == "open" and f.closed_on is None
    # the next visit as for a new file of the highest grade (red: one month): 2026-06-06
    assert f.next_visit_due == datetime.date(2026, 6, 6)
    rows = list(ChildFileClosure.objects.filter(file=f).values_list("closed_on", "reason", "reopened_on",
                                                                    "reopen_note"))
    assert rows == [(datetime.date(2026, 4, 2), "age_16", datetime.date(2026, 5, 6), "父母再次外出务工")]
    assert AuditEntry.objects.filter(action__in=["child_file.close", "child_file.reopen"],
                                     object_id=f.pk).count() == 2


def test_an_open_referral_stops_the_closing(child_file, director):
    a = Actor(director, "page")
    case = services.open_referral(a, child_file, "health", "需要体检")
    with pytest.raises(Conflict) as exc:
        services.close_file(a, child_file, "parents_back")
    assert exc.value.code == "child_file.open_referrals"
    from jiayuan.cases import services as case_services

    case_services.transition(a, case, "withdraw", version=case.version, comment="已自行就医")
    assert services.close_file(a, child_file, "parents_back").status == "closed"
    # a closed file takes no new referral
    with pytest.raises(ValidationFailed):
        services.open_referral(a, ChildFile.objects.get(pk=child_file.pk), "health", "x")


def test_a_team_member_may_not_close(child_file, users):
    with pytest.raises(Forbidden):
        services.close_file(Actor(users["org"], "page"), child_file, "parents_back")


def test_the_close_page(page_client, child_file, colleague):
    assert page_client("colleague").post(f"/children/{child_file.pk}/close/", {"reason": "moved_away"}).status_code == 404
    r = page_client("community").post(f"/children/{child_file.pk}/close/",
                                      {"reason": "moved_away", "note": "随父母迁往宁波", "version": child_file.version})
    assert r.status_code == 302
    body = page_client("community").get(f"/children/{child_file.pk}/").content.decode()
    assert "随父母迁往宁波" in body and 'data-testid="reopen-form"' in body


def test_the_close_api(api_client, child_file, colleague):
    r = api_client("colleague").post(f"/api/v1/children/{child_file.pk}/close", {"reason": "moved_away"},
                                     content_type="application/json")
    assert r.status_code == 404
    r = api_client("community").post(f"/api/v1/children/{child_file.pk}/close", {"reason": "other"},
                                     content_type="application/json")
    assert r.status_code == 422 and r.json()["error"]["fields"]["note"][0]["code"] == "close.note_required"
    r = api_client("community").post(f"/api/v1/children/{child_file.pk}/close", {"reason": "moved_away"},
                                     content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "closed"


# --- exports ---------------------------------------------------------------------------------

def _sheet(resp):
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(b"".join(resp.streaming_content) if resp.streaming else resp.content))
    return [[c.value for c in row] for row in wb.active.iter_rows()]


def test_the_roster_export_holds_only_the_files_one_reads_and_is_audited(page_client, child_file, colleague):
    r = page_client("community").get("/children/export.xlsx")
    assert r.status_code == 200
    assert "filename*=UTF-8''" in r["Content-Disposition"] and r["X-Export-Rows"] == "1"
    from urllib.parse import unquote

    assert "儿童档案花名册" in unquote(r["Content-Disposition"])
    rows = _sheet(r)
    assert rows[1][:4] == ["姓名", "性别", "出生日期", "所属村（社区）"]
    assert rows[2][0] == "李小花" and rows[2][14] == "community"     # 儿童主任 named
    entry = AuditEntry.objects.filter(action="child_file.export").latest("id")
    assert entry.extra["ids"] == [child_file.pk] and entry.actor_name == "community"
    # a colleague of the same community exports an empty roster (and that is audited too)
    r = page_client("colleague").get("/children/export.xlsx")
    assert r.status_code == 200 and r["X-Export-Rows"] == "0" and len(_sheet(r)) == 2


def test_the_overdue_export(page_client, child_file):
    """The file's first visit was due 2026-02-10 (opened 2026-01-10, red: one month):
    overdue today (the test runs after that day)."""
    r = page_client("county").get("/children/export.xlsx?overdue=on")
    from urllib.parse import unquote

    assert "儿童探访逾期名单" in unquote(r["Content-Disposition"]) and r["X-Export-Rows"] == "1"
    assert _sheet(r)[2][8] == "是"


def test_the_export_needs_the_export_permission(page_client, child_file, users):
    # org staff (a team member) reads the file but does not hold `export`
    assert page_client("org").get("/children/export.xlsx").status_code == 403
