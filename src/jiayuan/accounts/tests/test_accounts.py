"""Accounts: Argon2 passwords, API tokens (stored hashed, with expiry), lockout after five
failures (django-axes), ``jiayuan createsuperuser --noinput``, and the refusal to start
in production with the demo secrets."""

import hashlib
import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.hashers import get_hasher, make_password
from django.db import connection
from django.test import Client
from django.utils import timezone

from jiayuan.accounts.models import ApiToken, User
from jiayuan.accounts.permissions import Perm
from jiayuan.accounts.services import create_user
from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.conftest import OWNER_COMMUNITY, PASSWORD
from jiayuan.errors import ValidationFailed
from jiayuan.regions.models import Region
from jiayuan.regions.selectors import regions_for

TOKEN_URL = "/api/v1/auth/token"


def ask_token(username: str, password: str):
    return Client().post(TOKEN_URL, json.dumps({"username": username, "password": password}),
                         content_type="application/json")


# --- passwords ----------------------------------------------------------------------------

def test_argon2_is_the_default_password_hasher():
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert get_hasher("default").algorithm == "argon2"
    assert make_password("Zhangye-2026").startswith("argon2$argon2id$")


@pytest.mark.django_db
def test_a_new_account_gets_an_argon2_hash_and_is_audited():
    scope = Region.objects.get(code=OWNER_COMMUNITY)
    user = create_user(Actor(None, "command"), "wang", "Zhangye-2026", "community_worker", scope, "王芳")
    assert user.password.startswith("argon2$")
    assert user.check_password("Zhangye-2026")
    entry = AuditEntry.objects.get(action="user.create")
    assert (entry.object_id, entry.region_code) == (str(user.pk), OWNER_COMMUNITY)
    assert entry.changes == {"role": [None, "community_worker"], "scope": [None, OWNER_COMMUNITY]}
    assert "Zhangye-2026" not in json.dumps([entry.changes, entry.extra], ensure_ascii=False)


@pytest.mark.django_db
def test_an_account_needs_a_scope_unless_it_is_a_superuser():
    with pytest.raises(ValidationFailed) as exc:
        create_user(Actor(None, "command"), "li", "Zhangye-2026", "community_worker", None)
    assert exc.value.fields["scope"][0]["code"] == "user.scope_missing"


# --- tokens -------------------------------------------------------------------------------

def test_the_right_password_gets_a_token(users):
    resp = ask_token("community", PASSWORD)
    assert resp.status_code == 200
    assert set(resp.json()) == {"token", "expires"}


def test_a_wrong_password_is_401_auth_invalid(users):
    resp = ask_token("community", "wrong")
    assert resp.status_code == 401
    assert resp.json() == {"error": {"code": "auth.invalid", "message": "用户名或密码错误", "fields": {}}}


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(users):
    assert ask_token("nobody", "wrong").json() == ask_token("community", "wrong").json()


def test_the_token_is_stored_only_as_its_sha256_digest(users):
    token = ask_token("community", PASSWORD).json()["token"]
    row = ApiToken.objects.get(user=users["community"])
    assert row.digest == hashlib.sha256(token.encode()).hexdigest()
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM accounts_apitoken")
        rows = cur.fetchall()
    assert len(rows) == 1
    assert not any(token in str(value) for value in rows[0])
    assert not any(token[3:] in str(value) for value in rows[0])  # not even without its prefix


def test_issuing_a_token_is_audited(users):
    ask_token("community", PASSWORD)
    entry = AuditEntry.objects.get(action="token.issue")
    assert (entry.actor_name, entry.source) == ("community", "api")


def bearer(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


def test_a_token_works_until_it_expires(users):
    token = ask_token("community", PASSWORD).json()["token"]
    assert bearer(token).get("/api/v1/regions").status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    resp = bearer(token).get("/api/v1/regions")
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "unauthenticated"


def test_a_revoked_token_is_401(users):
    token = ask_token("community", PASSWORD).json()["token"]
    ApiToken.objects.update(revoked=True)
    assert bearer(token).get("/api/v1/regions").status_code == 401


def test_the_token_of_a_deactivated_user_is_401(users):
    token = ask_token("community", PASSWORD).json()["token"]
    User.objects.filter(username="community").update(is_active=False)
    assert bearer(token).get("/api/v1/regions").status_code == 401


# --- lockout ------------------------------------------------------------------------------

def test_five_failures_lock_the_account_even_for_the_right_password(users):
    for _ in range(4):
        assert ask_token("community", "wrong").json()["error"]["code"] == "auth.invalid"
    fifth = ask_token("community", "wrong")
    assert (fifth.status_code, fifth.json()["error"]["code"]) == (401, "auth.locked")
    locked = ask_token("community", PASSWORD)
    assert locked.status_code == 401
    assert locked.json() == {"error": {
        "code": "auth.locked", "message": "登录失败次数过多，账号已临时锁定，请 15 分钟后再试或联系管理员", "fields": {}}}
    assert not ApiToken.objects.filter(user=users["community"]).exists()


def test_four_failures_do_not_lock(users):
    for _ in range(4):
        ask_token("community", "wrong")
    assert ask_token("community", PASSWORD).status_code == 200


def test_a_locked_pair_leaves_other_workers_at_the_same_address_free(users):
    for _ in range(5):
        ask_token("community", "wrong")
    assert ask_token("peer", PASSWORD).status_code == 200  # same client address, other worker


def test_a_success_resets_the_failure_count(users):
    for _ in range(4):
        ask_token("community", "wrong")
    assert ask_token("community", PASSWORD).status_code == 200
    for _ in range(4):
        ask_token("community", "wrong")
    assert ask_token("community", PASSWORD).status_code == 200


# --- createsuperuser ----------------------------------------------------------------------

@pytest.mark.django_db
def test_createsuperuser_noinput_makes_a_system_administrator_over_the_whole_tree(monkeypatch):
    from jiayuan.cli import main

    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "root")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Root-pass-2026")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "root@example.org")
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)  # keep the test's transaction
    main(["jiayuan", "createsuperuser", "--noinput"])

    root = User.objects.get(username="root")
    assert (root.is_superuser, root.is_staff, root.is_active, root.scope_id) == (True, True, True, None)
    assert root.check_password("Root-pass-2026") and root.password.startswith("argon2$")
    assert root.scope_code == ""
    assert regions_for(root).count() == Region.objects.count()
    assert all(root.can(p) for p in Perm)


# --- production refusal -------------------------------------------------------------------

GOOD_SECRET = "s" * 50
GOOD_FIELD_KEY = "f" * 40


def start(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("JIAYUAN_")}
    clean.update({"DJANGO_SETTINGS_MODULE": "jiayuan.settings", "JIAYUAN_VAR_DIR": "/tmp/jiayuan-settings-test"})
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import django; from django.conf import settings; print(settings.ENVIRONMENT)"],
        env=clean, capture_output=True, text=True, timeout=60,
    )


@pytest.mark.parametrize("env, named", [
    ({}, "JIAYUAN_SECRET_KEY"),
    ({"JIAYUAN_SECRET_KEY": "jiayuan-demo-secret-key-not-for-production-use-000000"}, "JIAYUAN_SECRET_KEY"),
    ({"JIAYUAN_SECRET_KEY": "short"}, "JIAYUAN_SECRET_KEY"),
    ({"JIAYUAN_SECRET_KEY": GOOD_SECRET}, "JIAYUAN_FIELD_KEY"),
    ({"JIAYUAN_SECRET_KEY": GOOD_SECRET, "JIAYUAN_FIELD_KEY": "jiayuan-demo-field-key-not-for-production-use-0000000"},
     "JIAYUAN_FIELD_KEY"),
    ({"JIAYUAN_SECRET_KEY": GOOD_SECRET, "JIAYUAN_FIELD_KEY": GOOD_FIELD_KEY, "JIAYUAN_DEBUG": "1"}, "JIAYUAN_DEBUG"),
], ids=["no-secrets", "demo-secret", "short-secret", "no-field-key", "demo-field-key", "debug-on"])
def test_production_refuses_to_start_with_demo_secrets(env, named):
    result = start(JIAYUAN_ENV="production", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr


def test_production_starts_with_its_own_secrets():
    result = start(JIAYUAN_ENV="production", JIAYUAN_SECRET_KEY=GOOD_SECRET, JIAYUAN_FIELD_KEY=GOOD_FIELD_KEY)
    assert (result.returncode, result.stdout.strip()) == (0, "production"), result.stderr


# --- scope of an account ------------------------------------------------------------------

@pytest.mark.django_db
def test_an_account_without_scope_sees_no_region_person_or_entry(make_person):
    """Only a superuser may lack a scope; a deactivated account may have lost it. It sees
    nothing (and the query works on PostgreSQL, which refuses NUL in a parameter)."""
    from jiayuan.audit.selectors import entries_for
    from jiayuan.people.selectors import persons_for, scope_counts

    make_person()
    ghost = User.objects.create(username="ghost", role="city_admin", scope=None, is_active=False)
    assert ghost.scope_code != ""
    assert regions_for(ghost).count() == 0
    assert persons_for(ghost).count() == 0
    assert entries_for(ghost).count() == 0
    assert (scope_counts(ghost).households, scope_counts(ghost).persons) == (0, 0)


def test_a_superuser_sees_the_whole_tree(users):
    assert users["admin"].scope_code == ""
    assert regions_for(users["admin"]).count() == Region.objects.count()
