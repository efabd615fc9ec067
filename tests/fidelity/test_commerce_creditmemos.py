"""The Commerce emulator's refund and cancellation Web API, over HTTP with the documented bodies
(connector README "Credit memos"): partial invoices, offline and online refunds with adjustments and
return to stock, Commerce's limits, the credit memo list and get, order cancellation."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from ml_connector.emulators.commerce.app import create_app

BASE = "https://shop.example.com"


def call(app: Any, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
            headers = {"Authorization": f"Bearer {app.state.credentials['access_token']}"}
            return await client.request(method, path, headers=headers, **kwargs)

    return asyncio.run(go())


@pytest.fixture
def app() -> Any:
    return create_app(seed=5, orders=0, allow_integration_bearer=True)


def placed(app: Any) -> tuple[dict, dict[str, int]]:
    order = app.state.emulator.store.place_order(skus={"PMP-SUB-05": 2, "VLV-BALL-2IN-BR": 4})
    return order, {i["sku"]: i["item_id"] for i in order["items"]}


def test_partial_invoices_then_offline_refund_with_adjustments_and_return_to_stock(app) -> None:
    order, ids = placed(app)
    first = call(app, "POST", f"/rest/V1/order/{order['entity_id']}/invoice",
                 json={"items": [{"order_item_id": ids["PMP-SUB-05"], "qty": 1}], "capture": True})  # fmt: skip
    assert first.status_code == 200, first.text
    invoice = call(app, "GET", f"/rest/V1/invoices/{first.json()}").json()
    assert invoice["shipping_amount"] == order["shipping_amount"]  # shipping goes on the first invoice
    assert invoice["subtotal"] == 239.0
    body = {
        "items": [{"order_item_id": ids["PMP-SUB-05"], "qty": 1}],
        "arguments": {"shipping_amount": 0, "adjustment_positive": 5, "adjustment_negative": 7.5,
                      "extension_attributes": {"return_to_stock_items": [ids["PMP-SUB-05"]]}},
    }  # fmt: skip
    refund = call(app, "POST", f"/rest/V1/order/{order['entity_id']}/refund", json=body)
    assert refund.status_code == 200, refund.text
    memo = call(app, "GET", f"/rest/V1/creditmemo/{refund.json()}").json()
    assert (memo["subtotal"], memo["adjustment_positive"], memo["adjustment_negative"]) == (239.0, 5.0, 7.5)
    expected = round(
        memo["subtotal"] + memo["tax_amount"] + memo["shipping_amount"] + memo["discount_amount"] + 5 - 7.5, 2
    )
    assert memo["grand_total"] == expected
    assert memo["extension_attributes"]["return_to_stock_items"] == [ids["PMP-SUB-05"]]
    assert "transaction_id" not in memo  # offline
    again = call(app, "POST", f"/rest/V1/order/{order['entity_id']}/refund", json=body)
    assert again.status_code == 400  # only one unit was invoiced, and it is refunded
    listed = call(app, "GET", "/rest/V1/creditmemos", params={
        "searchCriteria[filterGroups][0][filters][0][field]": "order_id",
        "searchCriteria[filterGroups][0][filters][0][value]": str(order["entity_id"])}).json()  # fmt: skip
    assert [m["increment_id"] for m in listed["items"]] == [memo["increment_id"]]


def test_online_invoice_refund_and_cancellation_rules(app) -> None:
    order, ids = placed(app)
    invoice_id = call(app, "POST", f"/rest/V1/order/{order['entity_id']}/invoice", json={}).json()
    assert call(app, "POST", f"/rest/V1/orders/{order['entity_id']}/cancel").json() is False  # invoiced
    items = [{"order_item_id": ids["PMP-SUB-05"], "qty": 2}, {"order_item_id": ids["VLV-BALL-2IN-BR"], "qty": 4}]
    refund = call(app, "POST", f"/rest/V1/invoice/{invoice_id}/refund", json={"items": items, "isOnline": True})
    memo = call(app, "GET", f"/rest/V1/creditmemo/{refund.json()}").json()
    assert memo["transaction_id"]
    assert memo["grand_total"] == order["grand_total"]  # a full refund gives everything back, shipping too
    assert app.state.emulator.store.orders[order["entity_id"]]["state"] == "closed"
    other, _ = placed(app)
    assert call(app, "POST", f"/rest/V1/orders/{other['entity_id']}/cancel").json() is True
    assert call(app, "GET", f"/rest/V1/orders/{other['entity_id']}").json()["state"] == "canceled"
    empty = call(app, "POST", f"/rest/V1/order/{other['entity_id']}/refund", json={"items": []})
    assert empty.status_code == 400
    assert call(app, "GET", "/rest/V1/creditmemo/999").status_code == 404


def test_invoice_search_on_a_store_with_no_invoice_yet_answers_an_empty_page(app) -> None:
    """sales_invoice is a table: its columns exist before the first row, so an updated_at filter on a store
    with no invoice is an empty result (total_count 0), not an error."""
    params = {
        "searchCriteria[filterGroups][0][filters][0][field]": "updated_at",
        "searchCriteria[filterGroups][0][filters][0][value]": "2026-01-01 00:00:00",
        "searchCriteria[filterGroups][0][filters][0][conditionType]": "gteq",
        "searchCriteria[pageSize]": "50",
    }
    answer = call(app, "GET", "/rest/V1/invoices", params=params)
    assert answer.status_code == 200, answer.text
    assert answer.json()["items"] == []
    assert answer.json()["total_count"] == 0
