"""The record ledger (append-only audit), its per-run staging area, and the last-seen content hashes.

Hot path for batch targets: rows are staged in bulk while a stream is read; once the warehouse has
committed, :meth:`RecordLedger.commit_staged` moves them into the ledger, updates ``record_state`` and
the cursor in one store transaction. A crash before that leaves the cursor where it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, text

from ml_connector.store.schema import ledger_staging, record_ledger, record_state

_LOOKUP_CHUNK = 4000

_STAGE_SQL = (
    "INSERT INTO ledger_staging (run_id, integration, stream, source_id, source_ts, extracted_at, content_hash) "
    "VALUES (%s)"
)


class RecordLedger:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._paramstyle = engine.dialect.paramstyle

    # --- last-seen hashes -------------------------------------------------------------------
    def has_state(self, integration: str, stream: str) -> bool:
        with self._engine.connect() as db:
            return (
                db.execute(
                    select(record_state.c.source_id)
                    .where(record_state.c.integration == integration, record_state.c.stream == stream)
                    .limit(1)
                ).first()
                is not None
            )

    def known_hashes(self, integration: str, stream: str, source_ids: Sequence[str]) -> dict[str, str]:
        """The content hash last delivered for each of ``source_ids`` that has one."""
        found: dict[str, str] = {}
        with self._engine.connect() as db:
            for i in range(0, len(source_ids), _LOOKUP_CHUNK):
                chunk = source_ids[i : i + _LOOKUP_CHUNK]
                rows = db.execute(
                    select(record_state.c.source_id, record_state.c.content_hash).where(
                        record_state.c.integration == integration,
                        record_state.c.stream == stream,
                        record_state.c.source_id.in_(chunk),
                    )
                )
                found.update({r.source_id: r.content_hash for r in rows})
        return found

    # --- staging (batch targets) -------------------------------------------------------------
    def stage(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Bulk-insert staged rows: (run_id, integration, stream, source_id, source_ts, extracted_at, hash)."""
        if not rows:
            return
        mark = "?" if self._paramstyle == "qmark" else "%s"
        sql = _STAGE_SQL % ", ".join([mark] * 7)
        raw = self._engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.executemany(sql, rows)
            cursor.close()
            raw.commit()
        finally:
            raw.close()

    def commit_staged(
        self,
        db: Connection,
        *,
        run_id: str,
        integration: str,
        stream: str,
        status: str,
        delivered_at: datetime,
    ) -> int:
        """Move a stream's staged rows into the ledger and record_state (inside ``db``'s transaction)."""
        params = {
            "run_id": run_id,
            "stream": stream,
            "integration": integration,
            "now": delivered_at,
            "status": status,
        }
        moved = db.execute(
            text(
                "INSERT INTO record_ledger (run_id, integration, stream, source_id, source_ts, extracted_at, "
                "delivered_at, status, attempts, content_hash) "
                "SELECT run_id, integration, stream, source_id, source_ts, extracted_at, :now, :status, 1, "
                "content_hash FROM ledger_staging "
                "WHERE run_id = :run_id AND integration = :integration AND stream = :stream"
            ),
            params,
        ).rowcount
        db.execute(
            text(
                "INSERT INTO record_state (integration, stream, source_id, content_hash, updated_at) "
                "SELECT integration, stream, source_id, MAX(content_hash), :now FROM ledger_staging "
                "WHERE run_id = :run_id AND integration = :integration AND stream = :stream "
                "GROUP BY integration, stream, source_id "
                "ON CONFLICT (integration, stream, source_id) DO UPDATE "
                "SET content_hash = excluded.content_hash, updated_at = excluded.updated_at"
            ),
            params,
        )
        db.execute(
            delete(ledger_staging).where(
                ledger_staging.c.run_id == run_id,
                ledger_staging.c.integration == integration,
                ledger_staging.c.stream == stream,
            )
        )
        return int(moved)

    def discard_staged(self, run_id: str) -> None:
        with self._engine.begin() as db:
            db.execute(delete(ledger_staging).where(ledger_staging.c.run_id == run_id))

    def discard_orphans(self, live_run_ids: Iterable[str]) -> int:
        """Drop staging rows of runs that are no longer running (crashed)."""
        live = list(live_run_ids)
        with self._engine.begin() as db:
            query = delete(ledger_staging)
            if live:
                query = query.where(ledger_staging.c.run_id.not_in(live))
            return int(db.execute(query).rowcount)

    # --- single rows (record targets, parking, release) --------------------------------------
    @staticmethod
    def append(db: Connection, rows: list[dict[str, Any]]) -> None:
        if rows:
            db.execute(insert(record_ledger), rows)

    @staticmethod
    def remember(
        db: Connection,
        integration: str,
        stream: str,
        source_id: str,
        content_hash: str,
        target_ref: str | None,
        now: datetime,
    ) -> None:
        db.execute(
            text(
                "INSERT INTO record_state (integration, stream, source_id, content_hash, target_ref, updated_at) "
                "VALUES (:integration, :stream, :source_id, :hash, :ref, :now) "
                "ON CONFLICT (integration, stream, source_id) DO UPDATE "
                "SET content_hash = excluded.content_hash, target_ref = excluded.target_ref, "
                "updated_at = excluded.updated_at"
            ),
            {
                "integration": integration,
                "stream": stream,
                "source_id": source_id,
                "hash": content_hash,
                "ref": target_ref,
                "now": now,
            },
        )

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
    ) -> list[dict[str, Any]]:
        query = select(record_ledger).order_by(record_ledger.c.id.desc()).limit(limit)
        for column, value in (
            (record_ledger.c.integration, integration),
            (record_ledger.c.stream, stream),
            (record_ledger.c.source_id, source_id),
            (record_ledger.c.status, status),
            (record_ledger.c.run_id, run_id),
        ):
            if value is not None:
                query = query.where(column == value)
        with self._engine.connect() as db:
            rows = [dict(r._mapping) for r in db.execute(query)]
            ids = [r["id"] for r in rows]
            if ids:
                links = db.execute(
                    select(record_ledger.c.replay_of, record_ledger.c.id).where(
                        record_ledger.c.replay_of.in_(ids)
                    )
                )
                superseded = {r.replay_of: r.id for r in links}
                for r in rows:
                    r["superseded_by"] = superseded.get(r["id"])
        return rows

    def count(self, **where: str) -> int:
        query = select(func.count()).select_from(record_ledger)
        for name, value in where.items():
            query = query.where(record_ledger.c[name] == value)
        with self._engine.connect() as db:
            return int(db.execute(query).scalar() or 0)
