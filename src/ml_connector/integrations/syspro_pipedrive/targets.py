"""Pipedrive record targets: products, organizations, deals (engine RecordTarget protocol).

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
from ml_connector.core.clock import Clock
from ml_connector.engine.targets import ChangePolicy, Delivery
from ml_connector.errors import ReferenceMissingError
from ml_connector.integrations.syspro_pipedrive.mappings import FieldKeys, merged_into, stage_for
from ml_connector.integrations.syspro_pipedrive.settings import SysproPipedriveSettings
from ml_connector.integrations.syspro_pipedrive.streams import NAME, ORGANIZATION, PRODUCT
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
    ) -> None:
        self.client, self.fields, self.snapshots, self.deliveries = client, fields, snapshots, deliveries
        self.mappings, self.cfg, self.clock = mappings, cfg, clock

    def estimate(self, d: Delivery) -> int:
        return 5

    def afford(self, d: Delivery) -> None:
        needed = self.estimate(d) + self.fields.cost_to_resolve(self.kind)
        if self.deliveries.state(NAME, self.stream, d.source_id, d.content_hash) is not None:
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
        return self.snapshots.sent(NAME, self.stream, sid)

    def remember(self, sid: str, rid: int, fields: dict[str, Any], **extra: Any) -> None:
        snapshot = {"id": rid, "f": {k: digest(v) for k, v in fields.items()}, **extra}
        self.snapshots.remember(NAME, self.stream, sid, snapshot, self.clock.now())

    def changed(self, sid: str, fields: dict[str, Any]) -> dict[str, Any]:
        before = self.sent(sid).get("f", {})
        return {k: v for k, v in fields.items() if before.get(k) != digest(v)}

    def fields_of(self, d: Delivery) -> dict[str, Any]:
        raise NotImplementedError

    def check_references(self, d: Delivery) -> None:
        self.afford(d)

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
        target = merged_into(self.mappings, gone)
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


class DealTarget(PipedriveTarget):
    kind, stream = "deal", "deal"

    def estimate(self, d: Delivery) -> int:
        lines = len(d.row["lines"]) + len(self.sent(d.source_id).get("lines", {}))
        return 5 + 5 * lines

    def check_references(self, d: Delivery) -> None:
        row = d.row
        if row["value"] < 0 or any(line["qty"] < 0 or line["price"] < 0 for line in row["lines"]):
            raise ReferenceMissingError(
                f"SYSPRO order {d.source_id} has a negative amount or quantity (value {row['value']}); a credit is "
                "not a deal. Fix the order in SYSPRO (or leave it: it stays parked and is re-checked every run).",
                reference="negative_amount",
                key=d.source_id,
            )
        if self.org_id(row["customer"]) is None:
            raise ReferenceMissingError(
                f"order {d.source_id} waits for customer {row['customer']} to reach Pipedrive as an organization",
                reference="customer",
                key=row["customer"],
            )
        for line in row["lines"]:
            if self.product_id(line["code"]) is None:
                raise ReferenceMissingError(
                    f"order {d.source_id} line {line['line']} waits for product {line['code']} to reach Pipedrive",
                    reference="product",
                    key=line["code"],
                )
        self.afford(d)

    def org_id(self, customer: str) -> int | None:
        last = self.deliveries.last_delivered(NAME, ORGANIZATION, customer)
        return parse_ref(last.target_ref) if last else None

    def product_id(self, code: str) -> int | None:
        last = self.deliveries.last_delivered(NAME, PRODUCT, code)
        return parse_ref(last.target_ref) if last else None

    def fields_of(self, d: Delivery) -> dict[str, Any]:
        row, keys = d.row, self.fields.keys(self.kind)
        return {
            "title": fit(row["title"]),
            "value": row["value"],
            "currency": row["currency"],
            "org_id": self.org_id(row["customer"]),
            "expected_close_date": row["expected_close_date"],
            "stage": stage_for(row, self.cfg),
            f"cf:{keys['order_number']}": row["order"],
            f"cf:{keys['backlog_value']}": {"value": row["backlog_value"], "currency": row["currency"]},
            f"cf:{keys['stock_status']}": fit(row["stock_status"]),
        }

    def find(self, d: Delivery) -> dict[str, Any] | None:
        key = self.fields.keys(self.kind)["order_number"]
        found = self.client.find_by_field(self.kind, key, d.source_id)
        return found[0] if found else None

    def reconcile(self, rid: int, d: Delivery) -> dict[str, list[Any]]:
        """Attach the lines a deal found on Pipedrive lacks (after a lost answer or a re-find)."""
        attached = {p.product_id: p.id for p in self.client.deal_products(rid)}
        lines: dict[str, list[Any]] = {}
        for line in d.row["lines"]:
            pid = self.product_id(line["code"])
            assert pid is not None
            aid = attached.pop(pid, None)
            if aid is None:
                aid = self.client.add_deal_product(rid, pid, line["price"], line["qty"]).id
            lines[str(line["line"])] = [aid, pid, digest(line)]
        return lines

    def lookup(self, d: Delivery) -> str | None:
        found = self.find(d)
        if found is None:
            return None
        rid, fields = int(found["id"]), self.fields_of(d)
        self.client.update(self.kind, rid, body_of(fields))
        self.remember(d.source_id, rid, fields, lines=self.reconcile(rid, d))
        return str(rid)

    def send(self, d: Delivery) -> str:
        prior = dict(self.sent(d.source_id).get("lines", {}))
        ref = super().send(d)
        rid = parse_ref(ref)
        assert rid is not None
        snapshot = self.sent(d.source_id)
        if "(found again" in ref:
            lines = self.reconcile(rid, d)
        else:
            lines = self.sync_lines(rid, d, {} if "(created again" in ref else prior)
        self.snapshots.remember(NAME, self.stream, d.source_id, {**snapshot, "lines": lines}, self.clock.now())
        return ref

    def sync_lines(self, rid: int, d: Delivery, before: dict[str, list[Any]]) -> dict[str, list[Any]]:
        """Add, change and remove deal products so they match the order's stocked lines."""
        lines: dict[str, list[Any]] = {}
        for line in d.row["lines"]:
            pid, number = self.product_id(line["code"]), str(line["line"])
            assert pid is not None
            old = before.pop(number, None)
            if old is not None and old[1] == pid and old[2] == digest(line):
                lines[number] = old
                continue
            if old is not None and old[1] == pid:
                self.client.update_deal_product(rid, old[0], line["price"], line["qty"])
                lines[number] = [old[0], pid, digest(line)]
                continue
            if old is not None:
                self.client.delete_deal_product(rid, old[0])
            lines[number] = [self.client.add_deal_product(rid, pid, line["price"], line["qty"]).id, pid, digest(line)]
        for old in before.values():
            self.client.delete_deal_product(rid, old[0])
        return lines
