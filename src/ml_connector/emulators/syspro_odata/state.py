"""The emulator's state object: the company database plus the mutation API for tests and demos
(insert, update, delete, orphan facts, integrity report).

Every write takes the state lock, bumps the database-wide rowversion (``TimeStamp``) and stamps the
date columns SYSPRO itself would stamp (InvWhControl.DateLastChanged, InvWarehouse last sale/purchase).
"""

from __future__ import annotations

import re
from datetime import date as date_type
from typing import Any

from . import activity, integrity, new_rows
from .database import CompanyDatabase
from .errors import DuplicateKey, InvalidRow, MissingReference, NotFound
from .schema import Table
from .store import Row
from .values import coerce

_TEXT_CHANGE = {
    "GenMaster": "Description",
    "GenAnalysisCode": "Description",
    "InvWhControl": "Description",
    "ApSupplier": "SupplierName",
    "ApSupplierAddr": "SupAddr1",
    "InvMaster": "Description",
}
_STATUS_NEXT = {"1": "2", "2": "4", "4": "8", "8": "9", "9": "9", "\\": "\\"}
_ORPHAN_PREFERENCE = ("GenMaster", "ApSupplier", "InvWhControl", "ArCustomer", "InvMaster", "SorMaster", "PorMasterHdr")
_REVISION = re.compile(r" \(rev \d+\)$")

Values = dict[str, Any]


class EmulatorState(CompanyDatabase):
    """What ``app.state.emulator`` holds: seeded tables, queries, and thread-safe writes."""

    def insert(
        self, name: str, rows: list[Values], *, allow_orphans: bool = False, allow_overlong: bool = False
    ) -> list[Values]:
        """Insert rows (all or none). Left-out columns get realistic defaults; keys SYSPRO numbers
        itself (journal, invoice, order, supplier and customer codes) are allocated when absent.
        ``allow_overlong`` keeps strings longer than their column (hostile values for client tests)."""
        store = self.store(name)
        table = store.table
        with self.lock:
            today, built, seen = self.today(), [], set()
            journals: dict[tuple[int, int], tuple[int, int]] = {}
            self.allocations.clear()
            for given in rows:
                values = self._complete(table, given, today, journals, allow_overlong)
                key = tuple(values[k] for k in table.key)
                if key in seen or store.get(key) is not None:
                    raise DuplicateKey(f"{table.name} already has a row with key {key!r}.")
                seen.add(key)
                if not allow_orphans:
                    self._check_references(table, values)
                built.append(values)
            inserted = [self._store_new(table, values) for values in built]
            if name == "ApSupplier":  # supplier setup writes the address row too
                addr = self.store("ApSupplierAddr")
                fresh = [{"Supplier": r["Supplier"]} for r in inserted if addr.get((r["Supplier"],)) is None]
                self.insert("ApSupplierAddr", fresh)
            return inserted

    def update(
        self: EmulatorState,
        name: str,
        count: int = 1,
        *,
        keys: list[Values] | None = None,
        changes: Values | None = None,
        date: bool | str | date_type | None = None,
        allow_overlong: bool = False,
    ) -> list[Values]:
        """Change ``count`` random rows (or the rows named by ``keys``) and bump their TimeStamp.

        changes: column values to set; without it the table's amount (or a description) changes.
        date: None = stamp only what SYSPRO stamps; True = set the table's date column to today;
            a date = set the date column to it; False = touch no date.
        """
        store = self.store(name)
        table = store.table
        bad = {k for k in changes or {} if k in table.key or not table.has(k) or k == "TimeStamp"}
        if bad:
            raise InvalidRow(f"{name}: cannot set {sorted(bad)} (unknown, key or rowversion column).")
        wire = {
            k: coerce(table.column(k), val, self.dates, overlong=allow_overlong) for k, val in (changes or {}).items()
        }
        if date is not None and date is not False and table.date_column is None:
            raise InvalidRow(f"{name} has no date column to set; pass date=None.")
        with self.lock:
            if keys is not None:
                targets = [self._existing(store.table, store.get(self.key_tuple(table, k)), k) for k in keys]
            else:
                if count < 0:
                    raise InvalidRow(f"count must be >= 0, not {count}.")
                targets = self.rng.sample(store.rows, min(count, len(store.rows)))
            today, out = self.today(), []
            for old in targets:
                before = self.row_dict(table, old)
                values = {**before, **(wire if changes else self._default_change(table, before))}
                if date is None:
                    self._stamp_dates(table, before, values, today)
                elif table.date_column and date is True:
                    values[table.date_column] = self.dates.day(today)
                elif table.date_column and date is not False:
                    values[table.date_column] = coerce(table.column(table.date_column), date, self.dates)
                values["TimeStamp"] = self.rowversion.next()
                new = tuple(values[c] for c in table.names)
                store.replace(old, new)
                out.append(self.row_dict(table, new))
            return out

    def simulate_activity(
        self, *, customers: int = 3, orders: int = 5, stock: int = 5, new_orders: int = 2
    ) -> dict[str, list[str]]:
        """A day of business: see :mod:`.activity`. Returns the keys changed per kind."""
        return activity.simulate_activity(self, customers=customers, orders=orders, stock=stock, new_orders=new_orders)

    def delete(self, name: str, keys: list[Values]) -> int:
        store = self.store(name)
        with self.lock:
            targets = [self._existing(store.table, store.get(self.key_tuple(store.table, k)), k) for k in keys]
            for row in targets:
                store.delete(row)
            return len(targets)

    def orphan_fact(self, name: str, *, column: str | None = None, **overrides: Any) -> Values:
        """Insert a fact naming a dimension key that does not exist yet; returns the rows and the
        missing key, so a test can add the dimension row later with :meth:`insert`."""
        table = self.table(name)
        refs = table.references
        if column is None:
            column = next((c for d in _ORPHAN_PREFERENCE for c, t in refs.items() if t == d), None)
        if column not in refs:
            raise InvalidRow(f"{name} has no reference column {column!r}; it references {refs or 'nothing'}.")
        dim = refs[column]
        with self.lock:
            dim_key = new_rows.new_dimension_key(self, dim)
            value = next(iter(dim_key.values()))
            row: Values = {column: value}
            for other, other_dim in refs.items():  # other key references point at real rows
                if other != column and other in table.key:
                    row[other] = self.store(other_dim).rows[0][0]
            rows = [{**row, **overrides}]
            if name == "GenTransaction":
                amount = float(overrides.get("EntryValue", 1234.56))
                rows = [
                    {**rows[0], "EntryValue": amount},
                    {
                        "GlCode": self.store("GenMaster").rows[0][0],
                        "EntryValue": -amount,
                        **{k: v for k, v in overrides.items() if k not in ("GlCode", "EntryValue")},
                    },
                ]
            inserted = self.insert(name, rows, allow_orphans=True)
            return {"rows": inserted, "missing": {"table": dim, "key": dim_key}}

    def integrity(self) -> list[Values]:
        """Every fact value naming a dimension row that does not exist (empty when consistent)."""
        with self.lock:
            return integrity.dangling(self)

    # -- helpers ---------------------------------------------------------------------------------
    def _complete(
        self, table: Table, given: Values, today: date_type, journals: dict[Any, tuple[int, int]], overlong: bool
    ) -> Values:
        unknown = sorted(set(given) - set(table.names))
        if unknown:
            raise InvalidRow(f"{table.name} has no column(s) {unknown}.")
        wire = {k: coerce(table.column(k), val, self.dates, overlong=overlong) for k, val in given.items()}
        extra = new_rows.defaults(self, table.name, wire, today)
        if table.name == "GenTransaction" and "Journal" not in wire:  # one batch = one journal per period
            period = (extra["GlYear"], extra["GlPeriod"])
            journal, entries = journals.get(period, (extra["Journal"], 0))
            if "EntryNumber" not in wire:
                entries += 1
                extra["EntryNumber"] = entries
            extra["Journal"] = journal
            journals[period] = (journal, entries)
        values: Values = {}
        for column in table.columns:
            name = column.name
            if column.sql_type == "rowversion":
                continue
            if name in wire:
                values[name] = wire[name]
            elif name in extra:
                values[name] = coerce(column, extra[name], self.dates)
            elif name in table.key:
                raise InvalidRow(f"{table.name}: give the key column {name}.")
            elif column.kind == "date":
                values[name] = None if column.nullable else self.dates.day(today)
            else:
                values[name] = coerce(column, "" if column.kind == "str" else 0, self.dates)
        return values

    def _check_references(self, table: Table, values: Values) -> None:
        for column, dim in table.references.items():
            if column in integrity.STOCK_LINE_ONLY and values.get("LineType", "1") != "1":
                continue
            value = values.get(column)
            if value and str(value).strip() and self.store(dim).get((value,)) is None:
                raise MissingReference(
                    f"{table.name} row names {column} {value!r}, which is not in {dim}. Insert the {dim} row "
                    f"first, or pass allow_orphans=True to create the orphan on purpose."
                )

    def _store_new(self, table: Table, values: Values) -> Values:
        values["TimeStamp"] = self.rowversion.next()
        row = tuple(values[c] for c in table.names)
        self.store(table.name).insert(row)
        return self.row_dict(table, row)

    def _existing(self, table: Table, row: Row | None, key: Values) -> Row:
        if row is None:
            raise NotFound(f"{table.name} has no row with key {key!r}.")
        return row

    def _default_change(self, table: Table, values: Values) -> Values:
        if table.name == "InvWarehouse":
            qty = values["QtyOnHand"]
            step = float(self.rng.randint(1, int(qty))) if qty >= 1 else float(self.rng.randint(10, 100))
            return {"QtyOnHand": qty - step if qty >= 1 else qty + step}
        if table.amount_column:
            column = table.column(table.amount_column)
            old = values[column.name]
            new = old * 0.5 if old else 100 + 900 * self.rng.random()
            return {column.name: round(new) if column.scale == 0 else round(new, column.scale)}
        if table.name in ("SorMaster", "PorMasterHdr"):
            return {"OrderStatus": _STATUS_NEXT.get(values["OrderStatus"], "9")}
        column = table.column(_TEXT_CHANGE[table.name])
        base = _REVISION.sub("", values[column.name].rstrip())
        revision = f" (rev {self.rowversion.value + 1})"
        return {column.name: base[: (column.length or 50) - len(revision)] + revision}

    def _stamp_dates(self, table: Table, before: Values, after: Values, today: date_type) -> None:
        for column in table.touch_on_update:
            after[column] = self.dates.day(today)
        if table.name == "InvWarehouse" and after["QtyOnHand"] != before["QtyOnHand"]:
            column = "DateLastSale" if after["QtyOnHand"] < before["QtyOnHand"] else "DateLastPurchase"
            after[column] = self.dates.day(today)
