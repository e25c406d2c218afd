"""The case pages: my queue, the case page with its timeline and the actions my role may
take now (version + form token), the dispatcher board, counts, photos and the resident
picker. Scope layout: jiayuan/conftest.py and jiayuan/tests/fixtures/cases.py (``grid_member``
reports in 620702001001001; ``township`` is 东街街道; ``dept`` works for 甘州区城市管理局)."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from jiayuan.cases.models import Attachment, Case, CaseEvent
from jiayuan.conftest import PEER_GRID
from jiayuan.tests.helpers import CITY_MGMT, STREET_TEAM, png_bytes

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def client_for(more_users):
    def make(who: str) -> Client:
        c = Client()
        c.force_login(more_users[who])
        return c

    return make


@pytest.fixture
def event(report_event, photo):
    """A grid event reported by the grid member with a photo (state reported)."""
    return report_event(attachments=[photo("grid_member")], address="交通巷12号楼门口")


def post_action(client, case, action, **data):
    """POST a transition form as the case page sends it (prefix = action)."""
    case = Case.objects.get(pk=case.pk)
    body = {f"{action}-version": data.pop("version", case.version),
            f"{action}-request_key": data.pop("request_key", f"key-{action}-{case.version}")}
    files = data.pop("files", None)
    for k, v in data.items():
        body[f"{action}-{k}"] = v
    if files:
        body[f"{action}-photos"] = files
    return client.post(f"/cases/{case.number}/act/{action}/", body)


def upload(name="scene.png", data=None):
    return SimpleUploadedFile(name, data or png_bytes((40, 30)), content_type="image/png")


# --- routes: owner 200, peer/outsider 404, wrong role refused ---------------------------------

@pytest.mark.parametrize("who", ["grid_member", "community", "township", "county", "city", "admin"])
def test_owners_open_the_case_page(client_for, event, who):
    r = client_for(who).get(f"/cases/{event.number}/")
    assert r.status_code == 200
    assert event.number in r.content.decode()


@pytest.mark.parametrize("who", ["peer", "outsider", "other_grid", "dept"])
def test_the_case_page_of_another_scope_is_404(client_for, event, who, depts):
    assert client_for(who).get(f"/cases/{event.number}/").status_code == 404
    assert client_for(who).post(f"/cases/{event.number}/act/accept/", {"accept-version": 1}).status_code == 404


@pytest.mark.parametrize("who", ["auditor", "org"])
def test_roles_without_cases_are_refused_every_case_page(client_for, event, who):
    c = client_for(who)
    for url in ("/cases/", f"/cases/{event.number}/", "/cases/board/", "/cases/counts/"):
        assert c.get(url).status_code == 403, url
    assert c.get("/cases/620702001001-20990101-0001/").status_code == 403  # no id leaks either way


def test_unknown_and_malformed_numbers_are_404(client_for):
    c = client_for("community")
    assert c.get("/cases/620702001001-20990101-0001/").status_code == 404
    assert c.get("/cases/not-a-number/").status_code == 404


def test_anonymous_users_go_to_the_login_page(event):
    r = Client().get(f"/cases/{event.number}/")
    assert r.status_code == 302 and "/login/" in r["Location"]


# --- my queue ------------------------------------------------------------------------------------

def test_queue_shows_mine_and_my_units_overdue_first_with_badges(client_for, report_event, act, depts):
    early = report_event(description="燃气管道漏气", category="safety.gas")
    late = report_event(description="楼道堆放杂物")
    # make `late` overdue and `early` due soon
    now = timezone.now()
    Case.objects.filter(pk=late.pk).update(due_at=now - timedelta(hours=1), due_soon_at=now - timedelta(hours=5))
    Case.objects.filter(pk=early.pk).update(due_at=now + timedelta(hours=2), due_soon_at=now - timedelta(minutes=5))
    r = client_for("township").get("/cases/")
    html = r.content.decode()
    assert r.status_code == 200
    assert html.index(late.number) < html.index(early.number)  # overdue first
    assert 'data-flag="overdue"' in html and 'data-flag="due_soon"' in html
    assert "已超期" in text_of(r) and "即将到期" in text_of(r)
    # the grid member: their reports wait on them too — the case page offers them 就地解决
    # (issue 10: 待我办理 agrees with the actions a case page offers); "我登记的" lists both
    gm = client_for("grid_member")
    assert late.number in gm.get("/cases/").content.decode()
    mine = gm.get("/cases/", {"tab": "mine"}).content.decode()
    assert late.number in mine and early.number in mine
    # the peer community sees neither
    assert late.number not in client_for("peer").get("/cases/", {"tab": "open"}).content.decode()
    # filters
    only_overdue = client_for("township").get("/cases/", {"flag": "overdue"}).content.decode()
    assert late.number in only_overdue and early.number not in only_overdue


def test_department_queue_lists_its_pending_tasks(client_for, event, act, depts):
    act("township", event, "accept")
    act("township", event, "dispatch", fields={"department": CITY_MGMT})
    assert event.number in client_for("dept").get("/cases/").content.decode()
    assert event.number not in client_for("dept2").get("/cases/").content.decode()
    assert client_for("dept2").get(f"/cases/{event.number}/").status_code == 404


def test_closed_tab_lists_closed_cases(client_for, report_event, photo):
    done = report_event(on_spot=True, attachments=[photo("grid_member")], on_spot_note="已清理")
    assert done.state == "closed"
    c = client_for("grid_member")
    assert done.number in c.get("/cases/", {"tab": "closed"}).content.decode()
    assert done.number not in c.get("/cases/").content.decode()


# --- case page: timeline and only my actions ---------------------------------------------------

def test_case_page_shows_timeline_with_photos_and_only_my_actions(client_for, event):
    r = client_for("township").get(f"/cases/{event.number}/")
    html = r.content.decode()
    assert 'data-action="accept"' in html and 'data-action="void"' in html and 'data-action="return"' in html
    assert 'data-action="resolve_on_spot"' not in html  # reporter's own action
    assert f'name="accept-version" value="{event.version}"' in html
    assert 'name="accept-request_key"' in html
    att = Attachment.objects.get(case=event)
    assert f"/cases/photos/{att.pk}/thumb/" in html
    assert "已上报" in text_of(r) and "grid_member" in text_of(r)  # the actor (full name = username here)
    # the grid member who reported it may only resolve it on the spot now
    gm = client_for("grid_member").get(f"/cases/{event.number}/").content.decode()
    assert 'data-action="resolve_on_spot"' in gm and 'data-action="accept"' not in gm
    # the community worker sees it but has nothing to do
    cw = client_for("community").get(f"/cases/{event.number}/")
    assert 'data-action=' not in cw.content.decode() and "不需要您办理" in text_of(cw)


def test_taking_an_action_from_the_page_records_it_once(client_for, event):
    c = client_for("township")
    r = post_action(c, event, "accept", comment="属实，立案", request_key="tok-1")
    assert r.status_code == 302 and r["Location"] == f"/cases/{event.number}/"
    event.refresh_from_db()
    assert event.state == "accepted" and event.version == 2
    # the double click: same token, old version → no second line, no error
    r = post_action(c, event, "accept", comment="属实，立案", request_key="tok-1", version=1)
    assert r.status_code == 302
    assert CaseEvent.objects.filter(case=event, action="accept").count() == 1
    page = c.get(r["Location"])
    assert "已办理“立案”" in text_of(page) and "已立案" in text_of(page)
    tl = page.content.decode()
    assert "属实，立案" in tl and "已上报" in tl


def test_a_stale_version_shows_the_conflict_message(client_for, event, act):
    act("township", event, "accept")  # someone else acted first
    r = post_action(client_for("county"), event, "void", comment="重复上报", version=1, request_key="tok-x")
    assert r.status_code == 409
    assert "该案件已被他人处理" in text_of(r) and 'data-testid="conflict"' in r.content.decode()
    event.refresh_from_db()
    assert event.state == "accepted"


def test_missing_comment_and_department_are_shown_under_the_fields(client_for, event, act, depts):
    act("township", event, "accept")
    r = post_action(client_for("township"), event, "dispatch")
    assert r.status_code == 422
    html = r.content.decode()
    assert 'data-field-error="field_department"' in html and "请填写承办部门" in html
    assert 'id="act-dispatch" class="collapse show"' in html  # the form stays open
    r = post_action(client_for("township"), event, "park")
    assert r.status_code == 422 and 'data-field-error="comment"' in r.content.decode()
    assert "请填写挂账原因" in text_of(r)


def test_dispatch_offers_only_departments_serving_the_case(client_for, event, act, depts):
    from jiayuan.cases.models import Department

    Department.objects.create(code="ml-cgj", name="民乐县城市管理局", region_id="620722")
    act("township", event, "accept")
    html = client_for("township").get(f"/cases/{event.number}/").content.decode()
    assert "甘州区城市管理局" in html and "东街街道城管中队" in html and "民乐县城市管理局" not in html


def test_wrong_role_is_refused_with_the_engines_message(client_for, event, act, depts):
    r = post_action(client_for("grid_member"), event, "accept")
    assert r.status_code == 403 and "立案" in text_of(r)
    act("township", event, "accept")
    act("township", event, "dispatch", fields={"department": STREET_TEAM})
    r = post_action(client_for("dept"), event, "handle", comment="已处理")  # not their department
    assert r.status_code == 404  # dept sees only cases with a task for its department


def test_handle_needs_a_photo_and_keeps_the_uploaded_one(client_for, event, act, depts):
    act("township", event, "accept")
    act("township", event, "dispatch", fields={"department": CITY_MGMT})
    c = client_for("dept")
    r = post_action(c, event, "handle", comment="")
    assert r.status_code == 422
    text = text_of(r)
    assert "请上传至少 1 张现场照片" in text and "请填写处置情况" in text
    # a photo is uploaded but the comment is still missing: the photo is kept on the page
    r = post_action(c, event, "handle", comment="", files=[upload()], request_key="h1")
    assert r.status_code == 422
    att = Attachment.objects.filter(uploaded_by__username="dept").get()
    assert att.case_id is None
    assert re.search(rf'name="handle-uploaded" value="{att.pk}"', r.content.decode())
    # a file that is not an image is refused under the photos
    r = post_action(c, event, "handle", comment="已清运", uploaded=str(att.pk), request_key="h1",
                    files=[SimpleUploadedFile("x.png", b"not an image", content_type="image/png")])
    assert r.status_code == 422 and "只能上传 JPEG、PNG 或 WebP 格式的照片" in text_of(r)
    r = post_action(c, event, "handle", comment="已清运", uploaded=str(att.pk), request_key="h1")
    assert r.status_code == 302
    event.refresh_from_db()
    att.refresh_from_db()
    assert event.state == "handled" and att.case_id == event.pk


def test_urge_from_the_page(client_for, event):
    r = client_for("county").post(f"/cases/{event.number}/urge/", {"urge-note": "请尽快立案"})
    assert r.status_code == 302
    assert CaseEvent.objects.filter(case=event, kind="urge").count() == 1
    assert client_for("grid_member").post(f"/cases/{event.number}/urge/", {"urge-note": "x"}).status_code == 403
    r = client_for("county").post(f"/cases/{event.number}/urge/", {"urge-note": ""})
    assert r.status_code == 422 and "请填写督办意见" in text_of(r)


# --- dispatcher board ---------------------------------------------------------------------------------

def test_board_for_street_staff_accepts_and_dispatches(client_for, event, depts):
    c = client_for("township")
    r = c.get("/cases/board/")
    assert r.status_code == 200 and event.number in r.content.decode()
    r = c.post(f"/cases/{event.number}/act/accept/", {"accept-version": 1, "accept-request_key": "b1",
                                                     "next": "/cases/board/?state=reported"})
    assert r.status_code == 302 and r["Location"] == "/cases/board/?state=reported"
    r = c.get("/cases/board/", {"state": "accepted"})
    html = r.content.decode()
    assert event.number in html and "甘州区城市管理局" in html and 'name="dispatch-field_department"' in html
    dept_id = depts[CITY_MGMT].pk
    r = c.post(f"/cases/{event.number}/act/dispatch/", {"dispatch-version": 2, "dispatch-request_key": "b2",
                                                       "dispatch-field_department": dept_id,
                                                       "next": "http://evil.example/"})
    assert r.status_code == 302 and r["Location"] == f"/cases/{event.number}/"  # no open redirect
    event.refresh_from_db()
    assert event.state == "dispatched" and event.department_id == dept_id


@pytest.mark.parametrize("who", ["grid_member", "community", "dept"])
def test_board_is_refused_to_roles_that_do_not_dispatch(client_for, who, depts):
    assert client_for(who).get("/cases/board/").status_code == 403


def test_board_shows_only_the_scope(client_for, report_event):
    mine = report_event()
    other = report_event(who="other_grid", region=PEER_GRID)
    html = client_for("county").get("/cases/board/").content.decode()
    assert mine.number in html and other.number in html
    from jiayuan.accounts.models import User
    from jiayuan.conftest import PASSWORD

    u = User(username="nanjie", role="township_officer", scope_id="620702002", full_name="南街街道")
    u.set_password(PASSWORD)
    u.save()
    c = Client()
    c.force_login(u)
    html = c.get("/cases/board/").content.decode()
    assert mine.number not in html and other.number not in html


# --- counts -----------------------------------------------------------------------------------

def test_counts_by_state_and_category_in_scope(client_for, report_event):
    report_event(category="safety.gas", description="燃气味")
    report_event(category="safety.gas", description="燃气味 2")
    report_event(who="other_grid", region=PEER_GRID)
    r = client_for("community").get("/cases/counts/")
    assert r.status_code == 200
    t = text_of(r)
    assert "安全隐患 / 燃气隐患" in t and "已上报" in t
    assert 'data-testid="count-open">2<' in r.content.decode()
    r = client_for("township").get("/cases/counts/")
    assert 'data-testid="count-open">3<' in r.content.decode()
    r = client_for("township").get("/cases/counts/", {"region": "620702001005"})
    assert 'data-testid="count-open">1<' in r.content.decode()
    assert client_for("community").get("/cases/counts/", {"region": "620702001005"}).status_code == 404


# --- photos -----------------------------------------------------------------------------------------

def test_photos_and_thumbnails_follow_the_case_scope(client_for, event):
    att = Attachment.objects.get(case=event)
    r = client_for("community").get(f"/cases/photos/{att.pk}/thumb/")
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg"
    r = client_for("township").get(f"/cases/photos/{att.pk}/")
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert client_for("peer").get(f"/cases/photos/{att.pk}/").status_code == 404
    assert client_for("peer").get(f"/cases/photos/{att.pk}/thumb/").status_code == 404
    assert client_for("auditor").get(f"/cases/photos/{att.pk}/").status_code == 403


def test_an_unbound_upload_is_its_uploaders_only(client_for, photo):
    pk = photo("grid_member")
    assert client_for("grid_member").get(f"/cases/photos/{pk}/thumb/").status_code == 200
    assert client_for("community").get(f"/cases/photos/{pk}/thumb/").status_code == 404


# --- resident picker ----------------------------------------------------------------------------

def test_person_picker_searches_the_scope_only(client_for, make_person):
    mine = make_person(region="620702001001001", name="张建国")
    make_person(region="620702001005", name="张建军")
    r = client_for("grid_member").get("/cases/persons/", {"q": "张建", "field": "persons"})
    html = r.content.decode()
    assert r.status_code == 200 and f'data-pick="{mine.pk}"' in html
    assert "张建军" not in html and mine.id_number not in html
    assert client_for("dept").get("/cases/persons/", {"q": "张"}).status_code == 403
    assert client_for("grid_member").get("/cases/persons/", {"q": ""}).content.decode().strip() == ""


def test_queue_pages_past_the_first(client_for, report_event, settings, monkeypatch):
    from jiayuan.cases import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    numbers = [report_event(description=f"事件 {i}").number for i in range(5)]
    c = client_for("township")
    first = c.get("/cases/").content.decode()
    assert "共 5 件" in first and "1 / 3" in first
    assert sum(n in first for n in numbers) == 2
    last = c.get("/cases/", {"page": 3}).content.decode()
    assert sum(n in last for n in numbers) == 1 and "3 / 3" in last
    past = c.get("/cases/", {"page": 99}).content.decode()  # past the end: the last page
    assert "3 / 3" in past and sum(n in past for n in numbers) == 1
    assert "1 / 3" in c.get("/cases/", {"page": "x"}).content.decode()
    assert "3 / 3" in c.get("/cases/", {"page": "9" * 40}).content.decode()  # absurd: the last page, no 500
    empty = client_for("peer").get("/cases/", {"page": 2})
    assert empty.status_code == 200 and "共 0 件" in text_of(empty)


def test_evaluation_score_is_tapped_not_typed(client_for, report_event, photo):
    done = report_event(on_spot=True, attachments=[photo("grid_member")], on_spot_note="已清理")
    c = client_for("township")
    html = c.get(f"/cases/{done.number}/").content.decode()
    assert 'type="radio" class="btn-check" name="evaluate-field_score"' in html and 'value="5"' in html
    r = post_action(c, done, "evaluate")
    assert r.status_code == 422 and 'data-field-error="field_score"' in r.content.decode()
    r = post_action(c, done, "evaluate", field_score="6", request_key="e2")
    assert r.status_code == 422 and "须在 1 到 5 之间" in text_of(r)
    r = post_action(c, done, "evaluate", field_score="5", request_key="e3")
    assert r.status_code == 302
    done.refresh_from_db()
    assert done.state == "evaluated" and done.events.get(action="evaluate").data == {"score": 5}
