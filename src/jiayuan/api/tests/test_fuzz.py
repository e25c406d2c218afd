"""Property-based fuzzing of the whole API against its own OpenAPI document (schemathesis).

For each of three roles — city civil-affairs staff (``city``), community worker
(``community``) and grid member (``grid_member``) — every operation of
``/api/v1/openapi.json`` gets ``FUZZ_EXAMPLES`` generated requests (30 by default)
with that role's bearer token, sent to the WSGI application in-process. Each response
must pass schemathesis' checks:

- ``not_a_server_error``: no 5xx;
- ``status_code_conformance``: the status code is one the document declares;
- ``response_schema_conformance``: the body matches the declared schema of that status.

The run is repeatable (hypothesis ``derandomize``: the same examples every time, no
example database) and bounded (no shrinking; ``FUZZ_EXAMPLES`` per operation). It is
marked ``fuzz`` and not part of the default run (``-m "not fuzz"`` in pytest's
addopts); CI runs it once on PostgreSQL: ``pytest -m fuzz src/jiayuan/api/tests/test_fuzz.py``.
The numbers it prints (operations, requests, 5xx, mismatches, seconds) are the ones
recorded in docs/performance.md.
"""

import os
import time
from collections import Counter

import pytest

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

ROLES = ("city", "community", "grid_member")
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))


@pytest.fixture
def seeded(users, make_person):
    """A little data in the owner's community so that reads and writes reach real rows."""
    from jiayuan.audit.services import Actor
    from jiayuan.cases.services import create_case
    from jiayuan.conftest import GRID, OWNER_COMMUNITY
    from jiayuan.people.services import add_member, create_household

    admin = Actor(users["admin"], "command")
    head = make_person(region=GRID, name="王建国")
    child = make_person(region=GRID, name="王小明")
    hh = create_household(admin, {"number": "0001", "region": GRID}, head)
    add_member(admin, hh, child, "20")
    make_person(region=OWNER_COMMUNITY, name="李秀英")
    from jiayuan.grid.models import EventCategory

    leaf = EventCategory.objects.filter(children__isnull=True).order_by("code").first()
    if leaf is not None:
        create_case(Actor(users["grid_member"], "api"), "grid_event",
                    {"region": GRID, "category": leaf.code, "description": "楼道堆放杂物"})
    return users


def _fuzz(schema, token: str) -> dict:
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

    checks = [not_a_server_error, status_code_conformance, response_schema_conformance]
    headers = {"Authorization": f"Bearer {token}"}
    stats = {"operations": 0, "requests": 0, "server_errors": 0, "mismatches": 0, "failures": Counter()}
    for result in schema.get_all_operations():
        operation = result.ok()
        stats["operations"] += 1
        label = f"{operation.method.upper()} {operation.path}"

        @settings(max_examples=FUZZ_EXAMPLES, derandomize=True, database=None, deadline=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            stats["requests"] += 1
            response = case.call(headers=headers)
            if response.status_code >= 500:
                stats["server_errors"] += 1
                stats["failures"][f"{label} -> {response.status_code}"] += 1
                return
            try:
                case.validate_response(response, checks=checks, headers=headers)
            except (Exception, BaseExceptionGroup) as exc:  # a failed check (schemathesis: FailureGroup)
                stats["mismatches"] += 1
                first = str(exc).strip().splitlines()
                stats["failures"][f"{label} -> {response.status_code}: {' | '.join(first[:3])[:300]}"] += 1

        run()
    return stats


@pytest.mark.parametrize("role", ROLES)
def test_fuzz_the_api_as(role, seeded, api_client, settings):
    import schemathesis
    from django.core.wsgi import get_wsgi_application

    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    token = api_client(role).defaults["HTTP_AUTHORIZATION"].removeprefix("Bearer ")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    started = time.monotonic()
    stats = _fuzz(schema, token)
    seconds = time.monotonic() - started
    print(f"\nfuzz {role}: {stats['operations']} operations, {stats['requests']} requests, "
          f"{stats['server_errors']} server errors, {stats['mismatches']} mismatches, {seconds:.0f} s")
    for failure, n in sorted(stats["failures"].items()):
        print(f"  {n:4d} × {failure}")
    assert (stats["server_errors"], stats["mismatches"]) == (0, 0)
