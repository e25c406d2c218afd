"""The engine as a service layer: case types from declarations, numbering, idempotency,
optimistic concurrency, deadlines, urging, the deadline sweep and attachments."""

import json
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.cases import declarations, services
from jiayuan.cases.models import Attachment, Case, CaseEvent, CaseType
from jiayuan.conftest import GRID
from jiayuan.tests.helpers import CITY_MGMT, png_bytes
from jiayuan.errors import Conflict, Forbidden, NotFound, ValidationFailed

BJ = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def test_case_types_are_stored_from_declarations(db):
    rows = {r.code: r for r in CaseType.objects.filter(is_current=True)}
    assert {"grid_event", "service_request"} <= set(rows)
    assert rows["grid_event"].definition["states"][0]["code"] == "reported"
    # syncing again changes nothing
    before = CaseType.objects.count()
    services.sync_case_types()
    assert CaseType.objects.count() == before


def test_changed_declaration_needs_a_new_version(db, monkeypatch):
    raw = json.loads(json.dumps(declarations.registered()["grid_event"]))
    raw["states"][0]["name"] = "已报告"
    monkeypatch.setitem(declarations._REGISTRY, "grid_event", raw)
    monkeypatch.setattr(declarations, "autodiscover", lambda: None)
    with pytest.raises(declarations.DeclarationError, match="请将 version 提升为 2"):
        services.sync_case_types()
    raw["version"] = 2
    services.sync_case_types()
    current = CaseType.objects.get(code="grid_event", is_current=True)
    assert current.version == 2
    assert CaseType.objects.get(code="grid_event", version=1).is_current is False


def test_a_module_adds_a_case_type_as_json_without_engine_code(db, tmp_path, monkeypatch, more_users):
    """A later module (here: a children's visit) declares its type in a JSON file."""
    decl = {
        "code": "child_visit", "version": 1, "name": "儿童探访", "create_roles": ["community_worker"],
        "read_permission": "view_cases",
        "initial_state": "planned",
        "states": [{"code": "planned", "name": "待探访", "queue": "community_worker", "limit": "5wd"},
                   {"code": "visited", "name": "已探访", "status": "closed"}],
        "transitions": [{"action": "record_visit", "name": "记录探访", "from": ["planned"], "to": "visited",
                         "roles": ["community_worker"], "comment": "required", "comment_label": "探访情况",
                         "fields": {"risk": {"type": "choice", "required": True, "label": "风险等级",
                                             "choices": [["red", "红"], ["yellow", "黄"], ["green", "绿"]]}}}],
    }
    (tmp_path / "child_visit.json").write_text(json.dumps(decl, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(declarations, "_REGISTRY", dict(declarations._REGISTRY))
    declarations.load_json(tmp_path)
    services.sync_case_types()
    actor = Actor(more_users["community"], "api")
    case, created = services.create_case(actor, "child_visit", {"region": "620702001001", "title": "探访小明"})
    assert created and case.state == "planned" and case.queue == "community_worker" and case.due_at
    with pytest.raises(ValidationFailed) as exc:
        services.transition(actor, case, "record_visit", version=case.version, comment="在家，状态良好")
    assert exc.value.fields["risk"][0]["code"] == "risk.required"
    case = services.transition(actor, case, "record_visit", version=case.version, comment="在家，状态良好",
                               fields={"risk": "green"})
    assert case.state == "visited" and not case.is_open and case.closed_at
    assert case.events.last().data == {"risk": "green"}


def test_numbers_per_region_per_day(report_event):
    a, b = report_event(), report_event()
    day = datetime.now(BJ).strftime("%Y%m%d")
    assert a.number == f"620702001001-{day}-0001"
    assert b.number == f"620702001001-{day}-0002"
    other = report_event("other_grid", region="620702001005001")
    assert other.number == f"620702001005-{day}-0001"


def test_double_submit_opens_one_case(report_event):
    a = report_event(request_key="form-token-1")
    b = report_event(request_key="form-token-1")
    assert a.pk == b.pk
    assert Case.objects.count() == 1


def test_every_write_is_audited(report_event, act, depts):
    case = report_event()
    act("township", case, "accept")
    actions = list(AuditEntry.objects.filter(object_id=str(case.pk), object_type="cases.case")
                   .values_list("action", flat=True))
    assert sorted(actions) == ["case.open", "case.transition"]


def test_stale_version_is_a_conflict_with_a_clear_message(report_event, more_users):
    case = report_event()
    stale = Case.objects.get(pk=case.pk)
    services.transition(Actor(more_users["township"], "api"), case, "accept", version=case.version)
    with pytest.raises(Conflict) as exc:
        services.transition(Actor(more_users["county"], "api"), stale, "return", version=stale.version,
                            comment="请补充照片")
    assert exc.value.code == "case.version_conflict"
    assert "已被他人处理" in exc.value.message and "已立案" in exc.value.message
    assert exc.value.status == 409
    assert Case.objects.get(pk=case.pk).state == "accepted"


def test_lost_race_on_the_conditional_update_is_a_conflict(report_event, more_users):
    """SQLite cannot run two writers at once: simulate the race by letting the other
    user's transition commit between our checks and our update."""
    case = report_event()
    mine = Case.objects.get(pk=case.pk)
    Case.objects.filter(pk=case.pk).update(version=mine.version + 1)  # the other one won
    with pytest.raises(Conflict) as exc:
        # our in-memory copy still says version N, so the checks pass and the UPDATE loses
        services.transition(Actor(more_users["township"], "api"), mine, "accept", version=mine.version)
    assert exc.value.code == "case.version_conflict"
    assert CaseEvent.objects.filter(case=case).count() == 1


def test_double_submit_of_a_transition_acts_once(report_event, more_users):
    case = report_event()
    actor = Actor(more_users["township"], "api")
    v = case.version
    first = services.transition(actor, case, "accept", version=v, request_key="k-1")
    again = services.transition(actor, Case.objects.get(pk=case.pk), "accept", version=v, request_key="k-1")
    assert first.version == again.version == v + 1
    assert CaseEvent.objects.filter(case=case, action="accept").count() == 1


def test_wrong_role_wrong_state_out_of_scope_and_unknown_action(report_event, more_users):
    case = report_event()
    with pytest.raises(Forbidden) as exc:
        services.transition(Actor(more_users["grid_member"], "api"), case, "accept", version=case.version)
    assert exc.value.code == "case.role_forbidden" and "乡镇（街道）干部" in exc.value.message
    with pytest.raises(Conflict) as exc:
        services.transition(Actor(more_users["township"], "api"), case, "close", version=case.version)
    assert exc.value.code == "case.invalid_state" and "已上报" in exc.value.message
    with pytest.raises(NotFound):
        services.transition(Actor(more_users["outsider"], "api"), case, "accept", version=case.version)
    with pytest.raises(Exception) as exc:
        services.transition(Actor(more_users["township"], "api"), case, "teleport", version=case.version)
    assert exc.value.code == "case.unknown_action"
    with pytest.raises(ValidationFailed) as exc:
        services.transition(Actor(more_users["township"], "api"), case, "accept", version=None)
    assert exc.value.code == "version.missing"


def test_due_times_follow_the_category_and_queues_sort_overdue_first(report_event, act, depts, more_users):
    from jiayuan.cases import selectors

    t0 = datetime(2025, 9, 26, 10, 0, tzinfo=BJ)
    actor = Actor(more_users["grid_member"], "api")
    late = services.create_case(actor, "grid_event", {"region": GRID, "category": "facility.manhole",
                                                      "description": "井盖缺失"}, now=t0)[0]
    # manhole: 2 hours to accept
    assert late.due_at == t0 + timedelta(hours=2)
    normal = services.create_case(actor, "grid_event", {"region": GRID, "category": "sanitation.garbage",
                                                        "description": "垃圾"}, now=t0)[0]
    # default 1 working day to accept, counted from Friday 26 Sep: Sunday 28 Sep (make-up day)
    assert normal.due_at == datetime(2025, 9, 28, 23, 59, 59, tzinfo=BJ)
    fresh = report_event()  # now: due tomorrow or later
    order = [c.pk for c in selectors.queue(more_users["township"])]
    assert order == [late.pk, normal.pk, fresh.pk]
    flags = selectors.search_cases(more_users["township"], selectors.CaseFilters(flag="overdue"))
    assert {c.pk for c in flags} == {late.pk, normal.pk}


def test_urge_is_recorded_without_touching_the_version(report_event, more_users):
    case = report_event()
    with pytest.raises(Forbidden):
        services.urge(Actor(more_users["community"], "api"), case, "请尽快")
    with pytest.raises(ValidationFailed):
        services.urge(Actor(more_users["county"], "api"), case, " ")
    services.urge(Actor(more_users["county"], "api"), case, "请于今日内立案")
    case.refresh_from_db()
    assert case.urge_count == 1 and case.version == 1
    line = case.events.get(kind="urge")
    assert line.comment == "请于今日内立案" and line.actor_name == "county"


def test_sweep_warns_or_escalates_once_per_state(report_event, act, depts, more_users):
    t0 = datetime(2025, 9, 26, 10, 0, tzinfo=BJ)
    actor = Actor(more_users["grid_member"], "api")
    case = services.create_case(actor, "grid_event", {"region": GRID, "category": "sanitation.garbage",
                                                      "description": "垃圾"}, now=t0)[0]
    later = datetime(2025, 9, 29, 9, 0, tzinfo=BJ)
    assert services.sweep_deadlines(later) == {"warned": 1, "escalated": 0}   # reported: warn
    assert services.sweep_deadlines(later) == {"warned": 0, "escalated": 0}   # only once
    case = act("township", case, "accept", now=later)
    # accepted: 1 working day → Tuesday 30 September 23:59:59; escalate when exceeded
    assert case.due_at == datetime(2025, 9, 30, 23, 59, 59, tzinfo=BJ)
    assert services.sweep_deadlines(datetime(2025, 10, 2, tzinfo=BJ)) == {"warned": 0, "escalated": 1}
    case.refresh_from_db()
    assert case.escalation_level == 1
    assert [e.kind for e in case.events.order_by("seq")] == ["open", "warn", "transition", "escalate"]
    from jiayuan.cases import selectors

    escalated = selectors.search_cases(more_users["county"], selectors.CaseFilters(escalated=True))
    assert [c.pk for c in escalated] == [case.pk]


def test_attachments_are_validated_images(more_users, photo):
    actor = Actor(more_users["grid_member"], "api")
    ok = Attachment.objects.get(pk=photo("grid_member"))
    assert ok.content_type == "image/png" and ok.width == 8 and ok.file.name.startswith("cases/")
    jpeg = Attachment.objects.get(pk=photo("grid_member", png_bytes(fmt="JPEG"), "x.jpg"))
    assert jpeg.image_format == "JPEG"
    for data, code in ((b"not an image at all", "attachment.not_image"),
                       (b"GIF89a" + b"\x00" * 20, "attachment.not_image"),
                       (b"", "attachment.empty")):
        with pytest.raises(ValidationFailed) as exc:
            services.store_attachment(actor, SimpleUploadedFile("a.png", data))
        assert exc.value.code == code


def test_attachment_size_and_pixel_limits(more_users, settings):
    actor = Actor(more_users["grid_member"], "api")
    settings.CASES_ATTACHMENT_MAX_BYTES = 50
    with pytest.raises(ValidationFailed) as exc:
        services.store_attachment(actor, SimpleUploadedFile("a.png", png_bytes((200, 200))))
    assert exc.value.code == "attachment.too_large"
    settings.CASES_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    settings.CASES_ATTACHMENT_MAX_PIXELS = 100
    with pytest.raises(ValidationFailed) as exc:
        services.store_attachment(actor, SimpleUploadedFile("a.png", png_bytes((20, 20))))
    assert exc.value.code == "attachment.too_many_pixels"


def test_someone_elses_upload_cannot_be_attached(more_users, photo, report_event):
    theirs = photo("community")
    with pytest.raises(ValidationFailed) as exc:
        report_event(attachments=[theirs])
    assert exc.value.code == "attachment.not_yours"
    mine = photo("grid_member")
    report_event(attachments=[mine])
    with pytest.raises(ValidationFailed):  # already used
        report_event(attachments=[mine])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_transitions_one_wins(live_data, report_event, more_users):
    """Two officers act on the same version at the same moment, in two threads with their
    own connections: one transition wins, the other gets case.version_conflict."""
    case = report_event()
    barrier = threading.Barrier(2)
    results = {}

    def run(who, action, comment):
        from django.db import connections

        try:
            barrier.wait()
            c = Case.objects.get(pk=case.pk)
            services.transition(Actor(more_users[who], "api"), c, action, version=1, comment=comment)
            results[who] = "ok"
        except Conflict as exc:
            results[who] = exc.code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=("township", "accept", "")),
               threading.Thread(target=run, args=("county", "return", "请补充位置"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == ["case.version_conflict", "ok"]
    case.refresh_from_db()
    assert case.version == 2
    assert case.events.filter(kind="transition").count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_concurrent_numbering_never_repeats(live_data, more_users):
    """Eight threads open cases in the same community at once: numbers 1–8, no gaps."""
    errors = []
    barrier = threading.Barrier(8)

    def run(i):
        from django.db import connections

        try:
            barrier.wait()
            services.create_case(Actor(more_users["grid_member"], "api"), "grid_event",
                                 {"region": GRID, "category": "sanitation.garbage", "description": f"垃圾 {i}"})
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    seqs = sorted(int(n.rsplit("-", 1)[1]) for n in Case.objects.values_list("number", flat=True))
    assert seqs == list(range(1, 9))


def test_department_must_cover_the_case_region(report_event, act, depts):
    from jiayuan.cases.models import Department

    far = Department.objects.create(code="ml-cgj", name="民乐县城市管理局", region_id="620722")
    case = act("township", report_event(), "accept")
    with pytest.raises(ValidationFailed) as exc:
        act("township", case, "dispatch", fields={"department": far.pk})
    assert exc.value.code == "department.not_found"  # finding 13: same answer as a missing department
    case = act("township", case, "dispatch", fields={"department": CITY_MGMT})
    assert case.department.code == CITY_MGMT


def test_same_form_token_with_the_new_version_still_acts_once(report_event, more_users):
    """The form token is looked up only when a transition cannot go through; a repeat that
    names the case's current version passes every check and is stopped by the unique
    (case, request_key) of the timeline instead: nothing of it stays, the case comes back
    as it is."""
    case = report_event()
    actor = Actor(more_users["township"], "api")
    first = services.transition(actor, case, "accept", version=1, request_key="k-2")
    assert first.state == "accepted" and first.version == 2
    # same token, current version 2, an action the state allows (挂账 from 已立案)
    again = services.transition(actor, first, "park", version=2, comment="等待汛期结束", request_key="k-2")
    assert (again.state, again.version) == ("accepted", 2)
    assert list(case.events.order_by("seq").values_list("action", flat=True)) == ["open", "accept"]
    assert AuditEntry.objects.filter(object_id=str(case.pk), action="case.transition").count() == 1


def test_a_transition_keeps_what_urging_and_the_sweep_wrote_meanwhile(report_event, act, more_users):
    """督办 and the deadline sweep change a case without raising its version: a transition
    taken on a copy read before them must not write their fields back."""
    # Friday; reported has 1 working day → Sunday 28 September 23:59:59 (a make-up working day)
    t0 = datetime(2025, 9, 26, 10, 0, tzinfo=BJ)
    case = services.create_case(Actor(more_users["grid_member"], "api"), "grid_event",
                                {"region": GRID, "category": "sanitation.garbage", "description": "垃圾"},
                                now=t0)[0]
    read_before = Case.objects.get(pk=case.pk)
    services.urge(Actor(more_users["county"], "api"), case, "请尽快立案")
    assert services.sweep_deadlines(datetime(2025, 9, 30, 9, 0, tzinfo=BJ)) == {"warned": 1, "escalated": 0}
    after = services.transition(Actor(more_users["township"], "api"), read_before, "accept",
                                version=read_before.version, now=datetime(2025, 9, 30, 10, 0, tzinfo=BJ))
    stored = Case.objects.get(pk=case.pk)
    for c in (after, stored):
        assert c.urge_count == 1 and c.last_urged_at is not None
        assert c.state == "accepted" and c.version == 2
        # a new state: overdue noted afresh; accepted has 1 working day → Wed 1 Oct is a
        # holiday (National Day, 1–8 Oct off), so Thursday 9 October 23:59:59
        assert c.overdue_noted is False
        assert c.due_at == datetime(2025, 10, 9, 23, 59, 59, tzinfo=BJ)
    assert read_before.state == "reported" and read_before.urge_count == 0   # the caller's copy is untouched
    assert [e.seq for e in stored.events.order_by("seq")] == [1, 2, 3, 4]     # open, urge, warn, accept


def test_an_effect_that_edits_data_in_place_is_saved(db, tmp_path, monkeypatch, more_users):
    """A transition writes the fields its effects changed, also a JSON value edited in place."""
    from jiayuan.cases import effects

    monkeypatch.setitem(effects.EFFECTS, "note_outcome", lambda ctx: ctx.case.data.setdefault("outcomes", []).append(
        ctx.values["_comment"]))
    decl = {
        "code": "tip_check", "version": 1, "name": "线索核查", "create_roles": ["community_worker"],
        "read_permission": "view_cases",
        "initial_state": "open",
        "states": [{"code": "open", "name": "待核查", "queue": "community_worker"},
                   {"code": "checked", "name": "已核查", "status": "closed"}],
        "transitions": [{"action": "check", "name": "核查", "from": ["open"], "to": "checked",
                         "roles": ["community_worker"], "comment": "required", "effects": ["note_outcome"]}],
    }
    (tmp_path / "tip_check.json").write_text(json.dumps(decl, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(declarations, "_REGISTRY", dict(declarations._REGISTRY))
    # the test database reuses a rolled-back test's CaseType id: forget parsed declarations
    monkeypatch.setattr("jiayuan.cases.selectors._DECL_CACHE", {})
    declarations.load_json(tmp_path)
    services.sync_case_types()
    actor = Actor(more_users["community"], "api")
    case, _ = services.create_case(actor, "tip_check", {"region": "620702001001", "title": "群众反映"})
    services.transition(actor, case, "check", version=case.version, comment="情况属实")
    assert Case.objects.get(pk=case.pk).data == {"outcomes": ["情况属实"]}
    assert case.data == {}   # the caller's copy is untouched
