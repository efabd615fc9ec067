"""The record ledger (append-only audit), which also answers what content each record last delivered.

Hot path for batch targets: while a stream is read, :meth:`RecordLedger.add_loaded` writes each page's rows
into one open store transaction (store/background.py); once the warehouse has committed,
:meth:`RecordLedger.mark_delivered` records the delivery time once for them all (``ledger_commits``, which
readers use for an empty ``delivered_at``) and the same transaction moves the cursor and commits. A
crash before that commit leaves the ledger and the cursor where they were.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, and_, func, insert, select

from ml_connector.core.records import Outcome
from ml_connector.secrets.secret import REDACTOR
from ml_connector.store.ledger_search import LedgerFilter, iterate, search
from ml_connector.store.schema import ledger_commits, record_ledger

_LOOKUP_CHUNK = 4000


class RecordLedger:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._paramstyle = engine.dialect.paramstyle
        self._dialect = engine.dialect.name

    # --- last-delivered hashes (read from the ledger itself) ------------------------------------
    def has_state(self, integration: str, stream: str) -> bool:
        """Has ``stream`` delivered anything yet (so unchanged records can be skipped by hash)?"""
        with self._engine.connect() as db:
            query = select(record_ledger.c.id).where(_delivered(integration, stream)).limit(1)
            return db.execute(query).first() is not None

    def known_hashes(self, integration: str, stream: str, source_ids: Sequence[str]) -> dict[str, str]:
        """The content hash last delivered for each of ``source_ids`` that has one: its newest loaded or
        released ledger row (the lookup index holds the row id, so the newest is found in the index)."""
        found: dict[str, str] = {}
        with self._engine.connect() as db:
            for i in range(0, len(source_ids), _LOOKUP_CHUNK):
                newest = (
                    select(func.max(record_ledger.c.id))
                    .where(
                        _delivered(integration, stream),
                        record_ledger.c.source_id.in_(source_ids[i : i + _LOOKUP_CHUNK]),
                    )
                    .group_by(record_ledger.c.source_id)
                )
                rows = db.execute(
                    select(record_ledger.c.source_id, record_ledger.c.content_hash).where(
                        record_ledger.c.id.in_(newest)
                    )
                )
                found.update({r.source_id: r.content_hash for r in rows})
        return found

    # --- bulk loads ------------------------------------------------------------------------
    def add_loaded(
        self,
        db: Connection,
        rows: Sequence[tuple[str, str | None, str]],
        *,
        run_id: str,
        integration: str,
        stream: str,
        status: str,
        extracted_at: datetime,
    ) -> int:
        """Ledger rows for records handed to a batch target, as one statement that the database expands
        from one JSON array of ``(source_id, source_ts, content_hash)``.

        ``delivered_at`` stays empty: :meth:`mark_delivered` records it once for the whole load after the
        target's commit, in the same store transaction, so nobody sees a loaded row without its delivery time.
        """
        if not rows:
            return 0
        mark = "?" if self._paramstyle == "qmark" else "%s"
        elements, item = self._json_rows(mark)
        db.exec_driver_sql(
            "INSERT INTO record_ledger (run_id, integration, stream, source_id, source_ts, extracted_at, "
            f"status, attempts, content_hash) SELECT {mark}, {mark}, {mark}, {item(0)}, {item(1)}, {mark}, "
            f"{mark}, 1, {item(2)} FROM {elements}",
            (run_id, integration, stream, self._ts(extracted_at), status, orjson.dumps(rows).decode()),
        )
        return len(rows)

    @staticmethod
    def mark_delivered(
        db: Connection,
        *,
        run_id: str,
        integration: str,
        stream: str,
        status: str,
        delivered_at: datetime,
        records: int,
    ) -> None:
        """Record when the rows :meth:`add_loaded` wrote for ``stream`` in ``run_id`` reached the target: one
        ``ledger_commits`` row that readers use for their ``delivered_at``; the ledger rows are not rewritten."""
        db.execute(
            insert(ledger_commits).values(
                run_id=run_id,
                integration=integration,
                stream=stream,
                status=status,
                delivered_at=delivered_at,
                records=records,
            )
        )

    def _json_rows(self, mark: str) -> tuple[str, Callable[[int], str]]:
        """FROM clause over a JSON array parameter, and the SQL for element ``i`` of each row."""
        if self._dialect == "sqlite":
            return f"json_each({mark})", lambda i: f"json_extract(value, '$[{i}]')"
        return f"json_array_elements({mark}::json) AS element", lambda i: f"(element ->> {i})"

    def _ts(self, value: datetime) -> Any:
        """SQLite stores what its adapter would write; other drivers take the datetime itself."""
        return value.isoformat(" ") if self._paramstyle == "qmark" else value

    # --- single rows (record targets, parking, release) --------------------------------------
    @staticmethod
    def append(db: Connection, rows: list[dict[str, Any]]) -> None:
        if rows:  # error texts are scrubbed before they are stored: no secret in the store's text columns
            rows = [{**r, "error": REDACTOR.scrub(r["error"])} if r.get("error") else r for r in rows]
            db.execute(insert(record_ledger), rows)

    # --- reading (audit) ---------------------------------------------------------------------
    def search(
        self,
        *,
        integration: str | None = None,
        stream: str | None = None,
        source_id: str | None = None,
        status: str | None = None,
        run_id: str | None = None,
        limit: int = 100,
        since: datetime | None = None,
        until: datetime | None = None,
        before_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """One page of the ledger, newest first (store/ledger_search.py; `iterate` for exports)."""
        where = LedgerFilter(integration, stream, source_id, status, run_id, since, until, before_id)
        return search(self._engine, where, limit)

    def iterate(self, where: LedgerFilter, *, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """Every matching row, newest first, in constant memory."""
        return iterate(self._engine, where, limit=limit)

    def count(self, **where: str) -> int:
        query = select(func.count()).select_from(record_ledger)
        for name, value in where.items():
            query = query.where(record_ledger.c[name] == value)
        with self._engine.connect() as db:
            return int(db.execute(query).scalar() or 0)


def _delivered(integration: str, stream: str) -> Any:
    """Ledger rows whose content reached the target (parked ones did not)."""
    return and_(
        record_ledger.c.integration == integration,
        record_ledger.c.stream == stream,
        record_ledger.c.status.in_([Outcome.LOADED, Outcome.RELEASED]),
    )
