"""What the scheduler remembers between restarts (the last slot handed to a run, a pending retry) and the
queue of targeted runs asked for outside the schedule (webhooks, the web UI)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from ml_connector.store.schema import run_requests, schedule_state


class ScheduleStateStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, integration: str) -> dict[str, Any] | None:
        with self._engine.connect() as db:
            row = db.execute(select(schedule_state).where(schedule_state.c.integration == integration)).first()
        return dict(row._mapping) if row is not None else None

    def all(self) -> dict[str, dict[str, Any]]:
        with self._engine.connect() as db:
            return {r.integration: dict(r._mapping) for r in db.execute(select(schedule_state))}

    def save(
        self, integration: str, now: datetime, *, last_slot: datetime | None, retry_at: datetime | None, attempts: int
    ) -> None:
        values = {"last_slot": last_slot, "retry_at": retry_at, "attempts": attempts, "updated_at": now}
        with self._engine.begin() as db:
            where = schedule_state.c.integration == integration
            if db.execute(update(schedule_state).where(where).values(**values)).rowcount == 0:
                db.execute(insert(schedule_state).values(integration=integration, **values))

    def forget(self, integration: str) -> None:
        with self._engine.begin() as db:
            db.execute(delete(schedule_state).where(schedule_state.c.integration == integration))


class RunRequestStore:
    """Targeted runs waiting for the scheduler: requests for one instance collapse into one run."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, integration: str, trigger: str, reason: str, now: datetime) -> None:
        with self._engine.begin() as db:
            db.execute(
                insert(run_requests).values(integration=integration, trigger=trigger, reason=reason, requested_at=now)
            )

    def waiting(self) -> dict[str, list[str]]:
        """Instance -> reasons of its requests not yet taken."""
        query = select(run_requests).where(run_requests.c.taken_at.is_(None)).order_by(run_requests.c.id)
        out: dict[str, list[str]] = {}
        with self._engine.connect() as db:
            for r in db.execute(query):
                out.setdefault(r.integration, []).append(r.reason or r.trigger)
        return out

    def take(self, integration: str, now: datetime) -> int:
        """Mark every waiting request of ``integration`` taken; return how many."""
        with self._engine.begin() as db:
            return int(
                db.execute(
                    update(run_requests)
                    .where(run_requests.c.integration == integration, run_requests.c.taken_at.is_(None))
                    .values(taken_at=now)
                ).rowcount
            )
