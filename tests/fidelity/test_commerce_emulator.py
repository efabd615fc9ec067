"""The Commerce emulator against material nobody here wrote: RFC 5849's worked example, Authlib's stock
OAuth 1.0a signer, the reference's error bodies, searchCriteria rules and field shapes
(docs/protocols/COMMERCE.md), and the reference's webhook verify recipe.
"""

from __future__ import annotations

import asyncio
import base64
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from authlib.oauth1 import ClientAuth
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ml_connector.core.clock import FixedClock
from ml_connector.emulators.commerce.app import create_app
from ml_connector.emulators.commerce.oauth import base_string, parse_authorization, query_params, signature
from ml_connector.emulators.commerce.webhooks import WebhookSender, sign_body
from ml_connector.emulators.faults import FaultPlan, FaultRule

BASE = "https://shop.example.com"
STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
NOT_AUTHORIZED = "The consumer isn't authorized to access %resources."


def call(app: Any, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One request through the ASGI app in-process (httpx's ASGI transport is async-only)."""

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(go())


def signed(app: Any, path: str, params: dict[str, str] | None = None, **override: str) -> httpx.Response:
    """GET signed by Authlib's own HMAC-SHA1 client (not the connector's signer)."""
    c = {**app.state.credentials, **override}
    url = str(httpx.URL(BASE + path, params=params or {}))
    auth = ClientAuth(c["consumer_key"], c["consumer_secret"], c["access_token"], c["access_token_secret"])
    _, headers, _ = auth.sign("GET", url, {}, b"")
    return call(app, "GET", url, headers=headers)


@pytest.fixture(scope="module")
def app() -> Any:
    return create_app(seed=21, orders=250, allow_integration_bearer=True)


def bearer(app: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {app.state.credentials['access_token']}"}


def search(app: Any, path: str, params: dict[str, str]) -> dict[str, Any]:
    response = call(app, "GET", path, params=params, headers=bearer(app))
    assert response.status_code == 200, response.text
    return response.json()


# ---- OAuth 1.0a ---------------------------------------------------------------------------------------
def test_rfc5849_worked_example_signs_identically() -> None:
    # RFC 5849 section 1.2: client secret kd94hf93k423kf44, token secret pfkkdhi9sl3r4s00.
    header = (
        'OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03", oauth_token="nnch734d00sl2jdk", '
        'oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131202", oauth_nonce="chapoH", '
        'oauth_signature="MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D"'
    )
    oauth = parse_authorization(header)
    assert oauth is not None
    params = {**query_params("file=vacation.jpg&size=original"), **oauth}
    base = base_string("GET", "http", "photos.example.net", "/photos", params)
    assert signature(base, "HMAC-SHA1", "kd94hf93k423kf44", "pfkkdhi9sl3r4s00") == "MdpQcU8iPSUjWoN/UDMsK2sui9I="


def test_authlib_signed_search_is_accepted_and_a_replayed_nonce_refused(app: Any) -> None:
    params = {
        "searchCriteria[filter_groups][0][filters][0][field]": "updated_at",
        "searchCriteria[filter_groups][0][filters][0][value]": "2025-01-20 00:00:00",
        "searchCriteria[filter_groups][0][filters][0][condition_type]": "gteq",
        "searchCriteria[pageSize]": "5",
    }
    url = str(httpx.URL(BASE + "/rest/default/V1/orders", params=params))
    c = app.state.credentials
    _, headers, _ = ClientAuth(
        c["consumer_key"], c["consumer_secret"], c["access_token"], c["access_token_secret"]
    ).sign("GET", url, {}, b"")
    first = call(app, "GET", url, headers=headers)
    assert first.status_code == 200, first.text
    assert len(first.json()["items"]) == 5
    replay = call(app, "GET", url, headers=headers)
    assert replay.status_code == 401
    assert replay.json() == {
        "message": "The nonce is already being used by the consumer with ID %1",
        "code": 5,
        "parameters": [1],
    }


def test_oauth_protocol_errors_match_magento(app: Any) -> None:
    assert signed(app, "/rest/V1/orders/1").status_code == 200  # fine; now a timestamp 1 h ahead:
    c = app.state.credentials
    auth = ClientAuth(c["consumer_key"], c["consumer_secret"], c["access_token"], c["access_token_secret"])
    _, headers, _ = auth.sign("GET", BASE + "/rest/V1/orders/1", {}, b"")
    ahead = str(int(time.time()) + 3600)
    headers["Authorization"] = re.sub(r'oauth_timestamp="\d+"', f'oauth_timestamp="{ahead}"', headers["Authorization"])
    refused = call(app, "GET", "/rest/V1/orders/1", headers=headers)
    assert (refused.status_code, refused.json()) == (
        401,
        {"message": "Incorrect timestamp value in the oauth_timestamp parameter", "code": 4},
    )
    short = signed(app, "/rest/V1/orders/1", access_token="short")
    assert (short.status_code, short.json()["message"]) == (
        400,
        "The token length is invalid. Check the length and try again.",
    )
    stranger = signed(app, "/rest/V1/orders/1", consumer_key="k" * 32)
    assert (stranger.status_code, stranger.json()["message"]) == (
        401,
        "A consumer having the specified key does not exist",
    )
    missing = call(app, "GET", "/rest/V1/orders/1", headers={"Authorization": 'OAuth oauth_consumer_key="x"'})
    assert missing.status_code == 400
    assert missing.json()["message"] == "One or more input exceptions have occurred."
    assert {
        "message": '"%fieldName" is required. Enter and try again.',
        "parameters": {"fieldName": "oauth_nonce"},
    } in (missing.json()["errors"])
    anonymous = call(app, "GET", "/rest/V1/invoices", params={"searchCriteria": ""})
    assert anonymous.json() == {"message": NOT_AUTHORIZED, "parameters": {"resources": "Magento_Sales::sales_invoice"}}


# ---- routes and errors --------------------------------------------------------------------------------
def test_routes_store_codes_and_tenant(app: Any) -> None:
    auth = bearer(app)
    for path in ("/rest/V1/orders/3", "/rest/default/V1/orders/3", "/rest/all/V1/orders/3", "/rest/b2b/V1/orders/3"):
        assert call(app, "GET", path, headers=auth).json()["entity_id"] == 3
    assert call(app, "GET", "/emulator-tenant/V1/orders/3", headers=auth).status_code == 200
    for path in ("/rest/V1/nothing", "/rest/nostore/V1/orders/3", "/other-tenant/V1/orders/3", "/rest/V2/orders"):
        response = call(app, "GET", path, headers=auth)
        assert (response.status_code, response.json()) == (404, {"message": "Request does not match any route."})
    deleted = call(app, "DELETE", "/rest/V1/orders/3", headers=auth)
    assert deleted.status_code == 404
    gone = call(app, "GET", "/rest/V1/orders/999999", headers=auth)
    assert gone.json() == {"message": "The entity that was requested doesn't exist. Verify the entity and try again."}
    nobody = call(app, "GET", "/rest/V1/customers/999999", headers=auth)
    assert (nobody.status_code, nobody.json()) == (
        404,
        {
            "message": "No such entity with %fieldName = %fieldValue",
            "parameters": {"fieldName": "customerId", "fieldValue": 999999},
        },
    )


# ---- searchCriteria -----------------------------------------------------------------------------------
def test_or_within_a_group_and_across_groups(app: Any) -> None:
    orders = app.state.emulator.store.orders.values()
    params = {
        "searchCriteria[filter_groups][0][filters][0][field]": "state",
        "searchCriteria[filter_groups][0][filters][0][value]": "canceled",
        "searchCriteria[filter_groups][0][filters][1][field]": "state",
        "searchCriteria[filter_groups][0][filters][1][value]": "new",
        "searchCriteria[filter_groups][1][filters][0][field]": "store_id",
        "searchCriteria[filter_groups][1][filters][0][value]": "2",
        "searchCriteria[filter_groups][1][filters][0][condition_type]": "neq",
        "searchCriteria[pageSize]": "300",
    }
    got = search(app, "/rest/V1/orders", params)
    expected = {o["entity_id"] for o in orders if o["state"] in ("canceled", "new") and o["store_id"] != 2}
    assert expected
    assert {o["entity_id"] for o in got["items"]} == expected
    assert got["total_count"] == len(expected)
    camel = {
        k.replace("filter_groups", "filterGroups").replace("condition_type", "conditionType"): v
        for k, v in params.items()
    }
    again = search(app, "/rest/V1/orders", camel)
    assert again == got  # camelCase keys are read the same and echoed in snake_case


@pytest.mark.parametrize(
    ("field", "condition", "value", "predicate"),
    [
        (
            "increment_id",
            "in",
            "000000001, 000000003,2000000002",
            lambda o: o["increment_id"] in {"000000001", "000000003", "2000000002"},
        ),
        ("store_id", "nin", "1,3", lambda o: o["store_id"] == 2),
        (
            "customer_email",
            "like",
            "%@MARKETPLACE.example",
            lambda o: o["customer_email"].endswith("@marketplace.example"),
        ),
        ("customer_email", "nlike", "%example.com", lambda o: not o["customer_email"].endswith("example.com")),
        ("coupon_code", "notnull", "1", lambda o: "coupon_code" in o),
        ("customer_id", "null", "1", lambda o: "customer_id" not in o),
        ("grand_total", "gt", "999.99", lambda o: o["grand_total"] > 999.99),
        ("created_at", "lteq", "2025-01-09 00:00:00", lambda o: o["created_at"] <= "2025-01-09 00:00:00"),
        ("updated_at", "from", "2025-01-20 00:00:00", lambda o: o["updated_at"] >= "2025-01-20 00:00:00"),
        ("applied_rule_ids", "finset", "3", lambda o: o.get("applied_rule_ids") == "3"),
    ],
)
def test_condition_types(app: Any, field: str, condition: str, value: str, predicate: Any) -> None:
    params = {
        "searchCriteria[filter_groups][0][filters][0][field]": field,
        "searchCriteria[filter_groups][0][filters][0][value]": value,
        "searchCriteria[filter_groups][0][filters][0][condition_type]": condition,
    }
    got = search(app, "/rest/V1/orders", params)
    expected = {o["entity_id"] for o in app.state.emulator.store.orders.values() if predicate(o)}
    assert expected
    assert got["total_count"] == len(expected)


def test_echo_paging_sorting_and_limits(app: Any) -> None:
    bare = search(app, "/rest/V1/customers/search", {"searchCriteria": ""})
    assert bare["search_criteria"] == {"filter_groups": []}
    assert len(bare["items"]) == 20  # input limits on: default page size 20
    desc = search(
        app,
        "/rest/V1/orders",
        {"searchCriteria[sortOrders][0][field]": "grand_total", "searchCriteria[pageSize]": "10"},
    )
    totals = [o["grand_total"] for o in desc["items"]]
    assert totals == sorted(totals, reverse=True)  # no direction: DESC
    assert desc["search_criteria"] == {"filter_groups": [], "sort_orders": [{"field": "grand_total"}], "page_size": 10}
    too_big = call(app, "GET", "/rest/V1/orders", params={"searchCriteria[pageSize]": "301"}, headers=bearer(app))
    assert (too_big.status_code, too_big.json()) == (
        400,
        {"message": "Maximum SearchCriteria pageSize is %max", "parameters": {"max": 300}},
    )
    absent = call(app, "GET", "/rest/V1/orders", headers=bearer(app))
    assert absent.json() == {
        "message": "%fieldName is a required field.",
        "parameters": {"fieldName": "searchCriteria"},
    }
    sideways = call(
        app,
        "GET",
        "/rest/V1/orders",
        params={"searchCriteria[sortOrders][0][field]": "x", "searchCriteria[sortOrders][0][direction]": "up"},
        headers=bearer(app),
    )
    assert sideways.status_code == 400


def test_past_the_end_pages_in_2_4_and_in_2_3_mode(app: Any) -> None:
    params = {"searchCriteria[pageSize]": "100", "searchCriteria[currentPage]": "7"}
    modern = search(app, "/rest/V1/orders", params)
    assert (modern["items"], modern["total_count"]) == ([], 250)
    legacy_app = create_app(seed=21, orders=250, allow_integration_bearer=True, repeat_last_page=True)
    legacy = search(legacy_app, "/rest/V1/orders", params)
    last = search(legacy_app, "/rest/V1/orders", {**params, "searchCriteria[currentPage]": "3"})
    assert len(legacy["items"]) == 50
    assert legacy["items"] == last["items"]


# ---- shapes -------------------------------------------------------------------------------------------
def _nulls(value: Any, path: str = "") -> list[str]:
    if value is None:
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _nulls(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _nulls(v, f"{path}[{i}]")]
    return []


def test_order_invoice_and_customer_shapes_follow_the_reference(app: Any) -> None:
    auth = bearer(app)
    invoice = call(app, "GET", "/rest/V1/invoices/1", headers=auth).json()
    order = call(app, "GET", f"/rest/V1/orders/{invoice['order_id']}", headers=auth).json()
    assert isinstance(order["entity_id"], int)
    assert isinstance(order["increment_id"], str)
    assert all(isinstance(order[k], int | float) for k in ("grand_total", "base_grand_total", "subtotal", "tax_amount"))
    assert order["customer_is_guest"] in (0, 1)
    assert STAMP.match(order["created_at"])
    assert STAMP.match(order["updated_at"])
    assert "\n" in order["store_name"]
    assert _nulls(order) == [".payment.account_status", ".payment.cc_last4"]  # required fields only
    assert "shipping_address" not in order
    ship_to = order["extension_attributes"]["shipping_assignments"][0]["shipping"]["address"]
    assert ship_to["address_type"] == "shipping"
    assert order["grand_total"] == pytest.approx(
        order["subtotal"] + order["discount_amount"] + order["tax_amount"] + order["shipping_amount"], abs=0.011
    )
    assert {"order_id", "total_qty", "items"} <= set(invoice)
    assert isinstance(invoice["state"], int)
    assert {"sku", "order_item_id", "qty"} <= set(invoice["items"][0])
    customer = call(app, "GET", "/rest/V1/customers/1", headers=auth).json()
    assert "id" in customer
    assert "entity_id" not in customer
    assert isinstance(customer["default_billing"], str)
    assert {"email", "firstname", "lastname"} <= set(customer)


def test_seeded_store_is_deterministic_and_realistic() -> None:
    first, again, other = (create_app(seed=s, orders=300).state.emulator.store for s in (4, 4, 5))
    assert first.orders == again.orders
    assert first.orders != other.orders
    orders = list(first.orders.values())
    assert {o["store_id"] for o in orders} == {1, 2, 3}
    assert len(first.invoices) >= 0.75 * len(orders)
    assert any(o["discount_amount"] < 0 for o in orders)
    assert any(o["tax_amount"] > 0 for o in orders)
    assert any(i.get("parent_item_id") for o in orders for i in o["items"])  # configurable children
    assert {o["customer_is_guest"] for o in orders} == {0, 1}


def test_generate_orders_in_bulk_stays_in_the_past() -> None:
    clock = FixedClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    store = create_app(seed=1, orders=10, clock=clock).state.emulator.store
    ids = store.generate_orders(2000)
    assert len(set(ids)) == 2000
    assert all(store.orders[i]["updated_at"] <= "2026-06-01 12:00:00" for i in ids)
    assert all(store.orders[i]["created_at"] >= "2026-05-31 19:20:00" for i in ids)


# ---- other auth modes, faults, writes, webhooks -------------------------------------------------------
def test_ims_tokens_and_integration_bearer_flag() -> None:
    clock = FixedClock(datetime(2026, 2, 1, tzinfo=UTC))
    saas = create_app(seed=2, orders=3, clock=clock)
    c = saas.state.credentials
    form = {
        "client_id": c["ims_client_id"],
        "client_secret": c["ims_client_secret"],
        "grant_type": "client_credentials",
    }
    issued = call(saas, "POST", "/ims/token/v3", data=form).json()
    assert (issued["token_type"], issued["expires_in"]) == ("bearer", 86399)
    token = {"Authorization": f"Bearer {issued['access_token']}"}
    assert call(saas, "GET", "/emulator-tenant/V1/orders/1", headers=token).status_code == 200
    clock.advance(timedelta(seconds=86399))
    expired = call(saas, "GET", "/emulator-tenant/V1/orders/1", headers=token)
    assert (expired.status_code, expired.json()["message"]) == (401, NOT_AUTHORIZED)
    wrong = call(saas, "POST", "/ims/token/v3", data={**form, "client_secret": "nope"})
    assert wrong.json()["error"] == "invalid_client"
    assert call(saas, "GET", "/rest/V1/orders/1", headers=bearer(saas)).status_code == 401  # bearer off by default


def test_rate_limit_fault_has_commerce_shape() -> None:
    plan = FaultPlan(
        [FaultRule("rate_limit", path="/V1/orders", count=1, retry_after=3, body={"message": "Too Many Requests"})]
    )
    limited = create_app(seed=3, orders=3, faults=plan, allow_integration_bearer=True)
    response = call(limited, "GET", "/rest/V1/orders/1", headers=bearer(limited))
    assert (response.status_code, response.headers["Retry-After"], response.json()) == (
        429,
        "3",
        {"message": "Too Many Requests"},
    )
    assert call(limited, "GET", "/rest/V1/orders/1", headers=bearer(limited)).status_code == 200


def test_customer_writes() -> None:
    shop = create_app(seed=8, orders=3, allow_integration_bearer=True)
    auth = bearer(shop)
    body = {
        "customer": {
            "email": "pat.lee@example.org", "firstname": "Pat", "lastname": "Lee", "website_id": 1,
            "custom_attributes": [{"attribute_code": "syspro_customer_code", "value": "0000042"},
                                  {"attribute_code": "not_an_attribute", "value": "x"}],
        }
    }  # fmt: skip
    created = call(shop, "POST", "/rest/V1/customers", json=body, headers=auth).json()
    assert created["custom_attributes"] == [{"attribute_code": "syspro_customer_code", "value": "0000042"}]
    duplicate = call(shop, "POST", "/rest/V1/customers", json=body, headers=auth)
    assert (duplicate.status_code, duplicate.json()) == (
        400,
        {"message": "A customer with the same email address already exists in an associated website."},
    )
    nameless = call(
        shop, "POST", "/rest/V1/customers", json={"customer": {"email": "a@b.c", "lastname": "B"}}, headers=auth
    )
    assert nameless.json() == {
        "message": '"%fieldName" is required. Enter and try again.',
        "parameters": {"fieldName": "firstname"},
    }


def test_webhook_signature_follows_the_reference_recipe() -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    sender = WebhookSender("http://127.0.0.1:9/unused", private_key_pem=pem)
    body = b'{"eventName":"observer.sales_order_place_after","data":{"order":{"entity_id":"7"}}}'
    signature_b64 = sign_body(private, body)
    public = serialization.load_pem_public_key(sender.public_key_pem.encode())
    assert isinstance(public, rsa.RSAPublicKey)
    # reference 1.11: pub.verify(b64decode(sig), b64encode(raw_body), padding.PKCS1v15(), hashes.SHA256())
    public.verify(base64.b64decode(signature_b64), base64.b64encode(body), padding.PKCS1v15(), hashes.SHA256())
    with pytest.raises(InvalidSignature):
        public.verify(base64.b64decode(signature_b64), body, padding.PKCS1v15(), hashes.SHA256())
