"""commerce-syspro after the order: credit memos (full online, partial with return to stock, offline
with adjustment refund and fee), partial invoices and a cancellation after posting, against the
Commerce and e.net emulators. The must-show: SYSPRO's GL totals per account equal the day's sales,
tax, shipping, discount and refund totals computed here from Commerce's own documents."""

from __future__ import annotations

import warnings

import pytest
from commerce_syspro_fixtures import CLEARING_B2B, NO_CUSTOMERS, expected_gl, make_app, serve_pair, syspro_gl
from fastapi import FastAPI

from ml_connector.connectors.commerce.webhooks import parse_webhook
from ml_connector.emulators.commerce import creditmemos
from ml_connector.engine.service import check_integration, run_integration
from ml_connector.integrations.commerce_syspro.demo import ACCOUNTS
from ml_connector.integrations.commerce_syspro.webhook import webhook_router

with warnings.catch_warnings():  # starlette 1.x warns at import that it would prefer `httpx2`
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

NAME = "commerce-syspro"


@pytest.fixture
def served():
    pair = serve_pair()
    yield pair
    for s in pair.values():
        s.stop()


def item_ids(order: dict) -> dict[str, int]:
    return {i["sku"]: i["item_id"] for i in order["items"] if "parent_item_id" not in i}


def mixed_day(store, app, trigger: str) -> dict[str, dict]:
    """Orders, partial invoices, three kinds of refund, a cancellation after posting; runs in between."""
    made = {
        "full": store.place_order(store_code="default", skus={"PMP-SUB-05": 2, "VLV-BALL-2IN-BR": 1}),
        "partial": store.place_order(store_code="b2b", skus={"VLV-GATE-4IN-CI": 4, "FLT-HSG-BB20": 6}),
        "offline": store.place_order(store_code="default", skus={"MTR-3PH-5HP": 1, "GAUGE-PRS-160": 3}),
        "cancel": store.place_order(store_code="default", skus={"HOS-SUC-2IN-25": 2}),
        "half_invoiced": store.place_order(store_code="b2b", skus={"SEAL-MECH-16": 10}),
    }
    ids = {k: item_ids(o) for k, o in made.items()}
    creditmemos.invoice_items(store, made["full"]["entity_id"], None)
    creditmemos.invoice_items(store, made["partial"]["entity_id"], {ids["partial"]["VLV-GATE-4IN-CI"]: 3})
    creditmemos.invoice_items(store, made["offline"]["entity_id"], None)
    creditmemos.invoice_items(store, made["half_invoiced"]["entity_id"], {ids["half_invoiced"]["SEAL-MECH-16"]: 5})
    first = run_integration(app, NAME)
    assert first.status == "succeeded", first.error
    creditmemos.invoice_items(store, made["partial"]["entity_id"], None)  # the rest of the partial order
    full_invoice = next(i for i in store.invoices.values() if i["order_id"] == made["full"]["entity_id"])
    creditmemos.refund(store, made["full"]["entity_id"], {v: 2 if k == "PMP-SUB-05" else 1 for k, v in
                       ids["full"].items()}, invoice_id=full_invoice["entity_id"], online=True)  # fmt: skip
    valve = ids["partial"]["VLV-GATE-4IN-CI"]
    creditmemos.refund(store, made["partial"]["entity_id"], {valve: 2}, shipping=0, return_to_stock=[valve])
    creditmemos.refund(store, made["offline"]["entity_id"], {ids["offline"]["GAUGE-PRS-160"]: 1}, shipping=10,
                       adjustment_positive=5, adjustment_negative=7.5)  # fmt: skip
    assert creditmemos.cancel(store, made["cancel"]["entity_id"])
    second = run_integration(app, NAME)
    assert second.status == "succeeded", second.error
    return made


@pytest.mark.parametrize("trigger", ["order_placed", "invoice_created"])
def test_running_balances_after_a_mixed_day_equal_commerce_totals(tmp_path, served, trigger) -> None:
    app = make_app(
        tmp_path, served, section={**NO_CUSTOMERS, "posting_trigger": trigger, "cancel_after_post": "reverse"}
    )
    app.store.mappings.set(NAME, "refund_gl", "2", CLEARING_B2B, app.clock.now())
    store = served["commerce"].app.state.emulator.store
    made = mixed_day(store, app, trigger)
    third = run_integration(app, NAME)  # nothing left: a quiet run changes nothing
    assert third.status == "succeeded", third.error
    assert app.store.parked.open(NAME) == []
    assert syspro_gl(served) == expected_gl(store, trigger)
    state = served["syspro-enet"].app.state.emulator
    orders = {r["CustomerPoNumber"]: r for r in state.rows("SorMaster")}
    assert orders[made["cancel"]["increment_id"]]["OrderStatus"] == "\\"
    refs = [r["Reference"] for r in state.rows("GenJournalCtl")]
    assert len(refs) == len(set(refs))
    assert sum(r.startswith("WCM") for r in refs) == 3
    assert sum(r.startswith("WCX") for r in refs) == (1 if trigger == "order_placed" else 0)
    assert sum(r.startswith("WIN") for r in refs) == (len(store.invoices) if trigger == "invoice_created" else 0)
    flags = app.store.ledger.search(integration=NAME, stream="return_to_stock")
    assert len(flags) == 1
    assert "2.0 x VLV-GATE-4IN-CI" in flags[0]["target_ref"] or "2 x VLV-GATE-4IN-CI" in flags[0]["target_ref"]


def test_cancel_after_post_review_keeps_todays_flag(tmp_path, served) -> None:
    app = make_app(tmp_path, served, section=NO_CUSTOMERS)
    store = served["commerce"].app.state.emulator.store
    order = store.place_order(skus={"PMP-SUB-05": 1})
    run_integration(app, NAME)
    assert creditmemos.cancel(store, order["entity_id"])
    report = run_integration(app, NAME)
    assert {t.stream: t.changed_after_post for t in report.streams}["sales_order"] == 1
    state = served["syspro-enet"].app.state.emulator
    assert [r["OrderStatus"] for r in state.rows("SorMaster")] == ["1"]
    assert not any(r["Reference"].startswith("WCX") for r in state.rows("GenJournalCtl"))


def test_check_proves_refund_accounts(tmp_path, served) -> None:
    served["commerce"].app.state.emulator.store.place_order(skus={"PMP-SUB-05": 1})
    app = make_app(tmp_path, served, section=NO_CUSTOMERS)
    app.store.mappings.set(NAME, "refund_gl", "default", "10-2999-100", app.clock.now())
    suffix = " exists and takes postings (GENTJL validate only)"
    results = {r.what: r for r in check_integration(app, NAME)}
    assert results[f"mapped GL account {ACCOUNTS['restocking_fee_gl']}{suffix}"].ok
    assert results[f"mapped GL account {ACCOUNTS['refund_adjustment_gl']}{suffix}"].ok
    assert not results[f"mapped GL account 10-2999-100{suffix}"].ok


def test_emulator_fires_credit_memo_and_cancel_webhooks_the_connector_understands() -> None:
    pair = serve_pair(commerce={"webhook_url": "http://127.0.0.1:9/unused", "webhook_secret": "s3"})
    try:
        emulator = pair["commerce"].app.state.emulator
        paid = emulator.store.place_order(skus={"PMP-SUB-05": 2})
        creditmemos.invoice_items(emulator.store, paid["entity_id"], None)
        memo = creditmemos.refund(emulator.store, paid["entity_id"], {item_ids(paid)["PMP-SUB-05"]: 1})
        unpaid = emulator.store.place_order(skus={"PMP-SUB-05": 1})
        assert creditmemos.cancel(emulator.store, unpaid["entity_id"])
        assert not creditmemos.cancel(emulator.store, paid["entity_id"])  # invoiced: refund it instead
        emulator.wait_for_webhooks()
        events = [parse_webhook(d.body) for d in emulator.webhooks.deliveries]
        kinds = [(e.kind, e.creditmemo_increment_id or e.order_id) for e in events]
        assert ("creditmemo_created", memo["increment_id"]) in kinds
        assert ("order_canceled", unpaid["entity_id"]) in kinds
    finally:
        for s in pair.values():
            s.stop()


def test_restock_as_credit_note_against_the_sales_order(tmp_path, served) -> None:
    app = make_app(tmp_path, served, section={**NO_CUSTOMERS, "restock": "credit_note"})
    store = served["commerce"].app.state.emulator.store
    order = store.place_order(skus={"PMP-SUB-05": 2, "VLV-BALL-2IN-BR": 3})
    creditmemos.invoice_items(store, order["entity_id"], None)
    run_integration(app, NAME)
    ids = item_ids(order)
    memo = creditmemos.refund(
        store,
        order["entity_id"],
        {ids["PMP-SUB-05"]: 1, ids["VLV-BALL-2IN-BR"]: 1},
        return_to_stock=[ids["PMP-SUB-05"]],
    )
    assert run_integration(app, NAME).status == "succeeded"
    run_integration(app, NAME)
    state = served["syspro-enet"].app.state.emulator
    by_po = {r["CustomerPoNumber"]: r for r in state.rows("SorMaster")}
    original, note = by_po[order["increment_id"]], by_po[f"CN{memo['increment_id']}"]
    assert (note["DocumentType"], note["Customer"]) == ("C", original["Customer"])
    assert note["ShippingInstrs"] == f"CREDIT FOR SO {original['SalesOrder']}"
    lines = [
        (r["MStockCode"], r["MOrderQty"]) for r in state.rows("SorDetail") if r["SalesOrder"] == note["SalesOrder"]
    ]
    assert lines == [("PMP-SUB-05", 1)]  # only the line returned to stock
    assert sum(r["DocumentType"] == "C" for r in state.rows("SorMaster")) == 1


def test_credit_memo_webhook_posts_the_refund_at_once(tmp_path) -> None:
    pair = serve_pair(commerce={"webhook_url": "http://127.0.0.1:9/unused", "webhook_secret": "hook-9"})
    try:
        app = make_app(tmp_path, pair, section=NO_CUSTOMERS)
        emulator = pair["commerce"].app.state.emulator
        order = emulator.store.place_order(skus={"PMP-SUB-05": 2})
        creditmemos.invoice_items(emulator.store, order["entity_id"], None)
        run_integration(app, NAME)
        memo = creditmemos.refund(emulator.store, order["entity_id"], {item_ids(order)["PMP-SUB-05"]: 1})
        emulator.wait_for_webhooks()
        delivery = next(
            d for d in emulator.webhooks.deliveries if d.event_name == "observer.sales_order_creditmemo_save_after"
        )
        web = FastAPI()
        web.include_router(webhook_router(app, background=False), prefix="/hooks/commerce-syspro")
        with TestClient(web) as client:
            answer = client.post("/hooks/commerce-syspro", content=delivery.body, headers=delivery.headers)
        assert answer.json() == {"op": "success", "sync": "succeeded"}
        refs = [r["Reference"] for r in pair["syspro-enet"].app.state.emulator.rows("GenJournalCtl")]
        assert f"WCM{memo['increment_id']}" in refs
    finally:
        for s in pair.values():
            s.stop()
