"""Public certificate verification needs the number and the code printed on the
certificate, and its rate limit keys on the client behind the trusted proxies (issue 11,
finding 9). Certificate numbers are sequential (``<community>-ZM<date>-0001``, ``-0002``…),
so the number alone let anyone list every certificate and its holder's masked name."""

import importlib
import re

import pytest
from django.apps import apps as django_apps
from django.test import Client, RequestFactory
from django.utils import timezone

from jiayuan.audit.services import Actor
from jiayuan.cases.models import RateLimitHit
from jiayuan.client_ip import client_ip
from jiayuan.servicecenter import services
from jiayuan.servicecenter.models import Certificate

pytestmark = pytest.mark.django_db

CODE_RE = re.compile(r"^[0-9ABCDEFGHJKMNPQRSTVWXYZ]{16}$")  # Crockford base 32, 16 × 5 = 80 bits


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def certs(more_users, make_person):
    """Three certificates of one community, issued the same day: numbers -0001 … -0003."""
    actor = Actor(more_users["community"], "page")
    people = [make_person(name=n, address="甘州区东街交通巷 12 号") for n in ("张建国", "李秀英", "王芳")]
    return [services.issue_certificate(actor, p, "居住证明", "子女入学") for p in people]


def _sequence(cert: Certificate, n: int) -> str:
    return cert.number.rsplit("-", 1)[0] + f"-{n:04d}"


def test_numbers_are_sequential_and_codes_unguessable(certs):
    assert [c.number[-5:] for c in certs] == ["-0001", "-0002", "-0003"]
    assert all(CODE_RE.match(c.verify_code) for c in certs)
    assert len({c.verify_code for c in certs}) == 3


def test_enumerating_sequential_numbers_without_the_code_gets_nothing(certs):
    anon = Client()
    holders = ["张*国", "李*英", "王*"]
    wrong = "0" * 16
    for n in range(1, 6):  # the three issued and two beyond
        number = _sequence(certs[0], n)
        r = anon.get(f"/api/v1/public/certificates/{number}")
        assert r.status_code == 422 and r.json()["error"]["code"] == "verify.code_required"
        r = anon.get(f"/api/v1/public/certificates/{number}", {"code": wrong})
        assert r.status_code == 404
        assert r.json() == {"error": {"code": "certificate.not_found", "message": "未找到该证明，或核验码不符",
                                      "fields": {}}}
        # another certificate's code does not open this one either
        other = certs[n % 3].verify_code if n <= 3 else certs[0].verify_code
        r = anon.get(f"/api/v1/public/certificates/{number}", {"code": other})
        assert r.status_code == 404
        for page in (anon.get("/service/verify/", {"number": number}),
                     anon.get("/service/verify/", {"number": number, "code": wrong})):
            assert page.status_code in (404, 422)
            assert not any(h in text_of(page) for h in holders)
            assert "居（租）住证明" not in text_of(page)
    # a wrong code on an issued number and any code on an unknown number: the same answer
    a = anon.get(f"/api/v1/public/certificates/{certs[0].number}", {"code": wrong})
    b = anon.get(f"/api/v1/public/certificates/{_sequence(certs[0], 99)}", {"code": wrong})
    assert (a.status_code, a.content) == (b.status_code, b.content)
    pa = anon.get("/service/verify/", {"number": certs[0].number, "code": wrong})
    pb = anon.get("/service/verify/", {"number": _sequence(certs[0], 99), "code": wrong})
    assert pa.status_code == pb.status_code == 404
    assert text_of(pa).replace(certs[0].number, "N") == text_of(pb).replace(_sequence(certs[0], 99), "N")


def test_the_right_code_verifies_as_printed_or_typed(certs):
    anon = Client()
    cert = certs[1]
    grouped = "-".join(cert.verify_code[i:i + 4] for i in range(0, 16, 4))
    for typed in (cert.verify_code, grouped, grouped.lower(), " ".join(grouped.split("-"))):
        r = anon.get(f"/api/v1/public/certificates/{cert.number}", {"code": typed})
        assert r.status_code == 200, typed
        assert r.json() == {"number": cert.number, "kind": "居（租）住证明", "community": cert.community.name,
                            "issued_at": str(timezone.localdate()), "status": "valid", "holder": "李*英"}
    page = anon.get("/service/verify/", {"number": cert.number, "code": grouped})
    assert page.status_code == 200 and "李*英" in text_of(page) and "有效" in text_of(page)


def test_the_code_is_printed_on_the_certificate_with_a_link_that_verifies(certs, client):
    cert = certs[0]
    client.force_login(cert.issued_by)
    html = client.get(f"/service/certificates/{cert.number}/print/").content.decode()
    grouped = "-".join(cert.verify_code[i:i + 4] for i in range(0, 16, 4))
    assert grouped in html
    link = re.search(r'class="paper-link">([^<]+)<', html).group(1).replace("&amp;", "&")
    assert link == f"http://testserver/service/verify/?number={cert.number}&code={cert.verify_code}"
    r = Client().get(link.removeprefix("http://testserver"))
    assert r.status_code == 200 and "张*国" in text_of(r)
    assert grouped in client.get(f"/service/certificates/{cert.number}/").content.decode()


def test_existing_certificates_get_their_own_code_by_the_data_migration(certs):
    # Before the migration's data step every row has the one code AddField evaluated.
    Certificate.objects.update(verify_code="SAMECODEFORALL00")
    migration = importlib.import_module("jiayuan.servicecenter.migrations.0003_certificate_verify_code")
    migration.draw_codes(django_apps, None)
    codes = list(Certificate.objects.values_list("verify_code", flat=True))
    assert len(codes) == 3 and len(set(codes)) == 3
    assert all(CODE_RE.match(c) for c in codes) and "SAMECODEFORALL00" not in codes


# --- the client's address ------------------------------------------------------------------

def _request(remote: str, xff: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(_request("203.0.113.5", "198.51.100.7")) == "203.0.113.5"
    assert client_ip(_request("")) == ""


@pytest.mark.parametrize("remote, xff, expected", [
    # from an address that is not a trusted proxy: the header is the client's own say-so
    ("203.0.113.5", "198.51.100.7", "203.0.113.5"),
    # from the proxy: the right-most address that is not a proxy
    ("10.0.0.1", "198.51.100.7", "198.51.100.7"),
    # a client that wrote its own header: the proxy appended the real address at the right
    ("10.0.0.1", "1.2.3.4, 198.51.100.7", "198.51.100.7"),
    # two proxies in a row (CDN 10.1.2.3, then the load balancer 10.0.0.1)
    ("10.0.0.1", "1.2.3.4, 198.51.100.7, 10.1.2.3", "198.51.100.7"),
    # IPv6 client, ports and the mapped form
    ("::ffff:10.0.0.1", "[2001:db8::5]:4711", "2001:db8::5"),
    ("10.0.0.1", "198.51.100.7:5123", "198.51.100.7"),
    # only proxies in the header: the left-most of them
    ("10.0.0.1", "10.9.9.9", "10.9.9.9"),
    # no header, or garbage before any client address: the proxy itself
    ("10.0.0.1", None, "10.0.0.1"),
    ("10.0.0.1", "1.2.3.4, not-an-address", "10.0.0.1"),
])
def test_behind_trusted_proxies_the_rightmost_untrusted_address_is_the_client(settings, remote, xff, expected):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(_request(remote, xff)) == expected


def _keys() -> set[str]:
    return set(RateLimitHit.objects.filter(key__startswith="verify-ip:").values_list("key", flat=True))


def test_a_spoofed_header_from_an_untrusted_address_does_not_change_the_rate_limit_key(certs, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    number = certs[0].number
    for i in range(3):
        Client(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").get(
            f"/api/v1/public/certificates/{number}", {"code": "X"})
        Client(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").get(
            "/service/verify/", {"number": number, "code": "X"})
    assert _keys() == {"verify-ip:203.0.113.5"}
    assert RateLimitHit.objects.get(key="verify-ip:203.0.113.5").count == 6


def test_the_limit_applies_per_client_behind_a_trusted_proxy(certs, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    number, code = certs[0].number, certs[0].verify_code
    url = f"/api/v1/public/certificates/{number}"
    via_proxy = {"REMOTE_ADDR": "10.0.0.1"}
    first = Client(**via_proxy, HTTP_X_FORWARDED_FOR="198.51.100.7")
    for _ in range(60):
        assert first.get(url, {"code": "X"}).status_code == 404
    r = first.get(url, {"code": code})
    assert r.status_code == 429 and r.json()["error"]["code"] == "verify.rate_limited"
    # another resident behind the same proxy is not locked out by the first one's tries
    second = Client(**via_proxy, HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert second.get(url, {"code": code}).status_code == 200
    assert _keys() == {"verify-ip:198.51.100.7", "verify-ip:198.51.100.8"}
