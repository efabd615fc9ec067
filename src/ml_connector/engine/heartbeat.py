"""The run lease's heartbeat: a daemon thread renews the lease while a run works.

A run's streams can take longer than the lease expiry (a million-row load), so renewing between streams
is not enough: the thread renews every third of the expiry. A holder whose machine dies stops renewing,
and another worker takes the lease over once it expires (``LeaseStore.acquire``). If a renewal finds the
lease gone (taken over after a stall longer than the expiry), ``lost`` is set and the runner stops
before its next stream instead of working on beside the new holder.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import structlog

from ml_connector.core.clock import Clock
from ml_connector.store.runs import LeaseStore

log = structlog.get_logger("ml_connector.engine.heartbeat")


class LeaseHeartbeat:
    """Renews ``integration``'s lease for ``holder`` until stopped (use as a context manager)."""

    def __init__(self, leases: LeaseStore, integration: str, holder: str, clock: Clock) -> None:
        self._leases, self._integration, self._holder, self._clock = leases, integration, holder, clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lost = False
        self.beats = 0

    @property
    def interval(self) -> float:
        return max(self._leases.ttl / 3, timedelta(milliseconds=50)).total_seconds()

    def beat(self) -> bool:
        """Renew once; False (and ``lost``) when the lease is no longer ours."""
        try:
            ok = self._leases.renew(self._integration, self._holder, self._clock.now())
        except Exception as exc:  # the store away for a moment: try again at the next beat
            log.warning("lease.renew_failed", integration=self._integration, error=type(exc).__name__)
            return True
        self.beats += 1
        if not ok:
            self.lost = True
            log.error("lease.lost", integration=self._integration, holder=self._holder)
        return ok

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            if not self.beat():
                return

    def __enter__(self) -> LeaseHeartbeat:
        self._thread = threading.Thread(target=self._loop, name=f"lease-{self._integration}", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
