"""Per-field snapshots of what a record target last sent (so updates carry only changed fields) and the
tokens spent per budget day for metered APIs (Pipedrive). Both are plain upserts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update

from ml_connector.store.schema import sent_fields, token_spend


class SnapshotStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def sent(self, integration: str, stream: str, source_id: str) -> dict[str, Any]:
        with self._engine.connect() as db:
            value = db.execute(
                select(sent_fields.c.fields).where(
                    sent_fields.c.integration == integration,
                    sent_fields.c.stream == stream,
                    sent_fields.c.source_id == source_id,
                )
            ).scalar()
        return dict(value or {})

    def ids(self, integration: str, stream: str) -> dict[str, int]:
        """source id -> the ``id`` recorded in its snapshot, for every record of a stream."""
        with self._engine.connect() as db:
            rows = db.execute(
                select(sent_fields.c.source_id, sent_fields.c.fields).where(
                    sent_fields.c.integration == integration, sent_fields.c.stream == stream
                )
            ).all()
        return {r.source_id: int(r.fields["id"]) for r in rows if isinstance(r.fields, dict) and "id" in r.fields}

    def remember(self, integration: str, stream: str, source_id: str, fields: dict[str, Any], now: datetime) -> None:
        where = (
            (sent_fields.c.integration == integration)
            & (sent_fields.c.stream == stream)
            & (sent_fields.c.source_id == source_id)
        )
        with self._engine.begin() as db:
            if db.execute(update(sent_fields).where(where).values(fields=fields, updated_at=now)).rowcount == 0:
                db.execute(
                    insert(sent_fields).values(
                        integration=integration, stream=stream, source_id=source_id, fields=fields, updated_at=now
                    )
                )

    def forget(self, integration: str, stream: str, source_id: str) -> None:
        self.remember(integration, stream, source_id, {}, datetime.fromtimestamp(0).astimezone())

    def spent(self, system: str, day: str) -> int:
        with self._engine.connect() as db:
            value = db.execute(
                select(token_spend.c.spent).where(token_spend.c.system == system, token_spend.c.day == day)
            ).scalar()
        return int(value or 0)

    def add_spent(self, system: str, day: str, tokens: int, now: datetime) -> None:
        if tokens == 0:
            return
        where = (token_spend.c.system == system) & (token_spend.c.day == day)
        with self._engine.begin() as db:
            done = db.execute(
                update(token_spend).where(where).values(spent=token_spend.c.spent + tokens, updated_at=now)
            ).rowcount
            if done == 0:
                db.execute(insert(token_spend).values(system=system, day=day, spent=tokens, updated_at=now))
