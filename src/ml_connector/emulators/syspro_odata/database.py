"""The emulated company database: seeded tables, the query path, and read helpers.

One re-entrant lock serialises writes and the row-selection part of reads; JSON encoding of a page
happens outside it. Writes are added by :class:`~.state.EmulatorState`.
"""

from __future__ import annotations

import gc
import random
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from .errors import InvalidRow, NotFound
from .filters import parse_filter
from .predicates import CompiledFilter, FilterCompiler
from .query import Page, QueryOptions, ResultCache, run_query
from .schema import Table
from .seed_context import SeedContext, resolve_counts
from .seeding import seed_database
from .store import Row, TableStore
from .tables import TABLES
from .values import DateFormat, RowVersionCounter, coerce

DEFAULT_AS_OF = date(2026, 3, 31)


class CompanyDatabase:
    """Tables of company ``company`` plus the options that shape the wire (page cap, date type...)."""

    def __init__(
        self,
        seed: int = 0,
        *,
        company: str = "A",
        scale: dict[str, int] | None = None,
        as_of: date = DEFAULT_AS_OF,
        date_type: str = "DateTimeOffset",
        page_cap: int = 5000,
        next_links: bool = True,
        case_insensitive_filters: bool = False,
        timestamp_filters: bool = False,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if page_cap < 1:
            raise ValueError(f"page_cap must be at least 1, not {page_cap}.")
        self.seed, self.company, self.as_of = seed, company, as_of
        self.page_cap, self.next_links = page_cap, next_links
        self.case_insensitive_filters, self.timestamp_filters = case_insensitive_filters, timestamp_filters
        self.dates = DateFormat(date_type)
        self.rowversion = RowVersionCounter()
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.lock = threading.RLock()
        self.cache = ResultCache()
        self.rng = random.Random(f"{seed}:mutations")
        self._filters: dict[tuple[str, str], CompiledFilter] = {}
        self.allocations: dict[tuple[Any, ...], int] = {}  # numbers handed out in the current insert batch
        self.scan_cache: dict[tuple[Any, ...], tuple[int, int]] = {}  # highest number per table version
        self.counts = resolve_counts(scale)
        context = SeedContext(seed, as_of, self.dates, self.rowversion, self.counts)
        self.tables: dict[str, TableStore] = {name: TableStore(t) for name, t in TABLES.items()}
        collecting = gc.isenabled()
        gc.disable()  # seeding allocates millions of acyclic tuples; cycle scans only slow it down
        try:
            for name, rows in seed_database(context).items():
                self.tables[name].load(rows)
        finally:
            if collecting:
                gc.enable()

    # -- lookup --------------------------------------------------------------------------------
    def store(self, name: str) -> TableStore:
        try:
            return self.tables[name]
        except KeyError:
            raise NotFound(f"Resource not found for the segment '{name}'.") from None

    def table(self, name: str) -> Table:
        return self.store(name).table

    def now(self) -> datetime:
        return self.clock().astimezone(UTC)

    def today(self) -> date:
        return self.now().date()

    # -- reads -----------------------------------------------------------------------------------
    def compile_filter(self, table: Table, text: str | None) -> CompiledFilter:
        if text is None:
            return CompiledFilter()
        key = (table.name, text)
        compiled = self._filters.get(key)
        if compiled is None:
            compiler = FilterCompiler(
                table,
                self.dates,
                case_insensitive=self.case_insensitive_filters,
                binary_filters=self.timestamp_filters,
            )
            compiled = compiler.compile(parse_filter(text))
            if len(self._filters) > 256:
                self._filters.clear()
            self._filters[key] = compiled
        return compiled

    def query(self, name: str, options: QueryOptions) -> Page:
        """One page of ``name`` under ``options`` (cap and nextLink rules applied)."""
        store = self.store(name)
        compiled = self.compile_filter(store.table, options.filter_text)
        with self.lock:
            return run_query(store, options, compiled, self.page_cap, self.cache, self.next_links)

    def key_tuple(self, table: Table, key: dict[str, Any]) -> tuple[Any, ...]:
        if set(key) != set(table.key):
            raise InvalidRow(f"{table.name} key is ({', '.join(table.key)}); got ({', '.join(key)}).")
        return tuple(coerce(table.column(k), key[k], self.dates) for k in table.key)

    def row_dict(self, table: Table, row: Row) -> dict[str, Any]:
        return dict(zip(table.names, row, strict=True))

    def rows(self, name: str) -> list[dict[str, Any]]:
        """Every row of a table as dicts, in storage order (for tests and demos, not for 1M rows)."""
        store = self.store(name)
        with self.lock:
            return [self.row_dict(store.table, row) for row in store.rows]

    def get(self, name: str, **key: Any) -> dict[str, Any] | None:
        """The row with this primary key (column=value keywords), or None."""
        store = self.store(name)
        with self.lock:
            row = store.get(self.key_tuple(store.table, key))
            return None if row is None else self.row_dict(store.table, row)

    def summary(self) -> dict[str, Any]:
        with self.lock:
            return {
                "company": self.company,
                "as_of": self.as_of.isoformat(),
                "rowversion": self.rowversion.value,
                "page_cap": self.page_cap,
                "tables": {
                    name: {"rows": len(s), "key": list(s.table.key), "date_column": s.table.date_column}
                    for name, s in self.tables.items()
                },
            }
