"""Run lease: the holder's heartbeat keeps it, an expired one is taken over (its runs crashed), and a run
whose lease was taken over stops before its next stream instead of working beside the new holder."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from ml_connector.core.clock import SystemClock
from ml_connector.core.streams import StreamKind, StreamSpec
from ml_connector.engine.heartbeat import LeaseHeartbeat
from ml_connector.engine.runner import Runner
from ml_connector.errors import LeaseHeldError, LeaseLostError
from ml_connector.store.runs import DEFAULT_LEASE_EXPIRY


def test_default_expiry_is_a_few_minutes(store) -> None:
    assert store.leases.ttl == DEFAULT_LEASE_EXPIRY == timedelta(minutes=3)


def test_expired_lease_of_a_remote_holder_is_taken_over_and_its_run_crashed(store, clock) -> None:
    remote = "other-machine:4242:abcd"  # not this host: only expiry frees it
    store.leases.acquire("syspro-looker@plant-a", remote, clock.now())
    store.runs.start("r-remote", "syspro-looker@plant-a", remote, clock.now(), trigger="schedule")
    clock.advance(DEFAULT_LEASE_EXPIRY - timedelta(seconds=1))
    with pytest.raises(LeaseHeldError, match="already running"):
        store.leases.acquire("syspro-looker@plant-a", "me:1:x", clock.now())
    assert store.leases.acquire("syspro-looker@plant-b", "me:1:x", clock.now()) is None  # instances apart
    clock.advance(timedelta(seconds=2))
    assert store.leases.acquire("syspro-looker@plant-a", "me:1:x", clock.now()) == remote
    assert store.runs.mark_crashed("syspro-looker@plant-a", clock.now(), lease_holder=remote) == ["r-remote"]
    assert store.leases.renew("syspro-looker@plant-a", remote, clock.now()) is False  # the old holder learns


def test_heartbeat_keeps_the_lease_past_its_expiry(store) -> None:
    store.leases.ttl = timedelta(milliseconds=300)
    clock = SystemClock()
    store.leases.acquire("commerce-syspro", "me:1:x", clock.now())
    with LeaseHeartbeat(store.leases, "commerce-syspro", "me:1:x", clock) as beat:
        time.sleep(1.0)  # three expiries of wall time, renewed by the thread
        assert store.leases.holder("commerce-syspro", clock.now()) == "me:1:x"
    assert beat.beats >= 3 and not beat.lost
    time.sleep(0.4)  # no heartbeat any more: it lapses
    assert store.leases.holder("commerce-syspro", clock.now()) is None


def test_a_run_that_lost_its_lease_stops_before_the_next_stream(store, clock) -> None:
    streams = [
        StreamSpec(n, n.title(), ("id",), n, ("id",), dict, kind=StreamKind.DIMENSION) for n in ("first", "second")
    ]
    handled: list[str] = []

    def handler(ctx, stream, _all, _full) -> None:
        handled.append(stream.name)
        # this holder stalls past its expiry; another machine takes the lease over
        clock.advance(DEFAULT_LEASE_EXPIRY + timedelta(seconds=1))
        store.leases.acquire(ctx.integration, "other-machine:1:y", clock.now())

    with pytest.raises(LeaseLostError, match="lost its lease"):
        Runner(store, clock).run("syspro-looker", streams, handler, trigger="schedule")
    assert handled == ["first"]
    [run] = store.runs.recent("syspro-looker")
    assert run["status"] == "failed" and run["trigger"] == "schedule"
    assert store.leases.holder("syspro-looker", clock.now()) == "other-machine:1:y"  # not released by the loser
