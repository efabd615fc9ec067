"""The Commerce webhook endpoint (mounted by the web UI at ``/hooks/commerce-syspro``): verify the
delivery with the store's public key and/or shared secret, then request a targeted run (the new order is
inside the next window; polling stays the safety net). The run is never made inside the request: the
``trigger`` the web layer hands in (``ml_connector.runtime.triggers.trigger_run``) starts or enqueues it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ml_connector.connectors.commerce.webhooks import SUCCESS_RESPONSE, CommerceWebhookError, verify_webhook
from ml_connector.errors import SecretError
from ml_connector.integrations.commerce_syspro import settings as config
from ml_connector.integrations.commerce_syspro.streams import NAME

log = structlog.get_logger("ml_connector.commerce_syspro.webhook")


def webhook_router(
    app: Any, *, trigger: Callable[..., str], background: bool = True, instance: str = NAME, **run_options: Any
) -> APIRouter:
    """``app``: the ml-connector App; ``trigger(app, integration, reason=, wait=, **run_options)`` requests the
    run. ``background=True`` (default) answers Commerce at once, since Commerce waits for synchronous hooks;
    ``background=False`` has the trigger finish the run before answering (tests)."""
    router = APIRouter()

    @router.post("")
    @router.post("/")
    async def commerce_hook(request: Request) -> JSONResponse:
        # Verification first: without a key or secret configured nothing is read and the answer names the fix
        # (503: the endpoint exists but is not ready). The body's size is limited by the web guard.
        section = app.settings.instance_section(instance)
        name = config.load(section).commerce_connection
        try:
            stored = app.connections.get(name)
        except SecretError:
            return _not_configured(f"No connection {name!r} is stored for [{instance}] commerce_connection.")
        public_key = stored.settings.get("webhook_public_key")
        secret = stored.secrets.get("webhook_secret")
        if public_key is None and secret is None:
            return _not_configured(f"Connection {name!r} has neither webhook_public_key nor webhook_secret.")
        body = await request.body()
        try:
            event = verify_webhook(dict(request.headers), body, public_key=public_key, shared_secret=secret)
        except CommerceWebhookError as exc:
            return JSONResponse({"op": "exception", "message": str(exc)}, status_code=exc.status or 400)
        reason = f"commerce {event.kind} {event.order_increment_id or event.order_id}"
        log.info("webhook.received", kind=event.kind, order=event.order_increment_id or event.order_id)
        if background:
            return JSONResponse({**SUCCESS_RESPONSE, "sync": trigger(app, instance, reason=reason, **run_options)})
        outcome = await run_in_threadpool(lambda: trigger(app, instance, reason=reason, wait=True, **run_options))
        return JSONResponse({**SUCCESS_RESPONSE, "sync": outcome})

    return router


def _not_configured(why: str) -> JSONResponse:
    return JSONResponse(
        {
            "error": f"Webhook verification is not configured. {why} Set one with `ml-connector connections add "
            "<commerce connection> --system commerce --set webhook_public_key=<PEM>` or store webhook_secret.",
            "setting": "webhook_public_key | webhook_secret",
        },
        status_code=503,
    )
