"""Verification and parsing of incoming Adobe Commerce webhooks (module ``magento/commerce-webhooks``,
commerce-sterling-x12.md §1.11). Pure functions over (headers, raw body, key): the web layer maps the errors to HTTP.

Signature: ``x-adobe-commerce-webhook-signature`` = base64(RSA-SHA256 over base64(raw body)) made with
the store's private key; verified with the public key the Admin shows (Stores > Configuration >
Adobe Services > Webhooks). Signing is off by default in Commerce, so a shared secret sent in a
configured hook header (``<headers>`` in webhooks.xml) is supported as well, alone or together.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ml_connector.errors import ConfigError, RemoteRejectedError
from ml_connector.secrets.secret import Secret

SIGNATURE_HEADER = "x-adobe-commerce-webhook-signature"
DEFAULT_SECRET_HEADER = "x-webhook-secret"  # noqa: S105 - a header name
SUCCESS_RESPONSE = {"op": "success"}  # what a hook endpoint answers to let Commerce continue

ORDER_EVENTS = frozenset(
    {
        "observer.sales_order_place_after",
        "observer.sales_order_save_after",
        "observer.checkout_submit_all_after",
        "plugin.magento.sales.api.order_management.place",
        "plugin.sales.api.order_management.place",
    }
)
INVOICE_EVENTS = frozenset(
    {
        "observer.sales_order_invoice_save_after",
        "observer.sales_order_invoice_pay",
        "observer.sales_order_invoice_register",
    }
)

CREDITMEMO_EVENTS = frozenset({"observer.sales_order_creditmemo_save_after", "observer.sales_order_creditmemo_refund"})
CANCEL_EVENTS = frozenset({"observer.order_cancel_after"})


class CommerceWebhookError(RemoteRejectedError):
    """An incoming Commerce webhook was refused; answer it with a 4xx."""


class WebhookVerificationError(CommerceWebhookError):
    """Missing or wrong signature / secret: answer 401 and do not act on the body."""


class WebhookPayloadError(CommerceWebhookError):
    """Authentic, but not an event we can act on: answer 400 (or 200 with ``op: success`` to ignore)."""


@dataclass(frozen=True)
class CommerceWebhookEvent:
    """What to sync after a webhook: the order (and invoice) ids it names."""

    kind: Literal["order_placed", "invoice_created", "creditmemo_created", "order_canceled"]
    event_name: str
    order_id: int | None = None  # sales order entity_id
    order_increment_id: str | None = None
    invoice_id: int | None = None
    invoice_increment_id: str | None = None
    creditmemo_id: int | None = None
    creditmemo_increment_id: str | None = None
    payload: dict[str, Any] = field(default_factory=dict, repr=False)


def verify_webhook(
    headers: Mapping[str, str],
    body: bytes,
    *,
    public_key: str | bytes | None = None,
    shared_secret: Secret | None = None,
    secret_header: str = DEFAULT_SECRET_HEADER,
) -> CommerceWebhookEvent:
    """Check a delivery's authenticity, then parse it.

    Args:
        headers: the request headers (any case).
        body: the raw request body, exactly as received (never re-serialised JSON).
        public_key: the store's webhook public key (PEM); checks ``x-adobe-commerce-webhook-signature``.
        shared_secret: a secret the hook configuration sends in ``secret_header``.

    Raises:
        ConfigError: neither a public key nor a shared secret was given.
        WebhookVerificationError: the signature or the secret does not match.
        WebhookPayloadError: the body is not an order or invoice event with ids.
    """
    if public_key is None and shared_secret is None:
        raise ConfigError("Commerce webhook verification needs the store's webhook public key or a shared secret.")
    lowered = {k.lower(): v for k, v in headers.items()}
    if shared_secret is not None:
        given = lowered.get(secret_header.lower(), "")
        if not hmac.compare_digest(given.encode(), shared_secret.reveal().encode()):
            raise WebhookVerificationError(
                f"Adobe Commerce webhook refused: header {secret_header} is missing or wrong. "
                "Check the hook's <headers> configuration.",
                system="Adobe Commerce webhook",
                status=401,
            )
    if public_key is not None:
        _check_signature(lowered.get(SIGNATURE_HEADER), body, public_key)
    return parse_webhook(body)


def _check_signature(signature: str | None, body: bytes, public_key: str | bytes) -> None:
    if not signature:
        raise WebhookVerificationError(
            f"Adobe Commerce webhook refused: no {SIGNATURE_HEADER} header. Enable signing under Stores > "
            "Configuration > Adobe Services > Webhooks and generate the key pair.",
            system="Adobe Commerce webhook",
            status=401,
        )
    pem = public_key.encode() if isinstance(public_key, str) else public_key
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError as exc:
        raise ConfigError(f"The Commerce webhook public key is not a PEM public key ({exc}).") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise ConfigError("The Commerce webhook public key must be an RSA key.")
    try:
        key.verify(
            base64.b64decode(signature, validate=True), base64.b64encode(body), padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, binascii.Error, ValueError):
        raise WebhookVerificationError(
            "Adobe Commerce webhook refused: the signature does not match the body. The body was altered "
            "or the public key is not this store's current webhook key.",
            system="Adobe Commerce webhook",
            status=401,
        ) from None


def parse_webhook(body: bytes) -> CommerceWebhookEvent:
    """Read an event payload: ``{"eventName", "data": {"order"|"invoice": {...}}}`` or a plugin
    payload ``{"order": {...}}``. Values may be strings (raw model data, commerce-sterling-x12.md §1.12)."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise _payload_error("the body is not JSON") from None
    if not isinstance(document, dict):
        raise _payload_error("the body is not a JSON object")
    event_name = str(document.get("eventName") or "")
    nested = document.get("data")
    data: dict[str, Any] = nested if isinstance(nested, dict) else document
    invoice, order, memo = data.get("invoice"), data.get("order"), data.get("creditmemo")
    if isinstance(memo, dict) and (not event_name or event_name in CREDITMEMO_EVENTS):
        refund = CommerceWebhookEvent(
            "creditmemo_created",
            event_name or "creditmemo",
            order_id=_integer(memo.get("order_id")),
            invoice_id=_integer(memo.get("invoice_id")),
            creditmemo_id=_integer(memo.get("entity_id")),
            creditmemo_increment_id=_text(memo.get("increment_id")),
            payload=document,
        )
        if refund.creditmemo_id is None and refund.order_id is None:
            raise _payload_error("the credit memo carries neither entity_id nor order_id")
        return refund
    if isinstance(invoice, dict) and (not event_name or event_name in INVOICE_EVENTS):
        event = CommerceWebhookEvent(
            "invoice_created",
            event_name or "invoice",
            order_id=_integer(invoice.get("order_id")),
            invoice_id=_integer(invoice.get("entity_id")),
            invoice_increment_id=_text(invoice.get("increment_id")),
            payload=document,
        )
        if event.invoice_id is None and event.order_id is None:
            raise _payload_error("the invoice carries neither entity_id nor order_id")
        return event
    if isinstance(order, dict) and (not event_name or event_name in ORDER_EVENTS | CANCEL_EVENTS):
        event = CommerceWebhookEvent(
            "order_canceled" if event_name in CANCEL_EVENTS else "order_placed",
            event_name or "order",
            order_id=_integer(order.get("entity_id")),
            order_increment_id=_text(order.get("increment_id")),
            payload=document,
        )
        if event.order_id is None and event.order_increment_id is None:
            raise _payload_error(
                "the order has no entity_id or increment_id yet (a 'before' hook?); subscribe to "
                "observer.sales_order_place_after instead"
            )
        return event
    raise _payload_error(
        f"event {event_name or '(unnamed)'} is not an order placement or cancellation, an invoice or a credit memo"
    )


def _payload_error(why: str) -> WebhookPayloadError:
    return WebhookPayloadError(
        f"Adobe Commerce webhook not understood: {why}.", system="Adobe Commerce webhook", status=400
    )


def _integer(value: Any) -> int | None:
    try:
        return int(str(value).split(".")[0]) if value not in (None, "") else None
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
