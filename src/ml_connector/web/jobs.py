"""Work the UI starts: "Run now" in a background thread (respecting the run lease), and the short notices
(run started, lease held, replay outcome, ping results) shown on the next page after a POST."""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import select

from ml_connector.bootstrap import App
from ml_connector.errors import LeaseHeldError, MlConnectorError
from ml_connector.secrets.secret import REDACTOR
from ml_connector.store.schema import leases

log = structlog.get_logger("ml_connector.web")

_KEEP_NOTICES = 200


@dataclass
class Notice:
    tone: str  # ok | info | warn | bad
    title: str
    lines: list[tuple[str, str]] = field(default_factory=list)  # (tone, text)


class Notices:
    """A bounded in-memory list of messages, addressed by id in the redirect after a POST; each is shown
    only to the user whose action it reports."""

    def __init__(self) -> None:
        self._items: OrderedDict[int, tuple[str, Notice]] = OrderedDict()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, notice: Notice, owner: str = "") -> int:
        notice.title = REDACTOR.scrub(notice.title)
        notice.lines = [(tone, REDACTOR.scrub(text)) for tone, text in notice.lines]
        with self._lock:
            notice_id = next(self._ids)
            self._items[notice_id] = (owner, notice)
            while len(self._items) > _KEEP_NOTICES:
                self._items.popitem(last=False)
        return notice_id

    def get(self, notice_id: int | None, owner: str = "") -> Notice | None:
        if notice_id is None:
            return None
        with self._lock:
            found = self._items.get(notice_id)
        return found[1] if found is not None and found[0] == owner else None


def lease_holder(app: App, integration: str) -> str | None:
    """Who holds the integration's run lease right now (None when free or expired)."""
    with app.store.engine.connect() as db:
        row = db.execute(select(leases).where(leases.c.integration == integration)).first()
    if row is None:
        return None
    return str(row.holder) if row.expires_at > app.clock.now() else None


RunFunction = Callable[[App, str], Any]


class RunLauncher:
    """Starts integration runs in daemon threads; one thread per integration in this process."""

    def __init__(self, app: App, run: RunFunction) -> None:
        self._app = app
        self._run = run
        self._threads: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()
        self.last_outcome: dict[str, Notice] = {}

    def start(self, integration: str) -> Notice:
        holder = lease_holder(self._app, integration)
        with self._lock:
            alive = self._threads.get(integration)
            if alive is not None and alive.is_alive():
                return Notice("warn", f"{integration} is already running (started from this page).")
            if holder is not None:
                return Notice(
                    "warn",
                    f"{integration} is already running ({holder}). Wait for that run to finish; "
                    "its result will appear below.",
                )
            thread = threading.Thread(target=self._work, args=(integration,), name=f"run:{integration}", daemon=True)
            self._threads[integration] = thread
            thread.start()
        return Notice("info", f"{integration} run started at {_hhmmss(self._app.clock.now())}; refresh to follow it.")

    def running(self, integration: str) -> bool:
        thread = self._threads.get(integration)
        return thread is not None and thread.is_alive()

    def join(self, timeout: float | None = None) -> None:
        """Wait for every started run (tests, shutdown)."""
        for thread in list(self._threads.values()):
            thread.join(timeout)

    def _work(self, integration: str) -> None:
        try:
            report = self._run(self._app, integration)
            tone = {"succeeded": "ok", "partial": "warn"}.get(report.status, "bad")
            # The run's error is shown once, in its row below; the outcome line only points at it.
            notice = Notice(tone, f"{integration} run {report.run_id}: {report.status}"
                            + (" (the error is in the run's row)" if report.error else ""))  # fmt: skip
        except LeaseHeldError as exc:
            notice = Notice("warn", f"{integration} did not start: another run holds the lease.", [("warn", str(exc))])
        except MlConnectorError as exc:
            notice = Notice("bad", f"{integration} run failed.", [("bad", str(exc))])
        except Exception as exc:  # a bug must show on the page, not die silently in a thread
            log.exception("web.run_failed", integration=integration)
            notice = Notice("bad", f"{integration} run crashed: {type(exc).__name__}", [("bad", str(exc))])
        notice.title = REDACTOR.scrub(notice.title)
        notice.lines = [(t, REDACTOR.scrub(x)) for t, x in notice.lines]
        self.last_outcome[integration] = notice


def _hhmmss(at: datetime) -> str:
    return at.strftime("%H:%M:%S UTC")
