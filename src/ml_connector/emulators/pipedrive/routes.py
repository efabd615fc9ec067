"""Request handlers by spec path template: v2 entities, fields, deal products and search; v1 users/me,
webhooks, organization merge and the deprecated offset-paged lists. Each returns (status, body)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson

from ml_connector.emulators.pipedrive.records import FIELD_SETS, KINDS, public_field, shown
from ml_connector.emulators.pipedrive.store import ApiProblem, PipedriveStore, not_found

Handler = Callable[[PipedriveStore, list[str], dict[str, str], Any], tuple[int, Any]]
CREATED_201 = {"products", "deals/{id}/products"}  # v2 spec: these creates answer 201, the others 200


def ok(data: Any, additional: Any = None, status: int = 200) -> tuple[int, Any]:
    body: dict[str, Any] = {"success": True, "data": data}
    if additional is not None:
        body["additional_data"] = additional
    return status, body


def _int(text: str, name: str = "id") -> int:
    try:
        return int(text)
    except ValueError:
        raise ApiProblem(400, f"{name} must be an integer") from None


def _limit(params: dict[str, str], cap: int = 500) -> int:
    limit = _int(params.get("limit", "100"), "limit")
    if not 1 <= limit <= cap:
        raise ApiProblem(400, f"limit must be between 1 and {cap}")
    return limit


def encode_cursor(last_id: int) -> str:
    raw = orjson.dumps({"field": "id", "fieldValue": last_id, "sortDirection": "asc", "id": last_id})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> int:
    try:
        return int(orjson.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))["id"])
    except (ValueError, KeyError, TypeError):
        raise ApiProblem(400, "Invalid cursor") from None


def cursor_page(rows: list[dict[str, Any]], params: dict[str, str], cap: int = 500) -> tuple[int, Any]:
    limit = _limit(params, cap)
    after = decode_cursor(params["cursor"]) if params.get("cursor") else 0
    rows = sorted((r for r in rows if r["id"] > after), key=lambda r: r["id"])
    page = rows[:limit]
    more = len(rows) > limit
    return ok(page, {"next_cursor": encode_cursor(page[-1]["id"]) if more else None})


def _since(params: dict[str, str]) -> datetime | None:
    text = params.get("updated_since")
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def entity_list(kind: str) -> Handler:
    def handle(store: PipedriveStore, _p: list[str], params: dict[str, str], _b: Any) -> tuple[int, Any]:
        rows = store.listing(kind, include_deleted=params.get("status") == "deleted")
        if params.get("status") == "deleted":
            rows = [r for r in rows if r["is_deleted"]]
        elif kind == "deal" and params.get("status"):
            rows = [r for r in rows if r["status"] == params["status"]]
        if params.get("ids"):
            wanted = {_int(x) for x in params["ids"].split(",")[:100]}
            rows = [r for r in rows if r["id"] in wanted]
        if kind == "deal" and params.get("org_id"):
            rows = [r for r in rows if r["org_id"] == _int(params["org_id"], "org_id")]
        since = _since(params)
        if since is not None:
            rows = [r for r in rows if datetime.fromisoformat(r["update_time"].replace("Z", "+00:00")) >= since]
        return cursor_page([shown(kind, r) for r in rows], params)

    return handle


def entity_create(kind: str, plural: str) -> Handler:
    def handle(store: PipedriveStore, _p: list[str], _q: dict[str, str], body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict):
            raise ApiProblem(400, "The request body must be a JSON object")
        return ok(shown(kind, store.create(kind, body)), status=201 if plural in CREATED_201 else 200)

    return handle


def entity_get(kind: str) -> Handler:
    return lambda store, p, _q, _b: ok(shown(kind, store.get(kind, _int(p[0]))))


def entity_patch(kind: str) -> Handler:
    def handle(store: PipedriveStore, p: list[str], _q: dict[str, str], body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict):
            raise ApiProblem(400, "The request body must be a JSON object")
        return ok(shown(kind, store.update(kind, _int(p[0]), body)))

    return handle


def entity_delete(kind: str) -> Handler:
    def handle(store: PipedriveStore, p: list[str], _q: dict[str, str], _b: Any) -> tuple[int, Any]:
        store.delete(kind, _int(p[0]))
        return ok({"id": _int(p[0])})

    return handle


def entity_search(kind: str) -> Handler:
    def handle(store: PipedriveStore, _p: list[str], params: dict[str, str], _b: Any) -> tuple[int, Any]:
        term, exact = params.get("term", ""), params.get("exact_match", "false") == "true"
        if len(term) < (1 if exact else 2):
            raise ApiProblem(400, "term must be at least 2 characters (1 with exact_match)")
        default = "name,custom_fields,notes" if kind != "deal" else "title,custom_fields,notes"
        fields = params.get("fields", default).split(",")
        hits = store.search(kind, term, fields, exact)
        items = [{"result_score": score, "item": search_item(kind, r)} for score, r in hits]
        limit = _limit(params, 500)
        start = _int(params.get("cursor") or "0", "cursor") if params.get("cursor", "").isdigit() else 0
        page = items[start : start + limit]
        more = start + limit < len(items)
        return ok({"items": page}, {"next_cursor": str(start + limit) if more else None})

    return handle


def search_item(kind: str, r: dict[str, Any]) -> dict[str, Any]:
    custom = [str(v if not isinstance(v, dict) else v.get("value")) for v in r["custom_fields"].values() if v]
    base = {"id": r["id"], "type": kind, "visible_to": r["visible_to"], "owner": {"id": r["owner_id"]}}
    if kind == "organization":
        address = (r.get("address") or {}).get("value")
        return {**base, "name": r["name"], "address": address, "custom_fields": custom, "notes": []}
    if kind == "deal":
        org = {"id": r["org_id"], "name": ""} if r["org_id"] else None
        return {
            **base,
            "title": r["title"],
            "value": r["value"],
            "currency": r["currency"],
            "status": r["status"],
            "stage": {"id": r["stage_id"], "name": f"Stage {r['stage_id']}"},
            "person": None,
            "organization": org,
            "custom_fields": custom,
            "notes": [],
        }
    return {**base, "name": r["name"], "code": r["code"], "custom_fields": custom}


def deal_products(store: PipedriveStore, p: list[str], params: dict[str, str], _b: Any) -> tuple[int, Any]:
    deal_id = _int(p[0])
    store.get("deal", deal_id)
    return cursor_page(list(store.attachments.get(deal_id, {}).values()), params)


def deal_product_add(store: PipedriveStore, p: list[str], _q: dict[str, str], body: Any) -> tuple[int, Any]:
    return ok(store.attach(_int(p[0]), body if isinstance(body, dict) else {}), status=201)


def deal_product_patch(store: PipedriveStore, p: list[str], _q: dict[str, str], body: Any) -> tuple[int, Any]:
    return ok(store.update_attachment(_int(p[0]), _int(p[1]), body if isinstance(body, dict) else {}))


def deal_product_delete(store: PipedriveStore, p: list[str], _q: dict[str, str], _b: Any) -> tuple[int, Any]:
    store.detach(_int(p[0]), _int(p[1]))
    return ok({"id": _int(p[1])})


def field_list(kind: str) -> Handler:
    def handle(store: PipedriveStore, _p: list[str], params: dict[str, str], _b: Any) -> tuple[int, Any]:
        fields = list(store.fields[kind].values())
        limit = _limit(params)
        start = decode_cursor(params["cursor"]) if params.get("cursor") else 0
        page = fields[start : start + limit]
        more = start + limit < len(fields)
        return ok([public_field(f) for f in page], {"next_cursor": encode_cursor(start + limit) if more else None})

    return handle


def field_get(kind: str) -> Handler:
    def handle(store: PipedriveStore, p: list[str], _q: dict[str, str], _b: Any) -> tuple[int, Any]:
        field = store.fields[kind].get(p[0])
        if field is None:
            raise not_found()
        return ok(public_field(field))

    return handle


def field_create(kind: str) -> Handler:
    return lambda store, _p, _q, body: ok(public_field(store.add_field(kind, body if isinstance(body, dict) else {})))


def field_patch(kind: str) -> Handler:
    def handle(store: PipedriveStore, p: list[str], _q: dict[str, str], body: Any) -> tuple[int, Any]:
        name = body.get("field_name") if isinstance(body, dict) else None
        if not isinstance(name, str) or not name:
            raise ApiProblem(400, "field_name is required")
        return ok(public_field(store.rename_field(kind, p[0], name)))

    return handle


def v2_routes() -> dict[tuple[str, str], Handler]:
    routes: dict[tuple[str, str], Handler] = {}
    for plural, kind in KINDS.items():
        routes[("GET", f"/{plural}")] = entity_list(kind)
        routes[("POST", f"/{plural}")] = entity_create(kind, plural)
        routes[("GET", f"/{plural}/{{id}}")] = entity_get(kind)
        routes[("PATCH", f"/{plural}/{{id}}")] = entity_patch(kind)
        routes[("DELETE", f"/{plural}/{{id}}")] = entity_delete(kind)
        routes[("GET", f"/{plural}/search")] = entity_search(kind)
    for plural, kind in FIELD_SETS.items():
        routes[("GET", f"/{plural}")] = field_list(kind)
        routes[("POST", f"/{plural}")] = field_create(kind)
        routes[("GET", f"/{plural}/{{field_code}}")] = field_get(kind)
        routes[("PATCH", f"/{plural}/{{field_code}}")] = field_patch(kind)
    routes[("GET", "/deals/{id}/products")] = deal_products
    routes[("POST", "/deals/{id}/products")] = deal_product_add
    routes[("PATCH", "/deals/{id}/products/{product_attachment_id}")] = deal_product_patch
    routes[("DELETE", "/deals/{id}/products/{product_attachment_id}")] = deal_product_delete
    return routes
