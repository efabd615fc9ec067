"""Column and table definitions of the emulated SYSPRO company database, parsed from compact specs.

A spec line reads like a SQL column list: ``Name sqltype [key] [null] [I]``.
``I`` tags a column whose existence or type is inferred rather than observed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

_SQL_TYPE = re.compile(r"^(varchar|char|decimal|datetime|rowversion|int)(?:\((\d+)(?:,(\d+))?\))?$")


@dataclass(frozen=True)
class Column:
    """One SQL column and how it appears on the OData wire."""

    name: str
    sql_type: str  # varchar, char, decimal, datetime, rowversion, int
    length: int | None = None  # varchar/char length, decimal precision
    scale: int = 0
    nullable: bool = False
    inferred: bool = False

    @property
    def kind(self) -> str:
        """Comparison family used by $filter: ``str``, ``num``, ``date`` or ``binary``."""
        return {"varchar": "str", "char": "str", "decimal": "num", "int": "num", "datetime": "date"}.get(
            self.sql_type, "binary"
        )

    def edm_type(self, date_type: str) -> str:
        if self.sql_type in ("varchar", "char"):
            return "Edm.String"
        if self.sql_type == "decimal":
            return "Edm.Decimal"
        if self.sql_type == "int":
            return "Edm.Int32"
        if self.sql_type == "datetime":
            return f"Edm.{date_type}"
        return "Edm.Binary"

    @property
    def sql_text(self) -> str:
        if self.sql_type == "decimal":
            return f"decimal({self.length},{self.scale})"
        return f"{self.sql_type}({self.length})" if self.length else self.sql_type


@dataclass(frozen=True, eq=False)
class Table:
    """An entity set: SQL table name, ordered columns, key, storage order and references.

    Rows are stored as tuples in column order, sorted by ``date_column`` (when set) then by key.
    ``references`` maps a column to the dimension table whose key it must name.
    ``touch_on_update`` lists date columns SYSPRO itself sets to the change date on an update.
    ``amount_column`` is the value the mutation API changes by default.
    """

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    date_column: str | None = None
    references: dict[str, str] = field(default_factory=dict)
    touch_on_update: tuple[str, ...] = ()
    amount_column: str | None = None
    notes: str = ""
    _index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {c.name: i for i, c in enumerate(self.columns)})

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def index(self, name: str) -> int:
        try:
            return self._index[name]
        except KeyError:
            raise KeyError(f"{self.name} has no column {name!r}") from None

    def has(self, name: str) -> bool:
        return name in self._index

    def column(self, name: str) -> Column:
        return self.columns[self.index(name)]

    @property
    def storage_order(self) -> tuple[str, ...]:
        return ((self.date_column,) if self.date_column else ()) + self.key

    def sort_key(self) -> Callable[[tuple[Any, ...]], Any]:
        """Key function giving the storage order of a row tuple."""
        return itemgetter(*(self.index(n) for n in self.storage_order))

    def key_of(self) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
        """Function returning a row's primary key as a tuple."""
        idx = [self.index(n) for n in self.key]
        if len(idx) == 1:
            i = idx[0]
            return lambda row: (row[i],)
        return itemgetter(*idx)


def parse_columns(spec: str) -> tuple[tuple[Column, ...], tuple[str, ...]]:
    """Parse spec lines into columns and the key (columns flagged ``key``, in order)."""
    columns: list[Column] = []
    key: list[str] = []
    for raw in spec.strip().splitlines():
        parts = raw.split()
        if not parts:
            continue
        name, sql, flags = parts[0], parts[1], set(parts[2:])
        match = _SQL_TYPE.match(sql)
        if match is None or flags - {"key", "null", "I"}:
            raise ValueError(f"Bad column spec line: {raw.strip()!r}")
        length = int(match.group(2)) if match.group(2) else None
        columns.append(
            Column(
                name=name,
                sql_type=match.group(1),
                length=length,
                scale=int(match.group(3) or 0),
                nullable="null" in flags,
                inferred="I" in flags,
            )
        )
        if "key" in flags:
            key.append(name)
    return tuple(columns), tuple(key)


def table(name: str, spec: str, **options: Any) -> Table:
    columns, key = parse_columns(spec)
    return Table(name=name, columns=columns, key=key, **options)
