"""The page shell: log in and out, lockout, home counts, language switch, 404/403."""

from datetime import date

import pytest
from django.test import Client

from jiayuan.audit.services import Actor
from jiayuan.conftest import PASSWORD
from jiayuan.people.services import add_tag

from .conftest import text_of

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login(client):
    r = client.get("/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")
    assert client.get("/persons/").status_code == 302


def test_login_page_and_successful_login(users):
    c = Client()
    r = c.get("/login/")
    assert r.status_code == 200
    assert "登录" in text_of(r) and 'name="username"' in r.content.decode()
    r = c.post("/login/", {"username": "community", "password": PASSWORD})
    assert r.status_code == 302 and r["Location"] == "/"
    home = c.get("/")
    body = text_of(home)
    assert "社区工作者" in body and "交通巷社区" in body


def test_wrong_password_shows_chinese_error(users):
    r = Client().post("/login/", {"username": "community", "password": "wrong-password"})
    assert r.status_code == 200
    assert "请输入一个正确的用户名和密码" in text_of(r)


def test_lockout_after_five_failures(users):
    c = Client()
    for _ in range(5):
        c.post("/login/", {"username": "community", "password": "wrong-password"})
    r = c.post("/login/", {"username": "community", "password": PASSWORD})
    assert r.status_code == 429
    body = text_of(r)
    assert "锁定 15 分钟" in body
    assert "连续 5 次" in body
    # still locked with the right password: no session was opened
    assert Client().get("/").status_code == 302


def test_logout_is_a_post(page_client):
    c = page_client("community")
    assert c.get("/logout/").status_code == 405
    r = c.post("/logout/")
    assert r.status_code == 302
    assert c.get("/").status_code == 302


def test_home_shows_scope_and_counts(page_client, make_person, users):
    p = make_person(region="620702001001001", name="李秀英", birth=date(1940, 3, 2), sex_for_id=2)
    make_person(region="620702001001", name="王强")
    make_person(region="620702001005", name="赵敏")  # peer's community: not counted
    add_tag(Actor(users["admin"], "command"), p, "elderly_living_alone")
    r = page_client("community").get("/")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-testid="count-persons">2<' in html
    assert 'data-testid="count-tag-elderly_living_alone">1<' in html
    assert "甘州区 / 东街街道 / 交通巷社区" in text_of(r)
    peer = page_client("peer").get("/").content.decode()
    assert 'data-testid="count-persons">1<' in peer
    assert 'data-testid="count-tag-elderly_living_alone">0<' in peer


def test_navbar_shows_name_role_scope_and_only_allowed_items(page_client):
    r = page_client("grid_member").get("/")
    body = text_of(r)
    assert "网格员 · 第一网格" in body
    assert "审计日志" not in body and "居民" in body
    r = page_client("auditor").get("/")
    body = text_of(r)
    assert "审计员 · 张掖市" in body
    assert 'href="/audit/"' in r.content.decode() and 'href="/persons/"' not in r.content.decode()


def test_language_switch_to_english_and_back(page_client):
    c = page_client("community")
    r = c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert r.status_code == 302
    html = c.get("/").content.decode()
    assert '<html lang="en">' in html
    assert 'value="zh-hans"' in html  # the switch offers Chinese back
    c.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-CN">' in c.get("/").content.decode()


def test_not_found_page_is_chinese_and_404(page_client):
    r = page_client("community").get("/persons/99999999/")
    assert r.status_code == 404
    assert "不存在，或不在您的管辖范围内" in text_of(r)
    r = page_client("community").get("/no-such-page/")
    assert r.status_code == 404 and "返回首页" in text_of(r)


def test_forbidden_page_for_a_role_without_the_right(page_client):
    r = page_client("community").get("/audit/")
    assert r.status_code == 403
    assert "无权访问" in text_of(r)


def test_vendored_assets_are_linked(page_client):
    html = page_client("community").get("/").content.decode()
    for asset in ("vendor/bootstrap.min.css", "vendor/bootstrap-icons.min.css", "vendor/htmx.min.js",
                  "vendor/bootstrap.bundle.min.js", "web/app.css"):
        assert f"/static/{asset}" in html
    assert 'name="viewport"' in html and "navbar-toggler" in html


def test_favicon_is_served_at_the_root_and_linked(client, users):
    r = client.get("/favicon.ico")
    assert r.status_code == 200 and r["Content-Type"] == "image/x-icon"
    assert r.content[:4] == b"\x00\x00\x01\x00"  # the ICO header: reserved 0, type 1 (icon)
    c = Client()
    c.post("/login/", {"username": "community", "password": PASSWORD})
    assert 'rel="icon"' in c.get("/").content.decode()


def test_a_403_is_one_line_in_the_server_log_not_a_traceback(users, capfd):
    """A grid member opening the payment batches is refused (403); the server log gets
    Django's one-line warning, without the PermissionDenied traceback."""
    import logging

    from django.conf import settings
    from django.test import override_settings

    c = Client()
    c.post("/login/", {"username": "grid_member", "password": PASSWORD})
    logging.config.dictConfig(settings.LOGGING)  # the configured console handler, as the server has it
    with override_settings(DEBUG=False):
        r = c.get("/assistance/batches/")
    assert r.status_code == 403
    err = capfd.readouterr().err
    assert "Forbidden (Permission denied): /assistance/batches/" in err
    assert "Traceback" not in err and "PermissionDenied" not in err
