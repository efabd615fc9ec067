"""`check` covers every connection and mapping a run uses: the e.net logon syspro-sterling writes suppliers
with, and every mapped Sterling trading partner; a document mapped to a partner Sterling does not have is
parked with the fix, never sent."""

from __future__ import annotations

import pytest
from sterling_fixtures import SEED, make_app, new_purchase_orders, outbox

from ml_connector.connectors.systems import store_connection
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.engine.service import check_integration, run_integration


@pytest.fixture
def served():
    made = {name: serve_in_thread(create_emulator(name, seed=SEED)) for name in ("syspro-odata", "sterling",
                                                                                 "syspro-enet")}  # fmt: skip
    yield made
    for s in made.values():
        s.stop()


def _add_enet(app, enet, password: str) -> None:
    e = enet.app.state.credentials
    store_connection(app.connections, "syspro-enet", "syspro-enet",
                     {"base_url": f"{enet.url}/SYSPROWCFService/Rest", "operator": e["operator"],
                      "company_id": e["company_id"]},
                     {"operator_password": password, "company_password": e["company_password"]},
                     app.clock.now())  # fmt: skip


def test_check_tries_the_enet_logon_a_run_uses(tmp_path, served) -> None:
    app = make_app(tmp_path, served["syspro-odata"], served["sterling"])
    _add_enet(app, served["syspro-enet"], "not-the-password")
    results = check_integration(app, "syspro-sterling")
    enet = [r for r in results if r.system == "SYSPRO e.net" and "logon" in r.what]
    assert enet and not enet[0].ok, [vars(r) for r in results]
    assert "not-the-password" not in enet[0].detail


def test_a_partner_missing_in_sterling_fails_check_and_parks_its_documents(tmp_path, served) -> None:
    syspro, sterling = served["syspro-odata"], served["sterling"]
    app = make_app(tmp_path, syspro, sterling, section={"sync_suppliers": False},
                   suppliers={"000021": "NOSUCHPARTNER"}, customers={})  # fmt: skip
    results = check_integration(app, "syspro-sterling")
    missing = [r for r in results if "NOSUCHPARTNER" in r.what]
    assert missing and not missing[0].ok and "mappings set syspro-sterling supplier 000021" in missing[0].detail
    made = new_purchase_orders(syspro, "000021", 2)
    report = run_integration(app, "syspro-sterling")
    assert report.status == "succeeded", report.error
    sent = [body for _, body in outbox(sterling)]
    assert not any(po.encode() in body for po in made for body in sent)
    parked = {p["source_id"]: p for p in app.store.parked.open("syspro-sterling", "purchase_order")}
    assert set(made) <= {sid.strip() for sid in parked}
    assert all("does not exist in Sterling" in p["reason"] for p in parked.values())
