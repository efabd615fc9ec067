"""A record runner whose target takes each page's records in one call (QAD: one journal entry per
figure and period, one line per record), while every record keeps its own delivery-ledger row, audit
row, parking and check-before-post exactly as in :class:`RecordStreamRunner`.

Per page: each record is decided alone (unchanged, changed after post, parked, recovered by look-up);
those left to send are all marked ``sending`` (committed), handed to ``send_group`` together, and
settled one by one from its per-record results. A crash inside ``send_group`` leaves them ``sending``:
the next run looks each one up before anything is sent again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ml_connector.core.cursors import Window
from ml_connector.core.hashing import content_hash, source_id
from ml_connector.core.records import Outcome
from ml_connector.core.streams import StreamKind, StreamSpec
from ml_connector.engine.record_runner import Pending, RecordStreamRunner, _Record
from ml_connector.engine.targets import Delivery, RecordTarget
from ml_connector.errors import IntegrityError, LoginRefusedError, MlConnectorError, ReferenceMissingError, RemoteError
from ml_connector.secrets.secret import REDACTOR
from ml_connector.store.deliveries import DeliveryLedger
from ml_connector.store.ledger import RecordLedger
from ml_connector.store.parking import ParkedStore


class GroupTarget(RecordTarget, Protocol):
    def send_group(self, deliveries: Sequence[Delivery]) -> list[str | MlConnectorError]:
        """Send these records together; return, in order, each one's target reference or the error
        (ReferenceMissingError parks it, a RemoteError fails it). Raise only when the outcome of the
        whole call is unknown (then every record stays ``sending`` and is looked up next run)."""
        ...


class GroupedRecordRunner(RecordStreamRunner):
    """For cursor-less record streams whose source yields one group per page."""

    target: GroupTarget

    def __init__(self, ctx: Any, source: Any, target: GroupTarget) -> None:
        super().__init__(ctx, source, target)

    def run_stream(self, stream: StreamSpec, all_streams: Mapping[str, StreamSpec], *, full_refresh: bool) -> None:
        if stream.cursor is not None:
            raise IntegrityError(f"{stream.name}: the grouped runner reads whole sources; it takes no cursor.")
        ctx = self.ctx
        if stream.kind is StreamKind.FACT:
            self.replay(stream, ctx.store.parked.open(ctx.integration, stream.name), automatic=True)
        ctx.progress.stream_started(stream.name, None)
        for page in self.source.pages(stream, Window("", "date")):  # type: ignore[arg-type]
            self.deliver_page(stream, page)
            ctx.tally(stream.name).read += len(page)
            ctx.progress.advance(stream.name, len(page))
        ctx.progress.stream_finished(stream.name, ctx.tally(stream.name))

    def deliver_page(self, stream: StreamSpec, page: Sequence[Mapping[str, Any]]) -> None:
        pending: list[Pending] = []
        for row in page:
            sid, digest = source_id(row, stream.key), content_hash(row, ignore=stream.hash_ignore)
            record = _Record(stream.name, sid, digest, None, self.ctx.clock.now(), None, None)
            prepared = self.prepare(stream, record, stream.mapper(row))
            if isinstance(prepared, Pending):
                pending.append(prepared)
        if not pending:
            return
        results = self.target.send_group([p.delivery for p in pending])  # unknown outcome: raises, stays sending
        retriable: RemoteError | None = None
        self._finish_delivered([(p.record, r) for p, r in zip(pending, results, strict=True) if isinstance(r, str)])
        for item, result in zip(pending, results, strict=True):
            if isinstance(result, ReferenceMissingError):
                self._park(item.record, dict(item.delivery.row), "parked", REDACTOR.scrub(str(result)),
                           result.reference, result.key)  # fmt: skip
            elif isinstance(result, LoginRefusedError) or (isinstance(result, RemoteError) and result.retriable):
                retriable = retriable or result  # not sent: stays sending, looked up and sent next run
            elif isinstance(result, MlConnectorError):
                self._park(item.record, dict(item.delivery.row), "failed", REDACTOR.scrub(str(result)), None, None)
        if retriable is not None:
            raise retriable

    def _finish_delivered(self, done: list[tuple[_Record, str]]) -> None:
        """What ``_finish`` does for each delivered record, in one transaction for the group."""
        ctx, now = self.ctx, self.ctx.clock.now()
        if not done:
            return
        with ctx.store.engine.begin() as db:
            for record, ref in done:
                DeliveryLedger.settle(db, ctx.integration, record.stream, record.sid, record.digest,
                                      state="delivered", now=now, run_id=ctx.run_id, target_ref=ref)  # fmt: skip
                ParkedStore.close_for(db, ctx.integration, record.stream, record.sid, ctx.run_id, now)
            RecordLedger.append(db, [r.ledger_row(ctx, Outcome.DELIVERED, now, ref, None) for r, ref in done])
        ctx.tally(done[0][0].stream).count(Outcome.DELIVERED, len(done))
