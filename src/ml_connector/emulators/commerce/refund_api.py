"""Web API handlers for what follows an order: partial invoices (``POST /V1/order/{id}/invoice`` with
``items``), refunds (``POST /V1/order/{id}/refund`` offline, ``POST /V1/invoice/{id}/refund`` with
``isOnline``), one credit memo (``GET /V1/creditmemo/{id}``) and cancellation
(``POST /V1/orders/{id}/cancel``). Bodies as the Adobe Commerce REST reference gives them
(``items[{order_item_id, qty}]``, ``arguments{shipping_amount, adjustment_positive, adjustment_negative,
extension_attributes{return_to_stock_items}}``); the list is the generic search in routes.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from fastapi import Request

from ml_connector.emulators.commerce import creditmemos
from ml_connector.emulators.commerce.catalog import StoreView
from ml_connector.emulators.commerce.errors import NO_ENTITY, WebapiError
from ml_connector.emulators.commerce.search import TYPE_INVALID

if TYPE_CHECKING:
    from ml_connector.emulators.commerce.app import CommerceEmulator


def _id(value: str) -> int:
    if not value.isdigit():
        raise WebapiError(400, TYPE_INVALID, {"value": value, "type": "int"})
    return int(value)


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = orjson.loads(await request.body() or b"{}")
    except orjson.JSONDecodeError:
        raise WebapiError(400, "Decoding error.") from None
    if not isinstance(body, dict):
        raise WebapiError(400, "Decoding error.")
    return body


def _qtys(body: dict[str, Any]) -> dict[int, float] | None:
    items = body.get("items")
    if not items:
        return None
    return {int(i["order_item_id"]): float(i["qty"]) for i in items}


async def invoice(emulator: CommerceEmulator, request: Request, params: dict[str, str], _: StoreView) -> Any:
    qtys = _qtys(await _body(request))
    if qtys is None:  # the whole order, as before partial invoices were emulated
        return emulator.store.invoice_order(_id(params["id"]))["entity_id"]
    return creditmemos.invoice_items(emulator.store, _id(params["id"]), qtys)["entity_id"]


def _refund_arguments(body: dict[str, Any]) -> dict[str, Any]:
    args = body.get("arguments") or {}
    extension = args.get("extension_attributes") or {}
    shipping = args.get("shipping_amount")
    return {
        "shipping": None if shipping is None else float(shipping),
        "adjustment_positive": float(args.get("adjustment_positive") or 0),
        "adjustment_negative": float(args.get("adjustment_negative") or 0),
        "return_to_stock": [int(i) for i in extension.get("return_to_stock_items") or []],
    }


async def refund_order(emulator: CommerceEmulator, request: Request, params: dict[str, str], _: StoreView) -> Any:
    """Offline refund for an order; answers the new credit memo's entity id."""
    body = await _body(request)
    qtys = _qtys(body) or {}
    memo = creditmemos.refund(emulator.store, _id(params["id"]), qtys, **_refund_arguments(body))
    return memo["entity_id"]


async def refund_invoice(emulator: CommerceEmulator, request: Request, params: dict[str, str], _: StoreView) -> Any:
    """Refund through an invoice; ``isOnline`` true refunds through the payment gateway."""
    body = await _body(request)
    found = emulator.store.invoices.get(_id(params["id"]))
    if found is None:
        raise WebapiError(404, NO_ENTITY)
    memo = creditmemos.refund(
        emulator.store,
        found["order_id"],
        _qtys(body) or {},
        invoice_id=found["entity_id"],
        online=bool(body.get("isOnline")),
        **_refund_arguments(body),
    )
    return memo["entity_id"]


async def get_creditmemo(emulator: CommerceEmulator, _: Request, params: dict[str, str], __: StoreView) -> Any:
    memo = emulator.store.creditmemos.get(_id(params["id"]))
    if memo is None:
        raise WebapiError(404, NO_ENTITY)
    return memo


async def cancel_order(emulator: CommerceEmulator, _: Request, params: dict[str, str], __: StoreView) -> Any:
    return creditmemos.cancel(emulator.store, _id(params["id"]))
