"""The Arrow interpreter of core.columns: maps a whole page at once (the bulk-load hot path)."""

from __future__ import annotations

import hashlib
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ml_connector.core.columns import ColumnMap, ColumnRule, Const, Copy, Day, Int, Join, Product, Segment


def map_table(columns: ColumnMap, table: pa.Table) -> dict[str, pa.Array]:
    """Target column name -> Arrow array, for every row of ``table``."""
    return {name: _array(rule, table) for name, rule in columns}


def _column(table: pa.Table, name: str) -> Any:
    if name in table.column_names:
        return table.column(name)
    return pa.nulls(table.num_rows)


def _text(array: Any, integers: bool = False) -> Any:
    if integers and not pa.types.is_string(array.type):
        array = pc.cast(array, pa.int64())
    return pc.cast(array, pa.string())


def _array(rule: ColumnRule, table: pa.Table) -> Any:
    if isinstance(rule, Copy):
        return _column(table, rule.source)
    if isinstance(rule, Int):
        return pc.cast(_column(table, rule.source), pa.int64())
    if isinstance(rule, Day):
        return pc.utf8_slice_codeunits(_text(_column(table, rule.source)), 0, 10)
    if isinstance(rule, Join):
        parts = [_text(_column(table, s), rule.integers) for s in rule.sources]
        return pc.binary_join_element_wise(*parts, rule.sep)
    if isinstance(rule, Segment):
        # parts[index] when the code has at least min_parts '-'-separated parts (prefix match, like split).
        groups = "-".join(f"(?P<p{i}>[^-]*)" for i in range(max(rule.min_parts, rule.index + 1)))
        found = pc.extract_regex(_text(_column(table, rule.source)), "^" + groups)
        return pc.struct_field(found, [rule.index])
    if isinstance(rule, Product):
        a = pc.fill_null(pc.cast(_column(table, rule.a), pa.float64()), 0.0)
        b = pc.fill_null(pc.cast(_column(table, rule.b), pa.float64()), 0.0)
        return pc.multiply(a, b)
    assert isinstance(rule, Const)
    return pa.array([rule.value] * table.num_rows)


def source_ids(table: pa.Table, key: tuple[str, ...]) -> list[str]:
    """The same ids as core.hashing.source_id, for a whole page."""
    if len(key) == 1:
        return _text(_column(table, key[0])).to_pylist()  # type: ignore[no-any-return]
    parts = [_text(_column(table, k)) for k in key]
    return pc.binary_join_element_wise(*parts, "|").to_pylist()  # type: ignore[no-any-return]


def content_hashes(table: pa.Table, ignore: frozenset[str] = frozenset()) -> list[str]:
    """A 128-bit BLAKE2b of each row's values (columns in name order, nulls marked), for a whole page."""
    names = sorted(n for n in table.column_names if n not in ignore)
    parts = [_text(table.column(n)) for n in names]
    joined = pc.binary_join_element_wise(*parts, "\x1f", null_handling="replace", null_replacement="\x00")
    digest = hashlib.blake2b
    # As bytes: the UTF-8 Arrow already holds, without a Python str to encode again per row.
    return [digest(v, digest_size=16).hexdigest() for v in joined.cast(pa.binary()).to_pylist()]
