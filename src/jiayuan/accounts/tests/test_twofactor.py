"""Two-factor sign-in (issue 11): which roles need it, the API token with the one-time
code, recovery codes, and the pages' gate. Codes are computed in the tests from RFC 6238
(tests/totp.py), not by django-otp."""

import json
import time

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken

from jiayuan.accounts import services
from jiayuan.accounts.permissions import ROLE_PERMISSIONS, SECOND_FACTOR_ROLES, role_needs_second_factor
from jiayuan.accounts.models import User
from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.conftest import PASSWORD
from jiayuan.errors import ValidationFailed

from .totp import hotp, key_from_secret, totp

STEP = 30


@pytest.fixture
def required(settings):
    settings.REQUIRE_SECOND_FACTOR = True


def enrol(user) -> tuple[bytes, list[str]]:
    """Enrol ``user`` through the services as the page does; returns (key, recovery codes).
    The first code is the one of the previous step (accepted within one step of tolerance)
    so that the current step is still free for the test's own sign-in."""
    device = services.start_enrolment(user)
    key = device.bin_key
    codes = services.confirm_enrolment(Actor(user, "page"), user, totp(key, time.time() - STEP))
    return key, codes


def ask_token(username: str, otp=None, password: str = PASSWORD):
    body = {"username": username, "password": password}
    if otp is not None:
        body["otp"] = otp
    return Client().post("/api/v1/auth/token", json.dumps(body), content_type="application/json")


# --- the code computation of the tests ----------------------------------------------------

def test_the_test_totp_matches_the_rfc_6238_vectors():
    key = b"12345678901234567890"  # RFC 6238 appendix B, SHA-1
    assert totp(key, 59, digits=8) == "94287082"
    assert totp(key, 1111111109, digits=8) == "07081804"
    assert totp(key, 2000000000, digits=8) == "69279037"
    assert hotp(key, 0) == "755224"  # RFC 4226 appendix D
    assert key_from_secret("GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ") == key


# --- which roles ----------------------------------------------------------------------------

def test_the_roles_that_need_a_second_factor_follow_the_permission_table():
    # Worked out from docs/permissions.md: view_sensitive is held by the city admin, county
    # and township officers, community directors and workers; export_sensitive by the
    # city admin and county officers; by office: city admin, county officer, auditor.
    assert SECOND_FACTOR_ROLES == {"city_admin", "county_officer", "township_officer", "community_director",
                                   "community_worker", "auditor"}
    assert not any(role_needs_second_factor(r) for r in ("grid_member", "department_staff", "org_staff", ""))
    assert role_needs_second_factor("", is_superuser=True)
    assert set(ROLE_PERMISSIONS) - SECOND_FACTOR_ROLES == {"grid_member", "department_staff", "org_staff"}


# --- API token ----------------------------------------------------------------------------

def test_without_the_requirement_an_account_without_an_app_needs_no_code(users):
    assert ask_token("county").status_code == 200


def test_required_role_without_an_app_cannot_get_a_token(users, required):
    for otp in (None, "123456"):
        refused = ask_token("county", otp=otp)
        assert refused.status_code == 403
        assert refused.json()["error"] == {"code": "otp.not_enrolled",
                                           "message": "该账号须先在网页上启用两步验证，才能取得接口令牌", "fields": {}}


def test_a_role_that_does_not_need_it_gets_a_token_without_a_code(users, required):
    assert ask_token("grid_member").status_code == 200


def test_token_with_missing_wrong_and_right_code(users, required):
    key, _codes = enrol(users["county"])
    missing = ask_token("county")
    assert missing.status_code == 422
    assert missing.json()["error"]["code"] == "otp.required"
    assert list(missing.json()["error"]["fields"]) == ["otp"]
    right = totp(key)
    wrong = str((int(right) + 1) % 1_000_000).zfill(6)
    bad = ask_token("county", otp=wrong)
    assert bad.status_code == 401
    assert bad.json()["error"] == {"code": "otp.invalid", "message": "动态码错误或已使用过，请输入验证器应用当前显示的动态码",
                                   "fields": {}}
    time.sleep(1.05)  # django-otp's throttle after one failure: 1 s
    ok = ask_token("county", otp=right)
    assert ok.status_code == 200, ok.content
    assert set(ok.json()) == {"token", "expires"}


def test_a_wrong_password_is_answered_before_the_code(users, required):
    key, _codes = enrol(users["county"])
    resp = ask_token("county", otp=totp(key), password="wrong")
    assert resp.json()["error"]["code"] == "auth.invalid"


def test_the_same_code_is_not_accepted_twice(users, required):
    key, _codes = enrol(users["county"])
    code = totp(key)
    assert ask_token("county", otp=code).status_code == 200
    assert ask_token("county", otp=code).status_code == 401


def test_an_enrolled_user_needs_the_code_in_the_demo_too(users):
    key, _codes = enrol(users["community"])
    assert ask_token("community").status_code == 422
    assert ask_token("community", otp=totp(key)).status_code == 200


def test_a_recovery_code_works_once_and_its_use_is_audited(users, required):
    _key, codes = enrol(users["county"])
    assert len(codes) == 10 and len(set(codes)) == 10
    assert ask_token("county", otp=codes[3]).status_code == 200
    assert ask_token("county", otp=codes[3]).status_code == 401
    time.sleep(1.05)  # django-otp's throttle after one failure: 1 s
    assert ask_token("county", otp=codes[4].upper()).status_code == 200  # case is not significant
    assert StaticToken.objects.filter(device__user=users["county"]).count() == 8
    uses = AuditEntry.objects.filter(action="otp.recovery_use").order_by("seq")
    assert [e.extra["codes_left"] for e in uses] == [9, 8]


def test_the_openapi_schema_shows_the_optional_otp_field():
    schema = Client().get("/api/v1/openapi.json").json()
    token_in = schema["components"]["schemas"]["TokenIn"]
    assert "otp" in token_in["properties"]
    assert "otp" not in token_in.get("required", [])


# --- enrolment ----------------------------------------------------------------------------

def test_enrolment_needs_a_right_first_code(users):
    user = users["county"]
    device = services.start_enrolment(user)
    with pytest.raises(ValidationFailed) as exc:
        services.confirm_enrolment(Actor(user, "page"), user, "000000" if totp(device.bin_key) != "000000" else "111111")
    assert exc.value.code == "otp.invalid"
    device.refresh_from_db()
    assert not device.confirmed


def test_enrolment_and_removal_are_audited(users):
    user = users["community"]
    enrol(user)
    assert AuditEntry.objects.get(action="otp.enrol").extra == {"recovery_codes": 10}
    services.remove_second_factor(Actor(user, "page"), user)
    assert AuditEntry.objects.get(action="otp.remove").object_id == str(user.pk)
    assert ask_token("community").status_code == 200


def test_enrolling_again_replaces_the_app_and_the_recovery_codes(users):
    user = users["community"]
    old_key, old_codes = enrol(user)
    new_key, new_codes = enrol(user)
    assert old_key != new_key
    assert ask_token("community", otp=old_codes[0]).status_code == 401
    time.sleep(1.05)
    assert ask_token("community", otp=new_codes[0]).status_code == 200


# --- pages --------------------------------------------------------------------------------

def test_required_role_without_an_app_is_sent_to_enrolment_from_every_page(users, page_client, required):
    client = page_client("county")
    for path in ("/", "/persons/", "/account/tokens/", "/account/security/"):
        resp = client.get(path)
        assert resp.status_code == 302, path
        assert resp.url.startswith("/account/2fa/enrol/"), path
    assert client.get("/account/2fa/enrol/").status_code == 200
    assert client.get("/static/web/app.css").status_code == 200
    assert page_client("grid_member").get("/").status_code == 200


def test_without_the_requirement_force_login_reaches_the_pages(users, page_client):
    assert page_client("county").get("/").status_code == 200


def test_the_enrolment_page_shows_a_qr_code_and_the_secret_and_confirms(users, page_client, required):
    client = page_client("county")
    html = client.get("/account/2fa/enrol/").content.decode()
    assert '<svg' in html and 'data-testid="otp-qr"' in html
    secret = html.split('data-testid="otp-secret">')[1].split("<")[0]
    key = key_from_secret(secret)
    resp = client.post("/account/2fa/enrol/", {"code": totp(key), "next": "/persons/"})
    assert resp.status_code == 200
    codes = resp.context["codes"]
    assert len(codes) == 10 and all(c in resp.content.decode() for c in codes)
    assert client.get("/").status_code == 200  # the session is verified


def test_a_user_with_an_app_gives_a_code_after_the_password(users, page_client):
    key, codes = enrol(users["community"])
    client = page_client("community")
    resp = client.get("/persons/")
    assert (resp.status_code, resp.url) == (302, "/account/2fa/verify/?next=%2Fpersons%2F")
    bad = client.post("/account/2fa/verify/", {"code": "12345", "next": "/persons/"})
    assert bad.status_code == 200 and "动态码错误" in bad.content.decode()
    time.sleep(1.05)
    ok = client.post("/account/2fa/verify/", {"code": totp(key), "next": "/persons/"})
    assert (ok.status_code, ok.url) == (302, "/persons/")
    assert client.get("/persons/").status_code == 200


def test_a_recovery_code_signs_in_on_the_page(users, page_client):
    _key, codes = enrol(users["community"])
    client = page_client("community")
    resp = client.post("/account/2fa/verify/", {"code": codes[0]})
    assert (resp.status_code, resp.url) == (302, "/")
    assert client.get("/").status_code == 200


def test_the_enrolment_page_cannot_replace_an_app_without_its_code(users, page_client):
    enrol(users["community"])
    client = page_client("community")
    resp = client.get("/account/2fa/enrol/")
    assert (resp.status_code, resp.url) == (302, "/account/2fa/verify/")
    resp = client.post("/account/2fa/enrol/", {"code": "123456"})
    assert resp.status_code == 302
    assert client.post("/account/security/remove/").status_code == 302  # sent to the code page
    assert User.objects.get(username="community").totpdevice_set.filter(confirmed=True).count() == 1
