"""Web API routing of the emulator: store-code and tenant prefixes, the route table with each
route's ACL resource, authentication, and the handlers for searches, single entities, invoices and
customer saves. Errors surface as Magento's JSON error bodies.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import orjson
from fastapi import Request
from starlette.responses import Response

from ml_connector.emulators.commerce import refund_api
from ml_connector.emulators.commerce.catalog import STORES_BY_CODE, StoreView
from ml_connector.emulators.commerce.customers import no_such_customer
from ml_connector.emulators.commerce.errors import NO_ENTITY, NO_ROUTE, WebapiError, internal_error, required_fields
from ml_connector.emulators.commerce.search import TYPE_INVALID, check_page_size, parse_search_criteria

if TYPE_CHECKING:
    from ml_connector.emulators.commerce.app import CommerceEmulator

_PREFIX = re.compile(r"^/(?:rest(?:/(?P<store>[^/]+))?|(?P<tenant>[^/]+))/V1/(?P<route>.+)$")
Handler = Callable[["CommerceEmulator", Request, dict[str, str], StoreView], Awaitable[Any]]


async def dispatch(emulator: CommerceEmulator, request: Request) -> Response:
    match = _PREFIX.match(request.url.path)
    if match is None:
        raise WebapiError(404, NO_ROUTE)
    code, tenant = match["store"], match["tenant"]
    if tenant is not None and tenant != emulator.tenant_id:
        raise WebapiError(404, NO_ROUTE)
    if code is not None and code != "all" and code not in STORES_BY_CODE:
        raise WebapiError(404, NO_ROUTE)  # PathProcessor leaves unknown codes in the path
    store_view = STORES_BY_CODE.get(code or "default", STORES_BY_CODE["default"])
    for method, pattern, resource, handler in ROUTES:
        found = re.fullmatch(pattern, match["route"])
        if found is None or method != request.method:
            continue
        raw_path = request.scope.get("raw_path", request.url.path.encode()).decode("latin-1").split("?")[0]
        form = request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
        emulator.auth.authenticate(
            request.method,
            request.url.scheme,
            request.headers.get("host", request.url.netloc),
            raw_path,
            request.scope.get("query_string", b"").decode("latin-1"),
            request.headers.get("authorization"),
            resource,
            (await request.body()).decode("latin-1") if form else "",
        )
        result = await handler(emulator, request, found.groupdict(), store_view)
        if isinstance(result, Response):
            return result
        with emulator.store.lock:
            content = orjson.dumps(result)
        return Response(content, media_type="application/json")
    raise WebapiError(404, NO_ROUTE)


def _entity_id(value: str) -> int:
    if not value.isdigit():
        raise WebapiError(400, TYPE_INVALID, {"value": value, "type": "int"})
    return int(value)


def _search(collection: str) -> Handler:
    async def handle(emulator: CommerceEmulator, request: Request, _: dict[str, str], __: StoreView) -> Any:
        criteria = parse_search_criteria(request.query_params.multi_items())
        check_page_size(
            criteria, input_limit_enabled=emulator.input_limit_enabled, max_page_size=emulator.max_page_size
        )
        store = emulator.store
        names = [f.field for g in criteria.filter_groups for f in g] + [s.field for s in criteria.sort_orders or []]
        if any(not store.is_column(collection, name) for name in names):
            raise internal_error()  # an unknown column is an SQL error, masked in production mode
        echo = criteria.echo()
        plan = emulator.faults
        if plan is not None and plan.fire(request.method, request.url.path, {"repeat_page"}) is not None:
            criteria.current_page = max(1, (criteria.current_page or 1) - 1)
        default_size = 20 if emulator.input_limit_enabled else None
        with store.lock:
            items, total = store.search(
                collection, criteria, default_page_size=default_size, repeat_last_page=emulator.repeat_last_page
            )
            content = orjson.dumps({"items": items, "search_criteria": echo, "total_count": total})
        return Response(content, media_type="application/json")

    return handle


def _get(collection: str) -> Handler:
    async def handle(emulator: CommerceEmulator, _: Request, params: dict[str, str], __: StoreView) -> Any:
        key = _entity_id(params["id"])
        entity = getattr(emulator.store, collection).get(key)
        if entity is not None:
            return entity
        if collection == "customers":
            raise no_such_customer(key)
        raise WebapiError(404, NO_ENTITY)

    return handle


async def _save_customer(emulator: CommerceEmulator, request: Request, params: dict[str, str], view: StoreView) -> Any:
    try:
        body = orjson.loads(await request.body() or b"{}")
    except orjson.JSONDecodeError:
        raise WebapiError(400, "Decoding error.") from None
    if not isinstance(body, dict) or not isinstance(body.get("customer"), dict):
        raise required_fields(["customer"])
    customer_id = _entity_id(params["id"]) if "id" in params else None
    return emulator.store.save_customer(body["customer"], customer_id=customer_id, store=view)


ROUTES: tuple[tuple[str, str, str, Handler], ...] = (
    ("GET", r"orders", "Magento_Sales::actions_view", _search("orders")),
    ("GET", r"orders/(?P<id>[^/]+)", "Magento_Sales::actions_view", _get("orders")),
    ("POST", r"order/(?P<id>[^/]+)/invoice", "Magento_Sales::sales_invoice", refund_api.invoice),
    ("POST", r"order/(?P<id>[^/]+)/refund", "Magento_Sales::creditmemo", refund_api.refund_order),
    ("POST", r"invoice/(?P<id>[^/]+)/refund", "Magento_Sales::creditmemo", refund_api.refund_invoice),
    ("POST", r"orders/(?P<id>[^/]+)/cancel", "Magento_Sales::cancel", refund_api.cancel_order),
    ("GET", r"creditmemos", "Magento_Sales::sales_creditmemo", _search("creditmemos")),
    ("GET", r"creditmemo/(?P<id>[^/]+)", "Magento_Sales::sales_creditmemo", refund_api.get_creditmemo),
    ("GET", r"invoices", "Magento_Sales::sales_invoice", _search("invoices")),
    ("GET", r"invoices/(?P<id>[^/]+)", "Magento_Sales::sales_invoice", _get("invoices")),
    ("GET", r"customers/search", "Magento_Customer::customer", _search("customers")),
    ("GET", r"customers/(?P<id>[^/]+)", "Magento_Customer::customer", _get("customers")),
    ("POST", r"customers", "Magento_Customer::manage", _save_customer),
    ("PUT", r"customers/(?P<id>[^/]+)", "Magento_Customer::manage", _save_customer),
)
