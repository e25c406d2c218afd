"""Two settlements of the same provider, county and month generated at the same moment
make one settlement, and every confirmed order has exactly one live line (PostgreSQL,
two threads with their own connections)."""

import threading

import pytest
from django.db import connection

from .test_orders import run, world  # noqa: F401  (fixture)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)")
def test_two_concurrent_settlements_make_one(transactional_db, world, settings, tmp_path):
    from jiayuan.accounts.models import User
    from jiayuan.audit.services import Actor
    from jiayuan.eldercare.models import Settlement, SettlementLine, WorkOrder
    from jiayuan.eldercare.orders import settlement_services as settle

    settings.MEDIA_ROOT = tmp_path / "media"
    for o in WorkOrder.objects.filter(plan=world["plan"]).order_by("pk")[:3]:
        run(world, o)
    other = User.objects.create(username="k2", role="county_officer", scope_id="620702")
    month = world["today"].replace(day=1)
    barrier = threading.Barrier(2)
    results = []

    def go(user):
        from django.db import connections

        try:
            barrier.wait()
            results.append(settle.generate(Actor(user, "api"), world["org"], "620702", month).pk)
        except Exception as exc:  # noqa: BLE001 — reported below
            results.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=go, args=(u,)) for u in (world["county"].user, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1 and isinstance(results[0], int), results
    assert Settlement.objects.count() == 1
    s = Settlement.objects.get()
    # one thread generated, the other regenerated after it (the row lock orders them): 3 live lines
    assert s.generation == 2 and SettlementLine.objects.filter(live=True).count() == 3
    assert SettlementLine.objects.filter(live=False).count() == 3
