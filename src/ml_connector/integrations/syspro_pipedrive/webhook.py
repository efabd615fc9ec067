"""The Pipedrive webhook endpoint (mounted by the web UI at ``/hooks/syspro-pipedrive``): organization and
deal delete/merge events (webhooks v2), HTTP Basic as Pipedrive sends it (the only mechanism it has: no
signature), deduplicated on ``meta.id``. A merge is remembered (old organization id -> the one it went
into) so the next run follows it instead of searching; a delete starts a run (polling stays the safety net:
each run's sweep finds deletions and merges too).
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from typing import Any

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from ml_connector.errors import SecretError
from ml_connector.integrations.syspro_pipedrive import settings as config
from ml_connector.integrations.syspro_pipedrive.mappings import remember_merge
from ml_connector.integrations.syspro_pipedrive.streams import NAME

log = structlog.get_logger("ml_connector.syspro_pipedrive.webhook")
SEEN_KIND = "pipedrive_webhook_event"


class Meta(BaseModel):
    id: str
    action: str
    entity: str
    entity_id: str | None = None
    merged_to_id: str | None = None


class Event(BaseModel):
    meta: Meta
    data: dict[str, Any] | None = None
    previous: dict[str, Any] | None = None


def _expected(app: Any, instance: str) -> str | JSONResponse:
    """The Basic header Pipedrive must send, or a 503 naming the missing setting (nothing is read then)."""
    section = app.settings.instance_section(instance)
    name = config.load(section).pipedrive_connection
    try:
        stored = app.connections.get(name)
    except SecretError:
        return _not_configured(f"No connection {name!r} is stored for [{instance}] pipedrive_connection.")
    user, password = stored.settings.get("webhook_user"), stored.secrets.get("webhook_password")
    if not user or password is None:
        return _not_configured(f"Connection {name!r} lacks the setting webhook_user or the secret webhook_password.")
    return "Basic " + base64.b64encode(f"{user}:{password.reveal()}".encode()).decode()


def _not_configured(why: str) -> JSONResponse:
    return JSONResponse(
        {
            "error": f"Webhook verification is not configured. {why} Store both on the Pipedrive connection and "
            "give the same HTTP Basic credentials to the Pipedrive webhook.",
            "setting": "webhook_user + webhook_password",
        },
        status_code=503,
    )


def webhook_router(
    app: Any, *, trigger: Callable[..., str], background: bool = True, instance: str = NAME, **run_options: Any
) -> APIRouter:
    """``trigger(app, integration, reason=, wait=, **run_options)`` requests the run (runtime/triggers.py: queued
    for an active scheduler, else a background thread), so no sync runs inside the web request; Pipedrive
    waits at most 10 s. ``background=False`` has the trigger finish the run before answering (tests)."""
    router = APIRouter()

    @router.post("")
    @router.post("/")
    async def pipedrive_hook(request: Request) -> JSONResponse:
        expected = _expected(app, instance)  # verification configured? checked before the body is read
        if isinstance(expected, JSONResponse):
            return expected
        given = (request.headers.get("authorization") or "").encode()
        if not secrets.compare_digest(given, expected.encode()):
            return JSONResponse({"error": "Basic credentials required"}, status_code=401)
        try:
            event = Event.model_validate_json(await request.body())
        except ValidationError:
            return JSONResponse({"error": "not a Pipedrive webhooks v2 payload"}, status_code=400)
        now = app.clock.now()
        if app.store.mappings.get(instance, SEEN_KIND, event.meta.id):
            return JSONResponse({"status": "duplicate"})
        app.store.mappings.set(instance, SEEN_KIND, event.meta.id, event.meta.action, now)
        meta = event.meta
        if meta.entity != "organization" or meta.action != "delete":
            return JSONResponse({"status": "ignored"})
        if meta.merged_to_id and meta.entity_id:
            remember_merge(app.store.mappings, instance, int(meta.entity_id), int(meta.merged_to_id), now)
            log.info("webhook.organization_merged", gone=meta.entity_id, into=meta.merged_to_id)
        reason = f"pipedrive organization {meta.entity_id} deleted" + (" (merged)" if meta.merged_to_id else "")
        status = trigger(app, instance, reason=reason, wait=not background, **run_options)
        return JSONResponse({"status": "accepted", "sync": status})

    return router
