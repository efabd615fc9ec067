"""Targeted runs requested from outside a schedule (a webhook, the web UI): one function the hook calls.

A webhook handler never runs an integration inside the web request: it calls :func:`trigger_run`. When a
scheduler is active on this store (`ml-connector schedule`, embedded or ``--celery``), the request is
queued in the store and the scheduler starts one run for it (several requests collapse into one run)
on its next tick, on a worker if it publishes to Celery (a paused instance's request waits there until
the pause ends). With no scheduler (`serve` alone) the run starts in a background thread of this process;
``wait=True`` runs it before answering. An instance paused by refused logins (runtime/pause.py) is not
run then: the answer says why, and the first run after the fix takes the change. A run already going
holds the lease; then the trigger is acknowledged and that run or the next poll takes the change.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import structlog

from ml_connector.bootstrap import App
from ml_connector.errors import MlConnectorError
from ml_connector.runtime.instances import parse_instance
from ml_connector.runtime.pause import login_pause
from ml_connector.runtime.scheduler import SCHEDULER_LEASE
from ml_connector.runtime.service import run_integration

log = structlog.get_logger("ml_connector.runtime.triggers")

Trigger = Callable[..., str]
_running: dict[str, threading.Lock] = {}
_guard = threading.Lock()


def _lock_for(integration: str) -> threading.Lock:
    with _guard:
        return _running.setdefault(integration, threading.Lock())


def trigger_run(app: App, integration: str, *, reason: str = "", wait: bool = False, **run_options: Any) -> str:
    """Request a targeted run of ``integration`` (``name`` or ``name@instance``); return what happened."""
    integration = parse_instance(integration).key
    if not wait and app.store.leases.holder(SCHEDULER_LEASE, app.clock.now()) is not None:
        app.store.requests.add(integration, "webhook", reason, app.clock.now())
        return "queued"  # a paused instance's request waits in the queue until the pause ends
    if (pause := login_pause(app, integration)) is not None:
        log.warning("trigger.paused", integration=integration, reason=reason, paused=pause.reason)
        return f"paused: {pause.reason}; the first run after `ml-connector check {integration}` takes this change"
    lock = _lock_for(integration)

    def go() -> str:
        if not lock.acquire(blocking=False):
            return "a run is already going; it or the next poll takes this change"
        try:
            report = run_integration(app, integration, **run_options)
            log.info("trigger.ran", integration=integration, reason=reason, status=report.status)
            return report.status
        except MlConnectorError as exc:
            log.warning("trigger.failed", integration=integration, reason=reason, error=str(exc))
            return "run failed; the next poll retries"
        finally:
            lock.release()

    if wait:
        return go()
    threading.Thread(target=go, name=f"trigger-{integration}", daemon=True).start()
    return "started"
