"""Declarative column mappings: each target column says how it is made from the source row.

One declaration, two interpreters: :func:`map_row` (here, pure Python, for single records, replays and
tests) and ``engine.arrow_mapping.map_table`` (vectorised over a whole page with Arrow, for bulk loads).
A property test keeps the two in agreement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Copy:
    """The source value as is."""

    source: str


@dataclass(frozen=True)
class Int:
    """A whole number (SYSPRO sends decimal(4,0) years and periods)."""

    source: str


@dataclass(frozen=True)
class Day:
    """The date part of a SYSPRO datetime (they carry 00:00): '2026-03-31T00:00:00Z' -> '2026-03-31'."""

    source: str


@dataclass(frozen=True)
class Join:
    """Several source values as text joined by ``sep`` (composite keys). Integers print without '.0'."""

    sources: tuple[str, ...]
    sep: str = "|"
    integers: bool = False


@dataclass(frozen=True)
class Segment:
    """Part ``index`` (0-based) of a '-'-segmented code that has at least ``min_parts`` parts, else null."""

    source: str
    index: int
    min_parts: int = 3


@dataclass(frozen=True)
class Product:
    """a * b (stock value = quantity * unit cost); missing factors count as 0. Not rounded here: the
    target rounds once, to its column's scale, whichever interpreter produced the value."""

    a: str
    b: str


@dataclass(frozen=True)
class Const:
    value: Any


ColumnRule = Copy | Int | Day | Join | Segment | Product | Const
ColumnMap = Sequence[tuple[str, ColumnRule]]


def sources_of(columns: ColumnMap) -> set[str]:
    out: set[str] = set()
    for _, rule in columns:
        if isinstance(rule, Join):
            out.update(rule.sources)
        elif isinstance(rule, Product):
            out.update((rule.a, rule.b))
        elif not isinstance(rule, Const):
            out.add(rule.source)
    return out


def map_row(columns: ColumnMap, row: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _value(rule, row) for name, rule in columns}


def _value(rule: ColumnRule, row: Mapping[str, Any]) -> Any:
    if isinstance(rule, Copy):
        return row.get(rule.source)
    if isinstance(rule, Int):
        value = row.get(rule.source)
        return None if value in (None, "") else int(value)
    if isinstance(rule, Day):
        value = row.get(rule.source)
        return None if value in (None, "") else str(value)[:10]
    if isinstance(rule, Join):
        values = [row.get(s) for s in rule.sources]
        if any(v is None for v in values):
            return None
        return rule.sep.join(str(int(v)) if rule.integers else str(v) for v in values if v is not None)
    if isinstance(rule, Segment):
        value = row.get(rule.source)
        if value is None:
            return None
        segments = str(value).split("-")
        return segments[rule.index] if len(segments) >= max(rule.min_parts, rule.index + 1) else None
    if isinstance(rule, Product):
        return float(row.get(rule.a) or 0) * float(row.get(rule.b) or 0)
    return rule.value
