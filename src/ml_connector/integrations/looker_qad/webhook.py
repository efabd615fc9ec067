"""The Looker scheduled-plan webhook, mounted at ``/hooks/looker-qad/<secret>``.

Looker signs nothing (docs/PROTOCOLS.md (Looker)), so the secret path segment is the only credential: it
is compared in constant time with the current secret and, while rotating, the previous one (stored in
the ``looker-qad-webhook`` connection, read per request). A wrong secret gets 404 and a log line that
never holds it. The attachment (CSV or JSON) is parsed and matched to a figure by the plan's title; a
delivery equal to the figure's latest one is ignored. An accepted delivery's rows are kept in the store's
webhook inbox and a run is requested through the ``trigger`` the web layer hands in
(``ml_connector.runtime.triggers.trigger_run``): queued for the scheduler when one is active (the run may
start on a Celery worker elsewhere; it reads the rows from the store), else started in a thread. The run
posts them down the same path as a pull (see ``sources.FigureSource``); nothing runs inside the request.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from collections.abc import Callable
from typing import Any

import orjson
import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ml_connector.errors import MlConnectorError
from ml_connector.integrations.looker_qad import settings as config
from ml_connector.integrations.looker_qad.streams import NAME

log = structlog.get_logger("ml_connector.looker_qad.webhook")
SECRET_CONNECTION = "looker-qad-webhook"  # noqa: S105 - a connection name


class DeliveryRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _rows(attachment: dict[str, Any], figure: config.FigureSettings) -> list[dict[str, Any]]:
    mimetype, data = str(attachment.get("mimetype", "")), attachment.get("data")
    if mimetype.endswith(";base64"):
        raise DeliveryRefused(415, f"the attachment is binary ({mimetype}); set the plan's format to CSV or JSON")
    if isinstance(data, str) and ("csv" in mimetype or attachment.get("extension") == "csv"):
        labels = {header: getattr(figure.columns, role) for role, header in figure.csv_labels.items()}
        reader = csv.DictReader(io.StringIO(data))
        return [{labels.get(k, k): v for k, v in row.items()} for row in reader]
    if isinstance(data, str):
        try:
            data = orjson.loads(data)
        except orjson.JSONDecodeError:
            raise DeliveryRefused(400, "the attachment's data is neither CSV nor valid JSON") from None
    if isinstance(data, dict):
        data = data.get("data")
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise DeliveryRefused(400, "the attachment's data is not a list of rows")
    return [{k: v.get("value") if isinstance(v, dict) else v for k, v in r.items()} for r in data]


def parse(body: bytes, cfg: config.LookerQadSettings) -> tuple[config.FigureSettings, list[dict[str, Any]], str]:
    """The figure a delivery is for, its rows, and the delivery's digest (to recognise a repeat)."""
    if len(body) > cfg.webhook_max_bytes:
        raise DeliveryRefused(
            413,
            f"the delivery has {len(body)} bytes, over webhook_max_bytes = {cfg.webhook_max_bytes}; "
            "narrow the Look or raise the limit in the looker-qad config",
        )
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise DeliveryRefused(400, "the body is not JSON; Looker's webhook destination sends JSON") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("attachment"), dict):
        raise DeliveryRefused(400, "the delivery has no attachment; set the plan's format to CSV or JSON")
    title = str((payload.get("scheduled_plan") or {}).get("title") or "")
    figure = next((f for f in cfg.figures if title in (f.webhook_title, f.name)), None)
    if figure is None:
        known = ", ".join(f.webhook_title or f.name for f in cfg.figures)
        raise DeliveryRefused(422, f"no figure takes scheduled plan '{title}' (known: {known}); set webhook_title")
    rows = _rows(payload["attachment"], figure)
    digest = hashlib.sha256(orjson.dumps([title, payload["attachment"]])).hexdigest()[:32]
    return figure, rows, digest


def _known_secrets(app: Any) -> list[str]:
    try:
        stored = app.connections.get(SECRET_CONNECTION)
    except MlConnectorError:
        return []
    return [s.reveal() for name, s in sorted(stored.secrets.items()) if name in ("secret", "previous_secret")]


def _settings(app: Any, instance: str) -> config.LookerQadSettings:
    """The instance's looker-qad settings: its ``["looker-qad@x"]`` table laid over ``[looker-qad]``."""
    return config.load(app.settings.instance_section(instance))


def webhook_router(
    app: Any, *, trigger: Callable[..., str], background: bool = True, instance: str = NAME, **run_options: Any
) -> APIRouter:
    """``app``: the ml-connector App; ``trigger(app, instance, reason=, wait=, **run_options)`` requests the run.
    ``background=True`` (default) answers Looker at once (202, ``queued`` or ``started``); ``False`` has the
    trigger finish the run before answering (200 and the run's status; tests). ``instance``: the integration
    instance (``looker-qad`` or ``looker-qad@x``) the deliveries are for."""
    router = APIRouter()

    def accept(figure: config.FigureSettings, rows: list[dict[str, Any]], digest: str) -> tuple[int, str] | None:
        last = app.store.inbox.latest(instance, figure.name)
        if last is not None and last.digest == digest:  # the same as the figure's latest delivery
            return None
        delivery = app.store.inbox.add(instance, figure.name, digest, rows, app.clock.now())
        log.info("webhook.accepted", instance=instance, figure=figure.name, rows=len(rows), delivery=delivery)
        reason = f"Looker scheduled plan: figure '{figure.name}', {len(rows)} row(s), inbox delivery {delivery}"
        return delivery, trigger(app, instance, reason=reason, wait=not background, **run_options)

    @router.post("/{secret}")
    async def looker_hook(secret: str, request: Request) -> JSONResponse:
        given = secret.encode()
        if not any(hmac.compare_digest(given, known.encode()) for known in _known_secrets(app)):
            client = request.client.host if request.client else "?"
            log.warning("webhook.rejected", integration=instance, reason="unknown secret in the URL", client=client)
            return JSONResponse({"detail": "Not Found"}, status_code=404)
        cfg = _settings(app, instance)
        try:
            figure, rows, digest = parse(await request.body(), cfg)
        except DeliveryRefused as exc:
            log.warning("webhook.refused", integration=instance, status=exc.status, reason=str(exc))
            return JSONResponse({"error": f"Looker delivery refused: {exc}."}, status_code=exc.status)
        accepted = await run_in_threadpool(accept, figure, rows, digest)
        if accepted is None:
            log.info("webhook.repeat_ignored", instance=instance, figure=figure.name)
            return JSONResponse({"status": "duplicate delivery ignored", "figure": figure.name})
        delivery, status = accepted
        body = {"status": status, "figure": figure.name, "rows": len(rows), "delivery": delivery}
        return JSONResponse(body, status_code=202 if background else 200)

    return router
