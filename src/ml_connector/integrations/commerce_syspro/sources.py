"""Sources for the engine: Commerce orders and customers (searchCriteria on updated_at, half-open UTC
windows) and SYSPRO customers (ArCustomer rowversion), plus the echo guard for the customer streams.

Echo rule: a customer card (code, name, email after SYSPRO's value rules) read on one side whose
content hash equals the hash of the card we last wrote to that side (the mirror stream's last
delivered version of that code) is our own write coming back. It is recorded as delivered in this
stream too (so the engine counts it unchanged and never sends it back), and logged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import structlog

from ml_connector.connectors.commerce.client import CommerceClient
from ml_connector.connectors.commerce.search import format_commerce_time
from ml_connector.connectors.syspro.enet.client import SysproEnetClient
from ml_connector.core.cursors import Window, parse_instant
from ml_connector.core.hashing import content_hash
from ml_connector.core.streams import StreamSpec
from ml_connector.engine.context import RunContext
from ml_connector.integrations.commerce_syspro.mappings import Mappings
from ml_connector.integrations.commerce_syspro.streams import (
    CUSTOMER_TO_SYSPRO,
    MIRROR,
    NAME,
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
    """Orders or customers from Commerce, as rows (streams.order_row / commerce_customer_row)."""

    def __init__(self, client: CommerceClient, mappings: Mappings, code_prefix: str) -> None:
        self.client = client
        self.mappings = mappings
        self.code_prefix = code_prefix

    def pages(self, stream: StreamSpec, window: Window) -> Iterator[list[dict[str, Any]]]:
        bounds = _bounds(window)
        if bounds is None:
            return
        if stream.source == "orders":
            for orders in self.client.iter_orders(*bounds):
                yield [order_row(order) for order in orders.items]
        else:
            for customers in self.client.iter_customers(*bounds):
                yield [commerce_customer_row(c, self.customer_code(c)) for c in customers.items]

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
        digest = echo_digest(store, stream, row)
        if digest is None:
            return
        with store.engine.begin() as db:
            DeliveryLedger.settle(
                db,
                NAME,
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


def echo_digest(store: Any, stream: StreamSpec, row: Mapping[str, Any]) -> str | None:
    """The row's content hash when it is our own write coming back (same card as we last delivered to the
    other side) and not yet settled; else None."""
    code = str(row["code"])
    digest = content_hash(row, ignore=stream.hash_ignore)
    mirror = [
        r
        for r in store.ledger.search(integration=NAME, stream=MIRROR[stream.name], source_id=code, limit=5)
        if r["status"] in DELIVERED
    ]
    if not mirror or mirror[0]["content_hash"] != digest:
        return None
    state = store.deliveries.state(NAME, stream.name, code, digest)
    return None if state is not None and state.state == "delivered" else digest


class DryEchoFilter:
    """The dry run's EchoGuard: leaves our own writes coming back out of the pages, settles nothing."""

    def __init__(self, inner: Any, store: Any) -> None:
        self.inner, self.store = inner, store

    def pages(self, stream: StreamSpec, window: Window) -> Iterator[list[dict[str, Any]]]:
        for page in self.inner.pages(stream, window):
            yield [row for row in page if echo_digest(self.store, stream, row) is None]

    def cursor_value(self, stream: StreamSpec, row: Mapping[str, Any]) -> Any:
        return self.inner.cursor_value(stream, row)
