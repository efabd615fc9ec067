"""SYSPRO -> Sterling under SIGKILL: the connector process (the real CLI) is killed at random points while
it sends POs and invoices; after a final run every document was delivered exactly once, each partner's
control numbers rise strictly with none reused, and every document's 997 is matched in the ledger."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from itertools import pairwise
from pathlib import Path

import pytest

from ml_connector.bootstrap import bootstrap
from ml_connector.edi import read_interchange
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.settings import load_settings

EXE = [sys.executable, "-m", "ml_connector.cli.main"]
NAME = "syspro-sterling"
SENT = ("delivered", "recovered", "released")


@pytest.fixture
def emulators():
    syspro = serve_in_thread(create_emulator("syspro-odata", seed=3))
    sterling = serve_in_thread(create_emulator("sterling", seed=3))
    yield syspro, sterling
    syspro.stop()
    sterling.stop()


def seed_documents(syspro, pos: int, invoices: int) -> tuple[dict[str, str], dict[str, str], set[str]]:
    """New suppliers / customers (so no history), and their POs (1-2 lines) and invoices, dated today."""
    state = syspro.app.state.emulator
    # Sterling refuses a partner without email and phone (that record would fail and the run be partial).
    contact = {"Email": "edi@example.com", "Telephone": "555-0100"}
    suppliers = [r["Supplier"] for r in state.insert("ApSupplier", [contact, dict(contact)])]
    customers = [r["Customer"] for r in state.insert("ArCustomer", [{}, {}])]
    stock = state.rows("InvMaster")[:2]
    ids: set[str] = set()
    headers = state.insert("PorMasterHdr", [{"Supplier": suppliers[n % 2], "Warehouse": "AK"} for n in range(pos)])
    state.insert("PorMasterDetail", [
        {"PurchaseOrder": h["PurchaseOrder"], "Line": k + 1, "LineType": "1", "MStockCode": s["StockCode"],
         "MStockDes": "Part", "MWarehouse": "AK", "MOrderQty": 3.0, "MReceivedQty": 0.0, "MPrice": 9.5,
         "MOrderUom": "EA", "MCompleteFlag": " "}
        for n, h in enumerate(headers) for k, s in enumerate(stock[: 1 + n % 2])
    ])  # fmt: skip
    ids |= {h["PurchaseOrder"] for h in headers}
    rows = state.insert("ArInvoice", [{"Customer": customers[n % 2], "CurrencyValue": 50.0 + n, "TaxPortion": 2.0}
                                      for n in range(invoices)])  # fmt: skip
    ids |= {f"{r['Customer']}-{r['Invoice']}" for r in rows}
    partners = ("ACMEWHOLESALE", "WIDGETCO")
    return dict(zip(suppliers, partners, strict=True)), dict(zip(customers, partners, strict=True)), ids


def setup(tmp_path: Path, syspro, sterling, suppliers: dict, customers: dict) -> dict[str, str]:
    config = tmp_path / "ml-connector.toml"
    config.write_text('data_dir = ".ml-connector"\n[syspro-sterling]\nlookback_days = 1\n')
    app = bootstrap(load_settings(config), create_keys=True)
    sys.path.insert(0, str(Path(__file__).parents[1] / "integrations"))
    from sterling_fixtures import store_connections

    store_connections(app, syspro, sterling)
    now = app.clock.now()
    for kind, table in (("supplier", suppliers), ("customer", customers)):
        for code, partner in table.items():
            app.store.mappings.set(NAME, kind, code, partner, now)
    return {**os.environ, "ML_CONNECTOR_CONFIG": str(config)}


def sent_count(db_path: Path) -> int:
    try:
        with sqlite3.connect(db_path, timeout=1) as db:
            return db.execute("select count(*) from record_ledger where integration=? and status in "
                              "('delivered','recovered')", (NAME,)).fetchone()[0]  # fmt: skip
    except sqlite3.Error:
        return -1


def run_chaos(tmp_path: Path, emulators, *, pos: int, invoices: int, kills: int) -> None:
    syspro, sterling = emulators
    suppliers, customers, ids = seed_documents(syspro, pos, invoices)
    env = setup(tmp_path, syspro, sterling, suppliers, customers)
    db_path = tmp_path / ".ml-connector" / "store.db"
    rng = random.Random(20261123)
    killed = landed = 0
    in_doubt_sent: set[str] = set()  # documents in Sterling whose delivery the killed process never recorded
    while killed < kills:
        before = max(sent_count(db_path), 0)
        target = before + rng.randint(1, max(2, (pos + invoices) // (kills * 2)))
        log = (tmp_path / f"run{killed}.log").open("wb")
        proc = subprocess.Popen([*EXE, "run", NAME, "--json"], cwd=tmp_path, env=env, stdout=log,
                                stderr=subprocess.STDOUT)  # fmt: skip
        deadline = time.monotonic() + 120
        while proc.poll() is None and sent_count(db_path) < target and time.monotonic() < deadline:
            time.sleep(0.01)
        if proc.poll() is not None:
            assert proc.returncode == 0, (tmp_path / f"run{killed}.log").read_text()[-3000:]
            break  # finished before it could be killed: everything is out
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        killed += 1
        uploaded = settled_outbox(sterling)
        if before < sent_count(db_path) < len(ids):
            landed += 1  # progress since the last kill, and documents still to send: mid-delivery
        in_doubt_sent |= sending_documents(db_path) & uploaded
    assert killed >= kills * 3 // 4, f"only {killed} kills landed; raise the volume"
    assert landed >= kills * 3 // 4, f"only {landed} of {killed} kills landed mid-delivery"
    for _ in range(2):  # finish, then read the 997s of the last documents
        done = subprocess.run([*EXE, "run", NAME, "--json"], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=600)  # fmt: skip
        assert '"status": "succeeded"' in done.stdout, done.stderr[-3000:]

    outbox = sterling.app.state.emulator.mailbox_messages("/MLCONNECT/Outbox")
    documents = Counter(m.name.split("-", 2)[2].rsplit("-", 1)[0] for m, _ in outbox)
    assert set(documents) == ids  # every document delivered ...
    assert max(documents.values()) == 1  # ... exactly once
    numbers: dict[str, list[int]] = {}
    for _message, content in sorted(outbox, key=lambda mc: mc[0].id):
        ix = read_interchange(content)
        numbers.setdefault(ix.receiver_id.strip(), []).append(int(ix.control_number))
    for sequence in numbers.values():  # strictly increasing in send order, none reused
        assert all(a < b for a, b in pairwise(sequence))
    with sqlite3.connect(db_path) as db:
        sent = db.execute("select source_id, count(*) from record_ledger where integration=? and stream in "
                          "('purchase_order','invoice') and status in ('delivered','recovered') group by source_id",
                          (NAME,)).fetchall()  # fmt: skip
        acks = Counter(dict(db.execute("select status, count(*) from record_ledger where integration=? and "
                                       "stream='ack_997' group by status", (NAME,)).fetchall()))  # fmt: skip
        in_doubt = db.execute("select count(*) from deliveries where integration=? and state='sending'",
                              (NAME,)).fetchone()[0]  # fmt: skip
    assert len(sent) == len(ids)
    assert all(n == 1 for _, n in sent)  # one ledger delivery per document
    assert acks == {"ack_accepted": len(ids)}  # every 997 matched, none unmatched or rejected
    assert in_doubt == 0
    with sqlite3.connect(db_path) as db:
        recovered = db.execute("select stream, source_id from record_ledger where integration=? and stream in "
                               "('purchase_order','invoice') and status='recovered'", (NAME,)).fetchall()  # fmt: skip
    print(f"documents={len(ids)} kills={killed} landed={landed} recovered_by_lookup={len(recovered)}")
    # exactly the documents that were in Sterling but 'sending' in the store at a kill were adopted by the lookup
    assert {document_id(stream, sid) for stream, sid in recovered} == in_doubt_sent


def document_id(stream: str, source_id: str) -> str:
    """The id the message name carries: the PO number, or customer-invoice."""
    return source_id if stream == "purchase_order" else "-".join(source_id.split("|")[:2])


def outbox_ids(sterling) -> set[str]:
    outbox = sterling.app.state.emulator.mailbox_messages("/MLCONNECT/Outbox")
    return {m.name.split("-", 2)[2].rsplit("-", 1)[0] for m, _ in outbox}


def settled_outbox(sterling, quiet_s: float = 0.3) -> set[str]:
    """The outbox once an upload the dead process had sent has completed (no change for ``quiet_s``)."""
    seen, since = None, time.monotonic()
    while time.monotonic() - since < quiet_s:
        now = outbox_ids(sterling)
        if now != seen:
            seen, since = now, time.monotonic()
        time.sleep(0.05)
    return seen or set()


def sending_documents(db_path: Path) -> set[str]:
    with sqlite3.connect(db_path) as db:
        rows = db.execute("select stream, source_id from deliveries where integration=? and state='sending' and "
                          "stream in ('purchase_order','invoice')", (NAME,)).fetchall()  # fmt: skip
    return {document_id(stream, sid) for stream, sid in rows}


def test_sigkill_small_every_document_once(tmp_path, emulators) -> None:
    run_chaos(tmp_path, emulators, pos=80, invoices=70, kills=5)


@pytest.mark.slow
def test_sigkill_1000_documents_20_kills(tmp_path, emulators) -> None:
    run_chaos(tmp_path, emulators, pos=500, invoices=500, kills=20)
