"""Outgoing Adobe Commerce webhooks (module magento/commerce-webhooks, commerce-sterling-x12.md §1.11): a JSON POST
``{"eventName", "data"}`` signed in ``x-adobe-commerce-webhook-signature`` as
base64(RSA-SHA256(base64(body))) with the store's private key, sent from a background thread.
"""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import httpx
import orjson
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ml_connector.emulators.commerce.invoices import model_data

SIGNATURE_HEADER = "x-adobe-commerce-webhook-signature"


@lru_cache(maxsize=1)
def _generated_key_pem() -> bytes:
    """One RSA-2048 key per process (generation costs ~0.1 s; emulators share it)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def sign_body(private_key: rsa.RSAPrivateKey, body: bytes) -> str:
    """What Commerce puts in the signature header for ``body`` (PKCS#1 v1.5 is Node's default) [I]."""
    signed = private_key.sign(base64.b64encode(body), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signed).decode()


@dataclass
class WebhookDelivery:
    """One attempt: what was sent and what came back (``op`` from the receiver's JSON, if any)."""

    event_name: str
    body: bytes
    headers: dict[str, str]
    status: int | None = None
    op: str | None = None
    error: str | None = None


class WebhookSender:
    """Signs and posts webhook deliveries to ``url``; ``join`` waits for the ones in flight."""

    def __init__(
        self,
        url: str | None = None,
        *,
        private_key_pem: str | bytes | None = None,
        headers: dict[str, str] | None = None,
        signing: bool = True,
        timeout_s: float = 5.0,
    ) -> None:
        pem = private_key_pem.encode() if isinstance(private_key_pem, str) else private_key_pem
        key = serialization.load_pem_private_key(pem or _generated_key_pem(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("The webhook signing key must be an RSA private key in PEM form.")
        self._key = key
        self.url = url
        self.headers = dict(headers or {})
        self.signing = signing
        self.timeout_s = timeout_s
        self.deliveries: list[WebhookDelivery] = []
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    @property
    def public_key_pem(self) -> str:
        """The key an Admin shows under Stores > Configuration > Adobe Services > Webhooks."""
        return (
            self._key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )

    def send(self, event_name: str, data: dict[str, Any]) -> WebhookDelivery | None:
        """Post the event in the background; returns the delivery record (None without a URL)."""
        if not self.url:
            return None
        body = orjson.dumps({"eventName": event_name, "data": model_data(data)})
        headers = {"Content-Type": "application/json", **self.headers}
        if self.signing:
            headers[SIGNATURE_HEADER] = sign_body(self._key, body)
        delivery = WebhookDelivery(event_name, body, headers)
        thread = threading.Thread(target=self._post, args=(self.url, delivery), daemon=True)
        with self._lock:
            self.deliveries.append(delivery)
            self._threads.append(thread)
        thread.start()
        return delivery

    def notify(self, event_name: str, data: dict[str, Any]) -> None:
        """Store listener: deliver ``event_name`` if a URL is configured."""
        self.send(event_name, data)

    def _post(self, url: str, delivery: WebhookDelivery) -> None:
        try:
            response = httpx.post(url, content=delivery.body, headers=delivery.headers, timeout=self.timeout_s)
        except httpx.HTTPError as exc:
            delivery.error = f"{type(exc).__name__}: {exc}"
            return
        delivery.status = response.status_code
        try:
            answer = response.json()
        except ValueError:
            return
        first = answer[0] if isinstance(answer, list) and answer else answer
        if isinstance(first, dict):
            delivery.op = first.get("op")

    def join(self, timeout_s: float = 10.0) -> None:
        """Wait until every delivery started so far has finished."""
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout_s)
