"""Helpers for the page tests. Scope layout: see jiayuan/conftest.py (``community`` owns
交通巷社区 620702001001 and its grid 620702001001001; ``peer`` 甘泉社区; ``outsider``
六坝村 in 民乐县)."""

import re

import pytest

from jiayuan.audit.models import AuditEntry


def text_of(response) -> str:
    """The response body as text with tags removed and whitespace collapsed."""
    html = response.content.decode()
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def audit_count(action: str, **filters) -> int:
    return AuditEntry.objects.filter(action=action, **filters).count()


@pytest.fixture
def owner_person(make_person):
    """张建国 in the owner's grid, with a phone."""
    return make_person(region="620702001001001", name="张建国", phone="13893612345")
