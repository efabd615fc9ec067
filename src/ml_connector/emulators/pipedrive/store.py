"""The emulated Pipedrive account: entities, custom fields, deal products, soft delete, merge, search.

Every mutation appends a webhook event (v2 payload parts) to ``events`` through ``notify``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ml_connector.emulators.pipedrive.records import (
    BUILDERS,
    BUILT_IN,
    FIELD_TYPES,
    PIPELINE_STAGES,
    REQUIRED,
    UPDATABLE,
    custom_value_problem,
    field_object,
    new_field_code,
    search_hits,
    stamp,
)


class ApiProblem(Exception):
    """A request Pipedrive would refuse: status + the envelope's error text."""

    def __init__(self, status: int, error: str, info: str = "Please check developers.pipedrive.com") -> None:
        super().__init__(error)
        self.status, self.error, self.info = status, error, info


def not_found() -> ApiProblem:
    return ApiProblem(404, "Entity was not found", "Object was not found.")


class PipedriveStore:
    def __init__(self, now: Callable[[], datetime]) -> None:
        self.now = now
        self.lock = threading.RLock()
        self.records: dict[str, dict[int, dict[str, Any]]] = {k: {} for k in BUILDERS}
        self.next_id = dict.fromkeys(BUILDERS, 1)
        self.fields: dict[str, dict[str, dict[str, Any]]] = {}
        self.field_number = 1
        self.attachments: dict[int, dict[int, dict[str, Any]]] = {}
        self.next_attachment = 1
        self.merged_to: dict[tuple[str, int], int] = {}
        self.listeners: list[Callable[[str, str, dict[str, Any] | None, dict[str, Any] | None, dict[str, Any]], None]]
        self.listeners = []
        for kind, fields in BUILT_IN.items():
            self.fields[kind] = {}
            for code, name, field_type in fields:
                self._add_field(kind, code, name, field_type, custom=False)

    # -- fields -------------------------------------------------------------------------------------
    def _add_field(self, kind: str, code: str, name: str, field_type: str, *, custom: bool) -> dict[str, Any]:
        field = field_object(code, name, field_type, custom, self.field_number)
        self.field_number += 1
        self.fields[kind][code] = field
        return field

    def add_field(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        name, field_type = body.get("field_name"), body.get("field_type")
        if not isinstance(name, str) or not name.strip():
            raise ApiProblem(400, "field_name is required")
        if field_type not in FIELD_TYPES:
            raise ApiProblem(400, f"field_type {field_type!r} is not supported")
        with self.lock:
            return self._add_field(kind, new_field_code(), name, str(field_type), custom=True)

    def rename_field(self, kind: str, code: str, name: str) -> dict[str, Any]:
        with self.lock:
            field = self.fields[kind].get(code)
            if field is None:
                raise not_found()
            field["field_name"] = name
            return field

    def custom(self, kind: str) -> dict[str, dict[str, Any]]:
        return {c: f for c, f in self.fields[kind].items() if f["is_custom_field"]}

    # -- entities -----------------------------------------------------------------------------------
    def _apply_custom(self, kind: str, record: dict[str, Any], values: Any) -> None:
        if values is None:
            return
        if not isinstance(values, dict):
            raise ApiProblem(400, "custom_fields must be an object")
        known = self.custom(kind)
        for code, value in values.items():
            field = known.get(code)
            if field is None:
                raise ApiProblem(400, f"Unknown custom field key {code}")
            problem = custom_value_problem(field, value)
            if problem:
                raise ApiProblem(400, f"custom field {field['field_name']} ({code}) {problem}")
        for code, value in values.items():
            record["custom_fields"][code] = value

    def _check_links(self, kind: str, body: dict[str, Any]) -> None:
        if kind == "deal":
            if "stage_id" in body and body["stage_id"] not in PIPELINE_STAGES:
                raise ApiProblem(400, f"Stage {body['stage_id']} does not exist")
            if "status" in body and body["status"] not in ("open", "won", "lost"):
                raise ApiProblem(400, "status must be open, won or lost")
            org = body.get("org_id")
            if org is not None and self.live("organization", org) is None:
                raise ApiProblem(400, f"Organization {org} not found")
        if isinstance(body.get("name", ""), str) is False or isinstance(body.get("title", ""), str) is False:
            raise ApiProblem(400, "name/title must be a string")

    def create(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        required = REQUIRED[kind]
        if not isinstance(body.get(required), str) or not body[required].strip():
            raise ApiProblem(400, f"{required} is required")
        with self.lock:
            self._check_links(kind, body)
            rid = self.next_id[kind]
            record = BUILDERS[kind](rid, body, stamp(self.now()))
            self._apply_custom(kind, record, body.get("custom_fields"))
            self.next_id[kind] = rid + 1
            self.records[kind][rid] = record
            self._emit("create", kind, record, None)
            return record

    def get(self, kind: str, rid: int) -> dict[str, Any]:
        record = self.records[kind].get(rid)
        if record is None:
            raise not_found()
        return record

    def live(self, kind: str, rid: Any) -> dict[str, Any] | None:
        record = self.records[kind].get(rid) if isinstance(rid, int) else None
        return record if record is not None and not record["is_deleted"] else None

    def update(self, kind: str, rid: int, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            record = self.live(kind, rid)
            if record is None:
                raise not_found()  # [I] a deleted entity cannot be edited through the API
            self._check_links(kind, body)
            before = {k: (dict(v) if isinstance(v, dict) else v) for k, v in record.items()}
            for key, value in body.items():
                if key in UPDATABLE[kind]:
                    record[key] = value
            self._apply_custom(kind, record, body.get("custom_fields"))
            if kind == "deal":
                record["pipeline_id"] = PIPELINE_STAGES.get(record["stage_id"], 1)
            record["update_time"] = stamp(self.now())
            previous = {k: before[k] for k in record if before.get(k) != record[k] and k != "update_time"}
            self._emit("change", kind, record, previous)
            return record

    def delete(self, kind: str, rid: int, merged_to: int | None = None) -> None:
        with self.lock:
            record = self.live(kind, rid)
            if record is None:
                raise not_found()
            record["is_deleted"] = True
            record["update_time"] = stamp(self.now())
            self._emit("delete", kind, None, dict(record), merged_to_id=merged_to)

    def merge_organizations(self, rid: int, merge_with_id: int) -> dict[str, Any]:
        """``rid`` disappears into ``merge_with_id`` [I: the survivor keeps its values and takes the
        merged one's custom values where it has none]; deals move to the survivor."""
        with self.lock:
            gone, kept = self.live("organization", rid), self.live("organization", merge_with_id)
            if gone is None or kept is None or rid == merge_with_id:
                raise not_found()
            for code, value in gone["custom_fields"].items():
                if kept["custom_fields"].get(code) in (None, ""):
                    kept["custom_fields"][code] = value
            for deal in self.records["deal"].values():
                if deal["org_id"] == rid:
                    deal["org_id"] = merge_with_id
            self.merged_to[("organization", rid)] = merge_with_id
            self.delete("organization", rid, merged_to=merge_with_id)
            kept["update_time"] = stamp(self.now())
            self._emit("change", "organization", kept, {}, merged_from_id=rid)
            return kept

    def listing(self, kind: str, include_deleted: bool = False) -> list[dict[str, Any]]:
        rows = self.records[kind].values()
        return [r for r in rows if include_deleted or not r["is_deleted"]]

    # -- deal products ------------------------------------------------------------------------------
    def attach(self, deal_id: int, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            deal = self.live("deal", deal_id)
            if deal is None:
                raise not_found()
            product = self.live("product", body.get("product_id"))
            if product is None:
                raise ApiProblem(400, f"Product {body.get('product_id')} not found")
            for name in ("item_price", "quantity"):
                if isinstance(body.get(name), bool) or not isinstance(body.get(name), int | float):
                    raise ApiProblem(400, f"{name} is required and must be a number")
            aid, now = self.next_attachment, stamp(self.now())
            self.next_attachment += 1
            attachment = {
                "id": aid,
                "sum": round(body["item_price"] * body["quantity"], 2),
                "tax": body.get("tax", 0),
                "deal_id": deal_id,
                "name": product["name"],
                "product_id": product["id"],
                "product_variation_id": None,
                "order_nr": len(self.attachments.get(deal_id, {})) + 1,
                "add_time": now,
                "update_time": now,
                "comments": body.get("comments", ""),
                "currency": deal["currency"],
                "discount": body.get("discount", 0),
                "discount_type": body.get("discount_type", "percentage"),
                "quantity": body["quantity"],
                "item_price": body["item_price"],
                "tax_method": body.get("tax_method", "inclusive"),
                "is_enabled": body.get("is_enabled", True),
                "billing_frequency": "one-time",
                "billing_frequency_cycles": None,
                "billing_start_date": None,
            }
            self.attachments.setdefault(deal_id, {})[aid] = attachment
            return attachment

    def update_attachment(self, deal_id: int, aid: int, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            attachment = self.attachments.get(deal_id, {}).get(aid)
            if attachment is None or self.live("deal", deal_id) is None:
                raise not_found()
            for key in ("item_price", "quantity", "comments", "discount", "tax", "is_enabled"):
                if key in body:
                    attachment[key] = body[key]
            attachment["sum"] = round(attachment["item_price"] * attachment["quantity"], 2)
            attachment["update_time"] = stamp(self.now())
            return attachment

    def detach(self, deal_id: int, aid: int) -> None:
        with self.lock:
            if self.attachments.get(deal_id, {}).pop(aid, None) is None:
                raise not_found()

    # -- search -------------------------------------------------------------------------------------
    def search(self, kind: str, term: str, fields: list[str], exact: bool) -> list[tuple[float, dict[str, Any]]]:
        return search_hits(self.listing(kind), self.custom(kind), kind, term, fields, exact)

    def _emit(self, action: str, kind: str, data: Any, previous: Any, **meta: Any) -> None:
        for listener in self.listeners:
            listener(action, kind, data, previous, meta)
