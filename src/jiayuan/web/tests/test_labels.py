"""The audit log shows actions in words: every action the services record has a label."""

import re
from pathlib import Path

from jiayuan.web.labels import ACTION_LABELS

SRC = Path(__file__).resolve().parents[2]


def test_every_literal_audit_action_recorded_by_a_service_has_a_chinese_label():
    # record(actor, "<app>.<verb>", …) and {"action": "<app>.<verb>", …} in the services
    pattern = re.compile(r'record\(\s*\w+(?:\([^)]*\))?,\s*"([a-z_]+\.[a-z_.]+)"|"action": "([a-z_]+\.[a-z_.]+)"')
    found = set()
    for path in SRC.rglob("services*.py"):
        if "tests" in path.parts:
            continue
        for a, b in pattern.findall(path.read_text(encoding="utf-8")):
            found.add(a or b)
    for path in (SRC / "assistance" / "services").glob("*.py"):
        for a, b in pattern.findall(path.read_text(encoding="utf-8")):
            found.add(a or b)
    assert len(found) > 30
    missing = sorted(a for a in found if a not in ACTION_LABELS)
    assert missing == []
