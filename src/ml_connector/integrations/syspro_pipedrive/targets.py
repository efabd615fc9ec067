"""Pipedrive record targets: products, organizations, deals (engine RecordTarget protocol).

Products and organizations here; deals (with their products) in ``deals.py``.

* Creates carry every SYSPRO-owned field; updates PATCH only the fields whose value changed since the
  last send (per-field hashes in ``sent_fields``), so what reps own (owner, notes, labels, their own
  fields, a stage moved by hand while SYSPRO's status stays the same) is never overwritten.
* Check-before-post: after an unknown outcome, ``lookup`` finds the object by its SYSPRO key custom field
  (customer code, order number) or product code and adopts it (completing a deal's products).
* An organization deleted or merged in Pipedrive is found again (merge target from a webhook, else by
  customer code) or created again; the target reference in the audit says which.
* Before any write the target makes sure the day's token budget can pay for the whole record; if not,
  the record is parked with the reason "token budget" and the next run after the reset sends it.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
import structlog

from ml_connector.connectors.pipedrive.client import EntityGoneError, PipedriveClient
from ml_connector.connectors.pipedrive.models import ENTITY_PATHS
from ml_connector.core.clock import Clock
from ml_connector.engine.dry_run import Rendering, json_rendering
from ml_connector.engine.targets import ChangePolicy, Delivery
from ml_connector.errors import ReferenceMissingError
from ml_connector.integrations.syspro_pipedrive.mappings import FieldKeys, merged_into
from ml_connector.integrations.syspro_pipedrive.settings import SysproPipedriveSettings
from ml_connector.integrations.syspro_pipedrive.streams import ORGANIZATION, PRODUCT
from ml_connector.store.deliveries import DeliveryLedger
from ml_connector.store.mappings import MappingStore
from ml_connector.store.snapshots import SnapshotStore

log = structlog.get_logger("ml_connector.syspro_pipedrive")
VARCHAR = 255
SEARCH_COST = 20 + 2  # a search plus confirming GETs


def digest(value: Any) -> str:
    return hashlib.sha1(orjson.dumps(value, option=orjson.OPT_SORT_KEYS), usedforsecurity=False).hexdigest()[:12]


def fit(value: str, limit: int = VARCHAR) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def parse_ref(ref: str | None) -> int | None:
    head = (ref or "").split(" ", 1)[0]
    return int(head) if head.isdigit() else None


def body_of(fields: dict[str, Any]) -> dict[str, Any]:
    """Logical fields -> request body: ``cf:<key>`` go into custom_fields, ``stage`` expands."""
    body: dict[str, Any] = {}
    for name, value in fields.items():
        if name.startswith("cf:"):
            body.setdefault("custom_fields", {})[name[3:]] = value
        elif name == "stage":
            body.update(value)
        else:
            body[name] = value
    return body


class PipedriveTarget:
    """What the three targets share: budget check, snapshots, change detection."""

    change_policy = ChangePolicy.UPDATE
    kind = ""
    stream = ""

    def __init__(
        self,
        client: PipedriveClient,
        fields: FieldKeys,
        snapshots: SnapshotStore,
        deliveries: DeliveryLedger,
        mappings: MappingStore,
        cfg: SysproPipedriveSettings,
        clock: Clock,
        integration: str,
    ) -> None:
        self.client, self.fields, self.snapshots, self.deliveries = client, fields, snapshots, deliveries
        self.mappings, self.cfg, self.clock = mappings, cfg, clock
        self.integration = integration  # the instance key its deliveries, snapshots and merges are kept under

    def estimate(self, d: Delivery) -> int:
        return 5

    def afford(self, d: Delivery) -> None:
        needed = self.estimate(d) + self.fields.cost_to_resolve(self.kind)
        if self.deliveries.state(self.integration, self.stream, d.source_id, d.content_hash) is not None:
            needed += SEARCH_COST  # an unknown outcome is looked up first
        if not self.client.budget.can_afford(needed):
            raise ReferenceMissingError(
                f"token budget: Pipedrive's daily token budget for this integration is used up ({self.stream} "
                f"{d.source_id} needs about {needed} tokens, {self.client.budget.left()} left). It stays pending "
                "and goes out on the first run after the daily reset.",
                reference="token_budget",
                key=self.clock.now().date().isoformat(),
            )

    def sent(self, sid: str) -> dict[str, Any]:
        return self.snapshots.sent(self.integration, self.stream, sid)

    def remember(self, sid: str, rid: int, fields: dict[str, Any], **extra: Any) -> None:
        snapshot = {"id": rid, "f": {k: digest(v) for k, v in fields.items()}, **extra}
        self.snapshots.remember(self.integration, self.stream, sid, snapshot, self.clock.now())

    def changed(self, sid: str, fields: dict[str, Any]) -> dict[str, Any]:
        before = self.sent(sid).get("f", {})
        return {k: v for k, v in fields.items() if before.get(k) != digest(v)}

    def fields_of(self, d: Delivery) -> dict[str, Any]:
        raise NotImplementedError

    def check_references(self, d: Delivery) -> None:
        self.afford(d)

    def render(self, d: Delivery) -> Rendering:
        """What ``send`` would send now (dry run): the create body, or the PATCH of the changed fields."""
        self.fields.read_only = True
        fields = self.fields_of(d)
        path = f"/api/v2/{ENTITY_PATHS[self.kind]}"
        rid = parse_ref(d.previous_target_ref)
        if rid is None:
            return json_rendering(body_of(fields), f"JSON POST {path}")
        return json_rendering(body_of(self.changed(d.source_id, fields)), f"JSON PATCH {path}/{rid} (changed fields)")

    def find(self, d: Delivery) -> dict[str, Any] | None:
        raise NotImplementedError

    def lookup(self, d: Delivery) -> str | None:
        found = self.find(d)
        if found is None:
            return None
        fields = self.fields_of(d)
        self.client.update(self.kind, int(found["id"]), body_of(fields))  # bring the adopted one up to date
        self.remember(d.source_id, int(found["id"]), fields)
        return str(found["id"])

    def send(self, d: Delivery) -> str:
        fields = self.fields_of(d)
        rid = parse_ref(d.previous_target_ref)
        if rid is None:
            rid = int(self.client.create(self.kind, body_of(fields))["id"])
            self.remember(d.source_id, rid, fields)
            return str(rid)
        changed = self.changed(d.source_id, fields)
        note = ""
        if d.row.get("pipedrive_gone") == rid:  # the sweep saw it deleted or merged away in Pipedrive
            rid, note = self.found_again(d, rid, fields)
        elif changed:
            try:
                self.client.update(self.kind, rid, body_of(changed))
            except EntityGoneError:
                rid, note = self.found_again(d, rid, fields)
        self.remember(d.source_id, rid, fields)
        return f"{rid}{note}"

    def found_again(self, d: Delivery, gone: int, fields: dict[str, Any]) -> tuple[int, str]:
        found = self.find(d)
        if found is not None:
            self.client.update(self.kind, int(found["id"]), body_of(fields))
            log.info(f"{self.kind}.found_again", source_id=d.source_id, gone=gone, now=found["id"])
            return int(found["id"]), f" (found again by SYSPRO key; {gone} was deleted or merged)"
        rid = int(self.client.create(self.kind, body_of(fields))["id"])
        log.info(f"{self.kind}.recreated", source_id=d.source_id, gone=gone, now=rid)
        return rid, f" (created again; {gone} was deleted in Pipedrive)"


class ProductTarget(PipedriveTarget):
    kind, stream = "product", PRODUCT

    def fields_of(self, d: Delivery) -> dict[str, Any]:
        row, keys = d.row, self.fields.keys(self.kind)
        return {
            "name": fit(row["name"]),
            "code": row["code"],
            "unit": row["unit"],
            "prices": [{"price": 0, "currency": row["currency"], "cost": row["cost"]}],
            f"cf:{keys['stock']}": fit(row["stock"], 60_000),
        }

    def find(self, d: Delivery) -> dict[str, Any] | None:
        found = self.client.find_product(d.row["code"])
        return found[0] if found else None


class OrganizationTarget(PipedriveTarget):
    kind, stream = "organization", ORGANIZATION

    def check_references(self, d: Delivery) -> None:
        if not d.row["name"]:
            raise ReferenceMissingError(
                f"SYSPRO customer {d.source_id} has no name; give it one in SYSPRO and the next run sends it.",
                reference="customer_name",
                key=d.source_id,
            )
        self.afford(d)

    def fields_of(self, d: Delivery) -> dict[str, Any]:
        row, keys = d.row, self.fields.keys(self.kind)
        fields: dict[str, Any] = {"name": fit(row["name"]), "address": {"value": fit(row["address"])}}
        values = {
            "customer_code": row["code"],
            "branch": row["branch"],
            "salesperson": row["salesperson"],
            "credit_limit": row["credit_limit"],
            "balance": row.get("balance"),
            "on_hold": row["on_hold"],
            "stock_status": fit(row["stock_status"]),
        }
        for logical, key in keys.items():
            fields[f"cf:{key}"] = values[logical]
        return fields

    def find(self, d: Delivery) -> dict[str, Any] | None:
        key = self.fields.keys(self.kind)["customer_code"]
        found = self.client.find_by_field(self.kind, key, d.source_id)
        return found[0] if found else None

    def found_again(self, d: Delivery, gone: int, fields: dict[str, Any]) -> tuple[int, str]:
        target = merged_into(self.mappings, self.integration, gone)
        survivor = self.client.get(self.kind, target) if target is not None else None
        code_key = self.fields.keys(self.kind)["customer_code"]
        owner = str((survivor or {}).get("custom_fields", {}).get(code_key) or "")
        if target is not None and survivor is not None and owner in ("", d.source_id):
            self.client.update(self.kind, target, body_of(fields))
            log.info("organization.merge_followed", customer=d.source_id, gone=gone, now=target)
            return target, f" (merged: {gone} into {target})"
        if survivor is not None:  # merged into another SYSPRO customer's organization: never take it over
            log.warning("organization.merged_into_other_customer", customer=d.source_id, into=target, owner=owner)
        return super().found_again(d, gone, fields)
