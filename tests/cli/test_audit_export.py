"""`audit` on a large ledger: no `too many SQL variables` (the replay links are found per chunk, not with one
IN list), `--all` streams every row as NDJSON or CSV in constant memory on SQLite and PostgreSQL, and the
table fits 80 columns without cutting a reason (`--wide` for every column)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert
from typer.testing import CliRunner

from ml_connector.bootstrap import bootstrap
from ml_connector.cli import output
from ml_connector.cli.main import app
from ml_connector.settings import load_settings
from ml_connector.store import database, ledger_search
from ml_connector.store.database import _sqlite_pragmas as _pragmas
from ml_connector.store.ledger_search import LedgerFilter
from ml_connector.store.schema import record_ledger

T0 = datetime(2026, 11, 1, tzinfo=UTC)
REASON = (
    "Supplier 0000099 is not in SYSPRO yet: the invoice waits for it. Load that supplier in SYSPRO "
    "(or add the mapping with `ml-connector mappings set syspro-looker supplier 0000099 ...`), then replay."
)


def _fill(store, rows: int) -> None:
    stored = store.ledger
    with store.engine.begin() as db:
        stored.add_loaded(db, [(f"G{n:07d}", None, "h" * 32) for n in range(rows)], run_id="R1",
                          integration="syspro-looker", stream="gl_posting", status="loaded",
                          extracted_at=T0)  # fmt: skip
        db.execute(insert(record_ledger), [
            {"run_id": "R2", "integration": "syspro-looker", "stream": "ap_invoice", "source_id": f"INV{n}",
             "extracted_at": T0 + timedelta(days=1), "status": "parked", "error": REASON, "content_hash": "p" * 32}
            for n in range(3)
        ])  # fmt: skip
        db.execute(insert(record_ledger).values(run_id="R3", integration="syspro-looker", stream="ap_invoice",
                   source_id="INV0", extracted_at=T0 + timedelta(days=2), status="released", content_hash="p" * 32,
                   replay_of=rows + 1))  # fmt: skip


ROWS = 5_000
VARIABLE_LIMIT = 999  # SQLite's compiled default before 3.32; Debian's build allows 250,000


def _low_variable_limit(dbapi_connection, record) -> None:  # type: ignore[no-untyped-def]
    _pragmas(dbapi_connection, record)
    dbapi_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, VARIABLE_LIMIT)


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """A ledger with more rows than the SQLite build's bound-variable limit (lowered here so a few thousand
    rows show what 325,000 rows did on a stock build)."""
    patch = pytest.MonkeyPatch()
    patch.setattr(database, "_sqlite_pragmas", _low_variable_limit)
    config = tmp_path_factory.mktemp("audit") / "ml-connector.toml"
    config.write_text('data_dir = "data"\n')
    runtime = bootstrap(load_settings(config), create_keys=True)
    _fill(runtime.store, ROWS)
    yield config, runtime
    patch.undo()


def test_json_over_more_ids_than_sqlite_variables(big) -> None:
    config, _ = big
    result = CliRunner().invoke(app, ["audit", "--integration", "syspro-looker", "--limit", "100000000", "--json",
                                      "-c", str(config)])  # fmt: skip
    assert result.exit_code == 0, result.output[-500:]
    rows = json.loads(result.stdout)
    assert len(rows) == ROWS + 4
    assert next(r for r in rows if r["id"] == ROWS + 1)["superseded_by"] == ROWS + 4


def test_all_streams_ndjson_and_csv(big) -> None:
    config, _ = big
    runner = CliRunner()
    nd = runner.invoke(app, ["audit", "--all", "-c", str(config)])
    assert nd.exit_code == 0
    lines = nd.stdout.splitlines()
    assert len(lines) == ROWS + 4 and json.loads(lines[0])["status"] == "released"
    since = runner.invoke(app, ["audit", "--all", "--format", "csv", "--since", "2026-11-02", "-c", str(config)])
    parsed = list(csv.DictReader(io.StringIO(since.stdout)))
    assert [r["status"] for r in parsed] == ["released", "parked", "parked", "parked"]
    assert parsed[-1]["superseded_by"] == str(ROWS + 4)


def test_export_memory_does_not_grow_with_the_ledger(big, monkeypatch) -> None:
    _, runtime = big
    monkeypatch.setattr(ledger_search, "CHUNK", 500)

    def peak(limit: int) -> int:
        tracemalloc.start()
        for _ in runtime.store.ledger.iterate(LedgerFilter(), limit=limit):
            pass
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(1_100), peak(ROWS + 4)  # both past two chunks
    assert large < 1.5 * small, (small, large)  # 4.5x the rows, not 4.5x the memory


def test_all_streams_on_postgresql(tmp_path: Path, pg_database: str) -> None:
    config = tmp_path / "ml-connector.toml"
    config.write_text(f'data_dir = "data"\n[store]\nurl = "{pg_database}"\n')
    runtime = bootstrap(load_settings(config), create_keys=True)
    _fill(runtime.store, 5_000)
    result = CliRunner().invoke(app, ["audit", "--all", "--integration", "syspro-looker", "-c", str(config)])
    assert result.exit_code == 0, result.output[-500:]
    assert len(result.stdout.splitlines()) == 5_004


def test_table_fits_80_columns_and_keeps_the_whole_reason(big, monkeypatch) -> None:
    config, _ = big
    monkeypatch.setattr(output.console, "_width", 80)
    result = CliRunner().invoke(app, ["audit", "--status", "parked", "-c", str(config)])
    assert result.exit_code == 0
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    flat = "".join(ch for ch in result.stdout if ch not in " │┃\n")
    assert REASON.replace(" ", "") in flat
    monkeypatch.setattr(output.console, "_width", 200)
    wide = CliRunner().invoke(app, ["audit", "--status", "parked", "--wide", "-c", str(config)])
    assert "extracted" in wide.stdout and "R2" in wide.stdout


def test_parked_fits_80_columns_and_keeps_the_whole_reason(tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "ml-connector.toml"
    config.write_text('data_dir = "data"\n')
    runtime = bootstrap(load_settings(config), create_keys=True)
    from ml_connector.store.schema import parked

    with runtime.store.engine.begin() as db:
        db.execute(insert(parked).values(integration="syspro-looker", stream="ap_invoice", source_id="0000099|INV7",
                   content_hash="p" * 32, payload={}, status="parked", reason=REASON, reference="supplier",
                   ref_key="0000099", attempts=1, run_id="R2", parked_at=T0))  # fmt: skip
    monkeypatch.setattr(output.console, "_width", 80)
    result = CliRunner().invoke(app, ["parked", "-c", str(config)])
    assert result.exit_code == 0
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    flat = "".join(ch for ch in result.stdout if ch not in " │┃\n")
    assert REASON.replace(" ", "") in flat and "waitsforsupplier0000099" in flat
