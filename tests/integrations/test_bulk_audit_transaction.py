"""The bulk path's audit transaction: rows are written while pages are read, but only a warehouse commit
makes them (and the cursor) visible; a failure on either side leaves the store as it was."""

from __future__ import annotations

import duckdb
import pytest
from test_bulk_replace_guard import PagedSource, _run

from ml_connector.errors import RemoteUnavailableError

PAGES = [[{"Code": f"C{i:03d}", "Name": f"thing {i}"} for i in range(p * 50, p * 50 + 50)] for p in range(4)]


def _table_exists(tmp_path) -> bool:
    with duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True) as db:
        found = db.execute("select count(*) from information_schema.tables where table_name = 'dim_thing'").fetchall()
    return bool(found[0][0])


def test_loaded_rows_carry_the_commit_time_and_the_next_run_skips_them_as_unchanged(store, clock, tmp_path) -> None:
    first = _run(store, clock, tmp_path, PagedSource(PAGES))
    assert first.status == "succeeded"
    rows = store.ledger.search(stream="thing", limit=500)
    assert len(rows) == 200 and {r["status"] for r in rows} == {"loaded"}
    assert {r["delivered_at"] for r in rows} == {clock.now()}

    changed = [[*PAGES[0][:-1], {"Code": "C049", "Name": "renamed"}], *PAGES[1:]]
    second = _run(store, clock, tmp_path, PagedSource(changed))
    tally = next(t for t in second.streams if t.stream == "thing")
    assert (tally.read, tally.unchanged, tally.loaded) == (200, 199, 1)
    assert store.ledger.known_hashes("guard", "thing", ["C049"])["C049"] == rows_for(store, "C049")[0]["content_hash"]


def rows_for(store, source_id: str) -> list[dict]:
    return store.ledger.search(stream="thing", source_id=source_id)


def test_a_failed_warehouse_load_leaves_no_audit_rows(store, clock, tmp_path, monkeypatch) -> None:
    from ml_connector.connectors.warehouse import loader

    def load_then_fail(self, batches, *, replace=frozenset()):
        for _stream, stream_batches in batches:
            for _ in stream_batches:  # every page is read (and audited in the open transaction)
                pass
        raise RemoteUnavailableError("warehouse went away during the load", system="warehouse")

    monkeypatch.setattr(loader.WarehouseTarget, "write_many", load_then_fail)
    report = _run(store, clock, tmp_path, PagedSource(PAGES))
    assert report.status == "failed" and "warehouse went away" in (report.error or "")
    assert store.ledger.count(stream="thing") == 0
    assert not store.ledger.has_state("guard", "thing")


def test_a_store_failure_while_reading_stops_the_load_before_the_warehouse_changes(
    store, clock, tmp_path, monkeypatch
) -> None:
    calls = {"n": 0}
    real = store.ledger.add_loaded

    def fail_on_second_page(db, rows, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full while writing the ledger")
        return real(db, rows, **kwargs)

    monkeypatch.setattr(store.ledger, "add_loaded", fail_on_second_page)
    with pytest.raises(RuntimeError, match="disk full"):
        _run(store, clock, tmp_path, PagedSource(PAGES * 20))  # enough pages to meet the failure mid-read
    assert store.ledger.count(stream="thing") == 0
    assert not (tmp_path / "wh.duckdb").exists() or not _table_exists(tmp_path)
