"""The Adobe Commerce emulator app: ``create_app(seed, faults, **options)``.

Routes: ``/rest/V1/...``, ``/rest/<store_code>/V1/...`` (default, b2b, marketplace, all) and the SaaS
form ``/<tenant_id>/V1/...``; ``POST /ims/token/v3`` is the Adobe IMS token endpoint. Generic faults
come from :class:`FaultMiddleware`; ``token_expiry`` (IMS tokens die) and ``repeat_page`` (a search
answers the previous page again) are Commerce-specific fault kinds. The rate-limit body Commerce uses
is ``{"message": "Too Many Requests"}`` (commerce-sterling-x12.md §1.10): pass it as the rule's ``body``.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from starlette.responses import JSONResponse, Response

from ml_connector.emulators.commerce.auth import Authenticator, ImsClient
from ml_connector.emulators.commerce.errors import WebapiError
from ml_connector.emulators.commerce.oauth import Integration
from ml_connector.emulators.commerce.routes import dispatch
from ml_connector.emulators.commerce.store import CommerceStore, utc_now
from ml_connector.emulators.commerce.webhooks import WebhookSender
from ml_connector.emulators.faults import FaultMiddleware, FaultPlan

DEFAULT_START = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)


@dataclass
class CommerceEmulator:
    """What ``app.state.emulator`` holds: the store, the authenticator, the webhook sender, settings."""

    store: CommerceStore
    auth: Authenticator
    webhooks: WebhookSender
    tenant_id: str
    input_limit_enabled: bool
    max_page_size: int
    repeat_last_page: bool
    faults: FaultPlan | None

    def wait_for_webhooks(self, timeout_s: float = 10.0) -> None:
        self.webhooks.join(timeout_s)


def _credential(rng: random.Random, length: int = 32) -> str:
    return "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(length))


def create_app(
    seed: int = 0,
    faults: FaultPlan | None = None,
    *,
    consumer_key: str | None = None,
    consumer_secret: str | None = None,
    access_token: str | None = None,
    access_token_secret: str | None = None,
    ims_client_id: str | None = None,
    ims_client_secret: str | None = None,
    ims_org_id: str | None = None,
    tenant_id: str = "emulator-tenant",
    orders: int = 400,
    customers: int | None = None,
    clock: Any = None,
    start: datetime = DEFAULT_START,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    webhook_secret_header: str = "x-webhook-secret",  # noqa: S107 - a header name
    webhook_private_key: str | None = None,
    webhook_signing: bool = True,
    allow_integration_bearer: bool = False,
    input_limit_enabled: bool = True,
    max_page_size: int = 300,
    repeat_last_page: bool = False,
    ims_token_lifetime_s: int = 86399,
    syspro_code_attribute: str = "syspro_customer_code",
    customer_attributes: tuple[str, ...] = (),
) -> FastAPI:
    """Build the emulator.

    Args:
        clock: any object with ``now() -> aware datetime``; drives IMS expiry, OAuth timestamp checks
            and the timestamps of new records (seeded history is fixed, starting at ``start``).
        orders / customers: seeded history size (customers default to max(24, orders // 5)).
        allow_integration_bearer: Admin "Allow OAuth Access Tokens to be used as standalone Bearer
            tokens"; off by default since 2.4.4 (commerce-sterling-x12.md §1.4b).
        repeat_last_page: Magento <= 2.3 answered the last page again past the end; 2.4 answers [].
        webhook_secret: a shared secret sent in ``webhook_secret_header`` (a hook ``<headers>`` entry);
            the RSA signature header is added as well unless ``webhook_signing`` is False.
    """
    rng = random.Random(f"commerce-credentials-{seed}")
    integration = Integration(
        consumer_id=1,
        consumer_key=consumer_key or _credential(rng),
        consumer_secret=consumer_secret or _credential(rng),
        access_token=access_token or _credential(rng),
        access_token_secret=access_token_secret or _credential(rng),
    )
    ims = ImsClient(
        client_id=ims_client_id or _credential(rng),
        client_secret=ims_client_secret or "p8e-" + _credential(rng),
        org_id=ims_org_id or _credential(rng, 24).upper() + "@AdobeOrg",
    )
    now: Callable[[], datetime] = clock.now if clock is not None else utc_now
    store = CommerceStore(
        seed=seed,
        orders=orders,
        customers=customers,
        start=start,
        now=now,
        syspro_code_attribute=syspro_code_attribute,
        customer_attributes=customer_attributes,
    )
    headers = {webhook_secret_header: webhook_secret} if webhook_secret else {}
    sender = WebhookSender(webhook_url, private_key_pem=webhook_private_key, headers=headers, signing=webhook_signing)
    store.listeners.append(sender.notify)
    auth = Authenticator(
        integration,
        ims,
        now,
        allow_integration_bearer=allow_integration_bearer,
        ims_token_lifetime_s=ims_token_lifetime_s,
        faults=faults,
    )
    emulator = CommerceEmulator(
        store, auth, sender, tenant_id, input_limit_enabled, max_page_size, repeat_last_page, faults
    )

    app = FastAPI(title="Adobe Commerce emulator", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.emulator = emulator
    app.state.credentials = {
        "consumer_key": integration.consumer_key,
        "consumer_secret": integration.consumer_secret,
        "access_token": integration.access_token,
        "access_token_secret": integration.access_token_secret,
        "ims_client_id": ims.client_id,
        "ims_client_secret": ims.client_secret,
        "ims_org_id": ims.org_id,
        "tenant_id": tenant_id,
        "webhook_public_key": sender.public_key_pem,
        **({"webhook_secret": webhook_secret} if webhook_secret else {}),
    }
    if faults is not None:
        app.add_middleware(FaultMiddleware, plan=faults)

    @app.post("/ims/token/v3")
    async def ims_token(request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))
        status, body = auth.issue_ims_token(form)
        return JSONResponse(body, status_code=status)

    @app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    async def webapi(request: Request, path: str) -> Response:
        try:
            return await dispatch(emulator, request)
        except WebapiError as error:
            return error.response()

    return app
