"""Property-based fuzzing of the whole API against its own OpenAPI document (schemathesis).

For each of three roles — city civil-affairs staff (``city``), community worker
(``community``) and grid member (``grid_member``) — every operation of
``/api/v1/openapi.json`` gets ``FUZZ_EXAMPLES`` generated requests (30 by default) of
valid data and as many of invalid data (schemathesis' positive and negative modes),
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

import logging
import os
import time
from collections import Counter
from contextlib import contextmanager

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
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

    checks = [not_a_server_error, status_code_conformance, response_schema_conformance]
    headers = {"Authorization": f"Bearer {token}"}
    stats = {"operations": 0, "requests": 0, "server_errors": 0, "mismatches": 0, "no_negative": 0,
             "failures": Counter()}
    for result in schema.get_all_operations():
        operation = result.ok()
        stats["operations"] += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz_operation(operation, mode, headers, checks, stats)
    return stats


def _fuzz_operation(operation, mode, headers, checks, stats) -> None:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable

    label = f"{operation.method.upper()} {operation.path} ({mode.value})"

    @settings(max_examples=FUZZ_EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
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
            lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
            stats["failures"][f"{label} -> {response.status_code}: {' | '.join(lines[1:5])[:300]}"] += 1

    try:
        run()
    except Unsatisfiable:  # no invalid request exists (an operation without parameters or body)
        stats["no_negative"] += 1


@contextmanager
def in_test_transaction():
    """Django's WSGI application run as the test client runs it: inside the test's
    transaction (the connection is not closed at the end of each request), 4xx not
    logged. (Enter it after any use of the test client, which reconnects the signals.)"""
    from django.core.signals import request_finished, request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    app = get_wsgi_application()  # (before the levels: django.setup() resets the loggers' levels)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    quiet = [logging.getLogger(name) for name in ("django.request", "axes", "axes.watch_login")]
    levels = [logger.level for logger in quiet]
    for logger in quiet:
        logger.setLevel(logging.ERROR)
    try:
        yield app
    finally:
        for logger, level in zip(quiet, levels):
            logger.setLevel(level)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.parametrize("role", ROLES)
def test_fuzz_the_api_as(role, seeded, api_client, settings):
    import schemathesis

    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    token = api_client(role).defaults["HTTP_AUTHORIZATION"].removeprefix("Bearer ")
    with in_test_transaction() as app:
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
        started = time.monotonic()
        stats = _fuzz(schema, token)
        seconds = time.monotonic() - started
    print(f"\nfuzz {role}: {stats['operations']} operations, {stats['requests']} requests, "
          f"{stats['server_errors']} server errors, {stats['mismatches']} mismatches, {seconds:.0f} s "
          f"({stats['no_negative']} operations admit no invalid request)")
    for failure, n in sorted(stats["failures"].items()):
        print(f"  {n:4d} × {failure}")
    assert (stats["server_errors"], stats["mismatches"]) == (0, 0)
