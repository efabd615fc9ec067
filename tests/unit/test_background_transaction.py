"""The audit transaction that runs beside extraction: visible only on commit, gone on failure."""

from __future__ import annotations

import orjson
import pytest
from sqlalchemy import text

from ml_connector.store.background import BackgroundTransaction

ROWS = [("GL|1", "2026-11-01", "h1"), ('quote"and\\slash', None, "h2"), ("ümlaut|ß", "2026-11-02", "h3")]


def _add(store, clock, rows, run_id="r1"):
    return lambda db: store.ledger.add_loaded(
        db, rows, run_id=run_id, integration="i", stream="s", status="loaded", extracted_at=clock.now()
    )


def test_rows_become_visible_only_at_commit_with_their_delivery_time(store, clock) -> None:
    audit = BackgroundTransaction(store.engine)
    audit.submit(_add(store, clock, ROWS))
    audit.submit(_add(store, clock, [("GL|1", "2026-11-03", "h1-new")]))  # the same key again, in a later page
    assert store.ledger.count(run_id="r1") == 0  # nothing visible yet
    audit.commit(
        lambda db: store.ledger.mark_delivered(
            db, run_id="r1", integration="i", stream="s", status="loaded", delivered_at=clock.now(), records=4
        )
    )
    rows = store.ledger.search(run_id="r1")
    assert sorted((r["source_id"], r["source_ts"], r["content_hash"]) for r in rows) == sorted(
        [*ROWS, ("GL|1", "2026-11-03", "h1-new")]
    )
    assert {r["delivered_at"] for r in rows} == {clock.now()}  # aware UTC, like every other timestamp read back
    assert {r["extracted_at"] for r in rows} == {clock.now()}
    orjson.dumps(rows)  # what `audit --json` does: plain str keys, nothing unserialisable
    assert store.ledger.known_hashes("i", "s", [r[0] for r in ROWS]) == {
        "GL|1": "h1-new",
        'quote"and\\slash': "h2",
        "ümlaut|ß": "h3",
    }


def test_leaving_without_commit_rolls_everything_back(store, clock) -> None:
    with BackgroundTransaction(store.engine) as audit:
        audit.submit(_add(store, clock, ROWS))
    assert store.ledger.count(run_id="r1") == 0
    assert store.ledger.known_hashes("i", "s", ["GL|1"]) == {}


def test_a_failed_write_is_raised_to_the_caller_and_nothing_is_kept(store, clock) -> None:
    def broken(db) -> None:
        db.execute(text("INSERT INTO no_such_table VALUES (1)"))

    with BackgroundTransaction(store.engine) as audit:
        audit.submit(_add(store, clock, ROWS))
        audit.submit(broken)
        with pytest.raises(Exception, match="no_such_table"):
            for _ in range(100):  # the failure surfaces at a later submit, or at the latest at commit
                audit.submit(_add(store, clock, ROWS, run_id="r9"))
            audit.commit()
        assert audit.error is not None
    assert store.ledger.count(run_id="r1") == 0
    assert store.ledger.count(run_id="r9") == 0
