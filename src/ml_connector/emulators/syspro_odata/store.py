"""Row storage of one table: tuples sorted by (date column, key), with bisect range lookups.

Not thread-safe on its own; :class:`~.state.EmulatorState` serialises access with its lock.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable
from operator import itemgetter
from typing import Any

from .errors import DuplicateKey
from .schema import Table

Row = tuple[Any, ...]


class TableStore:
    """Sorted rows of one table plus a lazily built primary-key index."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.rows: list[Row] = []
        self.version = 0  # bumped on every change; part of query-cache keys
        self._sort_key = table.sort_key()
        self._key_of = table.key_of()
        self._by_key: dict[tuple[Any, ...], Row] | None = None
        self._date_of = itemgetter(table.index(table.date_column)) if table.date_column else None

    def __len__(self) -> int:
        return len(self.rows)

    def load(self, rows: Iterable[Row]) -> None:
        """Replace all rows (seeding). Sorting already-ordered rows is linear (timsort)."""
        self.rows = sorted(rows, key=self._sort_key)
        self._by_key = None
        self.version += 1

    def key_of(self, row: Row) -> tuple[Any, ...]:
        return self._key_of(row)

    def index(self) -> dict[tuple[Any, ...], Row]:
        """Primary key -> row. Built on first use so a 1M-row table costs nothing until mutated."""
        if self._by_key is None:
            key_of = self._key_of
            self._by_key = {key_of(row): row for row in self.rows}
        return self._by_key

    def get(self, key: tuple[Any, ...]) -> Row | None:
        return self.index().get(key)

    def insert(self, row: Row) -> None:
        index = self.index()
        key = self._key_of(row)
        if key in index:
            shown = ", ".join(f"{n}={v!r}" for n, v in zip(self.table.key, key, strict=True))
            raise DuplicateKey(f"{self.table.name} already has a row with {shown}.")
        insort(self.rows, row, key=self._sort_key)
        index[key] = row
        self.version += 1

    def replace(self, old: Row, new: Row) -> None:
        """Swap ``old`` for ``new`` (same key), moving it if its date column changed."""
        self._remove_at(self._position(old))
        insort(self.rows, new, key=self._sort_key)
        self.index()[self._key_of(new)] = new
        self.version += 1

    def delete(self, row: Row) -> None:
        self._remove_at(self._position(row))
        self.index().pop(self._key_of(row), None)
        self.version += 1

    def _position(self, row: Row) -> int:
        pos = bisect_left(self.rows, self._sort_key(row), key=self._sort_key)
        if pos >= len(self.rows) or self.rows[pos] is not row:
            raise LookupError(f"{self.table.name}: row {self._key_of(row)!r} is not stored")
        return pos

    def _remove_at(self, pos: int) -> None:
        del self.rows[pos]

    def date_range(self, low: str | None, low_inclusive: bool, high: str | None, high_inclusive: bool) -> range:
        """Positions of rows whose date column lies between the bounds (None = unbounded)."""
        if self._date_of is None:
            raise ValueError(f"{self.table.name} is not stored in date order")
        rows, date_of = self.rows, self._date_of
        start = 0
        if low is not None:
            start = (bisect_left if low_inclusive else bisect_right)(rows, low, key=date_of)
        stop = len(rows)
        if high is not None:
            stop = (bisect_right if high_inclusive else bisect_left)(rows, high, key=date_of)
        return range(start, max(start, stop))
