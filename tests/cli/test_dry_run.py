"""`run --dry-run` of each integration reads the real source (the emulators), prints what it would send (e.net
XML, X12, JSON) and what would park, and leaves every emulator's data, the store (cursors, ledger, control
numbers) and the warehouse byte-for-byte unchanged."""

from __future__ import annotations

import hashlib
import json
import random
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, select
from typer.testing import CliRunner

from ml_connector.bootstrap import bootstrap
from ml_connector.cli.demo import DEMO_SEED, DEMOS
from ml_connector.cli.main import app
from ml_connector.emulators.registry import create_emulators
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.engine.service import run_integration
from ml_connector.settings import load_settings

# Read-side bookkeeping an emulator keeps (request counters, logon sessions, clocks): not data.
NOT_DATA = {"lock", "clock", "rng", "sessions", "calls", "request_log", "requests", "seen", "log", "_lock", "tokens",
            "cache", "_filters", "_nonces"}  # fmt: skip
# Looker keeps every query it ran (queries are immutable objects) and a result cache: reading, not data.
LOOKER_QUERY_BOOKKEEPING = ("queries", "_query_keys", "result_cache", "query_runs", "_counters")


def snapshot(value: Any, depth: int = 0) -> Any:
    """A canonical, comparable copy of an emulator's data (tables, messages, partners, datagroups...)."""
    if depth > 12 or callable(value) or isinstance(value, (random.Random, type(threading.Lock()))):
        return None
    if isinstance(value, dict):
        return {repr(k): snapshot(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [snapshot(v, depth + 1) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(repr(v) for v in value)
    if isinstance(value, (str, int, float, bool, bytes, type(None))):
        return value
    if hasattr(value, "__dict__") or hasattr(value, "__slots__"):
        names = list(getattr(value, "__dict__", {})) or list(getattr(value, "__slots__", ()))
        return {n: snapshot(getattr(value, n, None), depth + 1) for n in names if n not in NOT_DATA}
    return repr(value)


def store_rows(runtime: Any) -> dict[str, list[Any]]:
    meta = MetaData()
    meta.reflect(runtime.store.engine)
    with runtime.store.engine.connect() as db:
        return {name: [tuple(r) for r in db.execute(select(t))] for name, t in meta.tables.items()}


def _file_digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


@pytest.fixture
def world(tmp_path: Path):
    """Every emulator and connection as `make demo` sets them up (the demo's own modules)."""
    import importlib

    config = tmp_path / "ml-connector.toml"
    config.write_text('data_dir = "data"\n[commerce-syspro]\nlag_s = 0\n')
    settings = load_settings(config)
    runtime = bootstrap(settings, create_keys=True)
    demos = [importlib.import_module(name) for name in DEMOS]
    options: dict[str, dict[str, Any]] = {}
    for demo in demos:
        demo.prepare(settings)
        for system, opts in demo.emulator_options(settings, DEMO_SEED, 1).items():
            options.setdefault(system, {}).update(opts)
    served = {name: serve_in_thread(made) for name, made in create_emulators(options).items()}
    for demo in demos:
        demo.store_connections(runtime, served)
    yield config, runtime, served
    for s in served.values():
        s.stop()


def _dry(config: Path, integration: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["run", integration, "--dry-run", "--json", "-c", str(config)])
    assert result.exit_code in (0, 1), result.output[-2000:]
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def _unchanged(runtime: Any, served: dict[str, Any]) -> tuple[Any, ...]:
    data = {name: snapshot(s.app.state.emulator) for name, s in served.items()}
    return data, store_rows(runtime), _file_digest(runtime.settings.warehouse_path)


@pytest.mark.parametrize(
    ("integration", "must_show"),
    [
        ("syspro-looker", ("JSON",)),
        ("commerce-syspro", ("e.net SORTOI XML", "e.net GENTJL XML", "<SalesOrders", "would park")),
        ("syspro-sterling", ("X12 850", "ISA*", "control number 1 if sent now", "JSON trading partner")),
    ],
)
def test_dry_run_changes_nothing_and_shows_the_documents(world, integration: str, must_show: tuple[str, ...]) -> None:
    config, runtime, served = world
    before = _unchanged(runtime, served)
    report = _dry(config, integration)
    after = _unchanged(runtime, served)
    assert after[0] == before[0], _diff(before[0], after[0])[:10]
    assert after[1] == before[1], "the store changed (cursor, ledger, control number, run)"
    assert after[2] == before[2], "the warehouse file changed"
    assert report["dry_run"] is True and report["would"]
    text = json.dumps(report["would"])
    for needle in must_show:
        assert needle in text, needle
    assert sum(s["loaded"] for s in report["streams"]) > 0


@pytest.mark.parametrize(("integration", "target"), [("syspro-sterling", "sterling"), ("commerce-syspro", "commerce")])
def test_dry_run_after_a_real_run_shows_only_what_changed(world, integration: str, target: str) -> None:
    """Everything was delivered (our own customer writes coming back are echoes, not changes)."""
    config, runtime, served = world
    before = snapshot(served[target].app.state.emulator)
    assert run_integration(runtime, integration).status == "succeeded"
    assert snapshot(served[target].app.state.emulator) != before  # the snapshot does see a real delivery
    report = _dry(config, integration)
    assert sum(s["loaded"] for s in report["streams"]) == 0  # everything is delivered: nothing would go out
    assert report["status"] == "succeeded"


def _diff(a: Any, b: Any, path: str = "") -> list[str]:
    if type(a) is not type(b):
        return [path]
    if isinstance(a, dict):
        return [d for k in set(a) | set(b) for d in _diff(a.get(k), b.get(k), f"{path}.{k}")]
    if isinstance(a, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in _diff(x, y, f"{path}[{i}]")][:5]
    return [] if a == b else [path]


def test_dry_run_for_a_person_prints_each_document_and_the_counts(world) -> None:
    config, _runtime, _served = world
    result = CliRunner().invoke(app, ["run", "syspro-sterling", "--dry-run", "-c", str(config)])
    assert result.exit_code == 0, result.output[-2000:]
    assert "would send purchase_order" in result.stdout and "ISA*" in result.stdout
    assert "Dry run: nothing was sent, no cursor moved, no control number used." in result.stdout


def test_looker_qad_dry_run_shows_each_journal_entry_it_would_post_and_changes_nothing(world) -> None:
    """Per figure and period the exact QAD request body; lines on an inactive cost centre would park with
    the reason; QAD, Looker, the store and the warehouse stay unchanged; a real run then posts exactly
    the entries shown."""
    config, runtime, served = world
    assert run_integration(runtime, "syspro-looker").status == "succeeded"  # the warehouse Looker reads
    tenant = served["qad"].app.state.emulator.tenant
    tenant.add_cost_centre("300", "Tulsa plant", active=False)  # closed in QAD: its lines would park
    before = _unchanged(runtime, served)
    report = _dry(config, "looker-qad")
    after = _unchanged(runtime, served)
    for state in (before[0], after[0]):  # running a query in Looker records it (immutable, as real Looker does)
        for kept in LOOKER_QUERY_BOOKKEEPING:
            state["looker"].pop(kept)
    assert after[0] == before[0], _diff(before[0], after[0])[:10]
    assert after[1] == before[1], "the store changed (ledger, parked, run, cursor)"
    assert after[2] == before[2], "the warehouse file changed"
    assert report["dry_run"] is True and not tenant.journals
    entries = [w for w in report["would"] if w["outcome"] == "would send"]
    parked = [w for w in report["would"] if w["outcome"] == "would park"]
    assert entries and parked
    assert all(w["format"].startswith("QAD JSON POST /api/erp/") and "viewUri=" in w["format"] for w in entries)
    assert all("cost centre" in w["reason"] and "'300'" in w["reason"] for w in parked), parked[0]
    shown = []
    for w in entries:
        [(collection, [entry])] = [(k, v) for k, v in json.loads(w["document"]).items() if k != "supplementaryMessages"]
        debit = sum(Decimal(str(x["postingLineDebitTC"])) for x in entry["journalEntryLines"])
        credit = sum(Decimal(str(x["postingLineCreditTC"])) for x in entry["journalEntryLines"])
        assert debit == credit and entry["daybookCode"] == "RECON" and entry["dataOperation"] == "C"
        assert all(x["costCentreCode"] != "300" for x in entry["journalEntryLines"])
        shown.append(_entry_key(entry["postingText"], entry["postingSecondText"], entry["journalEntryLines"]))
    figure_lines = sum(len(json.loads(w["document"])[collection][0]["journalEntryLines"]) - 1 for w in entries)
    [stream] = report["streams"]
    assert stream["loaded"] == figure_lines and stream["parked"] == len(parked)
    assert run_integration(runtime, "looker-qad").status in ("succeeded", "partial")
    posted = [_entry_key(e.text, e.second_text, e.lines) for e in tenant.journals]
    assert sorted(posted) == sorted(shown)  # the dry run showed exactly what the run posted


def _entry_key(text: str, second: str, lines: list[dict[str, Any]]) -> tuple[Any, ...]:
    return (
        text,
        second,
        sorted(
            (
                x["glCode"],
                x["costCentreCode"],
                Decimal(str(x["postingLineDebitTC"])),
                Decimal(str(x["postingLineCreditTC"])),
                x["postingLineText"],
            )
            for x in lines
        ),
    )
