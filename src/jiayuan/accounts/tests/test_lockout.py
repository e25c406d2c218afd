"""Finding 11 of issue 11: the lockout is by (user name, client address) with a
per-address limit, and a lock ends the account's API tokens.

Limits (settings): 5 failures of one user name from one address lock that pair; 20
failures from one address over any user names lock the address; both for 15 minutes."""

import json

import pytest
from django.test import Client

from jiayuan.accounts.models import ApiToken
from jiayuan.audit.models import AuditEntry
from jiayuan.conftest import PASSWORD

TOKEN_URL = "/api/v1/auth/token"
ATTACKER = "203.0.113.9"
OFFICE = "198.51.100.20"

ACCOUNT_LOCKED = "登录失败次数过多，账号已临时锁定，请 15 分钟后再试或联系管理员"
ADDRESS_LOCKED = "该网络地址登录失败次数过多，已临时禁止登录，请 15 分钟后再试或联系管理员"


def ask_token(username: str, password: str, address: str = OFFICE):
    return Client(REMOTE_ADDR=address).post(TOKEN_URL, json.dumps({"username": username, "password": password}),
                                            content_type="application/json")


def bearer(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


def page_login(username: str, password: str, address: str = OFFICE):
    return Client(REMOTE_ADDR=address).post("/login/", {"username": username, "password": password})


# --- the pair, not the user name alone ----------------------------------------------------

def test_five_failures_from_another_address_do_not_lock_the_owner_out(users):
    for _ in range(5):
        ask_token("community", "wrong", ATTACKER)
    assert ask_token("community", "wrong", ATTACKER).json()["error"]["code"] == "auth.locked"
    assert ask_token("community", PASSWORD, ATTACKER).json()["error"] == {
        "code": "auth.locked", "message": ACCOUNT_LOCKED, "fields": {}}
    assert ask_token("community", PASSWORD, OFFICE).status_code == 200


def test_the_page_login_locks_the_pair_and_lets_the_owner_in_from_elsewhere(users):
    for _ in range(5):
        page_login("community", "wrong", ATTACKER)
    locked = page_login("community", PASSWORD, ATTACKER)
    assert locked.status_code == 429
    assert "账号已临时锁定" in locked.content.decode()
    owner = page_login("community", PASSWORD, OFFICE)
    assert (owner.status_code, owner.url) == (302, "/")


# --- the address --------------------------------------------------------------------------

SPRAYED = ["community", "peer", "township", "county", "nobody"]


def spray(rounds: int, address: str = ATTACKER):
    """``rounds`` wrong passwords over the five names in turn (at most 4 per name: no
    pair reaches its limit of 5). The 20th failure is answered as a lock, like the 5th of a pair."""
    for i in range(rounds):
        expected = "auth.locked" if i + 1 == 20 else "auth.invalid"
        assert ask_token(SPRAYED[i % 5], "wrong", address).json()["error"]["code"] == expected


def test_nineteen_failures_over_many_names_do_not_lock_the_address(users):
    spray(19)
    assert ask_token("city", PASSWORD, ATTACKER).status_code == 200


def test_twenty_failures_over_many_names_lock_the_address_for_every_name(users):
    spray(20)
    locked = ask_token("city", PASSWORD, ATTACKER)  # no failure of its own
    assert locked.status_code == 401
    assert locked.json()["error"] == {"code": "auth.locked", "message": ADDRESS_LOCKED, "fields": {}}
    assert ask_token("city", PASSWORD, OFFICE).status_code == 200  # another address
    page = page_login("city", PASSWORD, ATTACKER)
    assert page.status_code == 429
    assert "该网络地址" in page.content.decode()


def test_an_address_lock_is_not_an_account_lock_and_ends_no_tokens(users):
    token = ask_token("city", PASSWORD, OFFICE).json()["token"]
    spray(20)
    ask_token("city", "wrong", ATTACKER)
    assert bearer(token).get("/api/v1/regions").status_code == 200
    assert not AuditEntry.objects.filter(action="auth.lockout").exists()


def test_failures_followed_by_a_success_do_not_count_towards_the_address(users):
    """A service desk: each worker mistypes 4 times and then signs in. 5 × 4 = 20
    failures from one address, all resolved: nobody is locked."""
    for name in ["community", "peer", "township", "county", "city"]:
        for _ in range(4):
            ask_token(name, "wrong", OFFICE)
        assert ask_token(name, PASSWORD, OFFICE).status_code == 200
    assert ask_token("auditor", PASSWORD, OFFICE).status_code == 200


# --- a lock ends the account's tokens -----------------------------------------------------

def test_a_lock_ends_the_tokens_issued_before_it(users):
    token = ask_token("community", PASSWORD, OFFICE).json()["token"]
    assert bearer(token).get("/api/v1/regions").status_code == 200
    for _ in range(5):
        ask_token("community", "wrong", ATTACKER)
    assert bearer(token).get("/api/v1/regions").status_code == 401
    row = ApiToken.objects.get(user=users["community"])
    assert row.revoked and row.revoked_at is not None
    entry = AuditEntry.objects.get(action="auth.lockout")
    assert (entry.object_id, entry.source, entry.actor_name) == (str(users["community"].pk), "system", "system")
    assert entry.extra == {"ip_address": ATTACKER, "tokens_revoked": 1}
    assert AuditEntry.objects.get(action="token.revoke_all").extra == {"reason": "lockout", "count": 1}


def test_a_lock_through_the_page_login_ends_the_tokens_too(users):
    token = ask_token("community", PASSWORD, OFFICE).json()["token"]
    for _ in range(5):
        page_login("community", "wrong", ATTACKER)
    assert bearer(token).get("/api/v1/regions").status_code == 401


def test_failures_during_the_lock_do_not_end_tokens_issued_since(users):
    for _ in range(5):
        ask_token("community", "wrong", ATTACKER)
    fresh = ask_token("community", PASSWORD, OFFICE).json()["token"]
    for _ in range(3):
        ask_token("community", "wrong", ATTACKER)
    assert bearer(fresh).get("/api/v1/regions").status_code == 200
    assert AuditEntry.objects.filter(action="auth.lockout").count() == 1


@pytest.mark.django_db
def test_locking_an_unknown_name_changes_nothing(users):
    for _ in range(5):
        ask_token("nobody", "wrong", ATTACKER)
    assert not AuditEntry.objects.filter(action="auth.lockout").exists()


def test_behind_a_trusted_proxy_the_lock_keys_on_the_client_not_on_the_proxy(users, settings):
    """Behind the city's reverse proxy every request comes from the proxy's address: the
    pair lock must key on the client the proxy names (jiayuan.client_ip), so an attacker
    locks only their own pair and the office behind the same proxy still signs in."""
    from jiayuan import client_ip

    proxy = "10.0.0.2"
    settings.TRUSTED_PROXIES = client_ip.parse_networks(proxy)

    def via_proxy(username, password, client):
        return Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=client).post(
            TOKEN_URL, json.dumps({"username": username, "password": password}), content_type="application/json")

    for _ in range(5):
        via_proxy("community", "wrong", ATTACKER)
    assert via_proxy("community", PASSWORD, ATTACKER).json()["error"]["code"] == "auth.locked"
    assert via_proxy("community", PASSWORD, OFFICE).status_code == 200
