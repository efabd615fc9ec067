"""Reads SYSPRO once per run through OData (ArCustomer, SorMaster + SorDetail, InvMaster, InvWarehouse,
and the open items of ArInvoice) and serves the product, organization and deal rows from that one
snapshot, so stock statuses on organizations and deals agree with each other and with the products.

Every run reads the selected SYSPRO rows in full (they are few: customers, open orders, their stock,
open AR documents); the delivery ledger's content hashes decide what changed, so a moved stock level
refreshes exactly the organizations, deals and products it touches, a payment (a lower ``InvoiceBal1``
while ``ArCustomer`` stays as it was) refreshes exactly its customer's organization, and nothing else
costs a Pipedrive token.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from datetime import date, timedelta
from typing import Any

from ml_connector.connectors.syspro.odata.client import SysproODataClient, date_literal, quote_string
from ml_connector.core.cursors import Window
from ml_connector.core.streams import Row, StreamSpec
from ml_connector.integrations.syspro_pipedrive.settings import SysproPipedriveSettings
from ml_connector.integrations.syspro_pipedrive.streams import (
    DEAL,
    ORGANIZATION,
    PRODUCT,
    balances,
    deal_row,
    organization_row,
    product_row,
    stock_status,
    text,
)

PAGE = 500
# The organization balance: only the open AR documents (a paid one adds 0), only the columns it needs.
OPEN_ITEMS = "InvoiceBal1 ne 0"
INVOICE_COLUMNS = ("Customer", "Invoice", "DocumentType", "InvoiceBal1")


class SysproSnapshot:
    """The rows of one run, built on first use."""

    def __init__(self, client: SysproODataClient, cfg: SysproPipedriveSettings, today: date) -> None:
        self.client, self.cfg, self.today = client, cfg, today
        self._rows: dict[str, list[Row]] | None = None

    def order_filter(self) -> str:
        closed = [*self.cfg.won_statuses, *self.cfg.lost_statuses]
        open_ = " and ".join(f"OrderStatus ne {quote_string(s)}" for s in closed) or "true"
        if self.cfg.orders == "open":
            return open_
        since = self.today - timedelta(days=self.cfg.recent_days)
        return f"({open_}) or OrderDate ge {date_literal(since, self.client.settings.date_literal)}"

    def _all(
        self, entity_set: str, filter_: str | None = None, select: tuple[str, ...] | None = None
    ) -> list[dict[str, Any]]:
        return [row for page in self.client.pages(entity_set, filter=filter_, select=select) for row in page]

    def open_invoices(self) -> list[dict[str, Any]]:
        """Open AR documents, once per run: ``$select`` of four columns, paged. ``$skip`` paging can show a
        row twice when rows move during the walk, so they are de-duplicated by key."""
        rows = self._all("ArInvoice", OPEN_ITEMS, INVOICE_COLUMNS)
        by_key = {(text(r["Customer"]), str(r["Invoice"]), text(r["DocumentType"])): r for r in rows}
        return list(by_key.values())

    def rows(self, stream: str) -> list[Row]:
        if self._rows is None:
            self._rows = self._build()
        return self._rows[stream]

    def _build(self) -> dict[str, list[Row]]:
        customers = self._all("ArCustomer")
        orders = self._all("SorMaster", self.order_filter())
        wanted = {text(o["SalesOrder"]) for o in orders}
        lines: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for line in self._all("SorDetail"):
            if text(line["SalesOrder"]) in wanted:
                lines[text(line["SalesOrder"])].append(line)
        stock_rows = self._all("InvWarehouse")
        stock = {(text(s["StockCode"]), text(s["Warehouse"])): s for s in stock_rows}
        by_code: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for s in stock_rows:
            by_code[text(s["StockCode"])].append(s)
        used = {text(ln["MStockCode"]) for ls in lines.values() for ln in ls if text(ln.get("LineType")) == "1"}
        masters = [m for m in self._all("InvMaster") if text(m["StockCode"]) in used]
        closed = {*self.cfg.won_statuses, *self.cfg.lost_statuses}
        open_lines: dict[str, list[dict[str, Any]]] = defaultdict(list)
        deals = []
        for order in sorted(orders, key=lambda o: text(o["SalesOrder"])):
            number = text(order["SalesOrder"])
            is_open = text(order.get("OrderStatus")) not in closed and text(order.get("CancelledFlag")) != "Y"
            status = stock_status(lines[number], stock) if is_open else "order closed"
            if is_open:
                open_lines[text(order["Customer"])] += lines[number]
            row = deal_row(order, lines[number], status)
            row["currency"] = row["currency"] or self.cfg.default_currency
            deals.append(row)
        owed = balances(self.open_invoices()) if "balance" in self.cfg.org_fields else None
        orgs = [
            organization_row(
                c,
                stock_status(open_lines[text(c["Customer"])], stock),
                None if owed is None else owed.get(text(c["Customer"]), 0.0),
            )
            for c in customers
        ]
        for org in orgs:
            org["currency"] = org["currency"] or self.cfg.default_currency
        products = [product_row(m, by_code[text(m["StockCode"])], self.cfg.default_currency) for m in masters]
        return {
            PRODUCT: sorted(products, key=lambda r: r["code"]),
            ORGANIZATION: sorted(orgs, key=lambda r: r["code"]),
            DEAL: deals,
        }


class SnapshotSource:
    """The engine's Source over a :class:`SysproSnapshot` (no cursor: the ledger's hashes pick changes).

    ``sweep(stream)`` returns, by SYSPRO key, the Pipedrive ids of records that are gone (deleted or merged
    away); those rows carry ``pipedrive_gone`` so the target finds or recreates them. ``org_ids()`` gives
    each customer's current organization id: deal rows carry it (``org_ref``), so a deal follows its
    organization when that was created again or merged.
    """

    def __init__(
        self,
        snapshot: SysproSnapshot,
        sweep: Callable[[str], dict[str, int]] | None = None,
        org_ids: Callable[[], dict[str, int]] | None = None,
    ) -> None:
        self.snapshot, self.sweep, self.org_ids = snapshot, sweep, org_ids

    def pages(self, stream: StreamSpec, window: Window) -> Iterator[list[dict[str, Any]]]:
        rows = self.snapshot.rows(stream.name)
        if stream.name == DEAL and self.org_ids is not None:
            orgs = self.org_ids()
            rows = [{**r, "org_ref": orgs.get(r["customer"])} for r in rows]
        if stream.name in (ORGANIZATION, DEAL) and self.sweep is not None:
            gone = self.sweep(stream.name)
            key = "code" if stream.name == ORGANIZATION else "order"
            rows = [{**r, "pipedrive_gone": gone[r[key]]} if r[key] in gone else r for r in rows]
        for start in range(0, len(rows), PAGE):
            yield rows[start : start + PAGE]

    def cursor_value(self, stream: StreamSpec, row: Mapping[str, Any]) -> None:
        return None
