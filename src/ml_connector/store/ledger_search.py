"""Searching the record ledger: one page for a person (newest first) or every matching row as a stream for an
export, in constant memory on SQLite and PostgreSQL.

Which later replay superseded a row is found per chunk of rows with one ``replay_of BETWEEN lo AND hi``
(a partial index keeps it cheap), never one ``IN (...)`` over every returned id: SQLite refuses more than
32,766 bound variables (`too many SQL variables`) and a large IN list is slow everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Select, and_, func, select

from ml_connector.core.records import Outcome
from ml_connector.store.schema import ledger_commits, record_ledger

CHUNK = 2000
# Every status a ledger row can have (unchanged records are not written).
STATUSES = tuple(o.value for o in Outcome if o is not Outcome.UNCHANGED)


@dataclass(frozen=True)
class LedgerFilter:
    integration: str | None = None
    stream: str | None = None
    source_id: str | None = None
    status: str | None = None
    run_id: str | None = None
    since: datetime | None = None  # extracted_at >= since
    until: datetime | None = None  # extracted_at < until
    before_id: int | None = None  # paging: rows older than this id

    def query(self, limit: int | None) -> Select[Any]:
        commit = ledger_commits.c
        delivered = func.coalesce(record_ledger.c.delivered_at, commit.delivered_at).label("delivered_at")
        columns = [delivered if c.name == "delivered_at" else c for c in record_ledger.c]
        join = record_ledger.outerjoin(
            ledger_commits,
            and_(
                commit.run_id == record_ledger.c.run_id,
                commit.stream == record_ledger.c.stream,
                commit.status == record_ledger.c.status,
            ),
        )
        query = select(*columns).select_from(join).order_by(record_ledger.c.id.desc())
        c = record_ledger.c
        for column, value in (
            (c.integration, self.integration),
            (c.stream, self.stream),
            (c.source_id, self.source_id),
            (c.status, self.status),
            (c.run_id, self.run_id),
        ):
            if value is not None:
                query = query.where(column == value)
        if self.since is not None:
            query = query.where(c.extracted_at >= self.since)
        if self.until is not None:
            query = query.where(c.extracted_at < self.until)
        if self.before_id is not None:
            query = query.where(c.id < self.before_id)
        return query.limit(limit) if limit is not None else query


def search(engine: Engine, where: LedgerFilter, limit: int) -> list[dict[str, Any]]:
    """One page, newest first, each row with ``superseded_by`` (the replay that replaced it, if any)."""
    return list(iterate(engine, where, limit=limit))


def iterate(engine: Engine, where: LedgerFilter, *, limit: int | None = None) -> Iterator[dict[str, Any]]:
    """Every matching row, newest first, ``CHUNK`` rows per query (keyset paging on the primary key: each query
    starts below the last id seen), so memory stays flat on any backend and no cursor is held open."""
    remaining = limit
    while remaining is None or remaining > 0:
        size = CHUNK if remaining is None else min(CHUNK, remaining)
        with engine.connect() as db:
            rows = [{str(k): v for k, v in r._mapping.items()} for r in db.execute(where.query(size))]
            _add_superseded(db, rows)
        yield from rows
        if len(rows) < size:
            return
        where = replace(where, before_id=rows[-1]["id"])
        if remaining is not None:
            remaining -= len(rows)


def _add_superseded(db: Connection, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    ids = [r["id"] for r in rows]
    replay = record_ledger.alias("replay")
    found = db.execute(
        select(replay.c.replay_of, func.min(replay.c.id))
        .where(replay.c.replay_of.between(min(ids), max(ids)))
        .group_by(replay.c.replay_of)
    )
    superseded = {r[0]: r[1] for r in found}
    for r in rows:
        r["superseded_by"] = superseded.get(r["id"])
