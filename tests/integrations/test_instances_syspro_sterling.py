"""Two instances of syspro-sterling side by side in one store: today's ``syspro-sterling`` (plant A) and a
new ``syspro-sterling@plant-b``, each with its own SYSPRO (OData, and e.net for plant B) and its own
Sterling, all emulators with one seed (the same PO numbers and suppliers on both sides).

Each plant routes its POs with its own partner mappings into its own Sterling outbox. Plant B creates a
SYSPRO supplier for a new Sterling partner and recognises that write coming back (its echo); plant A,
whose SYSPRO holds a supplier with the very same card (keyed in by hand there), still sends it to its
Sterling: another instance's write is not plant A's echo. (When every instance looked up its echoes,
deliveries and mappings under the integration's name, plant B's write suppressed plant A's delivery.)"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import structlog
from typer.testing import CliRunner

from ml_connector.cli.main import app as cli
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.integrations.syspro_sterling.targets import parse_ref
from ml_connector.runtime.service import run_integration
from ml_connector.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))
from sterling_fixtures import SEED, outbox
from test_syspro_sterling_suppliers import new_partner, partner_in_sterling, store_enet

from ml_connector.bootstrap import bootstrap
from ml_connector.integrations.demo_connections import connect_syspro_odata

A, B = "syspro-sterling", "syspro-sterling@plant-b"
SUPPLIER = "000021"  # plant A sends its POs to ACMEWHOLESALE, plant B to WIDGETCO


@pytest.fixture
def plants():
    served = {
        plant: {name: serve_in_thread(create_emulator(name, seed=SEED)) for name in ("syspro-odata", "sterling")}
        for plant in ("a", "b")
    }
    served["b"]["syspro-enet"] = serve_in_thread(create_emulator("syspro-enet", seed=SEED))
    yield served
    for emulators in served.values():
        for emulator in emulators.values():
            emulator.stop()


@pytest.fixture
def restore_logging():
    """The CLI callback points structlog at CliRunner's stream, which closes; put the old config back."""
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


def store_sterling(app: Any, name: str, sterling: Any) -> None:
    cred = sterling.app.state.credentials
    app.connections.put(
        name, "sterling",
        {"base_url": f"{sterling.url}/B2BAPIs/svc/", "username": cred["username"], "allow_insecure_http": "true"},
        {"password": cred["password"]}, app.clock.now(),
    )  # fmt: skip


def store_odata(app: Any, name: str, syspro: Any) -> None:
    connect_syspro_odata(app, syspro)  # stored as `syspro-odata`; renamed for plant B
    if name != "syspro-odata":
        stored = app.connections.get("syspro-odata")
        app.connections.put(name, "syspro-odata", dict(stored.settings),
                            {k: v.reveal() for k, v in stored.secrets.items()}, app.clock.now())  # fmt: skip


def supplier_row(enet: Any, code: str) -> tuple[dict[str, Any], dict[str, Any]]:
    row = enet.app.state.emulator.get("ApSupplier", code)
    head = ("SupplierName", "SupShortName", "Currency", "Telephone", "Email", "Contact", "OnHold")
    address = ("SupAddr1", "SupAddr2", "SupAddr3", "SupAddr4", "SupAddr5", "SupPostalCode")
    return {"Supplier": code, **{c: row.get(c, "") for c in head}}, {c: row.get(c, "") for c in address}


def put_supplier(odata: Any, head: dict[str, Any], address: dict[str, Any]) -> None:
    state = odata.app.state.emulator
    state.insert("ApSupplier", [head])
    state.update("ApSupplierAddr", keys=[{"Supplier": head["Supplier"]}], changes=address)


def tallies(report: Any) -> dict[str, Any]:
    return {t.stream: t for t in report.streams}


def po_partners(app: Any, key: str, pos: set[str]) -> dict[str, str]:
    """PO number -> the trading partner its 850 went to, from the instance's own ledger."""
    rows = app.store.ledger.search(integration=key, stream="purchase_order", status="delivered", limit=10_000)
    return {r["source_id"]: parse_ref(r["target_ref"])["partner"] for r in rows if r["source_id"] in pos}


def test_two_plants_side_by_side_and_one_plants_supplier_write_is_not_the_others_echo(
    tmp_path, plants, restore_logging
) -> None:
    a, b = plants["a"], plants["b"]
    settings = Settings.model_validate(
        {
            "data_dir": str(tmp_path / "data"),
            "syspro-sterling": {"syspro_enet_connection": None},  # plant A: record only
            "syspro-sterling@plant-b": {"syspro_connection": "odata-b", "sterling_connection": "sterling-b",
                                        "syspro_enet_connection": "syspro-enet"},
        }
    )  # fmt: skip
    app = bootstrap(settings, create_keys=True)
    store_odata(app, "odata-b", b["syspro-odata"])
    store_odata(app, "syspro-odata", a["syspro-odata"])
    store_sterling(app, "sterling", a["sterling"])
    store_sterling(app, "sterling-b", b["sterling"])
    store_enet(app, b["syspro-enet"])
    now = app.clock.now()
    app.store.mappings.set(A, "supplier", SUPPLIER, "ACMEWHOLESALE", now)
    app.store.mappings.set(B, "supplier", SUPPLIER, "WIDGETCO", now)
    pos = {
        r["PurchaseOrder"]
        for r in a["syspro-odata"].app.state.emulator.rows("PorMasterHdr")
        if r["Supplier"] == SUPPLIER
    }
    assert pos == {
        r["PurchaseOrder"]
        for r in b["syspro-odata"].app.state.emulator.rows("PorMasterHdr")
        if r["Supplier"] == SUPPLIER
    }  # the same PO numbers in both plants
    assert len(pos) >= 2

    # Plant B: a new partner in its Sterling becomes a supplier in its SYSPRO (plant A's Sterling lacks it).
    new_partner({"sterling": b["sterling"]}, "NEWCO")
    first_b = run_integration(app, B)
    assert first_b.integration == B and first_b.status == "succeeded", first_b.error
    assert b["syspro-enet"].app.state.emulator.get("ApSupplier", "NEWCO")["SupplierName"] == "NEWCO"
    assert app.store.mappings.get(B, "supplier", "NEWCO") == "NEWCO"
    assert app.store.mappings.get(A, "supplier", "NEWCO") is None  # plant B's mapping is plant B's
    head, address = supplier_row(b["syspro-enet"], "NEWCO")
    put_supplier(b["syspro-odata"], head, address)  # SYSPRO B is one database: OData reads what e.net wrote
    second_b = run_integration(app, B)
    assert second_b.status == "succeeded", second_b.error
    assert tallies(second_b)["supplier_partner"].loaded == 0  # plant B's own echo: not sent back

    # Plant A keyed in the same supplier by hand and mapped it to partner NEWCO, which its Sterling lacks.
    put_supplier(a["syspro-odata"], head, address)
    app.store.mappings.set(A, "supplier", "NEWCO", "NEWCO", app.clock.now())
    assert partner_in_sterling({"sterling": a["sterling"]}, "NEWCO") is None
    report_a = run_integration(app, A)
    assert report_a.integration == A and report_a.status == "succeeded", report_a.error
    sent = app.store.ledger.search(integration=A, stream="supplier_partner", source_id="NEWCO")
    assert [(r["status"], r["target_ref"]) for r in sent] == [("delivered", "partner:NEWCO")]  # sent, not settled
    created = partner_in_sterling({"sterling": a["sterling"]}, "NEWCO")
    assert created is not None and created.phone == head["Telephone"]
    assert app.store.deliveries.last_delivered(A, "supplier_partner", "NEWCO").target_ref == "partner:NEWCO"

    # Each plant's POs went to its own partner in its own Sterling, each once.
    assert po_partners(app, A, pos) == dict.fromkeys(pos, "ACMEWHOLESALE")
    assert po_partners(app, B, pos) == dict.fromkeys(pos, "WIDGETCO")
    for key, plant in ((A, a), (B, b)):
        sent = app.store.ledger.search(integration=key, stream="purchase_order", status="delivered", limit=10_000)
        ids = sorted(int(parse_ref(r["target_ref"])["msg"]) for r in sent)
        assert len(ids) >= len(pos) and ids == sorted(
            m.id for m, _ in outbox(plant["sterling"]) if m.name.startswith("ML-850-")
        )
    # Supplier writes, parked records and cursors are each instance's own.
    writes = app.store.ledger.search(stream="supplier_to_syspro", limit=100)
    assert {r["integration"] for r in writes} == {B} and "NEWCO" in {r["source_id"] for r in writes}
    assert app.store.cursors.all(A) and app.store.cursors.all(B)
    assert app.store.parked.open(A) == [] and app.store.parked.open(B) == []

    # `ml-connector edi show` reads the instance's ledger and X12 archive (under its own data directory).
    config = tmp_path / "ml-connector.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\n')
    po = sorted(pos)[0]
    for key, partner in ((A, "ACMEWHOLESALE"), (B, "WIDGETCO")):
        shown = CliRunner().invoke(cli, ["edi", "show", po, "--integration", key, "-c", str(config)])
        assert shown.exit_code == 0, shown.output
        assert f"partner:{partner}" in shown.output and f"BEG*00*SA*{po}" in shown.output
    wrong = CliRunner().invoke(cli, ["edi", "trace", po, "--integration", "syspro-pipedrive", "-c", str(config)])
    assert wrong.exit_code == 2
