"""Entity shapes of the emulated Pipedrive account (v2 form), built-in fields and custom-field checks."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

KINDS = {"organizations": "organization", "deals": "deal", "products": "product", "persons": "person"}
FIELD_SETS = {"organizationFields": "organization", "dealFields": "deal", "productFields": "product"}
FIELD_TYPES = frozenset(
    {"varchar", "varchar_auto", "text", "double", "monetary", "enum", "set", "date", "phone", "address"}
)
SEARCHABLE = frozenset({"address", "varchar", "text", "varchar_auto", "double", "monetary", "phone"})
BUILT_IN = {
    "organization": [("name", "Name", "varchar"), ("owner_id", "Owner", "user"), ("address", "Address", "address")],
    "deal": [
        ("title", "Title", "varchar"),
        ("value", "Value", "monetary"),
        ("org_id", "Organization", "org"),
        ("stage_id", "Stage", "stage"),
        ("status", "Status", "status"),
        ("expected_close_date", "Expected close date", "date"),
    ],
    "product": [("name", "Name", "varchar"), ("code", "Product code", "varchar"), ("prices", "Price", "price")],
}
PIPELINE_STAGES = {1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1}  # stage id -> pipeline id (one seeded pipeline)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def new_field_code() -> str:
    return secrets.token_hex(20)  # 40 lowercase hex characters, like Pipedrive's keys


def field_object(code: str, name: str, field_type: str, custom: bool, number: int) -> dict[str, Any]:
    return {
        "id": number,
        "field_name": name,
        "field_code": code,
        "field_type": field_type,
        "options": None,
        "subfields": None,
        "is_custom_field": custom,
        "is_optional_response_field": False,
    }


def public_field(field: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in field.items() if k != "id"}


def organization(rid: int, body: dict[str, Any], now: str) -> dict[str, Any]:
    return {
        "id": rid,
        "name": body["name"],
        "owner_id": body.get("owner_id", 1),
        "add_time": now,
        "update_time": now,
        "is_deleted": False,
        "visible_to": body.get("visible_to", 3),
        "address": body.get("address"),
        "label_ids": body.get("label_ids", []),
        "website": body.get("website"),
        "linkedin": body.get("linkedin"),
        "industry": body.get("industry"),
        "annual_revenue": body.get("annual_revenue"),
        "employee_count": body.get("employee_count"),
        "custom_fields": {},
    }


def deal(rid: int, body: dict[str, Any], now: str) -> dict[str, Any]:
    stage = body.get("stage_id", 1)
    return {
        "id": rid,
        "title": body["title"],
        "creator_user_id": 1,
        "owner_id": body.get("owner_id", 1),
        "value": body.get("value", 0),
        "person_id": body.get("person_id"),
        "org_id": body.get("org_id"),
        "stage_id": stage,
        "pipeline_id": PIPELINE_STAGES.get(stage, 1),
        "currency": body.get("currency", "USD"),
        "add_time": now,
        "update_time": now,
        "stage_change_time": None,
        "is_deleted": False,
        "is_archived": False,
        "status": body.get("status", "open"),
        "probability": body.get("probability"),
        "lost_reason": body.get("lost_reason"),
        "visible_to": body.get("visible_to", 3),
        "close_time": None,
        "won_time": None,
        "lost_time": None,
        "expected_close_date": body.get("expected_close_date"),
        "label_ids": body.get("label_ids", []),
        "custom_fields": {},
    }


def product(rid: int, body: dict[str, Any], now: str) -> dict[str, Any]:
    return {
        "id": rid,
        "name": body["name"],
        "code": body.get("code", ""),
        "unit": body.get("unit", ""),
        "tax": body.get("tax", 0),
        "is_deleted": False,
        "is_linkable": body.get("is_linkable", True),
        "visible_to": body.get("visible_to", 3),
        "owner_id": body.get("owner_id", 1),
        "add_time": now,
        "update_time": now,
        "description": body.get("description", ""),
        "category": body.get("category"),
        "custom_fields": {},
        "billing_frequency": body.get("billing_frequency", "one-time"),
        "billing_frequency_cycles": None,
        "prices": [{**p, "product_id": rid} for p in body.get("prices", [])],
    }


def person(rid: int, body: dict[str, Any], now: str) -> dict[str, Any]:
    return {
        "id": rid,
        "name": body["name"],
        "first_name": body.get("first_name"),
        "last_name": body.get("last_name"),
        "owner_id": body.get("owner_id", 1),
        "org_id": body.get("org_id"),
        "add_time": now,
        "update_time": now,
        "emails": body.get("emails", []),
        "phones": body.get("phones", []),
        "is_deleted": False,
        "visible_to": body.get("visible_to", 3),
        "label_ids": [],
        "custom_fields": {},
    }


BUILDERS = {"organization": organization, "deal": deal, "product": product, "person": person}
REQUIRED = {"organization": "name", "deal": "title", "product": "name", "person": "name"}
UPDATABLE = {
    "organization": {"name", "owner_id", "visible_to", "address", "label_ids", "website", "industry"},
    "deal": {
        "title",
        "owner_id",
        "value",
        "person_id",
        "org_id",
        "stage_id",
        "currency",
        "status",
        "probability",
        "lost_reason",
        "visible_to",
        "expected_close_date",
        "label_ids",
    },
    "product": {"name", "code", "unit", "tax", "description", "category", "is_linkable", "visible_to", "prices"},
    "person": {"name", "first_name", "last_name", "org_id", "emails", "phones"},
}


def custom_value_problem(field: dict[str, Any], value: Any) -> str | None:
    """Why ``value`` cannot go into ``field`` (v2 shapes, looker-pipedrive.md §2.5), or None."""
    kind = field["field_type"]
    if value is None:
        return None
    if kind in ("varchar", "varchar_auto", "phone"):
        if not isinstance(value, str) or len(value) > 255:
            return "must be a string of at most 255 characters"
    elif kind == "text":
        if not isinstance(value, str) or len(value) > 65_000:
            return "must be a string"
    elif kind == "double":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "must be a number"
    elif kind == "monetary":
        if not isinstance(value, dict) or not isinstance(value.get("value"), int | float):
            return 'must be {"value": <number>, "currency": "<code>"}'
    elif kind == "set" and value == []:
        return "an empty array is not allowed for a set; send null to clear it"
    return None


# Fields the v2 spec types as non-nullable: Pipedrive leaves them out rather than sending null [I].
NOT_NULL = {
    "organization": {"address", "owner_id"},
    "deal": {"person_id", "org_id", "stage_change_time", "won_time", "lost_time", "expected_close_date", "origin"},
    "product": set(),
    "person": set(),
}


def shown(kind: str, record: dict[str, Any]) -> dict[str, Any]:
    """The record as the API answers it (a copy; null left out where the spec forbids it)."""
    return {k: v for k, v in record.items() if not (v is None and k in NOT_NULL[kind])}


def search_hits(
    rows: list[dict[str, Any]], custom: dict[str, dict[str, Any]], kind: str, term: str, fields: list[str], exact: bool
) -> list[tuple[float, dict[str, Any]]]:
    """Search as Pipedrive does: name/title (and product code), searchable custom fields; exact match is
    case-insensitive equality, else a substring."""
    needle = term.casefold()
    searchable = [c for c, f in custom.items() if f["field_type"] in SEARCHABLE]
    hits = []
    for record in rows:
        values: list[str] = []
        if "name" in fields or "title" in fields:
            values.append(str(record.get("name") or record.get("title") or ""))
        if "code" in fields and kind == "product":
            values.append(str(record.get("code") or ""))
        if "custom_fields" in fields:
            for code in searchable:
                value = record["custom_fields"].get(code)
                if isinstance(value, dict):
                    value = value.get("value")
                if value is not None:
                    values.append(str(value))
        found = [v for v in values if (v.casefold() == needle if exact else needle in v.casefold())]
        if found:
            hits.append((1.0 if exact else round(len(needle) / max(len(found[0]), 1), 3), record))
    return hits
