"""The run loop for idempotent batch targets (the warehouse): read, hash, map, check references,
stream batches to the target, then move ledger + record state + cursor in one store transaction.

Parked facts are released first in each fact stream, so a newer version read in the same run wins.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any

import structlog
from sqlalchemy import text

from ml_connector.core.cursors import Window, next_cursor, plan_window
from ml_connector.core.hashing import content_hash, source_id
from ml_connector.core.records import Outcome
from ml_connector.core.streams import StreamKind, StreamSpec
from ml_connector.engine.context import RunContext
from ml_connector.engine.sources import Source
from ml_connector.engine.targets import BatchTarget
from ml_connector.store.cursors import CursorStore
from ml_connector.store.ledger import RecordLedger
from ml_connector.store.parking import ParkedStore, plain_json

log = structlog.get_logger("ml_connector.engine")

META_COLUMNS = ("_source_ts", "_loaded_at", "_run_id", "_content_hash")


class BatchStreamRunner:
    """Moves one stream into a :class:`BatchTarget`. Batches are lists of mapped rows."""

    def __init__(self, ctx: RunContext, source: Source, target: BatchTarget, *, batch_rows: int = 50_000) -> None:
        self.ctx = ctx
        self.source = source
        self.target = target
        self.batch_rows = batch_rows

    def run_stream(self, stream: StreamSpec, all_streams: Mapping[str, StreamSpec], *, full_refresh: bool) -> None:
        ctx = self.ctx
        tally = ctx.tally(stream.name)
        known_refs = {
            ref.column: self.target.known_keys(all_streams[ref.dimension]) for ref in stream.references
        }
        if stream.kind is StreamKind.FACT:
            self._release_parked(stream, known_refs)
        stored = None if full_refresh or stream.cursor is None else ctx.store.cursors.get(ctx.integration, stream.name)
        window = plan_window(stream.cursor, stored, ctx.clock.now()) if stream.cursor else None
        check_hashes = not full_refresh and ctx.store.ledger.has_state(ctx.integration, stream.name)
        parked_rows: list[dict[str, Any]] = []
        max_seen: list[date | datetime | int | None] = [None]
        ctx.progress.stream_started(stream.name, None)
        log.info("stream.read", stream=stream.name, window=window.describe() if window else "all")
        batches = self._batches(stream, window, known_refs, check_hashes, parked_rows, max_seen)
        loaded = self.target.write(stream, batches)
        self._commit(stream, window, stored, max_seen[0], parked_rows)
        tally.count(Outcome.LOADED, loaded)
        ctx.progress.stream_finished(stream.name, tally)

    def _batches(
        self,
        stream: StreamSpec,
        window: Window | None,
        known_refs: dict[str, set[str]],
        check_hashes: bool,
        parked_rows: list[dict[str, Any]],
        max_seen: list[date | datetime | int | None],
    ) -> Iterator[list[dict[str, Any]]]:
        ctx = self.ctx
        tally = ctx.tally(stream.name)
        ledger = ctx.store.ledger
        pages = self.source.pages(stream, window or Window("", stream.cursor.precision if stream.cursor else "date"))  # type: ignore[arg-type]
        batch: list[dict[str, Any]] = []
        cursor_col = stream.cursor.column if stream.cursor else None
        for page in pages:
            now = ctx.clock.now()
            ids = [source_id(row, stream.key) for row in page]
            hashes = [content_hash(row, ignore=stream.hash_ignore) for row in page]
            previous = ledger.known_hashes(ctx.integration, stream.name, ids) if check_hashes else {}
            staged: list[tuple[Any, ...]] = []
            for row, sid, digest in zip(page, ids, hashes, strict=True):
                if cursor_col is not None:
                    seen = self.source.cursor_value(stream, row)
                    if seen is not None and (max_seen[0] is None or seen > max_seen[0]):  # type: ignore[operator]
                        max_seen[0] = seen
                if previous.get(sid) == digest:
                    tally.count(Outcome.UNCHANGED)
                    continue
                source_ts = str(row.get(cursor_col)) if cursor_col else None
                mapped = stream.mapper(row)
                missing = _missing_reference(stream, mapped, known_refs)
                if missing is not None:
                    parked_rows.append(_parked_row(ctx, stream, sid, digest, source_ts, mapped, missing, now))
                    tally.count(Outcome.PARKED)
                    continue
                mapped.update(_source_ts=source_ts, _loaded_at=now, _run_id=ctx.run_id, _content_hash=digest)
                batch.append(mapped)
                staged.append((ctx.run_id, ctx.integration, stream.name, sid, source_ts, now, digest))
            tally.read += len(page)
            ledger.stage(staged)
            ctx.progress.advance(stream.name, len(page))
            if len(batch) >= self.batch_rows:
                yield batch
                batch = []
        if batch:
            yield batch

    def _commit(
        self,
        stream: StreamSpec,
        window: Window | None,
        stored: str | None,
        max_seen: date | datetime | int | None,
        parked_rows: list[dict[str, Any]],
    ) -> None:
        ctx = self.ctx
        now = ctx.clock.now()
        with ctx.store.engine.begin() as db:
            # A record loaded now supersedes whatever older version of it was still parked.
            db.execute(
                text(
                    "UPDATE parked SET status = 'superseded', released_at = :now, release_run_id = :run_id "
                    "WHERE integration = :integration AND stream = :stream AND status IN ('parked', 'failed') "
                    "AND source_id IN (SELECT source_id FROM ledger_staging WHERE run_id = :run_id "
                    "AND integration = :integration AND stream = :stream)"
                ),
                {"now": now, "run_id": ctx.run_id, "integration": ctx.integration, "stream": stream.name},
            )
            ctx.store.ledger.commit_staged(
                db, run_id=ctx.run_id, integration=ctx.integration, stream=stream.name, status=Outcome.LOADED,
                delivered_at=now,
            )
            if parked_rows:
                ParkedStore.park(db, parked_rows)
                RecordLedger.append(db, [_ledger_row_for_parked(p) for p in parked_rows])
            if stream.cursor is not None and window is not None:
                value = next_cursor(stream.cursor, stored, window, max_seen, now)
                CursorStore.set(db, ctx.integration, stream.name, value, ctx.run_id, now)

    def _release_parked(self, stream: StreamSpec, known_refs: dict[str, set[str]]) -> None:
        """Load parked records whose references now exist; leave the rest parked."""
        ctx = self.ctx
        waiting = ctx.store.parked.open(ctx.integration, stream.name)
        if not waiting:
            return
        ready = [p for p in waiting if _missing_reference(stream, p["payload"], known_refs) is None]
        if ready:
            self.release(stream, ready)
        log.info("parked.recheck", stream=stream.name, waiting=len(waiting), released=len(ready))

    def release(self, stream: StreamSpec, ready: list[dict[str, Any]]) -> int:
        """Write parked rows (already checked) to the target and mark them released."""
        ctx = self.ctx
        now = ctx.clock.now()
        rows = []
        for p in ready:
            row = dict(p["payload"])
            row.update(_source_ts=p["source_ts"], _loaded_at=now, _run_id=ctx.run_id, _content_hash=p["content_hash"])
            rows.append(row)
        written = self.target.write(stream, iter([rows]))
        with ctx.store.engine.begin() as db:
            for p in ready:
                ParkedStore.mark(db, p["id"], "released", ctx.run_id, now)
                RecordLedger.remember(db, ctx.integration, stream.name, p["source_id"], p["content_hash"], None, now)
            RecordLedger.append(
                db,
                [
                    {
                        "run_id": ctx.run_id, "integration": ctx.integration, "stream": stream.name,
                        "source_id": p["source_id"], "source_ts": p["source_ts"], "extracted_at": p["parked_at"],
                        "delivered_at": now, "status": Outcome.RELEASED, "attempts": p["attempts"] + 1,
                        "content_hash": p["content_hash"], "replay_of": None,
                    }
                    for p in ready
                ],
            )
        ctx.tally(stream.name).count(Outcome.RELEASED, len(ready))
        return written


def _missing_reference(
    stream: StreamSpec, mapped: Mapping[str, Any], known_refs: dict[str, set[str]]
) -> tuple[str, str, str] | None:
    for ref in stream.references:
        value = mapped.get(ref.column)
        if value is None or value == "":
            continue
        if str(value) not in known_refs[ref.column]:
            return ref.label, ref.dimension, str(value)
    return None


def _parked_row(
    ctx: RunContext, stream: StreamSpec, sid: str, digest: str, source_ts: str | None,
    mapped: dict[str, Any], missing: tuple[str, str, str], now: datetime,
) -> dict[str, Any]:
    label, dimension, key = missing
    return {
        "integration": ctx.integration, "stream": stream.name, "source_id": sid, "content_hash": digest,
        "source_ts": source_ts, "payload": plain_json(mapped), "status": "parked",
        "reason": f"{stream.name} {sid} references {label} {key!r}, which is not loaded yet ({dimension}). "
        f"It will load by itself once {label} {key!r} arrives; `ml-connector replay` forces a re-check.",
        "reference": label, "ref_key": key, "run_id": ctx.run_id, "parked_at": now,
    }


def _ledger_row_for_parked(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "run_id": p["run_id"], "integration": p["integration"], "stream": p["stream"], "source_id": p["source_id"],
        "source_ts": p["source_ts"], "extracted_at": p["parked_at"], "delivered_at": None,
        "status": Outcome.PARKED, "attempts": 1, "error": p["reason"], "content_hash": p["content_hash"],
    }
