"""Sterling -> SYSPRO suppliers through e.net (APSSSP) against the SYSPRO OData, SYSPRO e.net and Sterling
emulators: a new Sterling partner becomes a SYSPRO supplier exactly once, its echo from OData is not sent
back, hostile values are escaped, and without the e.net connection the partner is only recorded."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ml_connector.connectors.sterling import SterlingB2BClient
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.integrations.syspro_sterling.suppliers import supplier_code
from ml_connector.runtime.service import run_integration
from ml_connector.secrets.secret import Secret

sys.path.insert(0, str(Path(__file__).parent))
from sterling_fixtures import SEED, make_app

NAME = "syspro-sterling"
HOSTILE_CONTACT = 'O\'Brien <b>&amp; "Co" ]]>'
HOSTILE_STREET = "1 <Dock> & Quay ’Rd’ \u2028ő"


@pytest.fixture
def served():
    emulators = {name: serve_in_thread(create_emulator(name, seed=SEED)) for name in ("syspro-odata", "sterling",
                                                                                      "syspro-enet")}  # fmt: skip
    yield emulators
    for emulator in emulators.values():
        emulator.stop()


def store_enet(app: Any, enet: Any) -> None:
    e = enet.app.state.credentials
    app.connections.put(
        "syspro-enet", "syspro-enet",
        {"base_url": f"{enet.url}/SYSPROWCFService/Rest", "operator": e["operator"], "company_id": e["company_id"]},
        {"operator_password": e["operator_password"], "company_password": e["company_password"]}, app.clock.now(),
    )  # fmt: skip


def new_partner(served: dict[str, Any], name: str) -> None:
    client = sterling_client_for(served)
    template = client.get_trading_partner("WIDGETCO")
    client.create_trading_partner(
        replace(template, partner_name=name, username=name.lower(), code=f"{name[:10]}EDI", given_name="Sam",
                surname=HOSTILE_CONTACT, address_line1=HOSTILE_STREET, address_line2="", city="Tulsa",
                state_or_province="OK", postal_code="74103", country_or_region="US", phone="918-555-0101",
                email="edi@newco.example")
    )  # fmt: skip
    client.close()


def sterling_client_for(served: dict[str, Any]) -> SterlingB2BClient:
    s = served["sterling"]
    cred = s.app.state.credentials
    return SterlingB2BClient(f"{s.url}/B2BAPIs/svc/", cred["username"], Secret(cred["password"]),
                             allow_insecure_http=True)  # fmt: skip


def partner_in_sterling(served: dict[str, Any], name: str) -> Any:
    client = sterling_client_for(served)
    try:
        return client.get_trading_partner(name)
    finally:
        client.close()


def copy_to_odata(served: dict[str, Any], code: str) -> None:
    """SYSPRO is one database: what e.net wrote is what OData reads (the two emulators keep separate state)."""
    row = served["syspro-enet"].app.state.emulator.get("ApSupplier", code)
    odata = served["syspro-odata"].app.state.emulator
    head = ("SupplierName", "SupShortName", "Currency", "Telephone", "Email", "Contact", "OnHold")
    address = ("SupAddr1", "SupAddr2", "SupAddr3", "SupAddr4", "SupAddr5", "SupPostalCode")
    odata.insert("ApSupplier", [{"Supplier": row["Supplier"], **{c: row.get(c, "") for c in head}}])
    odata.update(  # inserting the supplier created its address row
        "ApSupplierAddr", keys=[{"Supplier": row["Supplier"]}], changes={c: row.get(c, "") for c in address}
    )


def tallies(report: Any) -> dict[str, Any]:
    return {t.stream: t for t in report.streams}


def test_new_partner_becomes_a_supplier_once_and_its_echo_is_not_sent_back(tmp_path, served) -> None:
    app = make_app(tmp_path, served["syspro-odata"], served["sterling"])
    store_enet(app, served["syspro-enet"])
    new_partner(served, "NEWCO-TOOLS")
    enet_state = served["syspro-enet"].app.state.emulator
    code = supplier_code("NEWCO-TOOLS")
    assert code == "NEWCO-TOOLS"

    first = run_integration(app, NAME)
    assert first.status == "succeeded", first.error
    created = enet_state.get("ApSupplier", code)
    assert created is not None
    assert created["SupplierName"] == "NEWCO-TOOLS"
    assert created["EdiReceiverCode"] == "NEWCO-TOOLEDI"  # Sterling owns the EDI id
    assert created["Contact"] == f"Sam {HOSTILE_CONTACT}"  # escaped on the wire, stored verbatim
    assert created["SupAddr1"] == "1 <Dock> & Quay ’Rd’  o"  # SYSPRO's Windows-1252 rule
    assert (created["SupAddr3"], created["SupAddr4"], created["SupAddr5"]) == ("Tulsa", "OK", "US")
    assert app.store.mappings.get(NAME, "supplier", code) == "NEWCO-TOOLS"
    adds = enet_state.calls["APSSSP"]
    assert [r["status"] for r in app.store.ledger.search(integration=NAME, stream="partner_from_sterling")] == []

    copy_to_odata(served, code)
    before = partner_in_sterling(served, "NEWCO-TOOLS")
    second = run_integration(app, NAME)
    assert second.status == "succeeded", second.error
    assert enet_state.calls["APSSSP"] == adds  # exactly once: nothing written to SYSPRO again
    assert len([r for r in enet_state.rows("ApSupplier") if r["Supplier"] == code]) == 1
    partner_stream = tallies(second)["supplier_partner"]
    assert partner_stream.loaded == 0  # the echo is settled, not sent to Sterling
    settled = app.store.deliveries.last_delivered(NAME, "supplier_partner", code)
    assert settled is not None and settled.target_ref == "partner:NEWCO-TOOLS"
    assert partner_in_sterling(served, "NEWCO-TOOLS") == before

    third = run_integration(app, NAME)  # steady: no ping-pong
    assert enet_state.calls["APSSSP"] == adds
    assert tallies(third)["supplier_partner"].loaded == 0


def test_a_changed_supplier_in_syspro_still_goes_to_sterling(tmp_path, served) -> None:
    app = make_app(tmp_path, served["syspro-odata"], served["sterling"])
    store_enet(app, served["syspro-enet"])
    new_partner(served, "NEWCO")
    assert run_integration(app, NAME).status == "succeeded"
    copy_to_odata(served, "NEWCO")
    served["syspro-odata"].app.state.emulator.update(
        "ApSupplier", keys=[{"Supplier": "NEWCO"}], changes={"Telephone": "918-555-9999"}
    )
    report = run_integration(app, NAME)
    assert report.status == "succeeded", report.error
    assert tallies(report)["supplier_partner"].loaded == 1  # not an echo: SYSPRO owns the phone now
    assert partner_in_sterling(served, "NEWCO").phone == "918-555-9999"


def test_code_collision_is_recorded_not_overwritten(tmp_path, served) -> None:
    app = make_app(tmp_path, served["syspro-odata"], served["sterling"])
    store_enet(app, served["syspro-enet"])
    enet_state = served["syspro-enet"].app.state.emulator
    enet_state.insert("ApSupplier", {"Supplier": "NEWCO", "SupplierName": "Someone Else Ltd", "Currency": "USD"})
    new_partner(served, "NEWCO")
    assert run_integration(app, NAME).status == "succeeded"
    assert enet_state.get("ApSupplier", "NEWCO")["SupplierName"] == "Someone Else Ltd"
    [noted] = app.store.ledger.search(integration=NAME, stream="partner_from_sterling")
    assert (noted["source_id"], noted["status"]) == ("NEWCO", "needs_supplier")
    assert "already belongs to 'Someone Else Ltd'" in noted["error"]
    assert app.store.mappings.get(NAME, "supplier", "NEWCO") is None


def test_without_the_enet_connection_the_partner_is_only_recorded(tmp_path, served) -> None:
    app = make_app(tmp_path, served["syspro-odata"], served["sterling"])
    new_partner(served, "NEWCO")
    for _ in range(2):
        assert run_integration(app, NAME).status == "succeeded"
    assert served["syspro-enet"].app.state.emulator.calls["APSSSP"] == 0
    [noted] = app.store.ledger.search(integration=NAME, stream="partner_from_sterling")
    assert (noted["source_id"], noted["status"]) == ("NEWCO", "needs_supplier")
    assert "e.net connection 'syspro-enet' is not stored" in noted["error"]
    assert app.store.mappings.get(NAME, "supplier", "NEWCO") is None


def test_code_rule() -> None:
    assert supplier_code("Acme Wholesale & Sons, Inc.") == "ACMEWHOLESALESO"
    assert supplier_code("ab-12") == "AB-12"
    assert supplier_code("___").startswith("TP") and len(supplier_code("___")) == 15
    assert supplier_code("___") == supplier_code("___")
