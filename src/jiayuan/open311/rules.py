"""Pure rules of the Open311 endpoint: ISO 8601 date parameters, status mapping, and XML."""

import re
from datetime import datetime, tzinfo
from xml.etree import ElementTree as ET

# An unencoded "+" in a query string arrives as a space: "2025-10-01T00:00:00 08:00".
_LOST_PLUS = re.compile(r"^(\d{4}-?\d{2}-?\d{2}[T ]\d{2}:?\d{2}(?::?\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")
_NANOS = re.compile(r"(\.\d{6})\d+")


def parse_iso_datetime(value: str, default_tz: tzinfo) -> datetime:
    """An aware datetime from an ISO 8601 string: ``Z``, ``+08:00``/``+0800`` offsets,
    fractions of a second (more than six digits are cut), a date alone (midnight), or
    no offset (read as ``default_tz``, Beijing time). ``ValueError`` otherwise."""
    text = (value or "").strip()
    m = _LOST_PLUS.match(text)
    if m:
        text = f"{m.group(1)}+{m.group(2)}"
    text = _NANOS.sub(r"\1", text)
    if not text or not text[0].isdigit():
        raise ValueError(value)
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=default_tz)
    return dt


def format_datetime(dt: datetime | None, tz: tzinfo) -> str | None:
    """ISO 8601 with the local offset, to the second: ``2025-10-10T09:30:00+08:00``."""
    if dt is None:
        return None
    return dt.astimezone(tz).isoformat(timespec="seconds")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_xml(root: str, item: str | None, rows: list[dict] | dict, child_items: dict[str, str] | None = None) -> bytes:
    """``<root><item>…</item>…</root>`` for a list of rows, or ``<root>…</root>`` for one
    object (``item`` None, ``rows`` a dict). A list value becomes a wrapper element whose
    children are named by ``child_items`` (e.g. {"attributes": "attribute"})."""
    child_items = child_items or {}
    top = ET.Element(root)

    def fill(parent, data: dict):
        for key, value in data.items():
            el = ET.SubElement(parent, key)
            if isinstance(value, list):
                name = child_items.get(key, "item")
                for v in value:
                    sub = ET.SubElement(el, name)
                    if isinstance(v, dict):
                        fill(sub, v)
                    else:
                        sub.text = _text(v)
            elif isinstance(value, dict):
                fill(el, value)
            else:
                el.text = _text(value)

    if item is None:
        fill(top, rows)
    else:
        for row in rows:
            fill(ET.SubElement(top, item), row)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8", xml_declaration=False)
