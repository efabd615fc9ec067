"""SYSPRO -> Pipedrive under SIGKILL: the real CLI is killed at random points while it creates products,
organizations, deals and deal products; after the final run Pipedrive holds exactly one organization per
customer and one deal per order, each with exactly its order's products, and nothing is in doubt."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from ml_connector.bootstrap import bootstrap
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.integrations.demo_connections import connect_syspro_odata
from ml_connector.integrations.syspro_pipedrive.demo import connect_pipedrive
from ml_connector.settings import load_settings

EXE = [sys.executable, "-m", "ml_connector.cli.main"]
NAME = "syspro-pipedrive"
UNLIMITED = 10**9


def sent_count(db_path: Path) -> int:
    try:
        with sqlite3.connect(db_path, timeout=1) as db:
            return db.execute("select count(*) from record_ledger where integration=? and status in "
                              "('delivered','recovered')", (NAME,)).fetchone()[0]  # fmt: skip
    except sqlite3.Error:
        return -1


def run_chaos(tmp_path: Path, *, customers: int, orders: int, kills: int) -> None:
    syspro = serve_in_thread(
        create_emulator("syspro-odata", seed=7, scale={"ArCustomer": customers, "SorMaster": orders})
    )
    pipedrive = serve_in_thread(create_emulator("pipedrive", seed=7, burst_limit=UNLIMITED, daily_budget=UNLIMITED))
    try:
        config = tmp_path / "ml-connector.toml"
        config.write_text(
            'data_dir = ".ml-connector"\n[syspro-pipedrive]\norders = "open_and_recent"\nrecent_days = 100000\n'
            f"daily_tokens = {UNLIMITED}\nburst_limit = 100000\n"
        )
        app = bootstrap(load_settings(config), create_keys=True)
        connect_syspro_odata(app, syspro)
        connect_pipedrive(app, pipedrive)
        env = {**os.environ, "ML_CONNECTOR_CONFIG": str(config)}
        db_path = tmp_path / ".ml-connector" / "store.db"
        state = syspro.app.state.emulator
        total = len(state.rows("ArCustomer")) + len(state.rows("SorMaster"))
        rng = random.Random(20261206)
        killed = 0
        while killed < kills:
            before = max(sent_count(db_path), 0)
            target = before + rng.randint(1, max(2, total // (kills * 2)))
            log = (tmp_path / f"run{killed}.log").open("wb")
            proc = subprocess.Popen([*EXE, "run", NAME, "--json"], cwd=tmp_path, env=env, stdout=log,
                                    stderr=subprocess.STDOUT)  # fmt: skip
            deadline = time.monotonic() + 600
            while proc.poll() is None and sent_count(db_path) < target and time.monotonic() < deadline:
                time.sleep(0.01)
            if proc.poll() is not None:
                assert proc.returncode == 0, (tmp_path / f"run{killed}.log").read_text()[-3000:]
                break
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            killed += 1
        assert killed >= kills * 3 // 4, f"only {killed} kills landed; raise the volume"
        done = subprocess.run([*EXE, "run", NAME, "--json"], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=3600)  # fmt: skip
        assert '"status": "succeeded"' in done.stdout, (done.stdout + done.stderr)[-3000:]

        store = pipedrive.app.state.emulator.store
        key = {
            kind: next(c for c, f in store.fields[kind].items() if f["field_name"] == name)
            for kind, name in (("organization", "SYSPRO customer code"), ("deal", "SYSPRO order number"))
        }
        orgs = Counter(r["custom_fields"][key["organization"]] for r in store.listing("organization"))
        assert set(orgs) == {c["Customer"] for c in state.rows("ArCustomer")}
        assert max(orgs.values()) == 1
        deals = Counter(r["custom_fields"][key["deal"]] for r in store.listing("deal"))
        assert set(deals) == {o["SalesOrder"] for o in state.rows("SorMaster")}
        assert max(deals.values()) == 1
        codes = Counter(r["code"] for r in store.listing("product"))
        assert max(codes.values()) == 1
        by_id = {r["id"]: r["code"] for r in store.listing("product")}
        lines: dict[str, list[str]] = {}
        for line in state.rows("SorDetail"):
            if line["LineType"] == "1":
                lines.setdefault(line["SalesOrder"], []).append(line["MStockCode"].strip())
        for deal in store.listing("deal"):
            attached = sorted(by_id[a["product_id"]] for a in store.attachments.get(deal["id"], {}).values())
            assert attached == sorted(lines.get(deal["custom_fields"][key["deal"]], [])), deal["id"]
        with sqlite3.connect(db_path) as db:
            in_doubt = db.execute("select count(*) from deliveries where integration=? and state='sending'",
                                  (NAME,)).fetchone()[0]  # fmt: skip
        assert in_doubt == 0
        print(f"\n{killed} SIGKILLs; {len(orgs)} organizations, {len(deals)} deals, {len(codes)} products, "
              f"{sum(len(v) for v in store.attachments.values())} deal products, "
              f"{pipedrive.app.state.emulator.limits.spent} tokens")  # fmt: skip
    finally:
        syspro.stop()
        pipedrive.stop()


@pytest.mark.slow
def test_sigkill_small_every_record_once(tmp_path) -> None:
    run_chaos(tmp_path, customers=30, orders=40, kills=3)


@pytest.mark.slow
def test_sigkill_2000_customers_5000_orders_20_kills(tmp_path) -> None:
    run_chaos(tmp_path, customers=2000, orders=5000, kills=20)
