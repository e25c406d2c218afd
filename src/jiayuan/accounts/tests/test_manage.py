"""系统管理 (issue 10): accounts and departments managed by administrators inside their
scope, never granting a role above their own; every change audited with before and
after; a reset password must be changed at the next login; unlock after failed logins.

The expected answers of the scope matrix were worked out by hand from the rules in
docs/permissions.md (ROLE_RANK in accounts/permissions.py), not from the code."""

import json

import pytest
from django.test import Client

from jiayuan.accounts.models import User
from jiayuan.accounts.permissions import may_grant
from jiayuan.accounts.services import (NotFound, create_account, reset_password, set_active, unlock,
                                       update_account)
from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.cases.models import Department, DepartmentMember
from jiayuan.conftest import OUTSIDE_VILLAGE, OWNER_COMMUNITY, PASSWORD
from jiayuan.errors import Forbidden, ValidationFailed
from jiayuan.regions.models import Region

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Xin-mima-2026!"


def R(code):  # noqa: N802
    return Region.objects.get(code=code)


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def sign_in(username: str, password: str) -> tuple[Client, bool]:
    """Sign in through the login page (django-axes counts failures): (client, succeeded)."""
    c = Client()
    r = c.post("/login/", {"username": username, "password": password})
    return c, r.status_code == 302


# --- the role order: who may grant which role (by hand) ------------------------------------

GRANT = {
    # actor role: roles it may grant
    "city_admin": {"county_officer", "township_officer", "community_director", "community_worker", "grid_member",
                   "department_staff", "org_staff", "auditor"},
    # an auditor reads the administrators' audit log: only a city (or system) administrator
    "county_officer": {"county_officer", "township_officer", "community_director", "community_worker",
                       "grid_member", "department_staff", "org_staff"},
    "township_officer": {"township_officer", "community_director", "community_worker", "grid_member",
                         "department_staff", "org_staff"},
}


@pytest.mark.parametrize("actor_role", sorted(GRANT))
@pytest.mark.parametrize("role", [r for r, _l in User.Role.choices])
def test_may_grant_matrix(actor_role, role):
    me = User(username="x", role=actor_role, scope_id="620702")
    assert may_grant(me, role) is (role in GRANT[actor_role])


def test_only_a_superuser_grants_city_admin():
    assert may_grant(User(username="s", is_superuser=True), "city_admin") is True
    assert may_grant(User(username="c", role="city_admin", scope_id="6207"), "city_admin") is False


# --- create_account: scope × role ----------------------------------------------------------

CREATE_CASES = [
    # (actor, role, scope, superuser, expected: "ok" or the refused field)
    ("county", "community_worker", "620702001001", False, "ok"),
    ("county", "county_officer", "620702", False, "ok"),                 # same rank, own county
    ("county", "department_staff", "620702", False, "ok"),
    ("county", "city_admin", "620702", False, "role"),                   # above own
    ("county", "auditor", "620702", False, "role"),                      # reads the log the county cannot
    ("city", "auditor", "620702", False, "ok"),
    ("county", "community_worker", OUTSIDE_VILLAGE, False, "scope"),     # 民乐县: other county
    ("county", "county_officer", "6207", False, "scope"),                # the city: above the county
    ("county", "", None, True, "is_superuser"),                          # superuser by a county officer
    ("city", "county_officer", "620722", False, "ok"),
    ("city", "city_admin", "6207", False, "role"),                       # only a superuser
    ("city", "", None, True, "is_superuser"),
    ("admin", "city_admin", "6207", False, "ok"),
    ("admin", "", None, True, "ok"),
]


@pytest.mark.parametrize("who,role,scope,superuser,expected", CREATE_CASES)
def test_create_account_scope_matrix(users, who, role, scope, superuser, expected):
    act = Actor(users[who], "page")
    kw = dict(username="newbie", password=NEW_PASSWORD, role=role, scope=R(scope) if scope else None,
              full_name="新人", is_superuser=superuser)
    if expected == "ok":
        u = create_account(act, **kw)
        assert u.must_change_password is True
        assert User.objects.filter(username="newbie").count() == 1
    else:
        with pytest.raises(ValidationFailed) as exc:
            create_account(act, **kw)
        assert expected in exc.value.fields
        assert not User.objects.filter(username="newbie").exists()


@pytest.mark.parametrize("who", ["township", "community", "grid_member", "auditor", "org"])
def test_roles_without_manage_users_create_nothing(users, who):
    with pytest.raises(Forbidden):
        create_account(Actor(users[who], "page"), username="newbie", password=NEW_PASSWORD,
                       role="grid_member", scope=R(users[who].scope_id or "6207"))


MANAGE_CASES = [
    # (actor, target, reachable)
    ("county", "community", True),
    ("county", "township", True),
    ("county", "outsider", False),   # 民乐县
    ("county", "city", False),       # city scope, and role above
    ("county", "auditor", False),    # scope 6207: above the county
    ("county", "admin", False),      # a superuser
    ("city", "outsider", True),
    ("city", "admin", False),
    ("admin", "city", True),
]


@pytest.mark.parametrize("who,target,reachable", MANAGE_CASES)
def test_manage_existing_accounts_matrix(users, who, target, reachable):
    act, user = Actor(users[who], "page"), users[target]
    calls = [lambda: set_active(act, user, False), lambda: reset_password(act, user), lambda: unlock(act, user)]
    for call in calls:
        if reachable:
            call()
        else:
            with pytest.raises(NotFound):
                call()
    user.refresh_from_db()
    assert user.is_active is (not reachable)


def test_account_pages_answer_404_out_of_scope(users):
    c = login(users["county"])
    assert c.get(f"/manage/accounts/{users['community'].pk}/").status_code == 200
    for target in ("outsider", "city", "admin"):
        assert c.get(f"/manage/accounts/{users[target].pk}/").status_code == 404
        assert c.post(f"/manage/accounts/{users[target].pk}/disable/").status_code == 404
    assert login(users["township"]).get("/manage/accounts/").status_code == 403
    listed = c.get("/manage/accounts/").content.decode()
    assert "community" in listed and "outsider" not in listed and ">admin<" not in listed


def test_county_cannot_raise_a_user_above_itself(users):
    with pytest.raises(ValidationFailed) as exc:
        update_account(Actor(users["county"], "page"), users["community"], role="city_admin",
                       scope=R("620702"), full_name="x", phone="")
    assert "role" in exc.value.fields
    users["community"].refresh_from_db()
    assert users["community"].role == "community_worker"


def test_a_disabled_account_loses_its_open_session(users):
    c = login(users["community"])
    assert c.get("/").status_code == 200
    set_active(Actor(users["county"], "page"), users["community"], False)
    r = c.get("/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_nobody_disables_themselves(users):
    with pytest.raises(ValidationFailed):
        set_active(Actor(users["county"], "page"), users["county"], False)


# --- audit before / after ------------------------------------------------------------------

def test_update_audits_before_and_after(users):
    dept = Department.objects.create(code="gz-cgj", name="甘州区城市管理局", region_id="620702")
    u = users["community"]
    update_account(Actor(users["county"], "page"), u, role="department_staff", scope=R("620702001"),
                   full_name="李四", phone="0936-1234567", department=dept)
    e = AuditEntry.objects.filter(action="user.update", object_id=str(u.pk)).get()
    assert e.changes == {
        "role": ["community_worker", "department_staff"],
        "scope": [OWNER_COMMUNITY, "620702001"],
        "full_name": ["community", "李四"],
        "phone": ["***", "***"],   # changed, its value never logged
        "department": [None, "gz-cgj"],
    }
    assert DepartmentMember.objects.get(user=u).department == dept


def test_disable_enable_audited(users):
    act, u = Actor(users["county"], "page"), users["community"]
    set_active(act, u, False)
    set_active(act, u, True)
    rows = list(AuditEntry.objects.filter(object_id=str(u.pk), action__in=["user.disable", "user.enable"])
                .order_by("seq").values_list("action", "changes"))
    assert rows == [("user.disable", {"is_active": [True, False]}), ("user.enable", {"is_active": [False, True]})]


def test_create_audits_every_field(users):
    u = create_account(Actor(users["county"], "page"), username="wang5", password=NEW_PASSWORD,
                       role="grid_member", scope=R("620702001001001"), full_name="王五")
    e = AuditEntry.objects.get(action="user.create", object_id=str(u.pk))
    assert e.changes["role"] == [None, "grid_member"]
    assert e.changes["scope"] == [None, "620702001001001"]
    assert NEW_PASSWORD not in json.dumps(e.changes, ensure_ascii=False)


def test_department_update_audits_before_and_after(users):
    from jiayuan.cases.services import create_department, update_department

    act = Actor(users["county"], "page")
    d = create_department(act, "gz-zjj", "甘州区住建局", R("620702"), case_types=["grid_event"])
    update_department(act, d, code="gz-zjj", name="甘州区住房和城乡建设局", region=R("620702"),
                      case_types=["grid_event"], categories=[], active=False)
    e = AuditEntry.objects.get(action="department.update", object_id=str(d.pk))
    assert e.changes == {"name": ["甘州区住建局", "甘州区住房和城乡建设局"], "active": [True, False]}


def test_department_outside_the_county_refused(users):
    from jiayuan.cases.services import create_department

    with pytest.raises(ValidationFailed) as exc:
        create_department(Actor(users["county"], "page"), "ml-x", "民乐县某局", R("620722"))
    assert "region" in exc.value.fields
    assert not Department.objects.filter(code="ml-x").exists()


# --- reset password: must change at next login; unlock --------------------------------------

def test_reset_password_forces_a_change_before_any_page(users, settings):
    u = users["community"]
    temporary = reset_password(Actor(users["county"], "page"), u)
    assert len(temporary) == 12
    e = AuditEntry.objects.filter(action="user.password_reset", object_id=str(u.pk)).get()
    assert e.changes == {"must_change_password": [False, True], "password": ["***", "***"]}
    assert temporary not in json.dumps(e.changes)
    assert not sign_in("community", PASSWORD)[1]   # the old password is gone
    c, ok = sign_in("community", temporary)
    assert ok
    for path in ("/", "/persons/", "/cases/"):
        r = c.get(path)
        assert r.status_code == 302 and r["Location"] == "/manage/password/"
    # the API gives no token to the temporary password either
    r = Client().post("/api/v1/auth/token", json.dumps({"username": "community", "password": temporary}),
                      content_type="application/json")
    assert r.status_code == 401 and r.json()["error"]["code"] == "auth.password_change_required"
    r = c.post("/manage/password/", {"old_password": temporary, "new_password": NEW_PASSWORD,
                                     "new_password2": NEW_PASSWORD})
    assert r.status_code == 302
    u.refresh_from_db()
    assert u.must_change_password is False and u.check_password(NEW_PASSWORD)
    assert c.get("/").status_code == 200   # still signed in, no more redirect


def test_reset_page_shows_the_temporary_password_once(users):
    c = login(users["county"])
    u = users["community"]
    r = c.post(f"/manage/accounts/{u.pk}/reset/")
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]
    html = r.content.decode()
    assert 'data-testid="temporary-password"' in html
    u.refresh_from_db()
    code = html.split('<code class="fs-5">')[1].split("</code>")[0]
    assert u.check_password(code)
    from django.contrib.sessions.models import Session

    assert not any(code in json.dumps(s.get_decoded()) for s in Session.objects.all())   # stored nowhere
    assert 'data-testid="temporary-password"' not in c.get(f"/manage/accounts/{u.pk}/").content.decode()


def test_unlock_clears_a_lockout(users, settings):
    from axes.models import AccessAttempt

    for _i in range(settings.AXES_FAILURE_LIMIT):
        Client().post("/login/", {"username": "community", "password": "wrong-pass"})
    assert AccessAttempt.objects.filter(username="community").exists()
    assert not sign_in("community", PASSWORD)[1]   # locked
    c = login(users["county"])
    assert "已锁定" in c.get(f"/manage/accounts/{users['community'].pk}/").content.decode()
    c.post(f"/manage/accounts/{users['community'].pk}/unlock/")
    assert not AccessAttempt.objects.filter(username="community").exists()
    assert AuditEntry.objects.filter(action="user.unlock", object_id=str(users["community"].pk),
                                     changes={"locked": [True, False]}).exists()
    assert Client().post("/login/", {"username": "community", "password": PASSWORD}).status_code == 302


# --- pages: create an account and a department ----------------------------------------------

def test_county_creates_department_and_member_through_pages(users):
    c = login(users["county"])
    r = c.post("/manage/departments/new/", {"code": "gz-gd", "name": "甘州区供电公司", "region": "620702",
                                            "phone": "", "case_types": ["grid_event"], "categories": ["facility"],
                                            "active": "on"})
    assert r.status_code == 302, r.content.decode()[:2000]
    d = Department.objects.get(code="gz-gd")
    assert (d.region_id, d.case_types, d.categories) == ("620702", ["grid_event"], ["facility"])
    r = c.post("/manage/accounts/new/", {"username": "dianli", "password": NEW_PASSWORD, "full_name": "电力员",
                                         "phone": "", "role": "department_staff", "scope": "620702",
                                         "department": str(d.pk)})
    assert r.status_code == 302, r.content.decode()[:3000]
    u = User.objects.get(username="dianli")
    assert (u.role, u.scope_id, u.must_change_password) == ("department_staff", "620702", True)
    assert DepartmentMember.objects.get(user=u).department == d
    # a role above its own is not even offered, and a forged one is refused
    page = c.get("/manage/accounts/new/").content.decode()
    assert 'value="city_admin"' not in page
    r = c.post("/manage/accounts/new/", {"username": "boss", "password": NEW_PASSWORD, "full_name": "x",
                                         "role": "city_admin", "scope": "620702"})
    assert r.status_code == 422 and not User.objects.filter(username="boss").exists()


def test_navigation_offers_system_management_to_administrators(users):
    # the 系统管理 entry (every user's menu links their own /manage/password/ page)
    assert 'href="/manage/"' in login(users["county"]).get("/").content.decode()
    assert 'href="/manage/"' not in login(users["community"]).get("/").content.decode()


# --- published lists: the 文号 the administrator entered, never a placeholder ------------------

PLACEHOLDER = "部署时核实文号"


def test_no_placeholder_and_the_national_document_number(users):
    from jiayuan.servicecenter.models import SealScopeItem

    assert not SealScopeItem.objects.filter(legal_basis__contains=PLACEHOLDER).exists()
    national = SealScopeItem.objects.filter(source="national")
    assert national.count() == 20
    assert set(national.values_list("document_number", flat=True)) == {"民发〔2020〕20号"}
    for who, path in (("community", "/service/certificates/new/"), ("city", "/manage/lists/certificates/")):
        assert PLACEHOLDER not in login(users[who]).get(path).content.decode()


def test_city_admin_enters_the_document_number_users_then_see(users):
    from jiayuan.servicecenter.models import SealScopeItem
    from jiayuan.servicecenter.services import load_catalogs

    item = SealScopeItem.objects.get(code="pos.residence")
    c = login(users["city"])
    r = c.post("/manage/lists/certificates/", {"item": item.pk, "document_number": " 甘民发〔2021〕35号 "})
    assert r.status_code == 302
    item.refresh_from_db()
    assert item.document_number == "甘民发〔2021〕35号"
    e = AuditEntry.objects.get(action="seal_scope.update", object_id=str(item.pk))
    assert e.changes == {"document_number": ["", "甘民发〔2021〕35号"]}
    page = login(users["community"]).get("/service/certificates/new/").content.decode()
    assert "本省公布的村（居）民委员会出具证明事项清单（甘民发〔2021〕35号）" in page
    load_catalogs()   # reloading the shipped lists keeps the administrator's entry
    item.refresh_from_db()
    assert item.document_number == "甘民发〔2021〕35号"


def test_who_may_enter_a_document_number(users):
    from jiayuan.servicecenter.models import AccessListItem, SealScopeItem
    from jiayuan.servicecenter.services import set_list_document

    city_wide = SealScopeItem.objects.get(code="pos.residence")
    with pytest.raises(Forbidden):   # a city-wide list: not a county officer's
        set_list_document(Actor(users["county"], "page"), city_wide, "甘民发〔2021〕35号")
    with pytest.raises(ValidationFailed):   # the national list's is fixed
        set_list_document(Actor(users["admin"], "page"), SealScopeItem.objects.get(code="neg.kinship"), "x")
    with pytest.raises(ValidationFailed):
        set_list_document(Actor(users["city"], "page"), city_wide, "甘民发\u202e〔2021〕35号")
    access = AccessListItem.objects.first()
    set_list_document(Actor(users["city"], "page"), access, "张办发〔2022〕12号")
    assert login(users["county"]).get("/manage/lists/access/").content.decode().count("张办发〔2022〕12号") == 1
    assert 'data-testid="document-form"' not in login(users["county"]).get("/manage/lists/access/").content.decode()


def test_editing_keeps_a_department_above_the_administrators_scope(users):
    """A county officer edits the name of a city-level department's staff member placed in
    the county: the membership stays (the department is offered and kept), though the
    county officer could not put anyone into that department."""
    city_dept = Department.objects.create(code="zy-sj", name="张掖市某局", region_id="6207")
    u = User.objects.create(username="staffer", role="department_staff", scope_id="620702", full_name="甲")
    DepartmentMember.objects.create(department=city_dept, user=u)
    c = login(users["county"])
    assert "张掖市某局" in c.get(f"/manage/accounts/{u.pk}/edit/").content.decode()
    r = c.post(f"/manage/accounts/{u.pk}/edit/", {"full_name": "乙", "phone": "", "role": "department_staff",
                                                  "scope": "620702", "department": str(city_dept.pk)})
    assert r.status_code == 302
    u.refresh_from_db()
    assert u.full_name == "乙" and DepartmentMember.objects.get(user=u).department == city_dept
    other = User.objects.create(username="other", role="department_staff", scope_id="620702")
    with pytest.raises(ValidationFailed):
        update_account(Actor(users["county"], "page"), other, role="department_staff", scope=R("620702"),
                       full_name="", phone="", department=city_dept)


def test_a_superuser_edits_a_superusers_name(users):
    c = login(users["admin"])
    other = User.objects.create(username="root2", is_superuser=True, full_name="x")
    r = c.post(f"/manage/accounts/{other.pk}/edit/", {"full_name": "第二管理员", "phone": ""})
    assert r.status_code == 302
    other.refresh_from_db()
    assert (other.full_name, other.is_superuser, other.scope_id) == ("第二管理员", True, None)


def test_service_catalogue_pages(users):
    from jiayuan.servicecenter.models import ServiceItem

    item = ServiceItem.objects.order_by("code").first()
    dept = Department.objects.create(code="gz-mzj", name="甘州区民政局", region_id="620702")
    before_days = item.time_limit_days
    assert item.name in login(users["county"]).get("/manage/service-items/").content.decode()
    assert login(users["county"]).get(f"/manage/service-items/{item.code}/edit/").status_code == 403
    c = login(users["city"])
    r = c.post(f"/manage/service-items/{item.code}/edit/", {"time_limit_days": "7", "departments": [str(dept.pk)],
                                                           "active": "on", "public": "on"})
    assert r.status_code == 302
    item.refresh_from_db()
    assert item.time_limit_days == 7 and list(item.departments.all()) == [dept]
    e = AuditEntry.objects.get(action="service_item.update", object_id=str(item.pk))
    assert e.changes["departments"] == [[], ["gz-mzj"]]
    assert e.changes.get("time_limit_days", [before_days, 7]) == [before_days, 7]
    r = c.post(f"/manage/service-items/{item.code}/edit/", {"time_limit_days": "0", "active": "on"})
    assert r.status_code == 422


def test_department_pages_answer_404_out_of_scope(users):
    far = Department.objects.create(code="ml-cgj", name="民乐县城市管理局", region_id="620722")
    near = Department.objects.create(code="gz-cgj", name="甘州区城市管理局", region_id="620702")
    c = login(users["county"])
    assert c.get(f"/manage/departments/{near.pk}/edit/").status_code == 200
    assert c.get(f"/manage/departments/{far.pk}/edit/").status_code == 404
    assert c.post(f"/manage/departments/{far.pk}/edit/", {"code": "ml-cgj", "name": "x", "region": "620722"}
                  ).status_code == 404
    listed = c.get("/manage/departments/").content.decode()
    assert "甘州区城市管理局" in listed and "民乐县城市管理局" not in listed
    assert login(users["community"]).get("/manage/departments/").status_code == 403


def test_an_administrator_lists_and_revokes_an_accounts_api_tokens(users):
    """Issue 10: the county officer sees the community worker's two live tokens on the
    account page (prefixes only, never the token) and ends them; they stop working at once,
    the revocation is audited with reason administrator; a community worker (no
    manage_users) may not do it."""
    def token():
        r = Client().post("/api/v1/auth/token", json.dumps({"username": "community", "password": PASSWORD}),
                          content_type="application/json")
        assert r.status_code == 200
        return r.json()["token"]

    tokens = [token(), token()]
    county = login(users["county"])
    page = county.get(f"/manage/accounts/{users['community'].pk}/").content.decode()
    assert page.count("…</td>") == 2 and not any(t in page for t in tokens)
    assert county.post(f"/manage/accounts/{users['community'].pk}/revoke-tokens/").status_code == 302
    for t in tokens:
        assert Client(headers={"Authorization": f"Bearer {t}"}).get("/api/v1/persons").status_code == 401
    entry = AuditEntry.objects.get(action="token.revoke_all")
    assert entry.extra == {"reason": "administrator", "count": 2} and entry.actor_id == users["county"].pk
    assert "没有有效的接口令牌" in county.get(f"/manage/accounts/{users['community'].pk}/").content.decode()
    with pytest.raises(Forbidden):
        from jiayuan.accounts.services import revoke_account_tokens

        revoke_account_tokens(Actor(users["peer"], "page"), users["community"])
