"""Open311 GeoReport v2 from a client application's point of view: discover services,
submit a request (placed in the grid whose boundary holds the point), follow it, search
with date filters written as a client would (``Z``, ``+08:00``, milliseconds), and get
the spec's error list for what is wrong."""

from datetime import UTC, timedelta
from datetime import timezone as dt_timezone
from xml.etree import ElementTree as ET

import pytest
from django.test import Client
from django.utils import timezone

from jiayuan.audit.services import Actor
from jiayuan.cases.models import Case
from jiayuan.conftest import GRID
from jiayuan.regions.models import Region

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]
BASE = "/open311/v2"
# A square around 交通巷 in 甘州区 (lon, lat), as the grid's GeoJSON boundary.
BOUNDARY = {"type": "Polygon", "coordinates": [[[100.450, 38.930], [100.460, 38.930], [100.460, 38.940],
                                                [100.450, 38.940], [100.450, 38.930]]]}


@pytest.fixture
def api_key(db):
    from jiayuan.open311.services import create_client

    Region.objects.filter(code=GRID).update(boundary=BOUNDARY)
    _, key = create_client(Actor(None, "command"), "张掖市民通")
    return key


@pytest.fixture
def client():
    return Client()


def post(client, key, fmt="json", **fields):
    data = {"api_key": key, "service_code": "facility.streetlight", "lat": "38.935", "long": "100.455",
            "description": "交通巷口路灯不亮", **fields}
    return client.post(f"{BASE}/requests.{fmt}", {k: v for k, v in data.items() if v is not None})


def test_service_discovery(client):
    r = client.get(f"{BASE}/services.json")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/json")
    services = r.json()
    codes = {s["service_code"] for s in services}
    assert {"facility.streetlight", "sanitation.garbage", "livelihood.utilities"} <= codes
    assert not codes & {"dispute.neighbor", "order.fraud", "safety.fire", "facility"}  # internal or not a leaf
    light = next(s for s in services if s["service_code"] == "facility.streetlight")
    assert light == {"service_code": "facility.streetlight", "service_name": "路灯损坏", "description": "设施损坏 / 路灯损坏",
                     "metadata": False, "type": "realtime", "keywords": "路灯,不亮", "group": "设施损坏"}
    r = client.get(f"{BASE}/services/facility.streetlight.json")
    assert r.status_code == 200 and r.json() == {"service_code": "facility.streetlight", "attributes": []}
    xml = ET.fromstring(client.get(f"{BASE}/services.xml").content)
    assert xml.tag == "services" and xml.find("service/service_code") is not None
    definition = ET.fromstring(client.get(f"{BASE}/services/facility.streetlight.xml").content)
    assert definition.tag == "service_definition" and definition.find("service_code").text == "facility.streetlight"


@pytest.mark.parametrize("path", ["services/no.such.json", "services/dispute.neighbor.json", "services/facility.json"])
def test_unknown_or_non_public_service_is_a_404_error_list(client, path):
    r = client.get(f"{BASE}/{path}")
    assert r.status_code == 404
    body = r.json()
    assert isinstance(body, list) and body[0]["code"] == 404 and "service_code" in body[0]["description"]
    x = client.get(f"{BASE}/{path[:-5]}.xml")
    assert x.status_code == 404
    root = ET.fromstring(x.content)
    assert root.tag == "errors" and root.find("error/code").text == "404"


def test_post_places_the_request_in_the_grid_and_it_can_be_followed(client, api_key):
    r = post(client, api_key, first_name="明", last_name="王", phone="13909361234",
             media_url="https://example.org/p.jpg")
    assert r.status_code == 201, r.content
    [row] = r.json()
    number, token = row["service_request_id"], row["token"]
    assert row["service_notice"] and row["account_id"] is None
    case = Case.objects.get(number=number)
    assert case.region_id == GRID and case.state == "reported" and case.channel == "open311" and case.is_public
    assert case.created_by is None and case.contact_name == "王 明"

    r = client.get(f"{BASE}/requests/{number}.json")
    [req] = r.json()
    assert req["status"] == "open" and req["service_code"] == "facility.streetlight"
    assert req["requested_datetime"].endswith("+08:00") and req["lat"] == 38.935 and req["long"] == 100.455
    assert req["media_url"] == "https://example.org/p.jpg"
    assert "13909361234" not in r.content.decode() and "王" not in r.content.decode()
    assert client.get(f"{BASE}/tokens/{token}.json").json() == [{"service_request_id": number, "token": token}]
    x = ET.fromstring(client.get(f"{BASE}/requests/{number}.xml").content)
    assert x.tag == "service_requests" and x.find("request/service_request_id").text == number
    assert client.get(f"{BASE}/tokens/nope.json").status_code == 404
    assert client.get(f"{BASE}/requests/620702001001-20200101-0001.json").status_code == 404


def test_closed_cases_map_to_closed(client, api_key, act, more_users):
    number = post(client, api_key).json()[0]["service_request_id"]
    case = Case.objects.get(number=number)
    act("township", case, "void", comment="重复上报")
    [req] = client.get(f"{BASE}/requests/{number}.json").json()
    assert req["status"] == "closed" and req["expected_datetime"] is None and req["status_notes"] == "不予受理"
    assert client.get(f"{BASE}/requests.json", {"status": "open"}).json() == []
    assert len(client.get(f"{BASE}/requests.json", {"status": "closed"}).json()) == 1


def test_search_with_date_filters_in_z_and_plus_eight(client, api_key):
    number = post(client, api_key).json()[0]["service_request_id"]
    now = timezone.now()
    # five minutes ago in UTC with milliseconds, and ± five minutes in Beijing time
    z = (now - timedelta(minutes=5)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.123Z")
    local_after = timezone.localtime(now + timedelta(minutes=5)).isoformat(timespec="seconds")
    local_before = timezone.localtime(now - timedelta(minutes=5)).isoformat(timespec="seconds")
    assert local_after.endswith("+08:00") and z.endswith(".123Z")

    def ids(**params):
        r = client.get(f"{BASE}/requests.json", params)
        assert r.status_code == 200, r.content
        return [x["service_request_id"] for x in r.json()]

    assert ids(start_date=z) == [number]
    assert ids(start_date=local_before, end_date=local_after) == [number]
    assert ids(end_date=local_before) == []
    assert ids(start_date=local_after) == []
    # an unencoded "+" arrives as a space; still read as +08:00
    r = client.get(f"{BASE}/requests.json?start_date={local_before.replace('+', '%20')}")
    assert [x["service_request_id"] for x in r.json()] == [number]
    assert ids(service_code="facility.streetlight") == [number]
    assert ids(service_code="sanitation.garbage") == []
    assert ids(service_request_id=f"{number},620702001001-20200101-0001") == [number]


@pytest.mark.parametrize("params, status, words", [
    ({"start_date": "yesterday"}, 400, "start_date"),
    ({"end_date": "2025-13-01T00:00:00Z"}, 400, "end_date"),
    ({"start_date": "2025-10-02T00:00:00Z", "end_date": "2025-10-01T00:00:00Z"}, 400, "after"),
    ({"status": "pending"}, 400, "status"),
    ({"service_code": "no.such"}, 404, "service_code"),
    ({"service_code": "order.fraud"}, 404, "service_code"),
    ({"jurisdiction_id": "999999"}, 404, "jurisdiction_id"),
])
def test_bad_filters_are_errors_not_ignored(client, params, status, words):
    r = client.get(f"{BASE}/requests.json", params)
    assert r.status_code == status
    [err] = r.json()
    assert err["code"] == status and words in err["description"]


def test_post_errors(client, api_key):
    def err(r):
        [e] = r.json()
        return r.status_code, e["code"], e["description"]

    assert err(post(client, None))[:2] == (403, 403)
    assert err(post(client, "wrong-key"))[:2] == (403, 403)
    assert err(post(client, api_key, service_code=None))[:2] == (400, 400)
    assert err(post(client, api_key, service_code="no.such"))[:2] == (404, 404)
    assert err(post(client, api_key, service_code="dispute.neighbor"))[:2] == (404, 404)
    assert err(post(client, api_key, lat=None, long=None))[:2] == (400, 400)
    assert err(post(client, api_key, lat="north", long="100"))[:2] == (400, 400)
    # outside every grid, and no address to fall back on
    code = err(post(client, api_key, lat="36.0", long="103.8"))
    assert code[0] == 400 and "not inside any grid" in code[2]
    assert err(post(client, api_key, jurisdiction_id="123"))[:2] == (404, 404)
    x = post(client, None, fmt="xml")
    assert x.status_code == 403 and ET.fromstring(x.content).find("error/code").text == "403"
    assert client.put(f"{BASE}/requests.json").status_code == 405
    assert Case.objects.count() == 0


def test_post_falls_back_to_address_or_jurisdiction(client, api_key):
    r = post(client, api_key, lat=None, long=None, address_string="甘州区东街街道交通巷社区 5 号楼")
    assert r.status_code == 201, r.content
    assert Case.objects.get(number=r.json()[0]["service_request_id"]).region_id == "620702001001"
    r = post(client, api_key, lat="36.0", long="103.8", jurisdiction_id="620702001")
    assert r.status_code == 201, r.content
    case = Case.objects.get(number=r.json()[0]["service_request_id"])
    assert case.region_id == "620702001" and case.number.startswith("620702001000-")


def test_requests_from_staff_are_not_published(client, api_key, report_event):
    report_event()  # a grid member's report: internal
    assert client.get(f"{BASE}/requests.json").json() == []
