"""The store on the real local PostgreSQL: migrations, bulk ledger writes, leases, sequences."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ml_connector.errors import LeaseHeldError
from ml_connector.store import Store
from ml_connector.store.background import BackgroundTransaction

pytestmark = pytest.mark.postgres


def test_store_round_trip_on_postgres(pg_database, keys, clock) -> None:
    store = Store.open(pg_database, keys)
    now = clock.now()
    rows = [(f"id{i}", None, f"h{i}") for i in range(100)] + [("id3", "2026-11-23", "h3-new"), ("O'Brien|ß", None, "q")]
    with BackgroundTransaction(store.engine) as audit:
        audit.submit(
            lambda db: store.ledger.add_loaded(
                db, rows, run_id="r1", integration="i", stream="s", status="loaded", extracted_at=now
            )
        )

        def finish(db) -> None:
            store.ledger.mark_delivered(
                db, run_id="r1", integration="i", stream="s", status="loaded", delivered_at=now, records=102
            )
            store.cursors.set(db, "i", "s", "2026-11-23", "r1", now)

        audit.commit(finish)
    # a key read twice in one batch leaves one state row, the last one read
    assert store.ledger.known_hashes("i", "s", ["id3", "O'Brien|ß", "nope"]) == {"id3": "h3-new", "O'Brien|ß": "q"}
    assert store.ledger.count(run_id="r1") == 102
    assert all(r["delivered_at"] is not None for r in store.ledger.search(run_id="r1", limit=200))
    assert store.cursors.get("i", "s") == "2026-11-23"
    assert [store.sequences.next("x12:ISA:ACME") for _ in range(3)] == [1, 2, 3]


def test_uncommitted_audit_transaction_leaves_nothing_on_postgres(pg_database, keys, clock) -> None:
    store = Store.open(pg_database, keys)
    with BackgroundTransaction(store.engine) as audit:
        audit.submit(
            lambda db: store.ledger.add_loaded(
                db,
                [("a", None, "h")],
                run_id="r2",
                integration="i",
                stream="s",
                status="loaded",
                extracted_at=clock.now(),
            )
        )
    assert store.ledger.count(run_id="r2") == 0
    assert store.ledger.known_hashes("i", "s", ["a"]) == {}


def test_lease_blocks_a_second_holder_until_expiry(pg_database, keys, clock) -> None:
    store = Store.open(pg_database, keys)
    store.leases.acquire("syspro-looker", "otherhost:1:a", clock.now())
    with pytest.raises(LeaseHeldError, match="already running"):
        store.leases.acquire("syspro-looker", "otherhost:2:b", clock.now())
    store.leases.acquire("syspro-looker", "otherhost:2:b", clock.now() + timedelta(hours=1))


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_webhook_inbox_keeps_deliveries_until_consumed(backend, request, keys, clock, tmp_path) -> None:
    url = request.getfixturevalue("pg_database") if backend == "postgres" else f"sqlite:///{tmp_path / 'store.db'}"
    inbox = Store.open(url, keys).inbox
    now = clock.now()
    rows = [{"account": "6100", "amount": 1.5, "note": "O'Brien ß"}]
    first = inbox.add("looker-qad", "GL spend", "d1", rows, now)
    second = inbox.add("looker-qad", "GL spend", "d2", [], now + timedelta(seconds=1))
    inbox.add("looker-qad@eu", "GL spend", "d1", rows, now)  # another instance keeps its own
    assert second > first
    latest = inbox.latest("looker-qad", "GL spend")
    assert latest is not None and (latest.id, latest.digest, latest.state) == (second, "d2", "pending")
    pending = inbox.pending("looker-qad")
    assert [(d.id, d.payload) for d in pending["GL spend"]] == [(first, rows), (second, [])]
    assert pending["GL spend"][0].received_at == now
    inbox.consume(second, [first], "run-1", now)
    inbox.consume(second, [], "run-2", now)  # already consumed: unchanged
    assert inbox.pending("looker-qad") == {}
    done = inbox.latest("looker-qad", "GL spend")
    assert done is not None and (done.state, done.run_id, done.consumed_at) == ("consumed", "run-1", now)
    assert (done.digest, done.payload) == ("d2", None)  # the data is dropped once consumed
    assert inbox.counts("looker-qad") == {"consumed": 1, "superseded": 1}
    assert inbox.counts("looker-qad@eu") == {"pending": 1}
