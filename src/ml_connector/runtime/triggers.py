"""Targeted runs requested from outside a schedule (a webhook, the web UI): one function the hook calls.

A webhook handler never runs an integration inside the web request: it calls :func:`trigger_run`, which
starts the run in the background (or, with ``wait=True``, before answering; tests use that). A run
already going holds the lease; then the trigger is acknowledged and that run or the next poll picks the
change up.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import structlog

from ml_connector.bootstrap import App
from ml_connector.errors import MlConnectorError
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
