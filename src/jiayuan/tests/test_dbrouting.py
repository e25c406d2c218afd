"""The read router's decisions without a replica (jiayuan/dbrouting.py); the real
replica is in test_replica.py."""

import pytest

from jiayuan import dbrouting
from jiayuan.dbrouting import ReplicaRouter, lag_tolerant
from jiayuan.regions.models import Region


@pytest.fixture(autouse=True)
def fresh_state(settings):
    settings.REPLICA_MAX_LAG_SECONDS = 30
    settings.REPLICA_CHECK_SECONDS = 5
    dbrouting.forget_replica_state()
    yield
    dbrouting.forget_replica_state()


def test_without_a_replica_every_read_is_the_default():
    router = ReplicaRouter()
    assert router.db_for_read(Region) is None
    with lag_tolerant():
        assert router.db_for_read(Region) is None
        assert dbrouting.read_alias() == "default"
    assert router.db_for_write(Region) == "default"
    assert router.allow_migrate("replica", "regions") is False
    assert router.allow_migrate("default", "regions") is True


def test_lag_tolerant_is_declared_only_inside():
    assert not dbrouting.in_lag_tolerant()
    with lag_tolerant():
        assert dbrouting.in_lag_tolerant()

    @lag_tolerant()
    def view():
        return dbrouting.in_lag_tolerant()

    assert view() is True
    assert not dbrouting.in_lag_tolerant()


@pytest.mark.parametrize("lag, usable", [(None, False), (0.0, True), (30.0, True), (30.5, False)])
def test_usable_by_the_bound(monkeypatch, lag, usable):
    # the bound is 30 s: 30 s behind is still read, 30.5 s or down (None) is not
    monkeypatch.setattr(dbrouting, "replica_lag", lambda: lag)
    assert dbrouting.replica_usable(now=100.0) is usable


def test_the_lag_is_measured_at_most_every_check_interval(monkeypatch):
    lags = iter([0.0, None])
    calls = []

    def measure():
        calls.append(1)
        return next(lags)

    monkeypatch.setattr(dbrouting, "replica_lag", measure)
    assert dbrouting.replica_usable(now=100.0) is True
    assert dbrouting.replica_usable(now=104.9) is True  # within 5 s: the last measurement
    assert len(calls) == 1
    assert dbrouting.replica_usable(now=105.0) is False  # measured again: now down
    assert len(calls) == 2
