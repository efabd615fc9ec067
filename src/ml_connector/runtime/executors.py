"""Where the embedded scheduler's runs happen: a thread per running instance in this process.

A run past its schedule's ``timeout`` has its lease revoked, so it stops before its next stream (the
ledger makes resuming safe); at shutdown ``stop`` lets the runs finish for a grace period, then does the
same and releases every lease this process still holds.
"""

from __future__ import annotations

import os
import queue
import socket
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

import structlog

from ml_connector.bootstrap import App
from ml_connector.errors import LeaseHeldError, MlConnectorError
from ml_connector.runtime.scheduler import Job
from ml_connector.runtime.schedules import Schedule
from ml_connector.runtime.service import run_integration

log = structlog.get_logger("ml_connector.runtime.executors")
RunFunction = Callable[..., Any]


class ThreadExecutor:
    def __init__(self, app: App, schedules: dict[str, Schedule], run: RunFunction = run_integration) -> None:
        self.app, self.schedules, self._run = app, schedules, run
        self._threads: dict[str, tuple[threading.Thread, Job, datetime]] = {}
        self._done: queue.SimpleQueue[tuple[Job, str]] = queue.SimpleQueue()
        self._timed_out: set[str] = set()

    def submit(self, job: Job) -> None:
        thread = threading.Thread(target=self._work, args=(job,), name=f"run-{job.instance}", daemon=True)
        self._threads[job.instance] = (thread, job, self.app.clock.now())
        thread.start()

    def _work(self, job: Job) -> None:
        try:
            report = self._run(self.app, job.instance, trigger=job.trigger, slot=job.slot, attempt=job.attempt)
            status = str(report.status)
        except LeaseHeldError as exc:
            status = "busy"
            log.warning("run.lease_held", instance=job.instance, error=str(exc))
        except MlConnectorError as exc:
            status = "failed"
            log.error("run.failed", instance=job.instance, error=str(exc))
        except Exception as exc:  # a bug in one integration must not stop the scheduler
            status = "failed"
            log.exception("run.crashed", instance=job.instance, error=type(exc).__name__)
        self._done.put((job, status))

    def busy(self, instance: str) -> bool:
        entry = self._threads.get(instance)
        if entry is None:
            return False
        thread, _job, started = entry
        if not thread.is_alive():
            return False
        schedule = self.schedules.get(instance)
        late = schedule is not None and self.app.clock.now() - started > schedule.config.timeout
        if late and instance not in self._timed_out:
            log.error("run.timeout", instance=instance)
            self._timed_out.add(instance)
            self.app.store.leases.revoke(instance)
        return True

    def finished(self) -> list[tuple[Job, str]]:
        out = []
        while not self._done.empty():
            job, status = self._done.get()
            entry = self._threads.get(job.instance)
            if entry is not None and entry[1] is job:  # not a newer run of the instance started since
                self._threads.pop(job.instance)
            self._timed_out.discard(job.instance)
            out.append((job, status))
        return out

    def running(self) -> list[str]:
        return [name for name, (thread, _job, _at) in self._threads.items() if thread.is_alive()]

    def stop(self, grace: float) -> list[str]:
        """Let running runs finish for ``grace`` seconds, then stop them at their next stream and release
        this process's leases; return the instances abandoned."""
        for thread, _job, _at in list(self._threads.values()):
            thread.join(timeout=max(grace, 0))
        abandoned = self.running()
        for name in abandoned:
            self.app.store.leases.revoke(name)
        for thread, _job, _at in list(self._threads.values()):
            thread.join(timeout=1)  # one that stops between streams ends its run row; others end as crashed
        freed = self.app.store.leases.release_mine(f"{socket.gethostname()}:{os.getpid()}:")
        if abandoned or freed:
            log.warning("scheduler.stopped", abandoned=abandoned, leases_released=freed)
        return abandoned
