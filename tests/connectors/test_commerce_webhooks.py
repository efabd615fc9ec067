"""Commerce webhook verification against deliveries the emulator really sent (signed with its RSA key
over base64 of the body, POSTed from a background thread to a local receiver)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ml_connector.connectors.commerce.webhooks import (
    SIGNATURE_HEADER,
    SUCCESS_RESPONSE,
    WebhookPayloadError,
    WebhookVerificationError,
    parse_webhook,
    verify_webhook,
)
from ml_connector.core.clock import FixedClock
from ml_connector.emulators.commerce.app import create_app
from ml_connector.errors import ConfigError
from ml_connector.secrets.secret import Secret


@dataclass
class Receiver:
    url: str
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A plain HTTP endpoint that records each POST and answers ``{"op": "success"}``."""
    box = Receiver("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            box.received.append(({k: v for k, v in self.headers.items()}, body))
            answer = orjson.dumps(SUCCESS_RESPONSE)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    box.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/commerce"
    yield box
    server.shutdown()
    server.server_close()


def _emulator(receiver: Receiver, **options: Any) -> Any:
    clock = FixedClock(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))
    return create_app(seed=5, orders=30, clock=clock, webhook_url=receiver.url, **options)


def _delivered(app: Any, receiver: Receiver) -> tuple[dict[str, str], bytes]:
    app.state.emulator.wait_for_webhooks()
    assert len(receiver.received) == 1
    return receiver.received.pop()


def test_a_genuine_order_placement_verifies_and_names_the_order(receiver: Receiver) -> None:
    app = _emulator(receiver)
    customer_id = next(iter(app.state.emulator.store.customers))
    order = app.state.emulator.store.place_order(customer_id=customer_id, skus={"VLV-BALL-2IN-BR": 4})
    headers, body = _delivered(app, receiver)
    event = verify_webhook(headers, body, public_key=app.state.credentials["webhook_public_key"])
    assert event.kind == "order_placed"
    assert event.event_name == "observer.sales_order_place_after"
    assert event.order_id == order["entity_id"]
    assert event.order_increment_id == order["increment_id"]
    assert app.state.emulator.webhooks.deliveries[0].op == "success"


def test_a_genuine_invoice_verifies_and_names_invoice_and_order(receiver: Receiver) -> None:
    app = _emulator(receiver)
    store = app.state.emulator.store
    pending = next(o for o in store.orders.values() if o["state"] == "new")
    invoice = store.invoice_order(pending["entity_id"])
    headers, body = _delivered(app, receiver)
    event = verify_webhook(headers, body, public_key=app.state.credentials["webhook_public_key"])
    assert event.kind == "invoice_created"
    assert (event.invoice_id, event.order_id) == (invoice["entity_id"], pending["entity_id"])
    assert event.invoice_increment_id == invoice["increment_id"]


def test_tampered_deliveries_are_refused(receiver: Receiver) -> None:
    app = _emulator(receiver)
    key = app.state.credentials["webhook_public_key"]
    app.state.emulator.store.place_order(store_code="marketplace")
    headers, body = _delivered(app, receiver)
    altered = body.replace(b'"grand_total":"', b'"grand_total":"1', 1)
    assert altered != body
    with pytest.raises(WebhookVerificationError, match="does not match the body"):
        verify_webhook(headers, altered, public_key=key)
    forged = {**headers, SIGNATURE_HEADER: headers[SIGNATURE_HEADER][:-8] + "AAAAAAA="}
    with pytest.raises(WebhookVerificationError, match="does not match"):
        verify_webhook(forged, body, public_key=key)
    unsigned = {k: v for k, v in headers.items() if k.lower() != SIGNATURE_HEADER}
    with pytest.raises(WebhookVerificationError, match="no x-adobe-commerce-webhook-signature"):
        verify_webhook(unsigned, body, public_key=key)
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    other_pem = other_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(WebhookVerificationError):
        verify_webhook(headers, body, public_key=other_pem)


def test_shared_secret_header_mode(receiver: Receiver) -> None:
    app = _emulator(receiver, webhook_secret="hook-secret-9f2c", webhook_signing=False)
    app.state.emulator.store.place_order()
    headers, body = _delivered(app, receiver)
    assert SIGNATURE_HEADER not in {k.lower() for k in headers}
    assert verify_webhook(headers, body, shared_secret=Secret("hook-secret-9f2c")).kind == "order_placed"
    with pytest.raises(WebhookVerificationError, match="x-webhook-secret"):
        verify_webhook(headers, body, shared_secret=Secret("another-secret"))
    with pytest.raises(ConfigError):
        verify_webhook(headers, body)


def test_payloads_without_ids_or_of_other_events_are_not_acted_on() -> None:
    before_place = orjson.dumps({"order": {"base_grand_total": 110.0, "items": [{"sku": "Pr-1"}]}})
    with pytest.raises(WebhookPayloadError, match="sales_order_place_after"):
        parse_webhook(before_place)
    with pytest.raises(WebhookPayloadError, match="not an order placement or cancellation"):
        parse_webhook(orjson.dumps({"eventName": "observer.catalog_product_save_after", "data": {"product": {}}}))
    with pytest.raises(WebhookPayloadError, match="not JSON"):
        parse_webhook(b"<xml/>")
    plugin = parse_webhook(orjson.dumps({"order": {"entity_id": "3003", "increment_id": "WA0003003"}}))
    assert (plugin.kind, plugin.order_id, plugin.order_increment_id) == ("order_placed", 3003, "WA0003003")
