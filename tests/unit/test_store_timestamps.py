"""Every store timestamp reads back as an aware UTC datetime, on SQLite too (which keeps no offset)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from ml_connector.store.ledger import RecordLedger


def _row(extracted_at: datetime, delivered_at: datetime | None) -> dict:
    return {
        "run_id": "r1",
        "integration": "i",
        "stream": "s",
        "source_id": "A-1",
        "source_ts": None,
        "extracted_at": extracted_at,
        "delivered_at": delivered_at,
        "status": "delivered",
        "attempts": 1,
        "content_hash": "h",
    }


def test_timestamps_come_back_aware_and_in_utc(store) -> None:
    cape_town = timezone(timedelta(hours=2))
    local = datetime(2026, 11, 23, 14, 0, tzinfo=cape_town)
    with store.engine.begin() as db:
        RecordLedger.append(db, [_row(local, None)])
    row = store.ledger.search(run_id="r1")[0]
    assert row["extracted_at"] == datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert row["extracted_at"].utcoffset() == timedelta(0)
    assert row["delivered_at"] is None


def test_a_lease_expiry_compares_with_an_aware_now(store, clock) -> None:
    store.leases.acquire("syspro-looker", "host:1:a", clock.now())
    with store.engine.connect() as db:
        from sqlalchemy import select

        from ml_connector.store.schema import leases

        expires = db.execute(select(leases.c.expires_at)).scalar_one()
    assert expires.tzinfo is not None and expires > clock.now()
