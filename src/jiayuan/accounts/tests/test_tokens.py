"""Finding 12 of issue 11: users list and revoke their own API tokens (page and API),
the API's logout ends the token it is called with, and deactivating an account ends its
sessions and tokens."""

import json

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from jiayuan.accounts.models import ApiToken, User, UserSession
from jiayuan.accounts.services import deactivate_user
from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.conftest import PASSWORD
from jiayuan.errors import Forbidden


def new_token(who: str) -> str:
    resp = Client().post("/api/v1/auth/token", json.dumps({"username": who, "password": PASSWORD}),
                         content_type="application/json")
    assert resp.status_code == 200, resp.content
    return resp.json()["token"]


def bearer(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


def works(token: str) -> bool:
    return bearer(token).get("/api/v1/regions").status_code == 200


# --- API ----------------------------------------------------------------------------------

def test_the_api_lists_the_callers_own_tokens_by_prefix_never_the_token(users):
    first, second = new_token("community"), new_token("community")
    new_token("peer")
    resp = bearer(second).get("/api/v1/auth/tokens")
    assert resp.status_code == 200
    body = resp.json()
    assert [t["prefix"] for t in body] == [second[:8], first[:8]]  # newest first
    assert [t["current"] for t in body] == [True, False]
    assert set(body[0]) == {"id", "prefix", "created", "expires", "last_used", "current"}
    assert first not in resp.content.decode() and second not in resp.content.decode()


def test_a_revoked_or_expired_token_is_not_listed(users):
    first, second = new_token("community"), new_token("community")
    ApiToken.objects.filter(prefix=first[:8]).update(revoked=True)
    assert [t["prefix"] for t in bearer(second).get("/api/v1/auth/tokens").json()] == [second[:8]]


def test_delete_revokes_one_own_token_and_is_audited(users):
    keep, drop = new_token("community"), new_token("community")
    drop_id = ApiToken.objects.get(prefix=drop[:8]).pk
    resp = bearer(keep).delete(f"/api/v1/auth/tokens/{drop_id}")
    assert resp.status_code == 204
    assert not works(drop) and works(keep)
    entry = AuditEntry.objects.get(action="token.revoke")
    assert (entry.object_id, entry.actor_name, entry.source) == (str(drop_id), "community", "api")


def test_another_users_token_answers_404_and_stays_valid(users):
    mine, theirs = new_token("community"), new_token("peer")
    their_id = ApiToken.objects.get(prefix=theirs[:8]).pk
    resp = bearer(mine).delete(f"/api/v1/auth/tokens/{their_id}")
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "not_found"
    assert works(theirs)
    assert bearer(mine).delete("/api/v1/auth/tokens/999999").status_code == 404
    assert bearer(mine).delete("/api/v1/auth/tokens/abc").status_code == 404


def test_api_logout_ends_the_token_it_is_called_with_only(users):
    other, current = new_token("community"), new_token("community")
    resp = bearer(current).post("/api/v1/auth/logout")
    assert resp.status_code == 204
    assert not works(current)
    assert works(other)
    assert bearer(current).post("/api/v1/auth/logout").status_code == 401


def test_the_token_endpoints_need_a_token(users):
    assert Client().get("/api/v1/auth/tokens").status_code == 401
    assert Client().post("/api/v1/auth/logout").status_code == 401


# --- page ---------------------------------------------------------------------------------

def test_the_token_page_lists_prefixes_and_revokes_one(users, page_client):
    keep, drop = new_token("community"), new_token("community")
    new_token("peer")
    client = page_client("community")
    html = client.get("/account/tokens/").content.decode()
    assert keep[:8] in html and drop[:8] in html
    assert keep not in html and drop not in html
    assert html.count('action="/account/tokens/') == 3  # two revoke buttons and "revoke all"
    drop_row = ApiToken.objects.get(prefix=drop[:8])
    resp = client.post(f"/account/tokens/{drop_row.pk}/revoke/")
    assert (resp.status_code, resp.url) == (302, "/account/tokens/")
    assert not works(drop) and works(keep)
    entry = AuditEntry.objects.get(action="token.revoke")
    assert (entry.actor_name, entry.source) == ("community", "page")


def test_the_token_page_cannot_revoke_another_users_token(users, page_client):
    theirs = new_token("peer")
    resp = page_client("community").post(f"/account/tokens/{ApiToken.objects.get().pk}/revoke/")
    assert resp.status_code == 404
    assert works(theirs)


def test_revoke_all_from_the_page(users, page_client):
    tokens = [new_token("community") for _ in range(3)]
    theirs = new_token("peer")
    resp = page_client("community").post("/account/tokens/revoke-all/")
    assert resp.status_code == 302
    assert not any(works(t) for t in tokens)
    assert works(theirs)
    assert AuditEntry.objects.get(action="token.revoke_all").extra == {"reason": "user", "count": 3}


def test_page_logout_ends_the_session_but_not_the_tokens(users):
    """Product choice: tokens serve scripts and other systems that outlive a browser
    session; the token page revokes them ("撤销全部令牌")."""
    token = new_token("community")
    client = Client()
    client.post("/login/", {"username": "community", "password": PASSWORD})
    assert client.get("/").status_code == 200
    client.post("/logout/")
    assert client.get("/").status_code == 302
    assert works(token)


# --- deactivation -------------------------------------------------------------------------

def login(who: str) -> Client:
    client = Client()
    resp = client.post("/login/", {"username": who, "password": PASSWORD})
    assert resp.status_code == 302
    return client


def test_deactivating_ends_the_accounts_sessions_and_tokens(users):
    token = new_token("community")
    browser, phone = login("community"), login("community")
    other = login("peer")
    assert UserSession.objects.filter(user=users["community"]).count() == 2
    deactivate_user(Actor(users["county"], "page"), users["community"], reason="调离")
    assert not works(token)
    for client in (browser, phone):
        assert client.get("/").status_code == 302
    assert other.get("/").status_code == 200
    assert not UserSession.objects.filter(user=users["community"]).exists()
    keys = set(Session.objects.values_list("session_key", flat=True))
    assert keys == set(UserSession.objects.values_list("session_key", flat=True))  # only peer's is left
    assert not User.objects.get(username="community").is_active
    entry = AuditEntry.objects.get(action="user.deactivate")
    assert entry.changes == {"is_active": [True, False]}
    assert entry.extra == {"reason": "调离", "tokens_revoked": 1, "sessions_ended": 2}
    assert entry.region_code == "620702001001"


def test_an_inactive_user_is_signed_out_even_with_a_session_row_left(users, page_client):
    """Django's ModelBackend refuses inactive users when it loads the session's user:
    a session kept by any other path still ends."""
    client = page_client("community")
    User.objects.filter(username="community").update(is_active=False)
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("actor, target", [
    ("peer", "community"),        # no manage_users
    ("county", "outsider"),       # outside the county's scope
    ("county", "admin"),          # a superuser, by a non-superuser
    ("county", "county"),         # oneself
])
def test_deactivation_needs_manage_users_over_the_account(users, actor, target):
    token = new_token(target)
    with pytest.raises(Forbidden) as exc:
        deactivate_user(Actor(users[actor], "page"), users[target])
    assert exc.value.code == "user.manage_denied"
    assert User.objects.get(username=target).is_active and works(token)


def test_a_command_may_deactivate_any_account(users):
    deactivate_user(Actor(None, "command"), users["admin"])
    assert not User.objects.get(username="admin").is_active
