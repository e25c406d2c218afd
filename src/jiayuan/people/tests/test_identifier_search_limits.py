"""Searches by identifier (whole ID, phone, ID tail) are audited, and limited per hour
for roles that may not see whole numbers (a masked phone could otherwise be
brute-forced through the search box)."""

import pytest

from jiayuan.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_an_hour(settings):
    settings.IDENTIFIER_SEARCH_LIMIT = 3


def test_a_grid_member_gets_429_after_the_hourly_limit_of_identifier_searches(api_client, three_an_hour):
    client = api_client("grid_member")
    for tail in ("1234", "13800138000", "620702199001011234"):
        assert client.get("/api/v1/persons", {"q": tail}).status_code == 200
    resp = client.get("/api/v1/persons", {"q": "5678"})
    assert resp.status_code == 429
    assert resp.json()["error"]["code"] == "search.rate_limited"
    assert "每小时最多 3 次" in resp.json()["error"]["message"]
    # name and pinyin searches are not identifier searches: still answered
    assert client.get("/api/v1/persons", {"q": "张"}).status_code == 200
    assert client.get("/api/v1/persons", {"q": "zjg"}).status_code == 200


def test_roles_with_view_sensitive_are_not_limited_but_audited(api_client, users, three_an_hour):
    client = api_client("community")
    for _ in range(5):
        assert client.get("/api/v1/persons", {"q": "13800138000"}).status_code == 200
    entries = AuditEntry.objects.filter(action="person.search_identifier", actor=users["community"])
    assert entries.count() == 5
    for e in entries:
        assert e.extra == {"kind": "phone"}
        assert "13800138000" not in str(e.extra) + e.object_repr


def test_name_searches_are_not_audited(api_client):
    client = api_client("community")
    client.get("/api/v1/persons", {"q": "张建国"})
    assert not AuditEntry.objects.filter(action="person.search_identifier").exists()


def test_the_page_shows_the_limit_instead_of_results(page_client, three_an_hour):
    client = page_client("grid_member")
    for _ in range(3):
        assert client.get("/persons/", {"q": "1234"}).status_code == 200
    resp = client.get("/persons/", {"q": "1234"})
    assert resp.status_code == 200
    assert "每小时最多 3 次" in resp.content.decode()
