"""Two allocations written at the same moment cannot together pass the budget: the
fund's row is locked while an entry is checked and written (PostgreSQL, two threads with
their own connections)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from jiayuan.audit.services import Actor
from jiayuan.facilities import services
from jiayuan.facilities.models import FundEntry


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_allocations_never_pass_the_budget(django_db_setup):
    from django.core.management import call_command
    from django.utils import timezone

    from jiayuan.accounts.models import User
    from jiayuan.errors import ValidationFailed

    call_command("load_divisions", prefix="6207", verbosity=0)
    a = User.objects.create(username="k1", role="county_officer", scope_id="620702")
    b = User.objects.create(username="k2", role="city_admin", scope_id="6207")
    year = timezone.localdate().year
    fund = services.set_budget(Actor(a, "command"), "620702001001", year, "80000")
    barrier = threading.Barrier(2)
    results = []

    def run(user):
        from django.db import connections

        try:
            barrier.wait()
            services.add_entry(Actor(user, "api"), fund, "allocation", "office", "50000", f"{year}-03-01")
            results.append("ok")
        except ValidationFailed as exc:
            results.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(u,)) for u in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 50,000 + 50,000 > 80,000: exactly one of the two gets through
    assert sorted(results) == ["allocation.exceeds_budget", "ok"]
    assert [e.amount for e in FundEntry.objects.all()] == [Decimal("50000.00")]
