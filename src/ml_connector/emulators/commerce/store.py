"""The emulated store's state: customers, orders and invoices in their REST shape, the seeded
history across three sales channels, searches, and the mutations tests and the demo drive
(place, change, invoice, ship or cancel an order; add or save a customer; bulk-generate orders).
"""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from ml_connector.emulators.commerce.catalog import PRODUCTS, STORES, STORES_BY_CODE, StoreView
from ml_connector.emulators.commerce.creditmemos import COLUMNS as MEMO_COLUMNS
from ml_connector.emulators.commerce.customers import Entity, build_customer, merge_customer, no_such_customer, stamp
from ml_connector.emulators.commerce.errors import NO_ENTITY, WebapiError
from ml_connector.emulators.commerce.invoices import COLUMNS as INVOICE_COLUMNS
from ml_connector.emulators.commerce.invoices import build_invoice
from ml_connector.emulators.commerce.orders import build_order
from ml_connector.emulators.commerce.search import SearchCriteria, matches, page_of, sort_entities

Listener = Callable[[str, dict[str, Any]], None]
COLLECTIONS = ("orders", "invoices", "customers", "creditmemos")
# Nested objects are not columns: searchCriteria filters only top-level attributes (docs/PROTOCOLS.md).
NESTED = frozenset(("items", "billing_address", "payment", "extension_attributes", "status_histories",
                    "addresses", "custom_attributes", "comments"))  # fmt: skip


class CommerceStore:
    """All mutable state of one emulator instance; every public method is thread-safe."""

    def __init__(
        self,
        *,
        seed: int,
        orders: int,
        customers: int | None,
        start: datetime,
        now: Callable[[], datetime],
        syspro_code_attribute: str,
        customer_attributes: tuple[str, ...],
    ) -> None:
        self.lock = threading.RLock()
        self.now = now
        self.syspro_code_attribute = syspro_code_attribute
        self.customer_attributes = frozenset((syspro_code_attribute, *customer_attributes))
        self.listeners: list[Listener] = []
        self.customers: dict[int, Entity] = {}
        self.orders: dict[int, Entity] = {}
        self.invoices: dict[int, Entity] = {}
        self.creditmemos: dict[int, Entity] = {}  # credit memos (refunds): see creditmemos.py
        # Columns exist before the first row does (an empty store must still filter on updated_at).
        self._columns: dict[str, set[str]] = {name: {"entity_id", "created_at", "updated_at"} for name in COLLECTIONS}
        self._columns["creditmemos"].update(MEMO_COLUMNS)
        self._columns["invoices"].update(INVOICE_COLUMNS)
        self._by_website: dict[int, dict[int, Entity]] = {}
        self._rng = random.Random(seed)
        self._ids: dict[str, int] = defaultdict(int)
        self._sequences: dict[tuple[str, int], int] = defaultdict(int)
        self._seed(orders, customers if customers is not None else max(24, orders // 5), start)

    # ---- ids and bookkeeping -------------------------------------------------------------------
    def next_id(self, kind: str) -> int:
        self._ids[kind] += 1
        return self._ids[kind]

    def _increment_id(self, kind: str, store: StoreView) -> str:
        self._sequences[(kind, store.store_id)] += 1
        return f"{store.increment_prefix}{self._sequences[(kind, store.store_id)]:09d}"

    def _put(self, collection: str, entity: Entity) -> None:
        key = entity["id"] if collection == "customers" else entity["entity_id"]
        getattr(self, collection)[key] = entity
        self._columns[collection].update(entity.keys())
        if collection == "customers":
            for members in self._by_website.values():
                members.pop(key, None)
            self._by_website.setdefault(entity["website_id"], {})[key] = entity

    def _emit(self, event: str, payload: dict[str, Any]) -> None:
        for listener in self.listeners:
            listener(event, payload)

    # ---- seeding -------------------------------------------------------------------------------
    def _seed(self, n_orders: int, n_customers: int, start: datetime) -> None:
        rng = self._rng
        for i in range(n_customers):
            store = STORES[0] if i % 2 == 0 else STORES[1]
            created = start - timedelta(days=rng.uniform(30, 400))
            updated = min(start, created + timedelta(days=rng.uniform(0, 60)))
            code = f"{'RET' if store.channel == 'retail' else 'B2B'}{i + 1:04d}" if rng.random() < 0.4 else None
            self._put("customers", self._new_customer(store, stamp(created), stamp(updated), code))
        at = start
        for _ in range(n_orders):
            at += timedelta(seconds=rng.uniform(240, 10800))
            self._new_order_with_history(at, horizon=None)

    def _new_customer(self, store: StoreView, created: str, updated: str, code: str | None) -> Entity:
        return build_customer(
            self._rng,
            self.next_id("customer"),
            self.next_id("customer_address"),
            store,
            created,
            updated,
            syspro_code_attribute=self.syspro_code_attribute,
            syspro_customer_code=code,
        )

    def _pick_store_and_customer(self) -> tuple[StoreView, Entity | None]:
        rng = self._rng
        store = rng.choices(STORES, weights=(5, 3, 2))[0]
        pool = list(self._by_website.get(store.website_id, {}).values())
        if not pool or store.channel == "marketplace" or (store.channel == "retail" and rng.random() < 0.3):
            return store, None
        return store, rng.choice(pool)

    def _new_order_with_history(self, created: datetime, horizon: datetime | None) -> Entity:
        """Place an order at ``created`` and play its likely life (invoice, shipment or cancel)."""
        rng = self._rng
        store, customer = self._pick_store_and_customer()
        order = build_order(rng, self.next_id, store, self._increment_id("order", store), customer, stamp(created))
        self._put("orders", order)
        fate = rng.random()
        if fate < 0.04:
            when = created + timedelta(hours=rng.uniform(1, 24))
            if horizon is None or when <= horizon:
                self._set_state(order, "canceled", "canceled", when)
            return order
        if fate < 0.12:
            return order
        delay = {"marketplace": (60, 600), "retail": (86400, 432000), "b2b": (86400, 259200)}[store.channel]
        invoiced = created + timedelta(seconds=rng.uniform(*delay))
        if horizon is not None and invoiced > horizon:
            return order
        self._invoice(order, invoiced)
        if rng.random() < 0.7:
            # Shipments are confirmed by an hourly batch job: many orders share one updated_at.
            shipped = (invoiced + timedelta(days=rng.uniform(1, 4))).replace(minute=0, second=0, microsecond=0)
            if horizon is None or shipped <= horizon:
                self._ship(order, shipped)
        return order

    # ---- order life ------------------------------------------------------------------------------
    def _set_state(self, order: Entity, state: str, status: str, at: datetime) -> None:
        order["state"], order["status"], order["updated_at"] = state, status, stamp(at)

    def _invoice(self, order: Entity, at: datetime) -> Entity:
        store = next(s for s in STORES if s.store_id == order["store_id"])
        invoice = build_invoice(self.next_id, order, self._increment_id("invoice", store), stamp(at))
        for item in order["items"]:
            item["qty_invoiced"] = item["qty_ordered"]
            item["row_invoiced"], item["tax_invoiced"] = item["row_total"], item["tax_amount"]
            item["discount_invoiced"] = item["discount_amount"]
            item["updated_at"] = stamp(at)
        for name in ("total_invoiced", "total_paid", "base_total_invoiced", "base_total_paid"):
            order[name] = order["grand_total"]
        order["total_due"] = order["base_total_due"] = 0
        order["shipping_invoiced"] = order["shipping_amount"]
        order["payment"]["amount_paid"] = order["payment"]["base_amount_paid"] = order["grand_total"]
        self._set_state(order, "processing", "processing", at)
        self._put("invoices", invoice)
        self._put("orders", order)
        return invoice

    def _ship(self, order: Entity, at: datetime) -> None:
        for item in order["items"]:
            item["qty_shipped"] = 0 if item["is_virtual"] else item["qty_ordered"]
            item["updated_at"] = stamp(at)
        self._set_state(order, "complete", "complete", at)

    # ---- reading ---------------------------------------------------------------------------------
    def field(self, collection: str, entity: Entity, name: str) -> Any:
        if collection == "customers":
            if name == "entity_id":
                name = "id"
            if name in self.customer_attributes:
                attrs = entity.get("custom_attributes", [])
                return next((a["value"] for a in attrs if a["attribute_code"] == name), None)
        value = entity.get(name)
        return None if isinstance(value, dict | list) else value

    def is_column(self, collection: str, name: str) -> bool:
        if collection == "customers" and (name in self.customer_attributes or name == "entity_id"):
            return True
        return name in self._columns[collection] and name not in NESTED

    def search(
        self, collection: str, criteria: SearchCriteria, *, default_page_size: int | None, repeat_last_page: bool
    ) -> tuple[list[Entity], int]:
        """Filter, sort and page one collection (call while holding ``lock`` to serialise safely)."""
        with self.lock:
            rows = list(getattr(self, collection).values())

            def get(entity: Entity, name: str) -> Any:
                return self.field(collection, entity, name)

            found = sort_entities([r for r in rows if matches(r, criteria, get)], criteria, get)
            page = page_of(found, criteria, default_page_size=default_page_size, repeat_last_page=repeat_last_page)
            return page, len(found)

    def order_by_increment_id(self, increment_id: str) -> Entity | None:
        with self.lock:
            return next((o for o in self.orders.values() if o["increment_id"] == increment_id), None)

    # ---- mutations -------------------------------------------------------------------------------
    def place_order(
        self, *, customer_id: int | None = None, store_code: str = "default", skus: dict[str, int] | None = None
    ) -> Entity:
        """A new order (state new) placed now; fires ``observer.sales_order_place_after``."""
        with self.lock:
            store = STORES_BY_CODE[store_code]
            customer = self.customers[customer_id] if customer_id is not None else None
            lines = [(next(p for p in PRODUCTS if p.sku == sku), qty) for sku, qty in (skus or {}).items()]
            order = build_order(
                self._rng, self.next_id, store, self._increment_id("order", store), customer,
                stamp(self.now()), lines or None,
            )  # fmt: skip
            self._put("orders", order)
        self._emit("observer.sales_order_place_after", {"order": order})
        return order

    def update_order(self, entity_id: int, **changes: Any) -> Entity:
        """Change top-level order fields (status, state, ...); bumps ``updated_at`` to now."""
        with self.lock:
            order = self._order(entity_id)
            order.update(changes)
            order["updated_at"] = stamp(self.now())
            self._put("orders", order)
            return order

    def invoice_order(self, entity_id: int) -> Entity:
        """Invoice the whole order now; fires ``observer.sales_order_invoice_save_after``."""
        with self.lock:
            order = self._order(entity_id)
            if order.get("total_invoiced") or order["state"] == "canceled":
                raise WebapiError(400, "The order does not allow an invoice to be created.")
            invoice = self._invoice(order, self.now())
        self._emit("observer.sales_order_invoice_save_after", {"invoice": invoice})
        return invoice

    def ship_order(self, entity_id: int) -> Entity:
        with self.lock:
            order = self._order(entity_id)
            self._ship(order, self.now())
            return order

    def cancel_order(self, entity_id: int) -> Entity:
        with self.lock:
            order = self._order(entity_id)
            self._set_state(order, "canceled", "canceled", self.now())
            return order

    def generate_orders(self, count: int, *, spacing_s: float = 30.0) -> list[int]:
        """Add ``count`` orders created over the recent past (ending now), each with a plausible life
        but nothing after now. No webhooks: this is bulk load for chaos and volume tests."""
        with self.lock:
            now = self.now()
            first = now - timedelta(seconds=spacing_s * count)
            return [
                self._new_order_with_history(first + timedelta(seconds=spacing_s * i), horizon=now)["entity_id"]
                for i in range(count)
            ]

    def add_customer(self, *, website_code: str = "default", syspro_customer_code: str | None = None) -> Entity:
        """A new customer with a generated name and address, created now."""
        with self.lock:
            at = stamp(self.now())
            customer = self._new_customer(STORES_BY_CODE[website_code], at, at, syspro_customer_code)
            self._put("customers", customer)
            return customer

    def save_customer(self, data: dict[str, Any], *, customer_id: int | None, store: StoreView) -> Entity:
        """POST /V1/customers (create) and PUT /V1/customers/{id} (update) semantics."""
        with self.lock:
            existing = self.customers.get(customer_id) if customer_id is not None else None
            if customer_id is not None and existing is None:
                raise no_such_customer(customer_id)
            customer = merge_customer(
                existing,
                data,
                customer_id=customer_id if customer_id is not None else None,
                store=store,
                others=list(self.customers.values()),
                known_attributes=self.customer_attributes,
                next_id=self.next_id,
                at=stamp(self.now()),
            )
            self._put("customers", customer)
            return customer

    def _order(self, entity_id: int) -> Entity:
        order = self.orders.get(entity_id)
        if order is None:
            raise WebapiError(404, NO_ENTITY)
        return order


def utc_now() -> datetime:
    return datetime.now(UTC)
