"""v1 handlers: users/me, webhooks (their own envelope), organization merge, and the deprecated
offset-paged organization list (custom values at the record root, v1 style)."""

from __future__ import annotations

from typing import Any

from ml_connector.emulators.pipedrive.records import stamp
from ml_connector.emulators.pipedrive.routes import Handler, _int, ok
from ml_connector.emulators.pipedrive.store import ApiProblem, PipedriveStore
from ml_connector.emulators.pipedrive.webhooks import WebhookHub

ME = {
    "id": 1,
    "name": "Emulator Admin",
    "default_currency": "USD",
    "locale": "en_US",
    "lang": 1,
    "email": "admin@example.com",
    "phone": None,
    "activated": True,
    "last_login": "2026-01-01 00:00:00",
    "created": "2025-01-01 00:00:00",
    "modified": "2026-01-01 00:00:00",
    "has_created_company": True,
    "access": [{"app": "sales", "admin": True, "permission_set_id": "1"}],
    "active_flag": True,
    "timezone_name": "Europe/Tallinn",
    "timezone_offset": "+02:00",
    "role_id": 1,
    "icon_url": None,
    "is_you": True,
    "is_deleted": False,
    "company_id": 1,
    "company_name": "Emulated Company",
    "company_domain": "emulated",
    "company_country": "US",
    "company_industry": "Manufacturing",
    "language": {"language_code": "en", "country_code": "US"},
}


def offset_page(rows: list[Any], params: dict[str, str]) -> tuple[int, Any]:
    start, limit = _int(params.get("start", "0"), "start"), _int(params.get("limit", "100"), "limit")
    if not 1 <= limit <= 500 or start < 0:
        raise ApiProblem(400, "limit must be 1..500 and start >= 0")
    page = rows[start : start + limit]
    more = start + limit < len(rows)
    pagination: dict[str, Any] = {"start": start, "limit": limit, "more_items_in_collection": more}
    if more:
        pagination["next_start"] = start + limit
    return ok(page, {"pagination": pagination})


def v1_organization(r: dict[str, Any]) -> dict[str, Any]:
    v1 = {k: v for k, v in r.items() if k not in ("custom_fields", "address", "is_deleted")}
    v1["active_flag"] = not r["is_deleted"]
    v1["visible_to"] = str(r["visible_to"])
    v1["add_time"] = r["add_time"].replace("T", " ").rstrip("Z")
    v1["update_time"] = r["update_time"].replace("T", " ").rstrip("Z")
    v1["address"] = (r.get("address") or {}).get("value")
    for code, value in r["custom_fields"].items():
        if isinstance(value, dict) and "currency" in value:
            v1[code], v1[f"{code}_currency"] = value.get("value"), value.get("currency")
        else:
            v1[code] = value
    return v1


def v1_routes(hub: WebhookHub) -> dict[tuple[str, str], Handler]:
    def me(_s: PipedriveStore, _p: list[str], _q: dict[str, str], _b: Any) -> tuple[int, Any]:
        return ok(ME)

    def organizations(store: PipedriveStore, _p: list[str], params: dict[str, str], _b: Any) -> tuple[int, Any]:
        rows = sorted(store.listing("organization"), key=lambda r: r["id"])
        return offset_page([v1_organization(r) for r in rows], params)

    def organization_fields(store: PipedriveStore, _p: list[str], params: dict[str, str], _b: Any) -> tuple[int, Any]:
        rows = []
        for f in store.fields["organization"].values():
            rows.append(
                {
                    "id": f["id"],
                    "key": f["field_code"],
                    "name": f["field_name"],
                    "field_type": f["field_type"],
                    "edit_flag": f["is_custom_field"],
                    "active_flag": True,
                    "add_time": stamp(store.now()).replace("T", " ").rstrip("Z"),
                    "mandatory_flag": False,
                }
            )
        return offset_page(rows, params)

    def merge(store: PipedriveStore, p: list[str], _q: dict[str, str], body: Any) -> tuple[int, Any]:
        other = body.get("merge_with_id") if isinstance(body, dict) else None
        if not isinstance(other, int):
            raise ApiProblem(400, "merge_with_id is required")
        kept = store.merge_organizations(_int(p[0]), other)
        return ok(v1_organization(kept))

    def hooks(_s: PipedriveStore, _p: list[str], _q: dict[str, str], _b: Any) -> tuple[int, Any]:
        return 200, {"status": "ok", "success": True, "data": list(hub.hooks.values())}

    def add_hook(_s: PipedriveStore, _p: list[str], _q: dict[str, str], body: Any) -> tuple[int, Any]:
        made = hub.add(body if isinstance(body, dict) else {})
        if "errors" in made:
            return 400, {"status": "error", "success": False, **made}
        return 201, {"status": "ok", "success": True, "data": made}

    def delete_hook(_s: PipedriveStore, p: list[str], _q: dict[str, str], _b: Any) -> tuple[int, Any]:
        if not hub.remove(_int(p[0])):
            return 404, {"status": "error", "success": False, "errors": {"id": ["not found"]}}
        return 200, {"status": "ok", "success": True}

    return {
        ("GET", "/users/me"): me,
        ("GET", "/organizations"): organizations,
        ("GET", "/organizationFields"): organization_fields,
        ("PUT", "/organizations/{id}/merge"): merge,
        ("GET", "/webhooks"): hooks,
        ("POST", "/webhooks"): add_hook,
        ("DELETE", "/webhooks/{id}"): delete_hook,
    }
