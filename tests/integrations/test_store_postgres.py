"""The store on the real local PostgreSQL: migrations, ledger staging, leases, sequences."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ml_connector.errors import LeaseHeldError
from ml_connector.store import Store
from ml_connector.store.staging import StagingArea

pytestmark = pytest.mark.postgres


def test_store_round_trip_on_postgres(pg_database, keys, clock) -> None:
    store = Store.open(pg_database, keys)
    now = clock.now()
    area = StagingArea()
    spill = area.spill("s")
    spill.append([f"id{i}" for i in range(100)], [None] * 100, [f"h{i}" for i in range(100)])
    spill.finish()
    with store.engine.begin() as db:
        moved = store.ledger.commit_spill(
            db, spill, run_id="r1", integration="i", stream="s", status="loaded", extracted_at=now, delivered_at=now
        )
        store.cursors.set(db, "i", "s", "2026-11-23", "r1", now)
    area.remove()
    assert moved == 100
    assert store.ledger.known_hashes("i", "s", ["id3", "nope"]) == {"id3": "h3"}
    assert store.cursors.get("i", "s") == "2026-11-23"
    assert [store.sequences.next("x12:ISA:ACME") for _ in range(3)] == [1, 2, 3]


def test_lease_blocks_a_second_holder_until_expiry(pg_database, keys, clock) -> None:
    store = Store.open(pg_database, keys)
    store.leases.acquire("syspro-looker", "otherhost:1:a", clock.now())
    with pytest.raises(LeaseHeldError, match="already running"):
        store.leases.acquire("syspro-looker", "otherhost:2:b", clock.now())
    store.leases.acquire("syspro-looker", "otherhost:2:b", clock.now() + timedelta(hours=1))
