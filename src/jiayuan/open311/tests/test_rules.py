"""Date parameters and XML of the Open311 endpoint."""

from datetime import UTC, datetime, timedelta, timezone
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import pytest

from jiayuan.open311 import rules

BJ = ZoneInfo("Asia/Shanghai")
UTC = UTC


@pytest.mark.parametrize("text, expected", [
    ("2025-10-01T00:00:00Z", datetime(2025, 10, 1, 8, 0, tzinfo=BJ)),
    ("2025-10-01T00:00:00.123Z", datetime(2025, 10, 1, 0, 0, 0, 123000, tzinfo=UTC)),
    ("2025-10-01T08:00:00+08:00", datetime(2025, 10, 1, 0, 0, tzinfo=UTC)),
    ("2025-10-01T08:00:00+0800", datetime(2025, 10, 1, 0, 0, tzinfo=UTC)),
    ("2025-10-01T08:00:00 08:00", datetime(2025, 10, 1, 0, 0, tzinfo=UTC)),   # "+" lost in a query string
    ("2025-10-01T08:00:00.123456789+08:00", datetime(2025, 10, 1, 0, 0, 0, 123456, tzinfo=UTC)),
    ("2025-10-01", datetime(2025, 10, 1, tzinfo=BJ)),                          # a date alone: Beijing midnight
    ("2025-10-01T08:00:00", datetime(2025, 10, 1, 8, 0, tzinfo=BJ)),            # no offset: Beijing time
])
def test_iso_dates_as_clients_write_them(text, expected):
    assert rules.parse_iso_datetime(text, BJ) == expected


@pytest.mark.parametrize("text", ["", "yesterday", "2025-13-01", "2025-10-01T25:00:00Z", "01/10/2025", "T08:00"])
def test_malformed_dates_are_refused(text):
    with pytest.raises(ValueError):
        rules.parse_iso_datetime(text, BJ)


def test_output_datetimes_carry_plus_eight():
    dt = datetime(2025, 10, 1, 0, 0, 0, 500000, tzinfo=UTC)
    assert rules.format_datetime(dt, BJ) == "2025-10-01T08:00:00+08:00"
    assert rules.format_datetime(None, BJ) is None
    assert rules.format_datetime(dt + timedelta(hours=16), BJ).startswith("2025-10-02T00:00:00")


def test_xml_lists_and_nested_values():
    body = rules.to_xml("service_definition", None,
                        {"service_code": "a", "attributes": [{"code": "x", "values": [], "required": True}]},
                        {"attributes": "attribute"})
    root = ET.fromstring(body)
    assert root.tag == "service_definition" and root.find("service_code").text == "a"
    assert root.find("attributes/attribute/required").text == "true"
    errors = ET.fromstring(rules.to_xml("errors", "error", [{"code": 404, "description": "未找到"}]))
    assert errors.find("error/description").text == "未找到"
