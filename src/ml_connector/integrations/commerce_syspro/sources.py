"""Sources for the engine: Commerce orders and customers (searchCriteria on updated_at, half-open UTC
windows) and SYSPRO customers (ArCustomer rowversion), plus the echo guard for the customer streams.

Echo rule: a customer card (code, name, email after SYSPRO's value rules) read on one side whose
content hash equals the hash of the card we last wrote to that side (the mirror stream's last
delivered version of that code) is our own write coming back. It is recorded as delivered in this
stream too (so the engine counts it unchanged and never sends it back), and logged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import structlog

from ml_connector.connectors.commerce.client import CommerceClient
from ml_connector.connectors.commerce.creditmemos import CreditMemo, by_entity_ids, iter_creditmemos, memos_of_orders
from ml_connector.connectors.commerce.models import Invoice, Order
from ml_connector.connectors.commerce.search import format_commerce_time
from ml_connector.connectors.syspro.enet.client import SysproEnetClient
from ml_connector.core.cursors import Window, parse_instant
from ml_connector.core.hashing import content_hash
from ml_connector.core.streams import StreamSpec
from ml_connector.engine.context import RunContext
from ml_connector.integrations.commerce_syspro.documents import creditmemo_row, invoice_row
from ml_connector.integrations.commerce_syspro.mappings import Mappings
from ml_connector.integrations.commerce_syspro.streams import (
    CANCEL_JOURNAL,
    CANCEL_SALES_ORDER,
    CUSTOMER_TO_SYSPRO,
    MIRROR,
    RETURN_TO_STOCK,
    commerce_customer_row,
    order_row,
    syspro_customer_row,
)
from ml_connector.store.deliveries import DeliveryLedger

log = structlog.get_logger("ml_connector.commerce_syspro")
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
DELIVERED = ("delivered", "released", "recovered")


def _bounds(window: Window) -> tuple[datetime, datetime] | None:
    since = window.lower if isinstance(window.lower, datetime) else EPOCH
    until = window.upper or datetime.now(UTC)
    if format_commerce_time(until) <= format_commerce_time(since):
        return None  # an empty window (whole seconds): nothing to read yet
    return since, until


class CommerceSource:
    """Orders, invoices, credit memos or customers from Commerce, as rows (streams.order_row,
    documents.invoice_row / creditmemo_row, streams.commerce_customer_row). The cancellation streams
    see only cancelled orders, the warehouse stream only credit memos with lines returned to stock."""

    def __init__(self, client: CommerceClient, mappings: Mappings, code_prefix: str) -> None:
        self.client = client
        self.mappings = mappings
        self.code_prefix = code_prefix

    def pages(self, stream: StreamSpec, window: Window) -> Iterator[list[dict[str, Any]]]:
        bounds = _bounds(window)
        if bounds is None:
            return
        if stream.source == "orders":
            cancels = stream.name in (CANCEL_JOURNAL, CANCEL_SALES_ORDER)
            for orders in self.client.iter_orders(*bounds):
                yield [row for row in map(order_row, orders.items) if row["canceled"] or not cancels]
        elif stream.source == "invoices":
            for invoices in self.client.iter_invoices(*bounds):
                found = self._orders({i.order_id for i in invoices.items})
                yield [invoice_row(i, found.get(i.order_id)) for i in invoices.items]
        elif stream.source == "creditmemos":
            for memos in iter_creditmemos(self.client, *bounds, page_size=self.client.page_size):
                found = self._orders({m.order_id for m in memos.items})
                ids = {m.invoice_id for m in memos.items if m.invoice_id}
                refunded = by_entity_ids(self.client, "V1/invoices", Invoice, ids) if ids else {}
                before = _refunded_before(memos_of_orders(self.client, {m.order_id for m in memos.items}))
                rows = [
                    creditmemo_row(m, found.get(m.order_id), _increment(refunded, m.invoice_id), before[m.entity_id])
                    for m in memos.items
                ]
                if stream.name == RETURN_TO_STOCK:
                    rows = [r for r in rows if any(line["back_to_stock"] for line in r["lines"])]
                yield rows
        else:
            for customers in self.client.iter_customers(*bounds):
                yield [commerce_customer_row(c, self.customer_code(c)) for c in customers.items]

    def _orders(self, ids: set[int]) -> dict[int, Order]:
        found = by_entity_ids(self.client, "V1/orders", Order, ids) if ids else {}
        missing = ids - set(found)
        if missing:  # Commerce deleted the order (rare): its invoice or memo is refused with that reason, never dropped
            log.warning("commerce.document_without_order", orders=sorted(missing)[:10])
        return found

    def customer_code(self, customer: Any) -> str:
        """The SYSPRO code of a Commerce customer: its code attribute, a mapping, else prefix + id."""
        return (
            self.client.syspro_code_of(customer)
            or self.mappings.commerce_customer_code(customer.id, customer.email)
            or f"{self.code_prefix}{customer.id:06d}"
        )

    def cursor_value(self, stream: StreamSpec, row: Mapping[str, Any]) -> datetime | None:
        value = row.get("updated_at")
        return parse_instant(value) if value else None


def _refunded_before(memos: list[CreditMemo]) -> dict[int, Decimal]:
    """Per memo, the grand totals of the same order's memos made before it (lower entity id)."""
    before: dict[int, Decimal] = defaultdict(Decimal)
    running: dict[int, Decimal] = defaultdict(Decimal)
    for memo in sorted(memos, key=lambda m: m.entity_id):
        before[memo.entity_id] = running[memo.order_id]
        running[memo.order_id] += memo.grand_total
    return before


def _increment(invoices: dict[int, Invoice], entity_id: int | None) -> str:
    found = invoices.get(entity_id) if entity_id else None
    return (found.increment_id or str(found.entity_id)) if found is not None else ""


class SysproCustomerSource:
    """ArCustomer rows changed after the rowversion cursor (COMFND, paged by the connector)."""

    def __init__(self, enet: SysproEnetClient, page_rows: int = 500) -> None:
        self.enet = enet
        self.page_rows = page_rows

    def pages(self, stream: StreamSpec, window: Window) -> Iterator[list[dict[str, Any]]]:
        lower = int(window.lower) if isinstance(window.lower, int) else 0
        changes = self.enet.list_customers_changed_since(lower)
        rows = [syspro_customer_row(c) for c in changes.customers]
        for start in range(0, len(rows), self.page_rows):
            yield rows[start : start + self.page_rows]

    def cursor_value(self, stream: StreamSpec, row: Mapping[str, Any]) -> int | None:
        value = row.get("rowversion")
        return int(value) if value is not None else None


class EchoGuard:
    """Wraps a customer source: our own writes coming back are settled as delivered, not sent back."""

    def __init__(self, inner: Any, ctx: RunContext) -> None:
        self.inner = inner
        self.ctx = ctx
        self.echoes = 0

    def pages(self, stream: StreamSpec, window: Window) -> Iterator[list[dict[str, Any]]]:
        for page in self.inner.pages(stream, window):
            for row in page:
                self._settle_if_echo(stream, row)
            yield page

    def cursor_value(self, stream: StreamSpec, row: Mapping[str, Any]) -> Any:
        return self.inner.cursor_value(stream, row)

    def _settle_if_echo(self, stream: StreamSpec, row: Mapping[str, Any]) -> None:
        store, code = self.ctx.store, str(row["code"])
        digest = echo_digest(store, self.ctx.integration, stream, row)
        if digest is None:
            return
        with store.engine.begin() as db:
            DeliveryLedger.settle(
                db,
                self.ctx.integration,
                stream.name,
                code,
                digest,
                state="delivered",
                now=self.ctx.clock.now(),
                run_id=self.ctx.run_id,
                target_ref=code if stream.name == CUSTOMER_TO_SYSPRO else None,
            )
        self.echoes += 1
        log.info(
            "customer.echo",
            stream=stream.name,
            code=code,
            rule="same card as we last wrote to this side; not sent back",
        )


def echo_digest(store: Any, integration: str, stream: StreamSpec, row: Mapping[str, Any]) -> str | None:
    """The row's content hash when it is our own write coming back (same card as ``integration``, the
    instance key, last delivered to the other side) and not yet settled; else None."""
    code = str(row["code"])
    digest = content_hash(row, ignore=stream.hash_ignore)
    mirror = [
        r
        for r in store.ledger.search(integration=integration, stream=MIRROR[stream.name], source_id=code, limit=5)
        if r["status"] in DELIVERED
    ]
    if not mirror or mirror[0]["content_hash"] != digest:
        return None
    state = store.deliveries.state(integration, stream.name, code, digest)
    return None if state is not None and state.state == "delivered" else digest


class DryEchoFilter:
    """The dry run's EchoGuard: leaves our own writes coming back out of the pages, settles nothing."""

    def __init__(self, inner: Any, store: Any, integration: str) -> None:
        self.inner, self.store, self.integration = inner, store, integration

    def pages(self, stream: StreamSpec, window: Window) -> Iterator[list[dict[str, Any]]]:
        for page in self.inner.pages(stream, window):
            yield [row for row in page if echo_digest(self.store, self.integration, stream, row) is None]

    def cursor_value(self, stream: StreamSpec, row: Mapping[str, Any]) -> Any:
        return self.inner.cursor_value(stream, row)
