"""The user's mappings for commerce-syspro (store table ``mappings``), read once per run, so that a mapping
added between runs releases parked orders on the next run. A missing one raises ReferenceMissingError naming the
mapping and the command that adds it.

Kinds: ``customer`` (Commerce customer id or email -> SYSPRO customer), ``customer_group`` (Commerce
group id -> SYSPRO customer, e.g. a cash-sale account for guests), ``sku`` (SKU -> revenue GL),
``category`` (product family = the SKU's first dash-separated segment -> revenue GL; Commerce order
lines carry no category ids), ``tax_gl`` / ``shipping_gl`` / ``discount_gl`` / ``receivable_gl``
(source key ``default`` or a store id), ``store`` (Commerce store id -> SYSPRO branch). Refunds:
``refund_gl`` (the account a refund credits: a refund clearing account, else the receivable),
``restocking_fee_gl`` (an adjustment fee kept), ``refund_adjustment_gl`` (an adjustment refund given;
else the discount account), all per store id or ``default``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ml_connector.errors import ReferenceMissingError
from ml_connector.store.mappings import MappingStore

KINDS = (
    "customer",
    "customer_group",
    "sku",
    "category",
    "tax_gl",
    "shipping_gl",
    "discount_gl",
    "receivable_gl",
    "store",
    "refund_gl",
    "restocking_fee_gl",
    "refund_adjustment_gl",
)
ACCOUNT_KINDS = (
    "tax_gl",
    "shipping_gl",
    "discount_gl",
    "receivable_gl",
    "refund_gl",
    "restocking_fee_gl",
    "refund_adjustment_gl",
)


class Mappings:
    """Look-ups over one integration's mappings; every miss names what to add."""

    def __init__(self, store: MappingStore, integration: str) -> None:
        self.store = store
        self.integration = integration
        self._table: dict[tuple[str, str], str] | None = None  # read once per run (a plan lives one run)

    def _get(self, kind: str, key: object) -> str | None:
        if key is None or key == "":
            return None
        if self._table is None:
            self._table = {(m["kind"], m["source_key"]): m["target_value"] for m in self.store.all(self.integration)}
        return self._table.get((kind, str(key)))

    def _missing(self, kind: str, key: str, what: str) -> ReferenceMissingError:
        return ReferenceMissingError(
            f"no {kind} mapping for {what}: add it with `ml-connector mappings set {self.integration} {kind} "
            f"{key!r} <value>` (or import a CSV); the next run posts the record",
            reference=f"mapping:{kind}",
            key=key,
        )

    def customer_for_order(self, row: Mapping[str, Any]) -> str:
        """SYSPRO customer of an order: by Commerce customer id, then email, then customer group."""
        for key in (row.get("customer_id"), (row.get("customer_email") or "").lower()):
            found = self._get("customer", key)
            if found:
                return found
        found = self._get("customer_group", row.get("customer_group_id"))
        if found:
            return found
        who = (
            f"customer {row.get('customer_email')!r} (Commerce id {row.get('customer_id')}, group "
            f"{row.get('customer_group_id')})"
        )
        if row.get("customer_id"):
            return self._raise_customer(str(row["customer_id"]), who)
        raise self._missing("customer_group", str(row.get("customer_group_id")), who)

    def _raise_customer(self, key: str, who: str) -> str:
        raise self._missing("customer", key, who)

    def revenue_gl(self, sku: str) -> str:
        found = self._get("sku", sku) or self._get("category", sku.split("-", 1)[0])
        if not found:
            raise ReferenceMissingError(
                f"no revenue GL mapping for SKU {sku!r}: add `ml-connector mappings set {self.integration} sku "
                f"{sku!r} <GL account>` or a category mapping for {sku.split('-', 1)[0]!r}; the next run posts it",
                reference="mapping:sku",
                key=sku,
            )
        return found

    def account(self, kind: str, store_id: object) -> str:
        """tax_gl / shipping_gl / discount_gl / receivable_gl: per store id, else ``default``."""
        found = self._get(kind, store_id) or self._get(kind, "default")
        if not found:
            raise self._missing(kind, "default", f"store {store_id} (or key 'default')")
        return found

    def optional_account(self, kind: str, store_id: object) -> str | None:
        """An account mapping that may be absent (the caller falls back to another kind)."""
        return self._get(kind, store_id) or self._get(kind, "default")

    def branch(self, store_id: object) -> str:
        return self._get("store", store_id) or ""

    def commerce_customer_code(self, commerce_id: int, email: str) -> str | None:
        return self._get("customer", commerce_id) or self._get("customer", (email or "").lower())

    def link_customer(self, commerce_id: int, code: str, now: datetime) -> None:
        """Record the link a customer sync made (a mapping the user set is never overwritten)."""
        if self._get("customer", commerce_id) is None:
            self.store.set(self.integration, "customer", str(commerce_id), code, now)
            assert self._table is not None
            self._table[("customer", str(commerce_id))] = code
