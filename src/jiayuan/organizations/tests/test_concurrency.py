"""Two writers at the same moment (PostgreSQL, two threads with their own connections):
an instalment released twice is paid once (409 ``instalment.paid`` for the other), a
final evaluation recorded twice is one evaluation (409 ``evaluation.duplicate``, not a
database error), an organization admitted twice to incubation is admitted once (409
``incubation.open``)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from jiayuan.errors import ServiceError
from jiayuan.organizations.models import Evaluation, Incubation, InstalmentPayment
from jiayuan.organizations.services import projects as ps
from jiayuan.organizations.services import registry as rs

from .conftest import act
from .test_projects import contracted

pytestmark = [pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)"),
              pytest.mark.django_db(transaction=True)]


def _race(fn, actors) -> list[str]:
    """``fn(actor)`` in one thread per actor, all released at once: "ok" or the error code of each."""
    barrier = threading.Barrier(len(actors))
    results = []

    def run(a):
        from django.db import connections

        try:
            barrier.wait()
            fn(a)
            results.append("ok")
        except ServiceError as exc:
            results.append(exc.code)
        except Exception as exc:   # noqa: BLE001 — what a 500 would be
            results.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(a,)) for a in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(results)


def test_an_instalment_released_twice_at_once_is_paid_once(users, call, orgs):
    project = contracted(users, call, orgs)
    m = project.milestones.get(seq=1)
    ps.submit_report(act(users["org"]), project, period="第1期", content="完成", milestone=m)
    ps.accept_milestone(act(users["county"]), m)
    inst = project.instalments.get(seq=1)
    results = _race(lambda a: ps.release_instalment(a, inst, decision_ref="甘区民发〔2026〕9号"),
                    [act(users["county"]), act(users["city"])])
    assert results == ["instalment.paid", "ok"]
    assert [str(p.amount) for p in InstalmentPayment.objects.all()] == ["54000.00"]   # 180,000 × 30 %


def test_a_final_evaluation_recorded_twice_at_once_is_one_evaluation(users, call, orgs):
    project = contracted(users, call, orgs)
    today = timezone.localdate()
    results = _race(lambda a: ps.record_evaluation(a, project, stage="final", evaluator="评估中心", score="75",
                                                   evaluated_on=today), [act(users["county"]), act(users["city"])])
    assert results == ["evaluation.duplicate", "ok"]
    assert Evaluation.objects.count() == 1


def test_an_organization_admitted_twice_at_once_is_admitted_once(users, orgs):
    base = rs.create_base(act(users["county"]), name="甘州区社会组织孵化基地", region="620702")
    day = timezone.localdate() - timedelta(days=1)
    results = _race(lambda a: rs.admit(a, base, orgs["rival"], day), [act(users["county"]), act(users["city"])])
    assert results == ["incubation.open", "ok"]
    assert Incubation.objects.count() == 1
