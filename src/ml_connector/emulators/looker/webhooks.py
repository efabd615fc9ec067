"""What Looker's scheduler POSTs to a webhook destination (looker-pipedrive.md §1.8): the DataWebhookPayload
body, the LookerOutgoingWebhook headers with the static X-Looker-Webhook-Token, no signature."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import orjson

from ml_connector.emulators.looker.errors import LookerApiError
from ml_connector.emulators.looker.formats import records, render
from ml_connector.emulators.looker.runner import run_query
from ml_connector.emulators.looker.state import EmulatorState, WebhookDelivery

ATTACHMENT_TYPES = {
    "json": ("application/json", "json"),
    "inline_json": ("application/json", "json"),
    "json_detail": ("application/json", "json"),
    "csv": ("text/csv", "csv"),
    "txt": ("text/plain", "txt"),
    "html": ("text/html", "html"),
}


def payload_for(state: EmulatorState, plan: dict[str, Any], fmt: str) -> dict[str, Any]:
    """Run the plan's query and build the webhook body for destination format ``fmt``."""
    if fmt not in ATTACHMENT_TYPES:
        raise LookerApiError(422, f"Destination format {fmt!r} is not produced by the Looker emulator.")
    query = state.queries[plan["query_id"]]
    result = run_query(state, query, -1 if plan.get("send_all_results") else None)
    mimetype, extension = ATTACHMENT_TYPES[fmt]
    data: Any
    if fmt == "json":  # JSON formats are inline; the others are strings
        data = records(result)
    elif fmt == "inline_json":
        data = orjson.dumps(records(result)).decode()
    elif fmt == "json_detail":
        data = orjson.loads(render(result, fmt)[0])
    else:
        data = render(result, fmt)[0].decode()
    look_id = plan.get("look_id")
    base = state.options.instance_url
    return {
        "type": "query",
        "scheduled_plan": {
            "scheduled_plan_id": int(plan["id"]),
            "title": plan["title"],
            "type": "Look" if look_id else "Query",
            "url": f"{base}/looks/{look_id}" if look_id else query["share_url"],
            "query_id": int(query["id"]),
            "query": query,
            "filters_differ_from_look": False,
            "download_url": None,
        },
        "attachment": {"mimetype": mimetype, "extension": extension, "data": data},
        "data": None,
        "form_params": {},
    }


def deliver_plan(state: EmulatorState, plan: dict[str, Any]) -> None:
    """Deliver every destination of a plan from a background thread (Looker answers run_once at once)."""
    threading.Thread(target=_deliver_all, args=(state, plan), daemon=True, name=f"looker-plan-{plan['id']}").start()


def _deliver_all(state: EmulatorState, plan: dict[str, Any]) -> None:
    for destination in plan["scheduled_plan_destination"]:
        delivery = WebhookDelivery(
            plan["id"], destination.get("address") or "", destination.get("format") or "", {}, {}
        )
        with state.lock:
            state.webhook_deliveries.append(delivery)
        try:
            if destination.get("type") != "webhook":
                raise LookerApiError(422, f"Destination type {destination.get('type')!r} is not emulated.")
            delivery.payload = payload_for(state, plan, delivery.format)
            _post(state, delivery)
        except LookerApiError as exc:
            delivery.error = exc.message
        except httpx.HTTPError as exc:
            delivery.error = f"{type(exc).__name__}: {exc}"
        finally:
            with state.deliveries_changed:
                if delivery.status_code is None and delivery.error is None:
                    delivery.error = "delivery did not complete"
                state.deliveries_changed.notify_all()


def _post(state: EmulatorState, delivery: WebhookDelivery) -> None:
    opts = state.options
    hex_id = state.random_hex()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"LookerOutgoingWebhook/{opts.looker_version}",
        "X-Looker-Instance": opts.instance_id,
        "X-Looker-Webhook-Id": f"{hex_id[:8]}-{hex_id[8:12]}-{hex_id[12:16]}-{hex_id[16:20]}-{hex_id[20:]}",
        "X-Looker-Webhook-Token": opts.webhook_token,
    }
    delivery.headers = {**headers, "X-Looker-Webhook-Token": "***"}
    body = orjson.dumps(delivery.payload)

    def chunks() -> Iterator[bytes]:  # Looker sends webhook bodies with chunked transfer encoding
        for start in range(0, len(body), 16384):
            yield body[start : start + 16384]

    with httpx.Client(transport=opts.webhook_transport, timeout=30.0) as client:
        response = client.post(delivery.address, content=chunks() if opts.webhook_chunked else body, headers=headers)
    delivery.status_code = response.status_code
