"""The audit log page: auditors only, filters, scope."""

import pytest

from jiayuan.accounts.models import User
from jiayuan.audit.services import Actor
from jiayuan.conftest import GRID, PASSWORD
from jiayuan.people.services import reveal_sensitive, update_person

from .conftest import text_of

pytestmark = pytest.mark.django_db


def test_auditor_browses_and_filters(page_client, owner_person, users):
    update_person(Actor(users["community"], "page"), owner_person, {"address": "交通巷8号"})
    reveal_sensitive(Actor(users["community"], "page"), owner_person)
    c = page_client("auditor")
    r = c.get("/audit/")
    assert r.status_code == 200
    body = text_of(r)
    assert "修改居民信息" in body and "住址：— → 交通巷8号" in body
    assert "查看完整证件号码/手机号" in body and "公民身份号码、联系电话" in body
    assert owner_person.id_number not in r.content.decode()
    r = c.get("/audit/", {"action": "person.view_sensitive"})
    html = r.content.decode()
    assert 'data-action="person.view_sensitive"' in html and 'data-action="person.update"' not in html
    r = c.get("/audit/", {"actor": "community", "action": "person.update"})
    assert "共 1 条" in text_of(r)
    r = c.get("/audit/", {"actor": "nobody-of-that-name"})
    assert "共 0 条" in text_of(r)
    r = c.get("/audit/", {"region": GRID, "object_type": "people.person"})
    assert "张建国" in text_of(r)
    r = c.get("/audit/", {"date_from": "2000-01-01", "date_to": "2000-12-31"})
    assert "共 0 条" in text_of(r)
    r = c.get("/audit/", {"date_from": "yesterday"})
    assert r.status_code == 200 and "起始日期格式错误" in text_of(r)


def test_auditor_of_another_county_sees_nothing_of_ours(page_client, owner_person, users, settings):
    other = User(username="auditor2", role="auditor", scope_id="620722", full_name="民乐审计")
    other.set_password(PASSWORD)
    other.save()
    from django.test import Client

    c = Client()
    c.force_login(other)
    r = c.get("/audit/", {"object_type": "people.person"})
    assert r.status_code == 200 and "张建国" not in text_of(r)


@pytest.mark.parametrize("who", ["community", "grid_member", "org", "peer"])
def test_audit_page_is_for_auditors_only(page_client, who):
    assert page_client(who).get("/audit/").status_code == 403
