"""Runs (one row per integration run, with its summary) and the leases that keep runs single."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from ml_connector.errors import LeaseHeldError
from ml_connector.secrets.secret import REDACTOR
from ml_connector.store.schema import leases, runs

# A holder renews every third of this; one that stopped renewing (its machine died) is taken over after it.
DEFAULT_LEASE_EXPIRY = timedelta(minutes=3)


def this_holder(token: str) -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{token}"


def _holder_is_dead(holder: str) -> bool:
    """A holder on this host whose process is gone can be taken over at once (after a SIGKILL)."""
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class RunStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def start(
        self,
        run_id: str,
        integration: str,
        holder: str,
        now: datetime,
        *,
        trigger: str = "manual",
        slot: datetime | None = None,
    ) -> None:
        with self._engine.begin() as db:
            db.execute(
                insert(runs).values(
                    run_id=run_id,
                    integration=integration,
                    status="running",
                    started_at=now,
                    holder=holder,
                    trigger=trigger,
                    slot=slot,
                )
            )

    def finish(
        self, run_id: str, status: str, summary: dict[str, Any], now: datetime, error: str | None = None
    ) -> None:
        with self._engine.begin() as db:
            db.execute(
                update(runs)
                .where(runs.c.run_id == run_id)
                .values(
                    status=status,
                    summary=REDACTOR.scrub_any(summary),
                    finished_at=now,
                    error=REDACTOR.scrub(error) if error else error,
                )
            )

    def mark_crashed(self, integration: str, now: datetime, *, lease_holder: str | None = None) -> list[str]:
        """Runs left 'running' by a dead process are marked crashed; returns their ids.

        ``lease_holder``: the holder whose expired lease is being taken over (a process on another machine
        that stopped renewing); its runs are crashed too.
        """
        with self._engine.begin() as db:
            rows = db.execute(
                select(runs.c.run_id, runs.c.holder).where(
                    runs.c.integration == integration, runs.c.status == "running"
                )
            ).all()
            dead = [r.run_id for r in rows if r.holder is None or r.holder == lease_holder or _holder_is_dead(r.holder)]
            if dead:
                db.execute(
                    update(runs)
                    .where(runs.c.run_id.in_(dead))
                    .values(status="crashed", finished_at=now, error="process ended without finishing the run")
                )
        return dead

    def slot_served(self, integration: str, slot: datetime, attempt: int = 1) -> bool:
        """Whether attempt ``attempt`` of ``slot`` is already done: the slot has a succeeded run, or at least
        ``attempt`` finished runs (a redelivered first attempt after a partial run is done; its retry, attempt
        2, is not). Runs that crashed or are going do not count."""
        with self._engine.connect() as db:
            statuses = (
                db.execute(
                    select(runs.c.status).where(
                        runs.c.integration == integration,
                        runs.c.slot == slot,
                        runs.c.status.in_(("succeeded", "partial", "failed")),
                    )
                )
                .scalars()
                .all()
            )
        return "succeeded" in statuses or len(statuses) >= attempt

    def running_ids(self) -> list[str]:
        with self._engine.connect() as db:
            return [r.run_id for r in db.execute(select(runs.c.run_id).where(runs.c.status == "running"))]

    def recent(self, integration: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        query = select(runs).order_by(runs.c.started_at.desc()).limit(limit)
        if integration:
            query = query.where(runs.c.integration == integration)
        with self._engine.connect() as db:
            return [dict(r._mapping) for r in db.execute(query)]


class LeaseStore:
    """One run per integration at a time, across processes and machines (invariant 7)."""

    def __init__(self, engine: Engine, ttl: timedelta = DEFAULT_LEASE_EXPIRY) -> None:
        self._engine = engine
        self.ttl = ttl

    def acquire(self, integration: str, holder: str, now: datetime) -> str | None:
        """Take the lease; return the holder it was taken over from (expired or dead), if any.

        Raises:
            LeaseHeldError: a live holder's lease has not expired.
        """
        taken_from = None
        with self._engine.begin() as db:
            row = db.execute(select(leases).where(leases.c.integration == integration).with_for_update()).first()
            if row is not None:
                if row.holder != holder and row.expires_at > now and not _holder_is_dead(row.holder):
                    raise LeaseHeldError(
                        f"Integration {integration!r} is already running ({row.holder}, lease until "
                        f"{row.expires_at.isoformat()}). Wait for it to finish, or if that process is gone on another "
                        "machine, wait for the lease to expire."
                    )
                taken_from = None if row.holder == holder else str(row.holder)
                db.execute(delete(leases).where(leases.c.integration == integration))
            db.execute(
                insert(leases).values(
                    integration=integration,
                    holder=holder,
                    acquired_at=now,
                    expires_at=now + self.ttl,
                    heartbeat_at=now,
                )
            )
        return taken_from

    def renew(self, integration: str, holder: str, now: datetime) -> bool:
        """Extend the lease (the heartbeat); False when it is no longer ours (taken over after expiry)."""
        with self._engine.begin() as db:
            result = db.execute(
                update(leases)
                .where(leases.c.integration == integration, leases.c.holder == holder)
                .values(expires_at=now + self.ttl, heartbeat_at=now)
            )
        return bool(result.rowcount)

    def revoke(self, integration: str) -> None:
        """Drop the lease whoever holds it: its holder's next heartbeat finds it gone and the run stops
        before its next stream (a run past its timeout; a scheduler shutting down)."""
        with self._engine.begin() as db:
            db.execute(delete(leases).where(leases.c.integration == integration))

    def release_mine(self, holder_prefix: str) -> list[str]:
        """Release every lease held by this process (``host:pid:``); return the integrations freed."""
        with self._engine.begin() as db:
            rows = db.execute(select(leases.c.integration).where(leases.c.holder.startswith(holder_prefix))).all()
            db.execute(delete(leases).where(leases.c.holder.startswith(holder_prefix)))
        return [r.integration for r in rows]

    def holder(self, integration: str, now: datetime) -> str | None:
        """Who holds the lease now (None when free or expired)."""
        with self._engine.connect() as db:
            row = db.execute(select(leases).where(leases.c.integration == integration)).first()
        return str(row.holder) if row is not None and row.expires_at > now else None

    def release(self, integration: str, holder: str) -> None:
        with self._engine.begin() as db:
            db.execute(delete(leases).where(leases.c.integration == integration, leases.c.holder == holder))
