"""Stored cursor values, one per (integration, stream)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Engine, delete, insert, select, update

from ml_connector.store.schema import cursors


class CursorStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, integration: str, stream: str) -> str | None:
        with self._engine.connect() as db:
            return db.execute(
                select(cursors.c.value).where(cursors.c.integration == integration, cursors.c.stream == stream)
            ).scalar()

    def all(self, integration: str) -> dict[str, str | None]:
        with self._engine.connect() as db:
            rows = db.execute(select(cursors.c.stream, cursors.c.value).where(cursors.c.integration == integration))
            return {r.stream: r.value for r in rows}

    @staticmethod
    def set(db: Connection, integration: str, stream: str, value: str | None, run_id: str, now: datetime) -> None:
        """Set inside the caller's transaction, so the cursor moves together with the ledger."""
        where = (cursors.c.integration == integration) & (cursors.c.stream == stream)
        values = {"value": value, "run_id": run_id, "updated_at": now}
        if db.execute(update(cursors).where(where).values(**values)).rowcount == 0:
            db.execute(insert(cursors).values(integration=integration, stream=stream, **values))

    def reset(self, integration: str) -> None:
        with self._engine.begin() as db:
            db.execute(delete(cursors).where(cursors.c.integration == integration))
