"""Parking and release on the bulk path: which reference a fact misses, its parked and ledger rows, and
loading parked facts once their reference has arrived."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ml_connector.core.records import Outcome
from ml_connector.core.streams import StreamSpec
from ml_connector.engine.context import RunContext
from ml_connector.engine.targets import BatchTarget
from ml_connector.store.ledger import RecordLedger
from ml_connector.store.parking import ParkedStore, plain_json


def release_rows(ctx: RunContext, target: BatchTarget, stream: StreamSpec, ready: list[dict[str, Any]]) -> int:
    """Write parked rows (already checked) to the target and mark them released."""
    now = ctx.clock.now()
    rows = []
    for p in ready:
        row = dict(p["payload"])
        row.update(_source_ts=p["source_ts"], _loaded_at=now, _run_id=ctx.run_id, _content_hash=p["content_hash"])
        rows.append(row)
    written = target.write_many([(stream, iter([rows]))], replace=set()).get(stream.name, 0)
    with ctx.store.engine.begin() as db:
        for p in ready:
            ParkedStore.mark(db, p["id"], "released", ctx.run_id, now)
        RecordLedger.append(
            db,
            [
                {
                    "run_id": ctx.run_id,
                    "integration": ctx.integration,
                    "stream": stream.name,
                    "source_id": p["source_id"],
                    "source_ts": p["source_ts"],
                    "extracted_at": p["parked_at"],
                    "delivered_at": now,
                    "status": Outcome.RELEASED,
                    "attempts": p["attempts"] + 1,
                    "content_hash": p["content_hash"],
                    "replay_of": last_ledger_id(ctx, stream, p["source_id"]),
                }
                for p in ready
            ],
        )
    ctx.tally(stream.name).count(Outcome.RELEASED, len(ready))
    return written


def last_ledger_id(ctx: RunContext, stream: StreamSpec, source_id: str) -> int | None:
    """The ledger row (the parking) that a release supersedes: the audit links them."""
    rows = ctx.store.ledger.search(integration=ctx.integration, stream=stream.name, source_id=source_id, limit=1)
    return int(rows[0]["id"]) if rows else None


def missing_reference(
    stream: StreamSpec, mapped: Mapping[str, Any], known_refs: dict[str, set[str]]
) -> tuple[str, str, str] | None:
    for ref in stream.references:
        value = mapped.get(ref.column)
        if value is None or value == "":
            continue
        if str(value) not in known_refs[ref.column]:
            return ref.label, ref.dimension, str(value)
    return None


def parked_row(
    ctx: RunContext,
    stream: StreamSpec,
    sid: str,
    digest: str,
    source_ts: str | None,
    mapped: dict[str, Any],
    missing: tuple[str, str, str],
    now: datetime,
) -> dict[str, Any]:
    label, dimension, key = missing
    return {
        "integration": ctx.integration,
        "stream": stream.name,
        "source_id": sid,
        "content_hash": digest,
        "source_ts": source_ts,
        "payload": plain_json(mapped),
        "status": "parked",
        "reason": f"{stream.name} {sid} references {label} {key!r}, which is not loaded yet ({dimension}). "
        f"It will load by itself once {label} {key!r} arrives; `ml-connector replay` forces a re-check.",
        "reference": label,
        "ref_key": key,
        "run_id": ctx.run_id,
        "parked_at": now,
    }


def ledger_row_for_parked(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "run_id": p["run_id"],
        "integration": p["integration"],
        "stream": p["stream"],
        "source_id": p["source_id"],
        "source_ts": p["source_ts"],
        "extracted_at": p["parked_at"],
        "delivered_at": None,
        "status": Outcome.PARKED,
        "attempts": 1,
        "error": p["reason"],
        "content_hash": p["content_hash"],
    }
