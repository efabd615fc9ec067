"""The Commerce webhook endpoint (mounted by the web UI at ``/hooks/commerce-syspro``): verify the
delivery with the store's public key and/or shared secret, then run the integration at once (a
targeted sync: the new order is inside the next window; polling stays the safety net).

A run already in progress holds the lease; then the hook is acknowledged and the running or next
poll picks the order up.
"""

from __future__ import annotations

import threading
from typing import Any

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ml_connector.connectors.commerce.webhooks import SUCCESS_RESPONSE, CommerceWebhookError, verify_webhook
from ml_connector.engine.service import run_integration
from ml_connector.errors import MlConnectorError, SecretError
from ml_connector.integrations.commerce_syspro import settings as config
from ml_connector.integrations.commerce_syspro.streams import NAME

log = structlog.get_logger("ml_connector.commerce_syspro.webhook")


def webhook_router(app: Any, *, background: bool = True, **run_options: Any) -> APIRouter:
    """``app``: the ml-connector App. ``background=True`` (default) answers Commerce at once and syncs in a
    thread, since Commerce waits for synchronous hooks; ``background=False`` syncs before answering (tests)."""
    router = APIRouter()
    lock = threading.Lock()

    def sync(event: Any) -> str:
        if not lock.acquire(blocking=False):
            return "a sync is already running; it or the next poll takes this order"
        try:
            report = run_integration(app, NAME, **run_options)
            log.info(
                "webhook.sync", kind=event.kind, order=event.order_increment_id or event.order_id, status=report.status
            )
            return report.status
        except MlConnectorError as exc:
            log.warning("webhook.sync_failed", error=str(exc))
            return "sync failed; polling will retry"
        finally:
            lock.release()

    @router.post("")
    @router.post("/")
    async def commerce_hook(request: Request) -> JSONResponse:
        # Verification first: without a key or secret configured nothing is read and the answer names the fix
        # (503: the endpoint exists but is not ready). The body's size is limited by the web guard.
        name = config.load(app.settings.section(NAME)).commerce_connection
        try:
            stored = app.connections.get(name)
        except SecretError:
            return _not_configured(f"No connection {name!r} is stored for [{NAME}] commerce_connection.")
        public_key = stored.settings.get("webhook_public_key")
        secret = stored.secrets.get("webhook_secret")
        if public_key is None and secret is None:
            return _not_configured(f"Connection {name!r} has neither webhook_public_key nor webhook_secret.")
        body = await request.body()
        try:
            event = verify_webhook(dict(request.headers), body, public_key=public_key, shared_secret=secret)
        except CommerceWebhookError as exc:
            return JSONResponse({"op": "exception", "message": str(exc)}, status_code=exc.status or 400)
        if background:
            threading.Thread(target=sync, args=(event,), daemon=True).start()
            return JSONResponse({**SUCCESS_RESPONSE, "sync": "started"})
        return JSONResponse({**SUCCESS_RESPONSE, "sync": await run_in_threadpool(sync, event)})

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
