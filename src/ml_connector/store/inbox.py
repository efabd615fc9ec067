"""The webhook inbox: a delivery that carries its own data (looker-qad's scheduled-plan rows) is kept here
when the webhook accepts it, so the run that posts it may start anywhere (this process, the scheduler, a
Celery worker on another machine). A delivery is ``pending`` until a run consumes it; a run that fails
leaves it pending for the next run. Rows are keyed by the integration instance and a subject (the figure).
Once consumed (or superseded by a newer delivery of the subject) a row keeps its digest, times and run
id but not its data, so the table stays small; the audit ledger holds what was posted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select, update

from ml_connector.store.schema import webhook_inbox

PENDING, CONSUMED, SUPERSEDED = "pending", "consumed", "superseded"


@dataclass(frozen=True)
class InboxDelivery:
    id: int
    integration: str
    subject: str
    digest: str
    payload: Any
    state: str
    received_at: datetime
    consumed_at: datetime | None
    run_id: str | None


def _delivery(row: Any) -> InboxDelivery:
    return InboxDelivery(**dict(row._mapping))


class WebhookInbox:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, integration: str, subject: str, digest: str, payload: Any, now: datetime) -> int:
        """Keep an accepted delivery (pending); return its id."""
        with self._engine.begin() as db:
            values = {"integration": integration, "subject": subject, "digest": digest, "payload": payload,
                      "state": PENDING, "received_at": now}  # fmt: skip
            key = db.execute(insert(webhook_inbox).values(**values)).inserted_primary_key
            assert key is not None
            return int(key[0])

    def latest(self, integration: str, subject: str) -> InboxDelivery | None:
        """The newest delivery for ``subject``, whatever its state (a repeat of it is ignored)."""
        query = (
            select(webhook_inbox)
            .where(webhook_inbox.c.integration == integration, webhook_inbox.c.subject == subject)
            .order_by(webhook_inbox.c.id.desc())
            .limit(1)
        )
        with self._engine.connect() as db:
            row = db.execute(query).first()
        return _delivery(row) if row is not None else None

    def pending(self, integration: str) -> dict[str, list[InboxDelivery]]:
        """Subject -> its pending deliveries, oldest first."""
        query = (
            select(webhook_inbox)
            .where(webhook_inbox.c.integration == integration, webhook_inbox.c.state == PENDING)
            .order_by(webhook_inbox.c.id)
        )
        out: dict[str, list[InboxDelivery]] = {}
        with self._engine.connect() as db:
            for row in db.execute(query):
                out.setdefault(row.subject, []).append(_delivery(row))
        return out

    def consume(self, used: int, superseded: Iterable[int], run_id: str | None, now: datetime) -> None:
        """Mark ``used`` consumed by ``run_id`` and ``superseded`` (older deliveries of the same subject that
        the newer one replaces) too, dropping their data, in one transaction; only rows still pending change."""
        with self._engine.begin() as db:
            for ids, state in (([used], CONSUMED), (list(superseded), SUPERSEDED)):
                if ids:
                    db.execute(
                        update(webhook_inbox)
                        .where(webhook_inbox.c.id.in_(ids), webhook_inbox.c.state == PENDING)
                        .values(state=state, consumed_at=now, run_id=run_id, payload=None)
                    )

    def counts(self, integration: str) -> dict[str, int]:
        """State -> number of deliveries of ``integration`` (for status and tests)."""
        query = (
            select(webhook_inbox.c.state, func.count())
            .where(webhook_inbox.c.integration == integration)
            .group_by(webhook_inbox.c.state)
        )
        with self._engine.connect() as db:
            return {state: int(n) for state, n in db.execute(query)}
