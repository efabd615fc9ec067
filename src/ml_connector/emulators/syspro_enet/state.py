"""The e.net emulator's state (``app.state.emulator``): company tables keyed by primary key with a
rowversion bumped on every write, GL posting periods, sessions, per-business-object call counts,
and the admin methods tests and the demo use (open/close a period, add accounts, invoice an order).

Created over an OData emulator database (``database=``), the tables in ``shared.SHARED_TABLES`` live
in that database (see :mod:`.shared`); the others (GL journals, branches, suppliers) stay here."""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ml_connector.emulators.syspro_enet.schema import TABLES
from ml_connector.emulators.syspro_enet.sessions import Clock, SessionStore
from ml_connector.emulators.syspro_enet.shared import SHARED_TABLES, SharedTables

if TYPE_CHECKING:
    from ml_connector.emulators.syspro_odata.state import EmulatorState


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class EnetOptions:
    """Behaviours the reference marks [I] or [T], configurable per run.

    overlong: ``error`` (ErrorDescription naming the field) or ``truncate`` a value longer than its column.
    sortoi_success: ``order`` (answer an ``Order`` block with the new SalesOrder) or ``status_only``
        (a clean success that carries only StatusOfItems, as rectella saw).
    unknown_bo_error: the ``ERROR:`` text for a business object the emulator does not license.
    refuse_duplicate_po: refuse a sales order whose customer already has one with the same customer PO
        number. Off by default, as SYSPRO ships; a site can switch the check on, and so can this option.
    """

    session_ttl_s: float = 1200.0
    evict_previous_session: bool = True
    overlong: str = "error"
    sortoi_success: str = "order"
    unknown_bo_error: str = "ERROR: e.net exception 100000"
    query_encoding: str = "utf-8"
    accept_post: bool = False
    version: str = "7.0.0.6"
    default_warehouse: str = "AK"
    refuse_duplicate_po: bool = False
    # SorMaster.SalesOrder width when standalone: 6 as in the recorded SORTOI answer (rectella, "000123").
    # Over a shared database its numbering (15 digits, like the OData face) applies on both faces.
    sales_order_digits: int = 6


Key = tuple[Any, ...]


class EnetState:
    """Everything the emulator remembers for the life of the app. Guard mutations with ``lock``."""

    def __init__(
        self, *, seed: int, clock: Clock | None, options: EnetOptions, database: EmulatorState | None = None
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.options = options
        self.rng = random.Random(seed)
        self.shared: SharedTables | None = None
        self.lock: Any = threading.RLock()
        if database is not None:
            self.shared = SharedTables(database)
            self.lock = database.lock  # one lock for both faces: a write is atomic on both
        self.tables: dict[str, dict[Key, dict[str, Any]]] = {name: {} for name in TABLES}
        self.periods: dict[tuple[int, int], str] = {}  # (year, period) -> "open" | "closed"
        self.sessions = SessionStore(
            self.clock,
            ttl_s=options.session_ttl_s,
            evict_previous=options.evict_previous_session,
            rng=random.Random(seed + 1),
        )
        self.calls: Counter[str] = Counter()
        self._rowversion = 0x7D0
        self.next_sales_order = 100001
        self.next_invoice = 500001

    # -- time -----------------------------------------------------------------------------------

    def today(self) -> date:
        return self.clock.now().astimezone(UTC).date()

    def current_period(self) -> tuple[int, int]:
        """[I] financial year = calendar year, twelve monthly periods."""
        today = self.today()
        return today.year, today.month

    # -- tables ---------------------------------------------------------------------------------

    def key_of(self, table: str, row: dict[str, Any]) -> Key:
        return tuple(_key_part(row[c]) for c in TABLES[table][0])

    def is_shared(self, table: str) -> bool:
        return self.shared is not None and table in SHARED_TABLES

    def get(self, table: str, *key: Any) -> dict[str, Any] | None:
        if self.shared is not None and self.is_shared(table):
            with self.lock:
                return self.shared.get(table, key)
        return self.tables[table].get(tuple(_key_part(k) for k in key))

    def insert(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if self.shared is not None and self.is_shared(table):
                return self.shared.insert(table, row)
            stored = dict(row, TimeStamp=self._bump())
            self.tables[table][self.key_of(table, stored)] = stored
            return stored

    def update(self, table: str, key: Key, changes: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if self.shared is not None and self.is_shared(table):
                return self.shared.update(table, key, changes)
            row = self.tables[table][tuple(_key_part(k) for k in key)]
            row.update(changes)
            row["TimeStamp"] = self._bump()
            return row

    def delete(self, table: str, key: Key) -> None:
        with self.lock:
            if self.shared is not None and self.is_shared(table):
                self.shared.delete(table, key)
                return
            self.tables[table].pop(tuple(_key_part(k) for k in key), None)

    def rows(self, table: str) -> list[dict[str, Any]]:
        with self.lock:
            if self.shared is not None and self.is_shared(table):
                return self.shared.rows(table)
            return [dict(r) for r in self.tables[table].values()]

    def new_sales_order_number(self) -> str:
        """The next SalesOrder, zero-filled; from the shared database's numbering when there is one."""
        with self.lock:
            if self.shared is not None:
                return self.shared.next_sales_order()
            self.next_sales_order += 1
            return f"{self.next_sales_order - 1:0{self.options.sales_order_digits}d}"

    def _bump(self) -> int:
        if self.shared is not None:
            return self.shared.bump()
        self._rowversion += 1
        return self._rowversion

    # -- admin ----------------------------------------------------------------------------------

    def open_period(self, year: int, period: int) -> None:
        with self.lock:
            self.periods[(year, period)] = "open"

    def close_period(self, year: int, period: int) -> None:
        with self.lock:
            self.periods[(year, period)] = "closed"

    def add_gl_account(self, code: str, description: str, account_type: str = "E", group: str = "") -> None:
        self.insert(
            "GenMaster", {"GlCode": code, "Description": description, "AccountType": account_type, "GlGroup": group}
        )

    def add_customer(self, code: str, name: str, **columns: Any) -> dict[str, Any]:
        row: dict[str, Any] = {
            "Customer": code,
            "Name": name,
            "CustomerOnHold": "N",
            "Currency": "USD",
            "TermsCode": "30",
            "DateCustAdded": self.today(),
        }
        return self.insert("ArCustomer", row | columns)

    def invoice_order(self, sales_order: str) -> str:
        """Invoice a sales order the way SYSPRO's dispatch/invoicing run would: an ArInvoice row
        (DocumentType I) carrying the order's CustomerPoNumber; the order becomes complete (9)."""
        with self.lock:
            order = self.get("SorMaster", sales_order)
            if order is None:
                raise KeyError(f"No sales order {sales_order!r}")
            lines = [r for r in self.rows("SorDetail") if r["SalesOrder"] == sales_order]
            total = sum(
                (
                    Decimal(r.get("MOrderQty") or 0) * Decimal(r.get("MPrice") or 0)
                    + Decimal(r.get("NMscChargeValue") or 0)
                    for r in lines
                ),
                Decimal(0),
            )
            if self.shared is not None:
                invoice = self.shared.next_invoice()
            else:
                invoice = f"{self.next_invoice:06d}"
                self.next_invoice += 1
            today = self.today()
            self.insert("ArInvoice", {
                "Customer": order["Customer"], "Invoice": invoice, "DocumentType": "I", "InvoiceDate": today,
                "SalesOrder": sales_order, "CustomerPoNumber": order["CustomerPoNumber"],
                "Branch": order.get("Branch", ""), "CurrencyValue": total.quantize(Decimal("0.01")),
                "InvoiceBal1": total.quantize(Decimal("0.01")), "InvoiceYear": today.year,
                "InvoiceMonth": today.month,
            })  # fmt: skip
            done = {"OrderStatus": "9", "LastInvoice": invoice, "DateLastInvPrt": today}
            self.update("SorMaster", (sales_order,), done)
            return invoice


def _key_part(value: Any) -> Any:
    """Keys compare like SQL Server's default collation: case-insensitive, trailing spaces ignored."""
    return value.rstrip().casefold() if isinstance(value, str) else value
