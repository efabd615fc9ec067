"""The deal target: SYSPRO sales orders as Pipedrive deals with their stock lines as deal products.

Lines are matched by SYSPRO line number (snapshot: line -> [attachment id, product id, hash]); a changed
line is updated, a new one added, a removed one deleted. After a lost answer or a re-find, the deal's
products on Pipedrive are listed once and the missing ones attached (``reconcile``).
"""

from __future__ import annotations

from typing import Any

from ml_connector.engine.targets import Delivery
from ml_connector.errors import ReferenceMissingError
from ml_connector.integrations.syspro_pipedrive.mappings import stage_for
from ml_connector.integrations.syspro_pipedrive.streams import ORGANIZATION, PRODUCT
from ml_connector.integrations.syspro_pipedrive.targets import PipedriveTarget, body_of, digest, fit, parse_ref


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
        last = self.deliveries.last_delivered(self.integration, ORGANIZATION, customer)
        return parse_ref(last.target_ref) if last else None

    def product_id(self, code: str) -> int | None:
        last = self.deliveries.last_delivered(self.integration, PRODUCT, code)
        return parse_ref(last.target_ref) if last else None

    def fields_of(self, d: Delivery) -> dict[str, Any]:
        row, keys = d.row, self.fields.keys(self.kind)
        return {
            "title": fit(row["title"]),
            "value": row["value"],
            "currency": row["currency"],
            "org_id": row.get("org_ref") or self.org_id(row["customer"]),
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
        self.snapshots.remember(
            self.integration, self.stream, d.source_id, {**snapshot, "lines": lines}, self.clock.now()
        )
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
