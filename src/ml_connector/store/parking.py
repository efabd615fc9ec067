"""Parked and failed records: what could not be delivered yet, with the reason and the row to replay."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import JSON, Connection, Engine, bindparam, select, text, update

from ml_connector.secrets.secret import REDACTOR
from ml_connector.store.schema import parked

OPEN = ("parked", "failed")


class ParkedStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @staticmethod
    def park(db: Connection, rows: list[dict[str, Any]]) -> None:
        """Insert or refresh parked rows (same record and content parked again: bump attempts)."""
        for row in rows:
            db.execute(
                text(
                    "INSERT INTO parked (integration, stream, source_id, content_hash, source_ts, payload, status, "
                    "reason, reference, ref_key, attempts, run_id, parked_at) VALUES (:integration, :stream, "
                    ":source_id, :content_hash, :source_ts, :payload, :status, :reason, :reference, :ref_key, 1, "
                    ":run_id, :parked_at) ON CONFLICT (integration, stream, source_id, content_hash) DO UPDATE SET "
                    "status = excluded.status, reason = excluded.reason, reference = excluded.reference, "
                    "ref_key = excluded.ref_key, attempts = parked.attempts + 1, run_id = excluded.run_id"
                ).bindparams(bindparam("payload", type_=JSON)),
                {**row, "payload": plain_json(row["payload"]), "reason": _scrubbed(row.get("reason"))},
            )
            # An older version of the same record that is still parked is superseded by this one.
            db.execute(
                update(parked)
                .where(
                    parked.c.integration == row["integration"],
                    parked.c.stream == row["stream"],
                    parked.c.source_id == row["source_id"],
                    parked.c.content_hash != row["content_hash"],
                    parked.c.status.in_(OPEN),
                )
                .values(status="superseded", released_at=row["parked_at"], release_run_id=row["run_id"])
            )

    def open(
        self, integration: str | None = None, stream: str | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        query = select(parked).where(parked.c.status.in_(OPEN)).order_by(parked.c.id)
        if integration:
            query = query.where(parked.c.integration == integration)
        if stream:
            query = query.where(parked.c.stream == stream)
        if limit:
            query = query.limit(limit)
        with self._engine.connect() as db:
            return [dict(r._mapping) for r in db.execute(query)]

    def get(self, parked_id: int) -> dict[str, Any] | None:
        with self._engine.connect() as db:
            row = db.execute(select(parked).where(parked.c.id == parked_id)).first()
        return dict(row._mapping) if row else None

    @staticmethod
    def mark(
        db: Connection, parked_id: int, status: str, run_id: str, now: datetime, reason: str | None = None
    ) -> None:
        values: dict[str, Any] = {"status": status, "release_run_id": run_id}
        if status in ("released", "superseded"):
            values["released_at"] = now
        if reason is not None:
            values["reason"] = REDACTOR.scrub(reason)
        db.execute(update(parked).where(parked.c.id == parked_id).values(**values))

    @staticmethod
    def close_for(db: Connection, integration: str, stream: str, source_id: str, run_id: str, now: datetime) -> None:
        """A newer version of a record was delivered: whatever was parked for it is superseded."""
        db.execute(
            update(parked)
            .where(
                parked.c.integration == integration,
                parked.c.stream == stream,
                parked.c.source_id == source_id,
                parked.c.status.in_(OPEN),
            )
            .values(status="superseded", released_at=now, release_run_id=run_id)
        )


def _scrubbed(text: str | None) -> str | None:
    return REDACTOR.scrub(text) if text else text


def plain_json(value: Any) -> Any:
    """``value`` with dates, decimals and the like turned into JSON-native types."""
    return orjson.loads(orjson.dumps(value, default=str))
