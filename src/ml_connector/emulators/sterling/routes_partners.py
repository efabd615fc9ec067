"""Routes for trading partners, communities and routing channels (commerce-sterling-x12.md §2.6-2.7)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ml_connector.emulators.sterling.api import SVC, affected, base_url, created, emulator_of, json_body, page
from ml_connector.emulators.sterling.emulator import REQUIRED_PARTNER_FIELDS, bare_value
from ml_connector.emulators.sterling.routing import OUTBOX
from ml_connector.emulators.sterling.store import ApiError, like
from ml_connector.emulators.sterling.wire import channel_json, partner_json, resource

router = APIRouter(prefix=SVC)


@router.get("/tradingpartners/")
async def list_partners(request: Request) -> Response:
    emulator = emulator_of(request)
    search = request.query_params.get("searchFor")
    with emulator.state.lock:
        partners = sorted(emulator.state.partners.values(), key=lambda p: str(p["partnerName"]).lower())
        if search:
            partners = [p for p in partners if like(search + "%", str(p["partnerName"]))]
        return page(request, [partner_json(base_url(request), p) for p in partners])


@router.get("/tradingpartners/{name}")
async def get_partner(request: Request, name: str) -> Response:
    emulator = emulator_of(request)
    with emulator.state.lock:
        return JSONResponse(partner_json(base_url(request), emulator.state.partner(name)))


@router.post("/tradingpartners/")
async def create_partner(request: Request) -> Response:
    emulator, body = emulator_of(request), await json_body(request)
    with emulator.state.lock:
        partner = emulator.add_partner(body)
    return created(request, "tradingpartners", partner["partnerName"])


@router.put("/tradingpartners/{name}")
async def update_partner(request: Request, name: str) -> Response:
    emulator, body = emulator_of(request), await json_body(request)
    with emulator.state.lock:
        partner = emulator.state.partner(name)
        if body.get("partnerName", name) != name:
            raise ApiError(400, "API000174: partnerName is the key of a trading partner and cannot change.")
        cleared = [f for f in REQUIRED_PARTNER_FIELDS if f in body and not str(body[f] or "").strip()]
        if cleared:
            raise ApiError(400, f"API000161: Trading partner field(s) cannot be empty: {', '.join(cleared)}.")
        if "community" in body and bare_value(body["community"]) not in emulator.state.communities:
            raise ApiError(400, f"API000172: Community {bare_value(body['community'])} does not exist.")
        partner.update({k: bare_value(v) for k, v in body.items() if v is not None})
    return affected()


@router.delete("/tradingpartners/{name}")
async def delete_partner(request: Request, name: str) -> Response:
    emulator = emulator_of(request)
    with emulator.state.lock:
        emulator.state.partner(name)
        del emulator.state.partners[name]
    return affected()


@router.get("/communities/")
async def list_communities(request: Request) -> Response:
    emulator = emulator_of(request)
    with emulator.state.lock:
        names = sorted(emulator.state.communities)
    rows: list[dict[str, Any]] = []
    for name in names:
        row = resource(base_url(request), "communities", name, "Community")
        row["name"] = name
        rows.append(row)
    return page(request, rows)


@router.get("/routingchannels/")
async def list_channels(request: Request) -> Response:
    emulator = emulator_of(request)
    query = request.query_params
    filters = {
        "template": query.get("searchByTemplate"),
        "producer": query.get("searchByProducer"),
        "consumer": query.get("searchByConsumer"),
    }
    with emulator.state.lock:
        channels = sorted(emulator.state.channels.values(), key=lambda c: c.key)
        for attribute, pattern in filters.items():
            if pattern:
                channels = [c for c in channels if like(pattern, getattr(c, attribute))]
        rows = [channel_json(base_url(request), c, f"/{c.producer}/{OUTBOX}") for c in channels]
    return page(request, rows)


@router.get("/routingchannels/{key}")
async def get_channel(request: Request, key: str) -> Response:
    emulator = emulator_of(request)
    with emulator.state.lock:
        channel = emulator.state.channels.get(key)
        if channel is None:
            raise ApiError(404, f"API000404: Routing channel {key} does not exist.")
        return JSONResponse(channel_json(base_url(request), channel, f"/{channel.producer}/{OUTBOX}"))


@router.post("/routingchannels/")
async def create_channel(request: Request) -> Response:
    emulator, body = emulator_of(request), await json_body(request)
    missing = [f for f in ("templateName", "producer", "consumer") if not body.get(f)]
    if missing:
        raise ApiError(400, f"API000161: Routing channel is missing required field(s): {', '.join(missing)}.")
    facts: dict[str, str] = {}
    for fact in body.get("provisioningFacts") or []:
        if isinstance(fact, dict):
            facts.update({str(k): str(v) for k, v in fact.items() if k not in ("provFactName", "provFactValue")})
            if "provFactName" in fact:
                facts[str(fact["provFactName"])] = str(fact.get("provFactValue", ""))
    with emulator.state.lock:
        channel = emulator.state.create_channel(
            str(body["templateName"]), str(body["producer"]), str(body["consumer"]), facts
        )
    return created(request, "routingchannels", channel.key)


@router.delete("/routingchannels/{key}")
async def delete_channel(request: Request, key: str) -> Response:
    emulator = emulator_of(request)
    with emulator.state.lock:
        if emulator.state.channels.pop(key, None) is None:
            raise ApiError(404, f"API000404: Routing channel {key} does not exist.")
    return affected()
