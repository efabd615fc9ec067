"""The run loop for idempotent batch targets (the warehouse): read, hash, map, check references and
stream batches to the target while their audit rows go into one open store transaction, which records the
delivery time, parks what must wait and moves the cursor only after the target has committed.

Parked facts are released first in each fact stream, so a newer version read in the same run wins.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import structlog

from ml_connector.core.cursors import Precision, Window, next_cursor, plan_window
from ml_connector.core.records import Outcome
from ml_connector.core.streams import StreamKind, StreamSpec
from ml_connector.engine.arrow_mapping import content_hashes, map_table, source_ids
from ml_connector.engine.batch_parking import ledger_row_for_parked, missing_reference, parked_row, release_rows
from ml_connector.engine.context import RunContext
from ml_connector.engine.page_checks import key_hashes, references_ok, refuse_duplicates, text_column
from ml_connector.engine.prefetch import prefetched
from ml_connector.engine.sources import Source
from ml_connector.engine.targets import BatchTarget
from ml_connector.errors import MlConnectorError
from ml_connector.store.background import BackgroundTransaction
from ml_connector.store.cursors import CursorStore
from ml_connector.store.ledger import RecordLedger
from ml_connector.store.parking import ParkedStore

log = structlog.get_logger("ml_connector.engine")

META_COLUMNS = ("_source_ts", "_loaded_at", "_run_id", "_content_hash")


@dataclass
class _StreamLoad:
    stream: StreamSpec
    window: Window | None
    stored: str | None
    parked: list[dict[str, Any]] = field(default_factory=list)
    max_seen: list[Any] = field(default_factory=lambda: [None])
    batches: Iterator[pa.Table] = field(default_factory=lambda: iter(()))
    replace: bool = False
    known_refs: dict[str, set[str]] = field(default_factory=dict)
    check_hashes: bool = False
    key_hashes: list[pa.Array] = field(default_factory=list)
    open_parked: dict[str, int] = field(default_factory=dict)
    superseded: list[int] = field(default_factory=list)
    audited: int = 0  # records queued to the ledger as loaded


class BatchStreamRunner:
    """Moves one stream into a :class:`BatchTarget`. Batches are lists of mapped rows."""

    def __init__(self, ctx: RunContext, source: Source, target: BatchTarget, *, batch_rows: int = 50_000) -> None:
        self.ctx = ctx
        self.source = source
        self.target = target
        self.batch_rows = batch_rows

    def run_stream(self, stream: StreamSpec, all_streams: Mapping[str, StreamSpec], *, full_refresh: bool) -> None:
        self.run_group([stream], all_streams, full_refresh=full_refresh)

    def run_group(
        self, streams: list[StreamSpec], all_streams: Mapping[str, StreamSpec], *, full_refresh: bool
    ) -> None:
        """Load several streams in ONE target write (one dlt load), then commit each stream's ledger and cursor.

        The engine groups dimensions and facts separately, so facts are checked against loaded dimensions.
        """
        ctx = self.ctx
        plans: list[_StreamLoad] = []
        for stream in streams:
            known_refs = {ref.column: self.target.known_keys(all_streams[ref.dimension]) for ref in stream.references}
            if stream.kind is StreamKind.FACT:
                self._release_parked(stream, known_refs)
            stored = (
                None if full_refresh or stream.cursor is None else ctx.store.cursors.get(ctx.integration, stream.name)
            )
            window = plan_window(stream.cursor, stored, ctx.clock.now()) if stream.cursor else None
            check_hashes = not full_refresh and ctx.store.ledger.has_state(ctx.integration, stream.name)
            plan = _StreamLoad(stream, window, stored, known_refs=known_refs, check_hashes=check_hashes)
            plan.open_parked = {p["source_id"]: p["id"] for p in ctx.store.parked.open(ctx.integration, stream.name)}
            ctx.progress.stream_started(stream.name, None)
            log.info("stream.read", stream=stream.name, window=window.describe() if window else "all")
            # A full read with no hash filtering holds every source row: the table can be replaced
            # instead of merged (much cheaper, and rows deleted in the source disappear). Replacing
            # does not deduplicate, so such a read refuses a key the source returned twice.
            plan.replace = (window is None or window.lower is None) and not check_hashes
            plans.append(plan)
        # Audit rows go into one store transaction while the pages are read; it commits with the cursors
        # only after the warehouse has committed.
        with BackgroundTransaction(ctx.store.engine) as audit:
            for plan in plans:
                plan.batches = self._batches(plan, audit)
            try:
                loaded = self.target.write_many(
                    [(p.stream, p.batches) for p in plans], replace={p.stream.name for p in plans if p.replace}
                )
            except MlConnectorError:
                if audit.error is not None:  # the store failed first; the warehouse only saw the aborted read
                    raise audit.error from None
                raise
            delivered = ctx.clock.now()

            def finish_all(db: Any) -> None:
                for plan in plans:
                    self._finish(db, plan, delivered)

            audit.commit(finish_all)
        for plan in plans:
            tally = ctx.tally(plan.stream.name)
            tally.count(Outcome.LOADED, loaded.get(plan.stream.name, 0))
            ctx.progress.stream_finished(plan.stream.name, tally)

    def _batches(self, plan: _StreamLoad, audit: BackgroundTransaction) -> Iterator[pa.Table]:
        """Pages -> Arrow: ids, hashes, unchanged filter, mapping, reference checks, all page-at-a-time.
        Each page's audit rows are queued to ``audit`` as the page goes to the warehouse."""
        ctx, stream, window = self.ctx, plan.stream, plan.window
        known_refs, check_hashes = plan.known_refs, plan.check_hashes
        tally = ctx.tally(stream.name)
        ledger = ctx.store.ledger
        parked_rows, max_seen = plan.parked, plan.max_seen
        empty = Window("", stream.cursor.precision) if stream.cursor else Window("", Precision.DATE)
        cursor_col = stream.cursor.column if stream.cursor else None
        ref_sets = {col: pa.array(sorted(keys), pa.string()) for col, keys in known_refs.items()}
        pending: list[pa.Table] = []
        pending_rows = 0
        # Pages become Arrow tables in the prefetch thread, while it would otherwise wait on the network;
        # the queue then holds compact tables instead of a page of dicts each.
        pages = (pa.Table.from_pylist(page) for page in self.source.pages(stream, window or empty))
        for table in prefetched(pages):
            now = ctx.clock.now()
            read = table.num_rows
            if cursor_col is not None:
                self._track_cursor(stream, table, max_seen)
            ids = source_ids(table, stream.key)
            hashes = content_hashes(table, stream.hash_ignore)
            if check_hashes:
                previous = ledger.known_hashes(ctx.integration, stream.name, ids)
                changed = [previous.get(i) != h for i, h in zip(ids, hashes, strict=True)]
                tally.count(Outcome.UNCHANGED, changed.count(False))
                if not all(changed):
                    mask = pa.array(changed)
                    table = table.filter(mask)
                    ids = [i for i, keep in zip(ids, changed, strict=True) if keep]
                    hashes = [h for h, keep in zip(hashes, changed, strict=True) if keep]
            tally.read += read
            ctx.progress.advance(stream.name, read)
            if table.num_rows == 0:
                continue
            mapped = self._map(stream, table)
            source_ts = text_column(table, cursor_col) if cursor_col else [None] * table.num_rows
            ok = references_ok(stream, mapped, ref_sets, table.num_rows)
            if ok is not None:
                for index in (i for i, good in enumerate(ok) if not good):
                    row = {name: values[index].as_py() for name, values in mapped.items()}
                    missing = missing_reference(stream, row, known_refs)
                    assert missing is not None
                    parked_rows.append(
                        parked_row(ctx, stream, ids[index], hashes[index], source_ts[index], row, missing, now)
                    )
                tally.count(Outcome.PARKED, ok.count(False))
            out = pa.table(
                {
                    **mapped,
                    "_source_ts": pa.array(source_ts, pa.string()),
                    "_loaded_at": pa.array([now] * table.num_rows, pa.timestamp("us", tz="UTC")),
                    "_run_id": pa.array([ctx.run_id] * table.num_rows, pa.string()),
                    "_content_hash": pa.array(hashes, pa.string()),
                }
            )
            if ok is not None:
                out = out.filter(pa.array(ok))
                keep = [i for i, good in enumerate(ok) if good]
                ids, hashes, source_ts = [ids[i] for i in keep], [hashes[i] for i in keep], [source_ts[i] for i in keep]
            plan.audited += len(ids)
            audit.submit(partial(self._add_loaded, stream, list(zip(ids, source_ts, hashes, strict=True)), now))
            if plan.open_parked:
                plan.superseded.extend(plan.open_parked[i] for i in ids if i in plan.open_parked)
            if plan.replace:
                plan.key_hashes.append(key_hashes(ids))
            pending.append(out)
            pending_rows += out.num_rows
            if pending_rows >= self.batch_rows:
                yield pa.concat_tables(pending)
                pending, pending_rows = [], 0
        if pending:
            yield pa.concat_tables(pending)
        if plan.replace:
            refuse_duplicates(stream, plan.key_hashes)

    def _map(self, stream: StreamSpec, table: pa.Table) -> dict[str, Any]:
        if stream.columns:
            return map_table(stream.columns, table)
        rows = [stream.mapper(row) for row in table.to_pylist()]
        mapped = pa.Table.from_pylist(rows)
        return {name: mapped.column(name) for name in mapped.column_names}

    def _track_cursor(self, stream: StreamSpec, table: pa.Table, max_seen: list[Any]) -> None:
        assert stream.cursor is not None
        column = stream.cursor.column
        if column not in table.column_names:
            return
        if stream.cursor.precision is Precision.ROWVERSION:
            values = [v for v in table.column(column).to_pylist() if v]
            seen = max((self.source.cursor_value(stream, {column: v}) for v in values), default=None)  # type: ignore[type-var]
        else:  # ISO text sorts chronologically within one wire format
            top = pc.max(pc.cast(table.column(column), pa.string())).as_py()
            seen = self.source.cursor_value(stream, {column: top}) if top else None
        if seen is not None and (max_seen[0] is None or seen > max_seen[0]):
            max_seen[0] = seen

    def _release_parked(self, stream: StreamSpec, known_refs: dict[str, set[str]]) -> None:
        """Load parked records whose references now exist; leave the rest parked."""
        ctx = self.ctx
        waiting = ctx.store.parked.open(ctx.integration, stream.name)
        if not waiting:
            return
        ready = [p for p in waiting if missing_reference(stream, p["payload"], known_refs) is None]
        if ready:
            self.release(stream, ready)
        log.info("parked.recheck", stream=stream.name, waiting=len(waiting), released=len(ready))

    def release(self, stream: StreamSpec, ready: list[dict[str, Any]]) -> int:
        """Write parked rows (already checked) to the target and mark them released."""
        return release_rows(self.ctx, self.target, stream, ready)

    def _add_loaded(self, stream: StreamSpec, rows: list[tuple[str, str | None, str]], now: datetime, db: Any) -> None:
        ctx = self.ctx
        ctx.store.ledger.add_loaded(
            db,
            rows,
            run_id=ctx.run_id,
            integration=ctx.integration,
            stream=stream.name,
            status=Outcome.LOADED,
            extracted_at=now,
        )

    def _finish(self, db: Any, plan: _StreamLoad, now: datetime) -> None:
        """After the warehouse commit, in the audit transaction: delivery times, parked rows, the cursor."""
        ctx, stream = self.ctx, plan.stream
        ctx.store.ledger.mark_delivered(
            db,
            run_id=ctx.run_id,
            integration=ctx.integration,
            stream=stream.name,
            status=Outcome.LOADED,
            delivered_at=now,
            records=plan.audited,
        )
        for parked_id in plan.superseded:  # a record loaded now supersedes an older version still parked
            ParkedStore.mark(db, parked_id, "superseded", ctx.run_id, now)
        if plan.parked:
            ParkedStore.park(db, plan.parked)
            RecordLedger.append(db, [ledger_row_for_parked(p) for p in plan.parked])
        if stream.cursor is not None and plan.window is not None:
            value = next_cursor(stream.cursor, plan.stored, plan.window, plan.max_seen[0], now)
            CursorStore.set(db, ctx.integration, stream.name, value, ctx.run_id, now)
