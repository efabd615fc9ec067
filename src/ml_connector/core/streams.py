"""Declarations an integration is made of: streams, their keys, cursors, references and mapping."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ml_connector.core.columns import ColumnMap, map_row
from ml_connector.core.cursors import CursorSpec

Row = dict[str, Any]
Mapper = Callable[[Mapping[str, Any]], Row]


class StreamKind(StrEnum):
    DIMENSION = "dimension"  # reference data; loads first
    FACT = "fact"  # rows that reference dimensions


@dataclass(frozen=True)
class Reference:
    """A fact column that must name a key already loaded on the target side.

    ``column`` is the column of the mapped (target) row; ``dimension`` the stream whose keys it must
    be among; ``label`` how a person calls it ("supplier", "GL account").
    """

    column: str
    dimension: str
    label: str


@dataclass(frozen=True)
class StreamSpec:
    """One source object moving to one target object.

    Attributes:
        name: business name of the stream ("gl_posting").
        source: the source system's object name, verbatim ("GenTransaction").
        key: source key columns, exactly as stored (SYSPRO pads keys; never trim).
        target: target object ("fct_gl_posting" or a target writer's name).
        target_key: key columns of the mapped row (merge key on the warehouse).
        mapper: source row -> target row (pure).
        cursor: how to poll incrementally; None reads everything each run.
        references: target-side keys each mapped row must find.
        hash_ignore: source columns left out of the content hash (e.g. rowversion).
        select: source columns to ask for (None: all).
        columns: the declarative form of ``mapper`` (core/columns.py), enabling vectorised bulk loads.
    """

    name: str
    source: str
    key: tuple[str, ...]
    target: str
    target_key: tuple[str, ...]
    mapper: Mapper
    kind: StreamKind = StreamKind.FACT
    cursor: CursorSpec | None = None
    references: tuple[Reference, ...] = ()
    hash_ignore: frozenset[str] = frozenset()
    select: tuple[str, ...] | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    columns: ColumnMap = ()  # declarative mapping; when set, bulk loads map whole pages with Arrow


def mapped_by(columns: ColumnMap) -> Mapper:
    """The row mapper of a declarative column map (use with ``StreamSpec(columns=...)``)."""

    def mapper(row: Mapping[str, Any]) -> Row:
        return map_row(columns, row)

    return mapper


def dimensions_first(streams: list[StreamSpec]) -> list[StreamSpec]:
    """Order streams so every dimension loads before any fact (stable within each kind)."""
    return [s for s in streams if s.kind is StreamKind.DIMENSION] + [s for s in streams if s.kind is StreamKind.FACT]
