"""The run loop for non-idempotent targets (SYSPRO e.net, QAD, Pipedrive, Sterling): one record at a time
through the delivery ledger, check-before-post after a crash, the cursor committed after each page.

Per record: unchanged (same hash as delivered) -> skip; delivered before with other content ->
update or changed-after-post (the target's ChangePolicy); missing reference -> park; a 'sending' row left
by a crash -> look the object up on the target before sending; else mark sending (committed), send,
then settle delivered + ledger + record state in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import structlog

from ml_connector.core.cursors import Precision, Window, format_instant, next_cursor, parse_instant, plan_window
from ml_connector.core.hashing import content_hash, source_id
from ml_connector.core.records import Outcome
from ml_connector.core.streams import StreamKind, StreamSpec
from ml_connector.engine.context import RunContext
from ml_connector.engine.sources import Source
from ml_connector.engine.targets import ChangePolicy, Delivery, RecordTarget
from ml_connector.errors import LoginRefusedError, ReferenceMissingError, RemoteError
from ml_connector.secrets.secret import REDACTOR
from ml_connector.store.cursors import CursorStore
from ml_connector.store.deliveries import DeliveryLedger, DeliveryState
from ml_connector.store.ledger import RecordLedger
from ml_connector.store.parking import ParkedStore, plain_json

log = structlog.get_logger("ml_connector.engine")


class RecordStreamRunner:
    def __init__(self, ctx: RunContext, source: Source, target: RecordTarget) -> None:
        self.ctx = ctx
        self.source = source
        self.target = target

    def run_stream(self, stream: StreamSpec, all_streams: Mapping[str, StreamSpec], *, full_refresh: bool) -> None:
        ctx = self.ctx
        if stream.kind is StreamKind.FACT:
            self.replay(stream, ctx.store.parked.open(ctx.integration, stream.name), automatic=True)
        stored = None if full_refresh or stream.cursor is None else ctx.store.cursors.get(ctx.integration, stream.name)
        window = plan_window(stream.cursor, stored, ctx.clock.now()) if stream.cursor else None
        ctx.progress.stream_started(stream.name, None)
        max_seen: date | datetime | int | None = None
        pages = self.source.pages(stream, window or Window("", "date"))  # type: ignore[arg-type]
        for page in pages:
            for row in page:
                if stream.cursor is not None:
                    seen = self.source.cursor_value(stream, row)
                    if seen is not None and (max_seen is None or seen > max_seen):  # type: ignore[operator]
                        max_seen = seen
                source_ts = str(row.get(stream.cursor.column)) if stream.cursor else None
                self.deliver_row(stream, row, source_ts)
            ctx.tally(stream.name).read += len(page)
            ctx.progress.advance(stream.name, len(page))
            if stream.cursor is not None and window is not None:
                # Every record of this page is delivered, parked or failed (durably): move the cursor.
                self._commit_cursor(stream, stored, window, max_seen, final=False)
        if stream.cursor is not None and window is not None and stream.cursor.precision is Precision.INSTANT:
            self._commit_cursor(stream, stored, window, max_seen, final=True)
        ctx.progress.stream_finished(stream.name, ctx.tally(stream.name))

    def _commit_cursor(
        self,
        stream: StreamSpec,
        stored: str | None,
        window: Window,
        max_seen: date | datetime | int | None,
        *,
        final: bool,
    ) -> None:
        """After a page, an instant cursor moves only as far as the rows read (they come in cursor order);
        to the window's upper bound once every page is done. (Moving it to the upper bound after the first
        page lost the later pages of the window when the process died mid-window.)"""
        ctx, spec, now = self.ctx, stream.cursor, self.ctx.clock.now()
        assert spec is not None
        if spec.precision is Precision.INSTANT and not final:
            if not isinstance(max_seen, datetime):
                return
            value: str | None = format_instant(max(max_seen, parse_instant(stored)) if stored else max_seen)
        else:
            value = next_cursor(spec, stored, window, max_seen, now)
        with ctx.store.engine.begin() as db:
            CursorStore.set(db, ctx.integration, stream.name, value, ctx.run_id, now)

    def deliver_row(self, stream: StreamSpec, row: Mapping[str, Any], source_ts: str | None) -> Outcome:
        sid = source_id(row, stream.key)
        digest = content_hash(row, ignore=stream.hash_ignore)
        return self.deliver(stream, sid, digest, stream.mapper(row), source_ts, extracted_at=self.ctx.clock.now())

    def deliver(
        self,
        stream: StreamSpec,
        sid: str,
        digest: str,
        mapped: dict[str, Any],
        source_ts: str | None,
        *,
        extracted_at: datetime,
        replay_of: int | None = None,
        parked_id: int | None = None,
    ) -> Outcome:
        record = _Record(stream.name, sid, digest, source_ts, extracted_at, replay_of, parked_id)
        prepared = self.prepare(stream, record, mapped)
        if not isinstance(prepared, Pending):
            return prepared
        try:
            target_ref = self.target.send(prepared.delivery)
        except (ReferenceMissingError, RemoteError) as exc:
            return self._refused(record, mapped, exc)
        return self._finish(record, Outcome.RELEASED if parked_id else Outcome.DELIVERED, target_ref)

    def prepare(self, stream: StreamSpec, record: _Record, mapped: dict[str, Any]) -> Outcome | Pending:
        """Everything up to the send: unchanged, changed after post, parked, recovered by look-up (each
        settled here and returned as its outcome), or marked ``sending`` (committed) and returned pending.
        The grouped runner sends what this returns pending in one call per page."""
        ctx, ledger, sid, digest = self.ctx, self.ctx.store.deliveries, record.sid, record.digest
        state = ledger.state(ctx.integration, stream.name, sid, digest)
        if state is not None and state.state == "delivered":
            ctx.tally(stream.name).count(Outcome.UNCHANGED)
            if record.parked_id is not None:
                self._settle_parked(record.parked_id, "superseded")
            return Outcome.UNCHANGED
        previous = ledger.last_delivered(ctx.integration, stream.name, sid)
        if previous is None and state is None:
            try:
                previous = self._settle_older_in_doubt(stream, record, mapped)
            except (ReferenceMissingError, RemoteError) as exc:
                return self._refused(record, mapped, exc)
        delivery = Delivery(
            ctx.integration, stream.name, sid, digest, mapped, previous.target_ref if previous else None
        )
        if previous is not None and self.target.change_policy is ChangePolicy.REVIEW:
            return self._finish(
                record,
                Outcome.CHANGED_AFTER_POST,
                previous.target_ref,
                error=f"{stream.name} {sid} changed after it was posted as {previous.target_ref}; "
                "it is not posted again. Review the difference in the source and the target.",
            )
        try:
            self.target.check_references(delivery)
            if state is not None and state.state == "sending":
                found = self.target.lookup(delivery)
                if found is not None:
                    log.info("delivery.recovered", stream=stream.name, source_id=sid, target_ref=found)
                    return self._finish(record, Outcome.RECOVERED, found)
        except (ReferenceMissingError, RemoteError) as exc:
            return self._refused(record, mapped, exc)
        ledger.mark_sending(ctx.integration, stream.name, sid, digest, ctx.run_id, ctx.clock.now())
        return Pending(record, delivery)

    def _settle_older_in_doubt(
        self, stream: StreamSpec, record: _Record, mapped: dict[str, Any]
    ) -> DeliveryState | None:
        """The record changed after a send of an older version whose outcome is unknown (a crash, a lost
        answer): the ``sending`` row is keyed by the older content, so the usual look-up would never run.
        Look the record up now: found, the older version is settled as delivered, and the current one is
        then a change (reviewed or updated by the target's policy, never posted as new again). Not found,
        nothing is settled: a target whose look-up matches content as well as key (looker-qad) may still
        hold the older version, and asks ``DeliveryLedger.sending_other_version`` itself."""
        ctx, ledger = self.ctx, self.ctx.store.deliveries
        older = ledger.sending_other_hash(ctx.integration, stream.name, record.sid, record.digest)
        if older is None:
            return None
        found = self.target.lookup(Delivery(ctx.integration, stream.name, record.sid, older, mapped, None))
        if found is None:
            return None
        with ctx.store.engine.begin() as db:
            DeliveryLedger.settle(db, ctx.integration, stream.name, record.sid, older, state="delivered",
                                  now=ctx.clock.now(), run_id=ctx.run_id, target_ref=found)  # fmt: skip
        log.info("delivery.older_version_found", stream=stream.name, source_id=record.sid, target_ref=found)
        return ledger.last_delivered(ctx.integration, stream.name, record.sid)

    def _refused(self, record: _Record, mapped: dict[str, Any], exc: ReferenceMissingError | RemoteError) -> Outcome:
        """A missing reference parks the record; a permanent remote refusal fails it; a retriable one (the
        system is down or throttling) stops the stream, the cursor staying before this record."""
        if isinstance(exc, ReferenceMissingError):
            return self._park(record, mapped, "parked", REDACTOR.scrub(str(exc)), exc.reference, exc.key)
        if exc.retriable or isinstance(exc, LoginRefusedError):  # not this record's fault: stop the stream
            raise exc
        return self._park(record, mapped, "failed", REDACTOR.scrub(str(exc)), None, None)

    def replay(self, stream: StreamSpec, rows: list[dict[str, Any]], *, automatic: bool = False) -> None:
        """Deliver parked/failed rows again; failed ones only when asked (not on every run)."""
        for p in rows:
            if automatic and p["status"] == "failed":
                continue
            last = self.ctx.store.ledger.search(
                integration=self.ctx.integration, stream=stream.name, source_id=p["source_id"], limit=1
            )
            self.deliver(
                stream,
                p["source_id"],
                p["content_hash"],
                dict(p["payload"]),
                p["source_ts"],
                extracted_at=p["parked_at"],
                replay_of=last[0]["id"] if last else None,
                parked_id=p["id"],
            )

    # -- bookkeeping -----------------------------------------------------------------------------
    def _finish(self, record: _Record, outcome: Outcome, target_ref: str | None, error: str | None = None) -> Outcome:
        ctx, now = self.ctx, self.ctx.clock.now()
        state = "delivered" if outcome in (Outcome.DELIVERED, Outcome.RECOVERED, Outcome.RELEASED) else "review"
        with ctx.store.engine.begin() as db:
            if state == "delivered":
                DeliveryLedger.settle(
                    db,
                    ctx.integration,
                    record.stream,
                    record.sid,
                    record.digest,
                    state=state,
                    now=now,
                    run_id=ctx.run_id,
                    target_ref=target_ref,
                )
            RecordLedger.append(db, [record.ledger_row(ctx, outcome, now, target_ref, error)])
            if record.parked_id is not None:
                ParkedStore.mark(db, record.parked_id, "released", ctx.run_id, now)
            elif state == "delivered":
                ParkedStore.close_for(db, ctx.integration, record.stream, record.sid, ctx.run_id, now)
        ctx.tally(record.stream).count(outcome)
        return outcome

    def _park(
        self, record: _Record, mapped: dict[str, Any], status: str, reason: str, reference: str | None, key: str | None
    ) -> Outcome:
        ctx, now = self.ctx, self.ctx.clock.now()
        outcome = Outcome.PARKED if status == "parked" else Outcome.FAILED
        with ctx.store.engine.begin() as db:
            DeliveryLedger.settle(
                db,
                ctx.integration,
                record.stream,
                record.sid,
                record.digest,
                state=status,
                now=now,
                run_id=ctx.run_id,
                error=reason,
            )
            if record.parked_id is not None:
                ParkedStore.mark(db, record.parked_id, status, ctx.run_id, now, reason=reason)
            else:
                ParkedStore.park(
                    db,
                    [
                        {
                            "integration": ctx.integration,
                            "stream": record.stream,
                            "source_id": record.sid,
                            "content_hash": record.digest,
                            "source_ts": record.source_ts,
                            "payload": plain_json(mapped),
                            "status": status,
                            "reason": reason,
                            "reference": reference,
                            "ref_key": key,
                            "run_id": ctx.run_id,
                            "parked_at": now,
                        }
                    ],
                )
            RecordLedger.append(db, [record.ledger_row(ctx, outcome, None, None, reason)])
        ctx.tally(record.stream).count(outcome)
        return outcome

    def _settle_parked(self, parked_id: int, status: str) -> None:
        with self.ctx.store.engine.begin() as db:
            ParkedStore.mark(db, parked_id, status, self.ctx.run_id, self.ctx.clock.now())


class _Record:
    __slots__ = ("digest", "extracted_at", "parked_id", "replay_of", "sid", "source_ts", "stream")

    def __init__(
        self,
        stream: str,
        sid: str,
        digest: str,
        source_ts: str | None,
        extracted_at: datetime,
        replay_of: int | None,
        parked_id: int | None,
    ) -> None:
        self.stream, self.sid, self.digest, self.source_ts = stream, sid, digest, source_ts
        self.extracted_at, self.replay_of, self.parked_id = extracted_at, replay_of, parked_id

    def ledger_row(
        self,
        ctx: RunContext,
        outcome: Outcome,
        delivered_at: datetime | None,
        target_ref: str | None,
        error: str | None,
    ) -> dict[str, Any]:
        return {
            "run_id": ctx.run_id,
            "integration": ctx.integration,
            "stream": self.stream,
            "source_id": self.sid,
            "source_ts": self.source_ts,
            "extracted_at": self.extracted_at,
            "delivered_at": delivered_at,
            "target_ref": target_ref,
            "status": outcome.value,
            "attempts": 1,
            "error": error,
            "content_hash": self.digest,
            "replay_of": self.replay_of,
        }


@dataclass
class Pending:
    """A record marked ``sending`` and not yet sent: what :meth:`RecordStreamRunner.prepare` leaves."""

    record: _Record
    delivery: Delivery
