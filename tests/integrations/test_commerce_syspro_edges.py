"""commerce-syspro edge cases against the emulators: hostile orders, an order changed after it was
posted, customers both ways without a ping-pong loop, and the webhook endpoint (TestClient)."""

from __future__ import annotations

import warnings
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from commerce_syspro_fixtures import make_app, serve_pair
from fastapi import FastAPI

from ml_connector.engine.service import run_integration
from ml_connector.integrations.commerce_syspro.webhook import webhook_router

with warnings.catch_warnings():  # starlette 1.x warns at import that it would prefer `httpx2`
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

NAME = "commerce-syspro"
HOSTILE = 'O\'Brien & <Sons> "Ltd" ]]> &amp;'


@pytest.fixture
def served():
    pair = serve_pair(commerce={"webhook_url": "http://127.0.0.1:9/unused", "webhook_secret": "hook-secret-1"})
    yield pair
    for s in pair.values():
        s.stop()


def store_of(served):
    return served["commerce"].app.state.emulator.store


def enet_state(served):
    return served["syspro-enet"].app.state.emulator


def _ship_street(order: dict, street: list[str]) -> None:
    for assignment in order.get("extension_attributes", {}).get("shipping_assignments", []):
        assignment["shipping"]["address"]["street"] = street
    if order.get("billing_address"):
        order["billing_address"]["street"] = street


def hostile_orders(served) -> dict[str, str]:
    store = store_of(served)
    made = {}
    for label in ("meta", "huge", "nonlatin", "negative", "no_address", "unknown_sku"):
        order = store.place_order(store_code="default", skus={"VLV-BALL-2IN-BR": 1})
        made[label] = order["increment_id"]
        with store.lock:
            if label == "meta":
                _ship_street(order, [HOSTILE])
                order["items"][0]["name"] = HOSTILE
            elif label == "huge":
                _ship_street(order, ["x" * 10_000])
                order["items"][0]["name"] = "N" * 10_240
                order["customer_firstname"] = "F" * 10_240
            elif label == "nonlatin":
                _ship_street(order, ["Łukasz Żółć ulica 東京都 насос"])
                order["items"][0]["name"] = "Насос центробежный 离心泵"
            elif label == "negative":
                order["grand_total"] = -50
            elif label == "no_address":
                order.pop("billing_address", None)
                order["extension_attributes"].pop("shipping_assignments", None)
            else:
                order["items"][0]["sku"] = "ZZZ-NO-MAPPING"
    return made


def test_hostile_orders_are_escaped_or_parked_and_never_stop_a_run(tmp_path, served) -> None:
    made = hostile_orders(served)
    app = make_app(tmp_path, served)
    report = run_integration(app, NAME)
    # The negative order is a failed record: the run is partial (never "succeeded" with a failed record).
    assert report.status == "partial" and "record(s) failed" in (report.error or ""), report.error
    assert report.exit_code == 1
    orders = {r["CustomerPoNumber"]: r for r in enet_state(served).rows("SorMaster")}
    assert orders[made["meta"]]["ShipAddress1"] == HOSTILE  # escaped on the wire, intact in SYSPRO
    assert len(orders[made["huge"]]["ShipAddress1"]) == 40  # descriptive text truncated to the column
    assert "?" in orders[made["nonlatin"]]["ShipAddress1"]  # what Windows-1252 cannot hold
    assert orders[made["nonlatin"]]["ShipAddress1"].startswith("?ukasz Zó?c ulica")  # ó is in cp1252
    assert orders[made["no_address"]]["ShipAddress1"] == ""
    assert made["negative"] not in orders
    waiting = {(p["stream"], p["source_id"]): p for p in app.store.parked.open(NAME)}
    negative = waiting[("sales_order", made["negative"])]
    assert negative["status"] == "failed"
    assert "negative total" in negative["reason"]
    unknown = waiting[("order_journal", made["unknown_sku"])]
    assert unknown["status"] == "parked"
    assert "ZZZ-NO-MAPPING" in unknown["reason"]
    journals = {r["Reference"] for r in enet_state(served).rows("GenJournalDetail")}
    assert journals == {f"WEB{made[k]}" for k in ("meta", "huge", "nonlatin", "no_address")}


def test_order_changed_after_post_is_flagged_not_posted_again(tmp_path, served) -> None:
    order = store_of(served).place_order(skus={"PMP-SUB-05": 1})
    app = make_app(tmp_path, served)
    run_integration(app, NAME)
    store_of(served).update_order(order["entity_id"], status="processing", state="processing")
    quiet = run_integration(app, NAME)  # a status change is not a content change
    assert {t.stream: t.changed_after_post for t in quiet.streams}["sales_order"] == 0
    store_of(served).update_order(order["entity_id"], customer_email="someone.else@example.com")
    flagged = run_integration(app, NAME)
    assert {t.stream: t.changed_after_post for t in flagged.streams}["sales_order"] == 1
    assert enet_state(served).calls["SORTOI"] == 1
    rows = app.store.ledger.search(integration=NAME, stream="sales_order", status="changed_after_post")
    assert rows[0]["source_id"] == order["increment_id"]


def commerce_writes(served) -> dict[int, str]:
    return {cid: c["updated_at"] for cid, c in store_of(served).customers.items()}


def test_customers_both_ways_settle_without_a_loop(tmp_path, served) -> None:
    store_of(served).place_order(skus={"PMP-SUB-05": 1})  # the emulator answers 500 to a search of no orders
    app = make_app(tmp_path, served)
    first = run_integration(app, NAME)
    assert first.status == "succeeded", first.error
    syspro_codes = {r["Customer"] for r in enet_state(served).rows("ArCustomer")}
    commerce_codes = {
        store_of(served).field("customers", c, "syspro_customer_code") for c in store_of(served).customers.values()
    }
    assert {"000001", "000012"} <= commerce_codes  # SYSPRO customers reached Commerce
    assert len(syspro_codes) == 12 + 10  # and Commerce customers reached SYSPRO
    for _ in range(2):  # the echoes come back once and stop
        before_arsscs, before_commerce = enet_state(served).calls["ARSSCS"], commerce_writes(served)
        run_integration(app, NAME)
        assert enet_state(served).calls["ARSSCS"] == before_arsscs
        assert commerce_writes(served) == before_commerce
    # a change in SYSPRO goes to Commerce once and does not come back
    enet_state(served).update("ArCustomer", ("000005",), {"Name": "Evergreen Packaging Group"})
    run_integration(app, NAME)
    changed = [
        c
        for c in store_of(served).customers.values()
        if store_of(served).field("customers", c, "syspro_customer_code") == "000005"
    ]
    assert changed[0]["lastname"] == "Packaging Group"
    before_arsscs, before_commerce = enet_state(served).calls["ARSSCS"], commerce_writes(served)
    run_integration(app, NAME)
    run_integration(app, NAME)
    assert enet_state(served).calls["ARSSCS"] == before_arsscs
    assert commerce_writes(served) == before_commerce
    # a change in Commerce goes to SYSPRO once and does not come back
    customer = store_of(served).customers[min(store_of(served).customers)]
    with store_of(served).lock:
        customer["firstname"] = "Renamed"
        customer["updated_at"] = (datetime.now(UTC) - timedelta(seconds=2)).strftime("%Y-%m-%d %H:%M:%S")
    code = app.store.mappings.get(NAME, "customer", str(customer["id"]))
    run_integration(app, NAME)
    assert enet_state(served).get("ArCustomer", code)["Name"].startswith("Renamed ")
    before_arsscs, before_commerce = enet_state(served).calls["ARSSCS"], commerce_writes(served)
    run_integration(app, NAME)
    assert enet_state(served).calls["ARSSCS"] == before_arsscs
    assert commerce_writes(served) == before_commerce


def test_webhook_verifies_then_syncs_the_order_now(tmp_path, served) -> None:
    app = make_app(tmp_path, served)
    web = FastAPI()
    web.include_router(webhook_router(app, background=False), prefix="/hooks/commerce-syspro")
    order = store_of(served).place_order(skus={"FLT-CART-10M": 2})
    served["commerce"].app.state.emulator.wait_for_webhooks()
    [delivery] = served["commerce"].app.state.emulator.webhooks.deliveries
    with TestClient(web) as client:
        forged = client.post(
            "/hooks/commerce-syspro", content=delivery.body, headers={**delivery.headers, "x-webhook-secret": "wrong"}
        )
        assert forged.status_code == 401
        tampered = client.post(
            "/hooks/commerce-syspro", content=delivery.body.replace(b"FLT", b"XXX"), headers=delivery.headers
        )
        assert tampered.status_code == 401
        assert enet_state(served).calls["SORTOI"] == 0
        ok = client.post("/hooks/commerce-syspro", content=delivery.body, headers=delivery.headers)
    assert ok.status_code == 200
    assert ok.json()["op"] == "success"
    assert ok.json()["sync"] == "succeeded"
    pos = Counter(r["CustomerPoNumber"] for r in enet_state(served).rows("SorMaster"))
    assert pos == {order["increment_id"]: 1}
