"""The Connections page's *Ping*: `check` for one integration in a background thread, so the request
returns at once; the page shows "running" (and refreshes itself) until the result is there."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from ml_connector.bootstrap import App
from ml_connector.errors import MlConnectorError
from ml_connector.web.jobs import Notice

CheckFunction = Callable[[App, str], list[Any]]


class Pings:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._threads: dict[str, threading.Thread] = {}
        self.results: dict[str, Notice] = {}

    def start(self, app: App, integration: str, check: CheckFunction) -> Notice:
        with self._lock:
            alive = self._threads.get(integration)
            if alive is not None and alive.is_alive():
                return Notice("info", f"{integration}: a ping is already running; its result appears here.")
            self.results.pop(integration, None)
            thread = threading.Thread(target=self._work, args=(app, integration, check), daemon=True,
                                      name=f"ping:{integration}")  # fmt: skip
            self._threads[integration] = thread
            thread.start()
        return Notice("info", f"{integration}: checking every connection and mapping; the result appears here.")

    def running(self) -> list[str]:
        return [name for name, t in self._threads.items() if t.is_alive()]

    def join(self, timeout: float | None = None) -> None:
        for thread in list(self._threads.values()):
            thread.join(timeout)

    def _work(self, app: App, integration: str, check: CheckFunction) -> None:
        try:
            results = check(app, integration)
            failed = [r for r in results if not r.ok]
            notice = Notice(
                "bad" if failed else "ok",
                f"{integration}: {len(results) - len(failed)} of {len(results)} checks passed.",
                [("ok" if r.ok else "bad", f"{r.system} · {r.what}" + (f" — {r.detail}" if r.detail else ""))
                 for r in results],
            )  # fmt: skip
        except MlConnectorError as exc:
            notice = Notice("bad", f"Could not check {integration}.", [("bad", str(exc))])
        except Exception as exc:  # a bug must show on the page, not die silently in a thread
            notice = Notice("bad", f"Checking {integration} crashed: {type(exc).__name__}", [("bad", str(exc))])
        self.results[integration] = notice
