"""Chaos for commerce-syspro: the connector process (`ml-connector run commerce-syspro`) is SIGKILLed
at random points and restarted; afterwards SYSPRO holds exactly one sales order (-> one AR invoice
after SYSPRO's invoicing) and one balanced journal per order, and none is missing."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from ml_connector.bootstrap import bootstrap
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.integrations.commerce_syspro.demo import NAME, connect, seed_mappings
from ml_connector.settings import load_settings

EXE = [sys.executable, "-m", "ml_connector.cli.main"]


def _chaos(tmp_path: Path, orders: int, kills: int, seed: int) -> None:
    rng = random.Random(seed)
    commerce = serve_in_thread(
        create_emulator("commerce", seed=seed, orders=0, customers=20, start=datetime.now(UTC) - timedelta(days=1))
    )
    enet = serve_in_thread(create_emulator("syspro-enet", seed=seed))
    try:
        store = commerce.app.state.emulator.store
        store.generate_orders(orders, spacing_s=20)
        config = tmp_path / "ml-connector.toml"
        config.write_text('data_dir = "data"\n[commerce-syspro]\nlag_s = 0\n')
        app = bootstrap(load_settings(config), create_keys=True)
        connect(app, {"commerce": commerce, "syspro-enet": enet})
        seed_mappings(app, late=True)
        env = {**os.environ, "ML_CONNECTOR_CONFIG": str(config)}
        state = enet.app.state.emulator
        postable = {o["increment_id"] for o in store.orders.values() if o["state"] != "canceled"}
        killed, landed, posts_at_kill = 0, 0, 0
        in_doubt_applied: set[tuple[str, str]] = set()  # posted and applied, answer never recorded
        while killed < kills:
            err = tmp_path / f"attempt{killed}.err"
            with err.open("wb") as sink:
                proc = subprocess.Popen(
                    [*EXE, "run", NAME, "--json"], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=sink
                )
            # Kill once this attempt has made real progress: a random number of further SORTOI/GENTJL
            # posts have reached SYSPRO (not a blind sleep), so the kill lands mid-delivery.
            target = posts_at_kill + rng.randint(40, 2 * (2 * orders) // kills)
            while proc.poll() is None and _posts(state) < target:
                time.sleep(0.005)
            if proc.poll() is not None:
                assert proc.returncode == 0, f"run after a kill exited {proc.returncode}: {err.read_text()[-3000:]}"
                break  # it finished before this kill: nothing left to interrupt
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            killed += 1
            _settle(state)  # a request the dead process had sent still completes on SYSPRO's side
            if posts_at_kill < _posts(state) < 2 * len(postable):
                landed += 1  # progress since the last kill, and delivery not finished
            posts_at_kill = _posts(state)
            in_doubt_applied |= _applied_in_doubt(tmp_path / "data" / "store.db", state)
        for _ in range(3):
            done = subprocess.run(
                [*EXE, "run", NAME, "--json"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
            )
            if '"status": "succeeded"' in done.stdout:
                break
        assert '"status": "succeeded"' in done.stdout, done.stderr[-3000:]
        assert killed == kills, f"only {killed} of {kills} kills happened before the work was done; raise the volume"
        assert landed >= kills * 3 // 4, f"only {landed} of {killed} kills landed mid-delivery"
        pos = Counter(r["CustomerPoNumber"] for r in state.rows("SorMaster"))
        assert set(pos) == postable, (
            f"missing {sorted(postable - set(pos))[:5]}, extra {sorted(set(pos) - postable)[:5]}"
        )
        assert max(pos.values()) == 1
        journals: dict[str, set] = defaultdict(set)
        sums: dict[tuple, Decimal] = defaultdict(Decimal)
        for line in state.rows("GenJournalDetail"):
            key = (line["GlYear"], line["GlPeriod"], line["Journal"])
            journals[line["Reference"]].add(key)
            sums[key] += Decimal(str(line["EntryValue"]))
        assert set(journals) == {f"WEB{po}" for po in postable}
        assert all(len(keys) == 1 for keys in journals.values())
        assert all(total == 0 for total in sums.values())
        for row in state.rows("SorMaster"):  # SYSPRO's own invoicing run: one AR invoice per order
            state.invoice_order(row["SalesOrder"])
        invoices = Counter(r["CustomerPoNumber"] for r in state.rows("ArInvoice") if r["CustomerPoNumber"])
        assert set(invoices) == postable
        assert max(invoices.values()) == 1
        # What reached SYSPRO: every SORTOI and GENTJL call made exactly one order / journal (SYSPRO accepts
        # a repeated PO, so a resend would have made a twin and an extra call).
        assert state.calls["SORTOI"] == len(state.rows("SorMaster")) == len(postable)
        assert state.calls["GENTJL"] == len(journals) == len(postable)
        recovered = {
            (stream, sid)
            for stream in ("sales_order", "order_journal")
            for sid in _ledger_ids(app, stream, "recovered")
        }
        print(f"orders={orders} kills={killed} landed={landed} recovered_by_lookup={len(recovered)}")
        assert recovered == in_doubt_applied  # each post applied but unanswered at a kill was adopted, only those
    finally:
        commerce.stop()
        enet.stop()


def _posts(state) -> int:
    return state.calls["SORTOI"] + state.calls["GENTJL"]


def _settle(state, quiet_s: float = 0.3) -> None:
    """Wait until SYSPRO has finished what it was sent (no new order or journal line for ``quiet_s``)."""
    seen, since = None, time.monotonic()
    while time.monotonic() - since < quiet_s:
        now = (len(state.rows("SorMaster")), len(state.rows("GenJournalDetail")), _posts(state))
        if now != seen:
            seen, since = now, time.monotonic()
        time.sleep(0.05)


def _applied_in_doubt(db_path: Path, state) -> set[tuple[str, str]]:
    """Deliveries the killed process left 'sending' whose object SYSPRO nevertheless holds."""
    with sqlite3.connect(db_path) as db:
        sending = db.execute(
            "select stream, source_id from deliveries where integration = ? and state = 'sending'", (NAME,)
        ).fetchall()
    pos = {r["CustomerPoNumber"] for r in state.rows("SorMaster")}
    refs = {r["Reference"] for r in state.rows("GenJournalDetail")}
    return {
        (stream, sid)
        for stream, sid in sending
        if (stream == "sales_order" and sid in pos) or (stream == "order_journal" and f"WEB{sid}" in refs)
    }


def _ledger_ids(app, stream: str, status: str) -> set[str]:
    rows = app.store.ledger.search(integration=NAME, stream=stream, status=status, limit=100_000)
    return {r["source_id"] for r in rows}


def test_sigkill_2000_orders_20_times_exactly_once(tmp_path) -> None:
    """The issue's must-show; about 75-140 s on the 2-core machine, so it runs in `make test`."""
    _chaos(tmp_path, orders=2000, kills=20, seed=7)
