"""The record ledger (append-only audit), its per-run staging area, and the last-seen content hashes.

Hot path for batch targets: rows are spilled (store/staging.py) while a stream is read; once the warehouse
has committed, :meth:`RecordLedger.commit_spill` writes them to the ledger and ``record_state`` in the same
store transaction that moves the cursor. A crash before that leaves the cursor where it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, text

from ml_connector.store.schema import record_ledger, record_state
from ml_connector.store.staging import StagingSpill

_LOOKUP_CHUNK = 4000


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

    # --- bulk loads ------------------------------------------------------------------------
    def commit_spill(
        self,
        db: Connection,
        spill: StagingSpill,
        *,
        run_id: str,
        integration: str,
        stream: str,
        status: str,
        extracted_at: datetime,
        delivered_at: datetime,
    ) -> int:
        """Write a stream's spilled rows as ledger rows and last-seen hashes (inside ``db``'s transaction)."""
        mark = "?" if self._paramstyle == "qmark" else "%s"
        extracted, delivered = self._ts(extracted_at), self._ts(delivered_at)
        ledger_sql = (
            "INSERT INTO record_ledger (run_id, integration, stream, source_id, source_ts, extracted_at, "
            f"delivered_at, status, attempts, content_hash) VALUES ({', '.join([mark] * 10)})"
        )
        state_sql = (
            "INSERT INTO record_state (integration, stream, source_id, content_hash, updated_at) "
            f"VALUES ({', '.join([mark] * 5)}) ON CONFLICT (integration, stream, source_id) DO UPDATE "
            "SET content_hash = excluded.content_hash, updated_at = excluded.updated_at"
        )
        moved = 0
        for batch in spill.batches():
            ids, stamps, hashes = (batch.column(i).to_pylist() for i in range(3))
            db.exec_driver_sql(
                ledger_sql,
                [
                    (run_id, integration, stream, i, ts, extracted, delivered, status, 1, h)
                    for i, ts, h in zip(ids, stamps, hashes, strict=True)
                ],
            )
            db.exec_driver_sql(
                state_sql, [(integration, stream, i, h, delivered) for i, h in zip(ids, hashes, strict=True)]
            )
            moved += len(ids)
        return moved

    def _ts(self, value: datetime) -> Any:
        """SQLite stores what its adapter would write; other drivers take the datetime itself."""
        return value.isoformat(" ") if self._paramstyle == "qmark" else value

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
                    select(record_ledger.c.replay_of, record_ledger.c.id).where(record_ledger.c.replay_of.in_(ids))
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
