"""The Celery task without a broker: a slot that already has a finished run is not run again (a
redelivery after the run ended, before its ack); a run of the instance going elsewhere makes the task
wait (retry shortly) instead of running beside it; a redelivered slot whose run died runs as the retry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ml_connector.bootstrap import App
from ml_connector.runtime import celery_app
from ml_connector.settings import Settings

SLOT = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class Retry(Exception):
    pass


class FakeTask:
    def __init__(self) -> None:
        self.retries: list[float] = []

    def retry(self, countdown: float) -> Retry:
        self.retries.append(countdown)
        return Retry()


@pytest.fixture
def app(store, keys, clock, monkeypatch, tmp_path):
    settings = Settings.model_validate({"data_dir": str(tmp_path), "syspro-looker": {"looker_connection": None}})
    app = App(settings=settings, store=store, keys=keys, clock=clock)
    store.connections.put(  # never reached: the lease is checked before any call
        "syspro-odata",
        "syspro-odata",
        {"base_url": "http://127.0.0.1:9/x", "company": "A", "operator": "O"},
        {"password": "pw-not-used-123"},
        clock.now(),
    )
    monkeypatch.setattr(celery_app, "worker_app", lambda: app)
    return app


def test_a_served_slot_is_not_run_again(app, clock) -> None:
    app.store.runs.start("r1", "syspro-looker", "h:1:x", clock.now(), trigger="schedule", slot=SLOT)
    app.store.runs.finish("r1", "succeeded", {}, clock.now())
    assert celery_app.run_task(FakeTask(), "syspro-looker", SLOT.isoformat(), "schedule") == "already served"


def test_a_slot_served_between_the_check_and_the_lease_is_not_run_again(app, clock, monkeypatch) -> None:
    """The race a Redis redelivery hit: the task checked while the first run was going (not served yet),
    that run then finished and let the lease go, and the task took it. Under the lease the slot is served."""
    app.store.runs.start("r1", "syspro-looker", "h:1:x", clock.now(), trigger="schedule", slot=SLOT)
    app.store.runs.finish("r1", "succeeded", {}, clock.now())
    real, calls = app.store.runs.slot_served, []

    def early_then_real(*args: object) -> bool:  # the check before the lease ran while r1 was still going
        calls.append(args)
        return False if len(calls) == 1 else real(*args)

    monkeypatch.setattr(app.store.runs, "slot_served", early_then_real)
    assert celery_app.run_task(FakeTask(), "syspro-looker", SLOT.isoformat(), "schedule") == "already served"
    assert [r["run_id"] for r in app.store.runs.recent("syspro-looker")] == ["r1"]  # no second run of the slot
    assert app.store.leases.holder("syspro-looker", clock.now()) is None  # the lease went back
    assert len(calls) == 2  # the early check, then the one under the lease


def test_a_partial_slot_is_done_for_its_first_attempt_not_for_its_retry(app, clock) -> None:
    app.store.runs.start("r1", "syspro-looker", "h:1:x", clock.now(), trigger="schedule", slot=SLOT)
    app.store.runs.finish("r1", "partial", {}, clock.now(), "gl_posting: QAD answered 503")
    assert app.store.runs.slot_served("syspro-looker", SLOT, attempt=1)  # a redelivery of the first attempt
    assert not app.store.runs.slot_served("syspro-looker", SLOT, attempt=2)  # the retry still runs
    app.store.runs.start("r2", "syspro-looker", "h:1:y", clock.now(), trigger="retry", slot=SLOT)
    app.store.runs.finish("r2", "succeeded", {}, clock.now())
    assert app.store.runs.slot_served("syspro-looker", SLOT, attempt=3)  # succeeded: done whatever the attempt


def test_a_held_lease_makes_the_task_wait_not_run_beside(app, clock) -> None:
    app.store.leases.acquire("syspro-looker", "other-machine:1:x", clock.now())
    task = FakeTask()
    with pytest.raises(Retry):
        celery_app.run_task(task, "syspro-looker", SLOT.isoformat(), "schedule")
    assert task.retries == [celery_app.LEASE_WAIT_S]
    assert app.store.runs.recent("syspro-looker") == []


def test_a_slot_whose_run_died_runs_as_the_retry(app, clock, monkeypatch) -> None:
    app.store.runs.start("r1", "syspro-looker", "other-machine:1:x", clock.now(), trigger="schedule", slot=SLOT)
    seen = {}

    class Report:
        status = "succeeded"

    def fake_run(_app, instance, *, trigger, slot, attempt=1):
        seen.update(instance=instance, trigger=trigger, slot=slot)
        return Report()

    monkeypatch.setattr(celery_app, "run_integration", fake_run)
    monkeypatch.setattr(celery_app, "_after_run", lambda *a: None)
    clock.advance(timedelta(minutes=5))
    assert celery_app.run_task(FakeTask(), "syspro-looker", SLOT.isoformat(), "schedule") == "succeeded"
    assert seen == {"instance": "syspro-looker", "trigger": "retry", "slot": SLOT}
