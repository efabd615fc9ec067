"""SYSPRO rows -> X12 through the syspro-sterling mappers: random SYSPRO text never yields an invalid
document or an injected segment; and `ml-connector edi show | trace` print a sent document and its path."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path

import edi_parser
import pytest
import structlog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ml_connector.cli.main import app as cli
from ml_connector.edi import ControlNumbers, Delimiters, Envelope, read_interchange
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.engine.service import run_integration
from ml_connector.integrations.syspro_sterling import documents, streams

sys.path.insert(0, str(Path(__file__).parent))
from sterling_fixtures import SEED, make_app

NASTY = st.text(alphabet=st.sampled_from(list("AZaz09 *~>^:|\n\r\t\x00é東ß'\"-")), max_size=60)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(description=NASTY, buyer=NASTY, stock=st.from_regex(r"[A-Z0-9-]{1,30}", fullmatch=True), tax=st.booleans())
def test_random_syspro_text_never_breaks_the_interchange(tmp_path, description, buyer, stock, tax) -> None:
    po = streams.purchase_order({
        "PurchaseOrder": "000000000070001", "Supplier": "000021", "OrderEntryDate": "2026-03-02T00:00:00Z",
        "Buyer": buyer, "Currency": "USD", "Warehouse": description[:10],
        "Lines": [{"Line": 1, "MStockCode": stock, "MStockDes": description, "MOrderQty": 2.5, "MOrderUom": "ea",
                   "MPrice": 1.25}],
    })  # fmt: skip
    inv = streams.invoice({"Customer": "0000197", "Invoice": "00100001", "InvoiceDate": "2026-03-02T00:00:00Z",
                           "CurrencyValue": 10.5, "TaxPortion": 0.5 if tax else 0, "CustomerPoNumber": buyer[:22],
                           "PostCurrency": "USD", "Lines": []})  # fmt: skip
    for n, doc in enumerate((po, inv), start=1):
        numbers = ControlNumbers(interchange=n, group=n)
        envelope = Envelope("MLCONNECT", "ACMEWHOLESALE", numbers, datetime(2026, 3, 2, 9, 0))
        text = documents.build(doc, envelope, Delimiters()).text
        ix = read_interchange(text)
        expected = {"850": ["BEG", "CUR", "REF", "N1", "PO1", "PID", "CTT", "AMT"], "810": ["BIG", "CUR", "REF", "N1",
                    "IT1", "PID", "TDS", "TXI", "CTT"]}[doc["set"]]  # fmt: skip
        assert set(s.tag for s in ix.transaction_sets[0].body) <= set(expected)  # no injected segment
        path = tmp_path / "doc.edi"
        path.write_text(text)
        result = edi_parser.validate_file(filepath=str(path), editype="x12", messagetype="x12")
        assert result["valid"], [e["message"] for e in result["errors"]]


@pytest.fixture
def restore_logging():
    """The CLI callback points structlog at CliRunner's stream, which closes; put the old config back."""
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


def test_edi_show_and_trace(tmp_path, restore_logging) -> None:
    syspro = serve_in_thread(create_emulator("syspro-odata", seed=SEED))
    sterling = serve_in_thread(create_emulator("sterling", seed=SEED))
    try:
        app = make_app(tmp_path, syspro, sterling)
        assert run_integration(app, "syspro-sterling").status == "succeeded"
        config = tmp_path / "ml-connector.toml"
        config.write_text(f'data_dir = "{tmp_path / "data"}"\n')
        po = next(r for r in app.store.ledger.search(integration="syspro-sterling", stream="purchase_order"))
        runner = CliRunner()
        env = {**os.environ, "COLUMNS": "220"}
        shown = runner.invoke(cli, ["edi", "show", po["source_id"], "-c", str(config)], env=env)
        assert shown.exit_code == 0, shown.output
        assert "BEG  Beginning Segment for Purchase Order" in shown.output
        assert f"BEG*00*SA*{po['source_id']}" in shown.output
        assert "997: ack_accepted" in shown.output
        traced = runner.invoke(cli, ["edi", "trace", po["source_id"], "-c", str(config), "--json"], env=env)
        assert traced.exit_code == 0, traced.output
        assert '"status": "delivered"' in traced.output
        assert '"status": "ack_accepted"' in traced.output
        by_ledger_id = runner.invoke(cli, ["edi", "show", str(po["id"]), "-c", str(config)], env=env)
        assert po["source_id"] in by_ledger_id.output
        missing = runner.invoke(cli, ["edi", "show", "NOPE-404", "-c", str(config)], env=env)
        assert missing.exit_code == 2
        assert "No syspro-sterling ledger row" in missing.output
    finally:
        syspro.stop()
        sterling.stop()
