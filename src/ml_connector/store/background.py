"""One store transaction fed from a worker thread, so bulk audit writes overlap the extraction that feeds them.

The caller queues work (functions of a Connection) while it keeps reading; nothing becomes visible until
the caller commits, so a run that fails or is killed before its warehouse commit leaves the store as it
was. SQLite and psycopg release the GIL while a statement runs, so the writes use the second core.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine

Work = Callable[[Connection], Any]
_COMMIT = object()
_ROLLBACK = object()


class BackgroundTransaction:
    """Queue :meth:`submit` work into one transaction; :meth:`commit` or :meth:`rollback` ends it.

    A failure in the worker is raised by the next :meth:`submit` and by :meth:`commit`; the transaction is
    then rolled back. Use it as a context manager: leaving the block without a commit rolls back.
    """

    def __init__(self, engine: Engine, *, depth: int = 8, name: str = "store-writer") -> None:
        self._engine = engine
        self._work: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._done = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    @property
    def error(self) -> BaseException | None:
        """The worker's failure, if it had one (the transaction is rolled back)."""
        return self._error

    def submit(self, work: Work) -> None:
        """Queue ``work``; blocks while ``depth`` items wait. Raises the worker's failure, if any."""
        self._raise_if_failed()
        self._work.put(work)

    def commit(self, final: Work | None = None) -> None:
        """Run ``final`` (after everything queued), commit, and wait. Raises the worker's failure."""
        if final is not None and self._error is None:
            self._work.put(final)
        self._finish(_COMMIT)
        self._raise_if_failed()

    def rollback(self) -> None:
        """Drop everything written so far and stop the worker (idempotent)."""
        self._finish(_ROLLBACK)

    def __enter__(self) -> BackgroundTransaction:
        return self

    def __exit__(self, *exc: object) -> None:
        self.rollback()

    def _finish(self, signal: object) -> None:
        if self._done:
            return
        self._done = True
        self._work.put(signal)
        self._thread.join()

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        ended = False
        try:
            with self._engine.connect() as db, db.begin() as transaction:
                while True:
                    item = self._work.get()
                    if item is _COMMIT or item is _ROLLBACK:
                        ended = True
                        (transaction.commit if item is _COMMIT else transaction.rollback)()
                        return
                    item(db)  # type: ignore[operator]
        except BaseException as exc:  # handed to the caller
            self._error = exc
            if not ended:
                self._drain()

    def _drain(self) -> None:
        """After a failure: keep taking work (and ignore it) until the caller ends the transaction."""
        while True:
            item = self._work.get()
            if item is _COMMIT or item is _ROLLBACK:
                return
