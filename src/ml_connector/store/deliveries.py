"""The delivery ledger for non-idempotent targets: pending -> sending -> delivered | failed | parked.

The ``sending`` state is written and committed BEFORE the remote call; a row still ``sending`` after a
crash means "outcome unknown", and the engine must look the object up on the target before resending.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, and_, insert, select, update

from ml_connector.secrets.secret import REDACTOR
from ml_connector.store.schema import deliveries


@dataclass(frozen=True)
class DeliveryState:
    state: str
    target_ref: str | None
    attempts: int


class DeliveryLedger:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def state(self, integration: str, stream: str, source_id: str, content_hash: str) -> DeliveryState | None:
        with self._engine.connect() as db:
            row = db.execute(select(deliveries).where(_key(integration, stream, source_id, content_hash))).first()
        return DeliveryState(row.state, row.target_ref, row.attempts) if row else None

    def sending_other_version(self, integration: str, stream: str, source_id: str, content_hash: str) -> bool:
        """Whether another version of this record is still ``sending`` (a crashed send of an older content,
        which the target may hold): an update-style target then sends only what the target lacks."""
        return self.sending_other_hash(integration, stream, source_id, content_hash) is not None

    def sending_other_hash(self, integration: str, stream: str, source_id: str, content_hash: str) -> str | None:
        """The content hash of another version of this record still ``sending`` (its outcome unknown), if any."""
        with self._engine.connect() as db:
            row = db.execute(
                select(deliveries.c.content_hash).where(
                    deliveries.c.integration == integration,
                    deliveries.c.stream == stream,
                    deliveries.c.source_id == source_id,
                    deliveries.c.content_hash != content_hash,
                    deliveries.c.state == "sending",
                )
            ).first()
        return None if row is None else str(row.content_hash)

    def last_delivered(self, integration: str, stream: str, source_id: str) -> DeliveryState | None:
        """The most recent delivered version of a record, whatever its content hash."""
        with self._engine.connect() as db:
            row = db.execute(
                select(deliveries)
                .where(
                    deliveries.c.integration == integration,
                    deliveries.c.stream == stream,
                    deliveries.c.source_id == source_id,
                    deliveries.c.state == "delivered",
                )
                .order_by(deliveries.c.updated_at.desc())
                .limit(1)
            ).first()
        return DeliveryState(row.state, row.target_ref, row.attempts) if row else None

    def in_doubt(self, integration: str) -> list[tuple[str, str, str]]:
        """(stream, source_id, content_hash) of deliveries whose outcome is unknown."""
        with self._engine.connect() as db:
            rows = db.execute(
                select(deliveries.c.stream, deliveries.c.source_id, deliveries.c.content_hash).where(
                    deliveries.c.integration == integration, deliveries.c.state == "sending"
                )
            )
            return [(r.stream, r.source_id, r.content_hash) for r in rows]

    def mark_sending(
        self, integration: str, stream: str, source_id: str, content_hash: str, run_id: str, now: datetime
    ) -> int:
        """Commit the intent to send; return the attempt number."""
        where = _key(integration, stream, source_id, content_hash)
        with self._engine.begin() as db:
            row = db.execute(select(deliveries.c.attempts).where(where)).first()
            attempts = (row.attempts if row else 0) + 1
            values = {"state": "sending", "attempts": attempts, "run_id": run_id, "updated_at": now}
            if row:
                db.execute(update(deliveries).where(where).values(**values))
            else:
                db.execute(
                    insert(deliveries).values(
                        integration=integration,
                        stream=stream,
                        source_id=source_id,
                        content_hash=content_hash,
                        **values,
                    )
                )
        return attempts

    @staticmethod
    def settle(
        db: Connection,
        integration: str,
        stream: str,
        source_id: str,
        content_hash: str,
        *,
        state: str,
        now: datetime,
        run_id: str,
        target_ref: str | None = None,
        error: str | None = None,
    ) -> None:
        """Record the outcome (inside the caller's transaction, together with the ledger row)."""
        where = _key(integration, stream, source_id, content_hash)
        values = {
            "state": state,
            "target_ref": target_ref,
            "last_error": REDACTOR.scrub(error) if error else error,
            "updated_at": now,
            "run_id": run_id,
        }
        if db.execute(update(deliveries).where(where).values(**values)).rowcount == 0:
            db.execute(
                insert(deliveries).values(
                    integration=integration,
                    stream=stream,
                    source_id=source_id,
                    content_hash=content_hash,
                    attempts=0,
                    **values,
                )
            )


def _key(integration: str, stream: str, source_id: str, content_hash: str):  # type: ignore[no-untyped-def]
    return and_(
        deliveries.c.integration == integration,
        deliveries.c.stream == stream,
        deliveries.c.source_id == source_id,
        deliveries.c.content_hash == content_hash,
    )
