"""One SYSPRO company database behind both faces: the e.net emulator's view of the tables it shares with
the OData emulator (customers, sales orders, stock, AR invoices).

When the e.net app is created over an OData :class:`~ml_connector.emulators.syspro_odata.state.EmulatorState`
(``create_app(database=...)``), reads and writes of these tables go to that database, so what SORTOI or
ARSSCS writes is what OData serves (same keys, same rowversion counter), and COMFND sees what OData
seeded. Values cross in the e.net emulator's native form (``Decimal``, ``date``, rowversion as ``int``)
and are stored in the OData emulator's wire form. Keys are looked up exactly first, then the way SQL
Server's default collation compares them (case-insensitive, trailing spaces ignored).
"""

from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal
from typing import Any

from ml_connector.emulators.syspro_enet.schema import TABLES
from ml_connector.emulators.syspro_odata.new_orders import ORDER_DIGITS
from ml_connector.emulators.syspro_odata.new_rows import next_number
from ml_connector.emulators.syspro_odata.state import EmulatorState

SHARED_TABLES = ("ArCustomer", "SorMaster", "SorDetail", "InvMaster", "InvWarehouse", "InvWhControl", "ArInvoice")
INVOICE_DIGITS = 8  # ArInvoice.Invoice as the OData face numbers it, e.g. 00100001
Row = dict[str, Any]


def _collated(value: Any) -> Any:
    return value.rstrip().casefold() if isinstance(value, str) else value


class SharedTables:
    """The shared tables of ``database`` in the e.net emulator's row form."""

    def __init__(self, database: EmulatorState) -> None:
        self.db = database

    def get(self, table: str, key: tuple[Any, ...]) -> Row | None:
        found = self._find(table, key)
        return None if found is None else self._native(table, found)

    def insert(self, table: str, row: Row) -> Row:
        [stored] = self.db.insert(table, [self._wire(table, row)])
        return self._native(table, stored)

    def update(self, table: str, key: tuple[Any, ...], changes: Row) -> Row:
        found = self._find(table, key)
        if found is None:
            raise KeyError(f"{table} has no row {key!r}")
        keys = [{k: found[k] for k in self.db.table(table).key}]
        [stored] = self.db.update(table, keys=keys, changes=self._wire(table, changes))
        return self._native(table, stored)

    def delete(self, table: str, key: tuple[Any, ...]) -> None:
        found = self._find(table, key)
        if found is not None:
            self.db.delete(table, [{k: found[k] for k in self.db.table(table).key}])

    def rows(self, table: str) -> list[Row]:
        return [self._native(table, row) for row in self.db.rows(table)]

    def next_sales_order(self) -> str:
        return next_number(self.db, "SorMaster", "SalesOrder", ORDER_DIGITS)

    def next_invoice(self) -> str:
        return next_number(self.db, "ArInvoice", "Invoice", INVOICE_DIGITS)

    def bump(self) -> int:
        """A value of the database-wide rowversion, for the e.net-only tables (journals, branches...)."""
        self.db.rowversion.next()
        return self.db.rowversion.value

    # -- conversion ------------------------------------------------------------------------------
    def _find(self, table: str, key: tuple[Any, ...]) -> Row | None:
        names = self.db.table(table).key
        if len(key) != len(names):
            return None
        exact = self.db.get(table, **dict(zip(names, key, strict=True)))
        if exact is not None:
            return exact
        wanted = tuple(_collated(k) for k in key)
        store = self.db.store(table)
        for row in store.rows:
            if tuple(_collated(v) for v in store.key_of(row)) == wanted:
                return self.db.row_dict(store.table, row)
        return None

    def _wire(self, table: str, row: Row) -> Row:
        columns = self.db.table(table)
        out: Row = {}
        for name, value in row.items():
            if name == "TimeStamp" or not columns.has(name):
                continue
            if value is None and not columns.column(name).nullable:
                continue  # let the database fill its default, as SQL Server would
            out[name] = float(value) if isinstance(value, Decimal) else value
        return out

    def _native(self, table: str, row: Row) -> Row:
        out: Row = {}
        for name, col in TABLES[table][1].items():
            value = row.get(name)
            if col.kind == "rowversion":
                out[name] = int.from_bytes(base64.b64decode(value), "big") if value else 0
            elif col.kind == "date":
                out[name] = date.fromisoformat(value[:10]) if value else None
            elif col.kind == "decimal":
                out[name] = None if value is None else Decimal(str(value))
            else:
                out[name] = value if value is not None else ""
        return out
