"""The scheduler: hands each integration instance's due slot to an executor (threads in this process, or
Celery workers), once.

Per instance it remembers the last slot handed out (in the store, so a restart neither repeats nor loses
one). A slot that comes while the instance's run is still going waits for it; after downtime the slots
missed collapse into one catch-up run; a failed run is retried with backoff while that is still before the
next slot, except when a system refused the login (a retry only brings the account closer to its lockout).
Targeted runs (webhooks) queued in the store are taken on the next tick. An instance paused because its
connection's login was refused ``lockout_warn_after`` times (runtime/pause.py) gets none of these: its
slots pass without a run, its retry is dropped, its webhook requests stay queued until the pause ends.
Only one scheduler per store works at a time: it holds the ``*scheduler*`` lease; a second one waits as
a standby.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import structlog

from ml_connector.bootstrap import App
from ml_connector.errors import LeaseHeldError
from ml_connector.runtime.pause import Pause, login_pause, refused_counts
from ml_connector.runtime.schedules import Schedule

log = structlog.get_logger("ml_connector.runtime.scheduler")
SCHEDULER_LEASE = "*scheduler*"
RETRIED = frozenset({"failed", "crashed", "busy"})


@dataclass(frozen=True)
class Job:
    instance: str
    slot: datetime | None
    trigger: str  # schedule | catch-up | retry | webhook
    attempt: int = 1


class Executor(Protocol):
    def submit(self, job: Job) -> None: ...

    def busy(self, instance: str) -> bool: ...

    def finished(self) -> list[tuple[Job, str]]: ...


Outcome = Callable[[Job, str], None]


class Scheduler:
    def __init__(
        self, app: App, schedules: dict[str, Schedule], executor: Executor, *, on_outcome: Outcome | None = None
    ) -> None:
        self.app, self.schedules, self.executor = app, schedules, executor
        self.on_outcome = on_outcome
        self.holder = f"{socket.gethostname()}:{os.getpid()}:sched-{secrets.token_hex(3)}"
        self._next: dict[str, datetime | None] = {}
        self._paused: dict[str, str] = {}  # instance -> why (logged once as it starts and as it ends)
        self.active = False

    # --- one look at the clock -------------------------------------------------------------------------
    def tick(self) -> None:
        now = self.app.clock.now()
        if not self._hold_scheduler_lease(now):
            return
        for job, status in self.executor.finished():
            self._settle(job, status, now)
        counts = refused_counts(self.app)  # one query; an instance is only looked at when some login was refused
        for name, schedule in self.schedules.items():
            self._consider(name, schedule, now, self._pause(name, counts))
        self._take_requests(now, counts)

    def _pause(self, name: str, counts: dict[str, int]) -> Pause | None:
        pause = login_pause(self.app, name, counts) if counts else None
        if pause is not None and self._paused.get(name) != pause.reason:
            log.warning("scheduler.paused", instance=name, reason=pause.reason, fix=f"ml-connector check {name}")
            self._paused[name] = pause.reason
        elif pause is None and self._paused.pop(name, None) is not None:
            log.info("scheduler.resumed", instance=name)
        return pause

    def _hold_scheduler_lease(self, now: datetime) -> bool:
        leases = self.app.store.leases
        if self.active and leases.renew(SCHEDULER_LEASE, self.holder, now):
            return True
        try:
            leases.acquire(SCHEDULER_LEASE, self.holder, now)
        except LeaseHeldError:
            if self.active:
                log.error("scheduler.lost_lease", holder=self.holder)
            self.active = False
            return False
        log.info("scheduler.active", holder=self.holder)
        self.active = True
        self._next.clear()
        return True

    def _consider(self, name: str, schedule: Schedule, now: datetime, pause: Pause | None = None) -> None:
        store = self.app.store.schedule
        if name not in self._next:
            state = store.get(name)
            if state is None:  # a new schedule starts at its next slot, not with a run for the past
                store.save(name, now, last_slot=now, retry_at=None, attempts=0)
                state = {"last_slot": now, "retry_at": None, "attempts": 0}
            self._next[name] = schedule.next_slot(state["last_slot"])
        nxt = self._next[name]
        if self.executor.busy(name):
            return  # the run still going holds this slot back; it runs (once) when that run ends
        if nxt is not None and nxt + schedule.jitter_for(nxt) <= now:
            due = [nxt]
            while (later := schedule.next_slot(due[-1])) is not None and later + schedule.jitter_for(later) <= now:
                due.append(later)
            if pause is not None:  # the slot passes without a login: no run, no catch-up for it later
                log.warning("scheduler.slot_skipped", instance=name, slot=due[-1].isoformat(), reason=pause.reason)
                store.save(name, now, last_slot=due[-1], retry_at=None, attempts=0)
                self._next[name] = schedule.next_slot(due[-1])
                return
            if len(due) > 1:
                log.warning("scheduler.catch_up", instance=name, missed=len(due) - 1, slot=due[-1].isoformat())
            try:  # handed out first, then remembered: a broker that is down keeps the slot due
                self.executor.submit(Job(name, due[-1], "schedule" if len(due) == 1 else "catch-up"))
            except Exception as exc:
                log.error("scheduler.submit_failed", instance=name, error=type(exc).__name__, detail=str(exc)[:200])
                return
            store.save(name, now, last_slot=due[-1], retry_at=None, attempts=1)
            self._next[name] = schedule.next_slot(due[-1])
            return
        state = store.get(name)
        if state is not None and state["retry_at"] is not None and state["retry_at"] <= now:
            if pause is not None:
                log.warning("scheduler.retry_dropped", instance=name, reason=pause.reason)
                store.save(name, now, last_slot=state["last_slot"], retry_at=None, attempts=state["attempts"])
                return
            store.save(name, now, last_slot=state["last_slot"], retry_at=None, attempts=state["attempts"] + 1)
            self.executor.submit(Job(name, state["last_slot"], "retry", state["attempts"] + 1))

    def _settle(self, job: Job, status: str, now: datetime) -> None:
        log.info("scheduler.finished", instance=job.instance, trigger=job.trigger, status=status)
        if self.on_outcome is not None:
            self.on_outcome(job, status)
        schedule = self.schedules.get(job.instance)
        recent = self.app.store.runs.recent(job.instance, 1) if status in ("partial", "failed") else []
        if status == "partial":  # a stream failed (not only parked records): worth a retry too
            status = "failed" if recent and recent[0]["status"] == "partial" and recent[0]["error"] else status
        if schedule is None or job.slot is None or status not in RETRIED:
            return
        refused = ((recent[0].get("summary") or {}).get("login_refused") or []) if recent else []
        if refused:  # each retry would be one more failed login toward the account's lockout
            log.warning("scheduler.not_retried", instance=job.instance, login_refused=refused)
            return
        state = self.app.store.schedule.get(job.instance)
        if state is None or state["last_slot"] != job.slot or job.attempt > schedule.config.retries:
            return  # a newer slot has been handed out, or retries are used up
        backoff = schedule.config.retry_backoff * (2 ** (job.attempt - 1))
        retry_at = now + backoff
        nxt = self._next.get(job.instance)
        if nxt is not None and retry_at >= nxt:
            return  # the next slot comes first and runs anyway
        self.app.store.schedule.save(job.instance, now, last_slot=job.slot, retry_at=retry_at, attempts=job.attempt)

    def _take_requests(self, now: datetime, counts: dict[str, int]) -> None:
        for name, reasons in self.app.store.requests.waiting().items():
            if self.executor.busy(name):
                continue  # the running one may or may not see the change: ask again when it ends
            if counts and login_pause(self.app, name, counts) is not None:
                continue  # kept queued: taken on the first tick after the pause ends
            self.app.store.requests.take(name, now)
            log.info("scheduler.requested_run", instance=name, requests=len(reasons), reason=reasons[-1])
            self.executor.submit(Job(name, None, "webhook"))

    # --- the loop ---------------------------------------------------------------------------------------
    def run(
        self,
        stop: threading.Event,
        sleep: Callable[[float], object] | None = None,
        tick: float = 1.0,
        every_tick: Callable[[], None] | None = None,
    ) -> None:
        """Tick until ``stop`` is set. ``sleep`` defaults to waiting on ``stop`` (tests pass a clock's advance);
        ``every_tick`` runs after each tick of the active scheduler (the overdue check)."""
        wait = sleep or stop.wait
        try:
            while not stop.is_set():
                self.tick()
                if every_tick is not None and self.active:
                    every_tick()
                wait(tick)
        finally:
            if self.active:
                self.app.store.leases.release(SCHEDULER_LEASE, self.holder)
                self.active = False

    def next_runs(self) -> dict[str, datetime | None]:
        """Instance -> its next slot as this scheduler sees it (for status and the web UI)."""
        return dict(self._next)
