"""Warehouse table declarations and their Arrow schemas (one place that knows column types)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

ARROW_TYPES: dict[str, pa.DataType] = {
    "text": pa.string(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "money": pa.decimal128(18, 2),
    "quantity": pa.decimal128(18, 6),
    "int": pa.int64(),
    "bool": pa.bool_(),
}
META = (("_source_ts", "text"), ("_loaded_at", "timestamp"), ("_run_id", "text"), ("_content_hash", "text"))


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a key of ARROW_TYPES


@dataclass(frozen=True)
class WarehouseTable:
    """A target table: columns in order, the merge key, and joins to dimension tables."""

    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    joins: tuple[tuple[str, str, str], ...] = ()  # (column, dimension table, dimension key)

    def all_columns(self) -> tuple[Column, ...]:
        return self.columns + tuple(Column(n, t) for n, t in META)

    def arrow_schema(self) -> pa.Schema:
        """Key columns are declared NOT NULL, as dlt declares them in the warehouse (otherwise dlt warns
        on every load that the Arrow and dlt hints differ)."""
        return pa.schema(
            [pa.field(c.name, ARROW_TYPES[c.type], nullable=c.name not in self.primary_key) for c in self.all_columns()]
        )

    def to_arrow(self, rows: Sequence[dict[str, Any]]) -> pa.Table:
        """Column-wise conversion with casts (ISO strings -> dates, floats -> decimals)."""
        arrays = []
        for column in self.all_columns():
            values = [row.get(column.name) for row in rows]
            arrays.append(_as_type(values, column.type))
        return pa.Table.from_arrays(arrays, schema=self.arrow_schema())

    def conform(self, table: pa.Table) -> pa.Table:
        """An Arrow table with exactly this table's columns, in order, cast to their types."""
        arrays = []
        for column in self.all_columns():
            if column.name in table.column_names:
                arrays.append(_cast(table.column(column.name), column.type))
            else:
                arrays.append(pa.nulls(table.num_rows, ARROW_TYPES[column.type]))
        return pa.Table.from_arrays(arrays, schema=self.arrow_schema())


def _cast(array: Any, kind: str) -> Any:
    target = ARROW_TYPES[kind]
    if array.type == target:
        return array
    if kind in ("money", "quantity"):
        return _decimal(pc.cast(array, pa.float64()), target)
    if pa.types.is_null(array.type):
        return pa.nulls(len(array), target)
    if kind == "text":
        return pc.cast(array, pa.string())
    return pc.cast(array, target)


def _as_type(values: list[Any], kind: str) -> pa.Array:
    target = ARROW_TYPES[kind]
    if kind in ("money", "quantity"):
        return _decimal(pa.array([None if v is None else float(v) for v in values], pa.float64()), target)
    if kind in ("date", "timestamp"):
        if values and all(v is None or isinstance(v, str) for v in values):
            return pc.cast(pa.array(values, pa.string()), target)
        return pa.array(values, target)
    return pa.array(values, target)


def _decimal(numbers: Any, target: pa.Decimal128Type) -> Any:
    """Floats to the column's scale, half a unit away from zero, as SQL rounds decimals: 375 * 687.2214 =
    257708.025 -> 257708.03. Rounding the float straight to the scale would give .02 (the double is a hair
    below the half) or round half to even; going through a few extra exact decimal places avoids both."""
    wider = pa.decimal128(38, target.scale + 4)
    exact = pc.cast(pc.round(numbers, target.scale + 4), wider, safe=False)
    return pc.cast(pc.round(exact, target.scale, round_mode="half_towards_infinity"), target, safe=False)
