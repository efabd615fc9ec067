"""Inbound: 997s (and TA1s) from our Sterling inbox, matched to the documents we sent, and documents
with no 997 inside their partner's window flagged.

Matching key: (partner, control number). We send one interchange / group / set per document with
ISA13 = GS06, so AK1-02 (the acknowledged GS06) and the 997's sender (ISA06 = the id we sent to) name
one sent document. Results are audit-ledger rows on stream ``ack_997`` with the document's source id:
``ack_accepted``, ``ack_rejected`` (error = the AK3/AK4/AK5/AK9 codes in words), ``ack_overdue``, and
``ack_unmatched`` for a 997 nobody can match. A 997 is marked extracted only after its rows are
committed; one read twice (crash in between) is recognised by its message id and not recorded again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import select

from ml_connector.connectors.sterling import SterlingB2BClient
from ml_connector.core.hashing import content_hash
from ml_connector.core.records import Outcome
from ml_connector.edi import FunctionalAck, read_997, read_interchange
from ml_connector.engine.context import RunContext
from ml_connector.integrations.syspro_sterling.partners import PartnerDirectory
from ml_connector.integrations.syspro_sterling.settings import SysproSterlingSettings
from ml_connector.integrations.syspro_sterling.streams import ACK_STREAM, DOCUMENT_STREAMS
from ml_connector.integrations.syspro_sterling.targets import parse_ref
from ml_connector.store.ledger import RecordLedger
from ml_connector.store.schema import record_ledger

log = structlog.get_logger("ml_connector.sterling.acks")
SENT = ("delivered", "recovered", "released")


def sent_documents(ctx: RunContext) -> dict[tuple[str, str], dict[str, Any]]:
    """(partner, control number) -> the ledger row of the document sent with it."""
    query = select(record_ledger).where(
        record_ledger.c.integration == ctx.integration, record_ledger.c.stream.in_(list(DOCUMENT_STREAMS)),
        record_ledger.c.status.in_(SENT), record_ledger.c.target_ref.is_not(None),
    )  # fmt: skip
    with ctx.store.engine.connect() as db:
        rows = [dict(r._mapping) for r in db.execute(query)]
    found = {}
    for row in rows:
        ref = parse_ref(row["target_ref"])
        if "isa" in ref and "partner" in ref:
            found[(ref["partner"], ref["isa"])] = row
    return found


def ack_rows(ctx: RunContext) -> list[dict[str, Any]]:
    query = select(record_ledger).where(
        record_ledger.c.integration == ctx.integration, record_ledger.c.stream == ACK_STREAM
    )
    with ctx.store.engine.connect() as db:
        return [dict(r._mapping) for r in db.execute(query)]


class AckReader:
    def __init__(self, client: SterlingB2BClient, directory: PartnerDirectory, cfg: SysproSterlingSettings) -> None:
        self.client, self.directory, self.cfg = client, directory, cfg

    def run(self, ctx: RunContext) -> None:
        tally = ctx.tally(ACK_STREAM)
        sent = sent_documents(ctx)
        seen = ack_rows(ctx)
        done_messages = {parse_ref(r["target_ref"]).get("ack") for r in seen}
        answered = {(parse_ref(r["target_ref"]).get("partner"), parse_ref(r["target_ref"]).get("isa"))
                    for r in seen if r["status"] in ("ack_accepted", "ack_rejected")}  # fmt: skip
        now = ctx.clock.now()
        in_doubt = bool(ctx.store.deliveries.in_doubt(ctx.integration))
        for item in self.client.list_messages(self.cfg.inbox, extractable_only=True, now=now):
            tally.read += 1
            if str(item.id) not in done_messages:
                content = self.client.extract_message(item.id)
                rows = self._rows(ctx, item.id, content, sent, now)
                if in_doubt and any(r["status"] == "ack_unmatched" for r in rows):
                    continue  # may answer a send whose outcome is still unknown: read it again next run
                with ctx.store.engine.begin() as db:
                    RecordLedger.append(db, rows)
                for row in rows:
                    answered.add((parse_ref(row["target_ref"]).get("partner"), parse_ref(row["target_ref"]).get("isa")))
                    tally.count(Outcome.DELIVERED if row["status"] == "ack_accepted" else Outcome.FAILED)
            self.client.mark_extracted(item.id)
        self._flag_overdue(ctx, sent, answered, seen, now)

    def _rows(
        self, ctx: RunContext, message_id: int, content: bytes, sent: dict[Any, Any], now: datetime
    ) -> list[dict[str, Any]]:
        interchange = read_interchange(content, strict=False)
        partner = self.directory.partner_by_receiver(interchange.sender_id) or interchange.sender_id.strip()
        digest = content_hash({"message": message_id, "content": content.decode("ascii", "replace")})
        acks = read_997(interchange)
        targets: list[tuple[str, str, str | None]] = []  # (control number, status, error)
        for ack in acks:
            targets.append((str(int(ack.group_control_number or 0)), *_verdict(ack)))
        if not acks:  # a TA1: the interchange itself was refused
            targets += _ta1(content.decode("ascii", "replace"))
        rows = []
        for control, status, error in targets:
            doc = sent.get((partner, control))
            rows.append({
                "run_id": ctx.run_id, "integration": ctx.integration, "stream": ACK_STREAM,
                "source_id": doc["source_id"] if doc else f"unmatched:{partner}:{control}",
                "source_ts": None, "extracted_at": now, "delivered_at": now,
                "target_ref": f"ack:{message_id} isa:{control} partner:{partner} for:{doc['stream'] if doc else '-'}",
                "status": status if doc else "ack_unmatched", "attempts": 1, "error": error,
                "content_hash": digest, "replay_of": doc["id"] if doc else None,
            })  # fmt: skip
        return rows

    def _flag_overdue(
        self, ctx: RunContext, sent: dict[Any, Any], answered: set[Any], seen: list[Any], now: datetime
    ) -> None:
        flagged = {(parse_ref(r["target_ref"]).get("partner"), parse_ref(r["target_ref"]).get("isa"))
                   for r in seen if r["status"] == "ack_overdue"}  # fmt: skip
        rows = []
        for (partner, control), doc in sent.items():
            settings = self.cfg.partner(partner)
            if not settings.expect_997 or (partner, control) in answered or (partner, control) in flagged:
                continue
            due = doc["delivered_at"] + timedelta(minutes=settings.ack_window_minutes)
            if now >= due:
                rows.append({
                    "run_id": ctx.run_id, "integration": ctx.integration, "stream": ACK_STREAM,
                    "source_id": doc["source_id"], "source_ts": None, "extracted_at": now, "delivered_at": None,
                    "target_ref": f"ack:- isa:{control} partner:{partner} for:{doc['stream']}",
                    "status": "ack_overdue", "attempts": 1, "content_hash": doc["content_hash"],
                    "error": f"no 997 from {partner} for {doc['target_ref']} within "
                             f"{settings.ack_window_minutes} minutes (sent {doc['delivered_at']})",
                    "replay_of": doc["id"],
                })  # fmt: skip
        if rows:
            with ctx.store.engine.begin() as db:
                RecordLedger.append(db, rows)
            ctx.tally(ACK_STREAM).errors.append(f"{len(rows)} document(s) without a 997 in time")
            log.warning("acks.overdue", count=len(rows))


def _verdict(ack: FunctionalAck) -> tuple[str, str | None]:
    if ack.accepted and all(s.accepted for s in ack.sets):
        return "ack_accepted", None
    errors = "; ".join(f"{e.level} {e.code} {e.text}" + (f" ({e.where})" if e.where else "") for e in ack.errors)
    return "ack_rejected", f"997 AK9={ack.status} ({ack.status_text}): {errors or 'no AK errors given'}"


def _ta1(text: str) -> list[tuple[str, str, str | None]]:
    """TA1 segments of an interchange (element separator = 4th character, terminator after ISA16)."""
    text = text.lstrip("\ufeff")
    if len(text) < 106:
        return []
    separator, terminator = text[3], text[105]
    found: list[tuple[str, str, str | None]] = []
    for raw in text.split(terminator):
        parts = raw.strip().split(separator)
        if parts[0] == "TA1" and len(parts) > 5:
            found.append(
                (str(int(parts[1] or 0)), "ack_rejected", f"TA1 rejected the interchange, note code {parts[5]}")
            )
    return found
