"""OData system query options ($filter $select $orderby $top $skip $count) and running them.

Plain date-range filters in storage order are answered by bisect + slice (no per-row work); anything
else is filtered/sorted once and cached per (table version, filter, orderby), so a nextLink walk over
1M rows costs one pass, not one per page.
"""

from __future__ import annotations

import base64
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from .errors import ODataQueryError
from .predicates import CompiledFilter
from .schema import Table
from .store import Row, TableStore

SUPPORTED = {"$filter", "$select", "$orderby", "$top", "$skip", "$count", "$format"}
UNSUPPORTED = {"$expand", "$search", "$apply", "$compute", "$skiptoken", "$levels", "$index", "$schemaversion"}


@dataclass(frozen=True)
class QueryOptions:
    filter_text: str | None = None
    select: tuple[str, ...] | None = None
    orderby: tuple[tuple[str, bool], ...] = ()  # (property, descending)
    top: int | None = None
    skip: int = 0
    count: bool = False


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    total: int
    next_skip: int | None = None
    next_top: int | None = None


def parse_options(table: Table, params: list[tuple[str, str]]) -> QueryOptions:
    seen: dict[str, str] = {}
    for name, value in params:
        if not name.startswith("$"):
            continue  # custom query options are ignored, as OData allows
        if name in UNSUPPORTED:
            raise ODataQueryError(f"The query option '{name}' is not supported by this service.")
        if name not in SUPPORTED:
            raise ODataQueryError(f"The query parameter '{name}' is not supported.")
        if name in seen:
            raise ODataQueryError(
                f"Query option '{name}' was specified more than once, but it must be specified at most once."
            )
        seen[name] = value
    if seen.get("$format", "json").split(";")[0] not in ("json", "application/json"):
        raise ODataQueryError(f"The requested $format {seen['$format']!r} is not supported; use json.")
    return QueryOptions(
        filter_text=seen.get("$filter"),
        select=_select(table, seen["$select"]) if "$select" in seen else None,
        orderby=_orderby(table, seen["$orderby"]) if "$orderby" in seen else (),
        top=_non_negative("$top", seen["$top"]) if "$top" in seen else None,
        skip=_non_negative("$skip", seen["$skip"]) if "$skip" in seen else 0,
        count=_boolean("$count", seen.get("$count", "false")),
    )


def _property(table: Table, name: str) -> str:
    if not table.has(name):
        raise ODataQueryError(f"Could not find a property named '{name}' on type 'SYSPRO.{table.name}'.")
    return name


def _select(table: Table, text: str) -> tuple[str, ...] | None:
    names = [part.strip() for part in text.split(",")]
    if "*" in names:
        return None
    if not all(names):
        raise ODataQueryError(f"Syntax error in $select {text!r}: empty property name.")
    return tuple(dict.fromkeys(_property(table, n) for n in names))


def _orderby(table: Table, text: str) -> tuple[tuple[str, bool], ...]:
    items = []
    for part in text.split(","):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1] not in ("asc", "desc")):
            raise ODataQueryError(f"Syntax error in $orderby {text!r}: expected 'Property [asc|desc]'.")
        items.append((_property(table, words[0]), len(words) == 2 and words[1] == "desc"))
    return tuple(items)


def _non_negative(name: str, text: str) -> int:
    if not text.isdigit():
        raise ODataQueryError(
            f"Invalid value '{text}' for {name} query option found. It must be a non-negative integer."
        )
    return int(text)


def _boolean(name: str, text: str) -> bool:
    if text not in ("true", "false"):
        raise ODataQueryError(f"Invalid value '{text}' for {name} query option found. Use true or false.")
    return text == "true"


class ResultCache:
    """Small LRU of filtered+sorted row lists; keys carry the table version, so writes invalidate."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._items: OrderedDict[tuple[Any, ...], list[Row]] = OrderedDict()

    def get_or_build(self, key: tuple[Any, ...], build: Callable[[], list[Row]]) -> list[Row]:
        found = self._items.get(key)
        if found is None:
            found = build()
            self._items[key] = found
            if len(self._items) > self.size:
                self._items.popitem(last=False)
        else:
            self._items.move_to_end(key)
        return found


def run_query(
    store: TableStore, options: QueryOptions, compiled: CompiledFilter, cap: int, cache: ResultCache, next_links: bool
) -> Page:
    """Rows of one response page. Caller holds the state lock."""
    table, rows = store.table, store.rows
    if compiled.empty:
        return Page([], 0)
    span = range(len(rows))
    if compiled.low or compiled.high:
        low, high = compiled.low or (None, True), compiled.high or (None, True)
        span = store.date_range(low[0], low[1], high[0], high[1])
    size = cap if options.top is None else min(options.top, cap)
    skip = options.skip
    direction = _storage_direction(table, options.orderby)
    if compiled.predicate is None and direction == "asc":
        total = len(span)
        start = span.start + min(skip, total)
        page = rows[start : min(start + size, span.stop)]
    elif compiled.predicate is None and direction == "desc":
        total = len(span)
        stop = span.stop - min(skip, total)
        page = rows[max(stop - size, span.start) : stop][::-1]
    else:
        key = (table.name, store.version, options.filter_text, options.orderby)
        result = cache.get_or_build(key, lambda: _materialise(table, rows, span, compiled, options.orderby))
        total = len(result)
        page = result[skip : skip + size]
    after = skip + len(page)
    if next_links and after < total and (options.top is None or options.top > cap) and page:
        return Page(page, total, after, None if options.top is None else options.top - len(page))
    return Page(page, total)


def _storage_direction(table: Table, orderby: tuple[tuple[str, bool], ...]) -> str | None:
    """'asc'/'desc' when $orderby is a prefix of storage order in one direction (or absent)."""
    if not orderby:
        return "asc"
    names = tuple(name for name, _ in orderby)
    directions = {desc for _, desc in orderby}
    if names != table.storage_order[: len(names)] or len(directions) != 1:
        return None
    return "desc" if directions == {True} else "asc"


def _materialise(
    table: Table, rows: list[Row], span: range, compiled: CompiledFilter, orderby: tuple[tuple[str, bool], ...]
) -> list[Row]:
    candidates = rows[span.start : span.stop]
    if compiled.predicate is not None:
        candidates = list(filter(compiled.predicate, candidates))
    for name, descending in reversed(orderby):  # stable multi-pass sort; ties keep storage order
        candidates.sort(key=_sort_key(table, name), reverse=descending)
    return candidates


def _sort_key(table: Table, name: str) -> Callable[[Row], Any]:
    column, i = table.column(name), table.index(name)
    if column.kind == "binary":
        return lambda row: base64.b64decode(row[i])
    if column.nullable:  # SQL Server sorts NULL first ascending
        return lambda row: (row[i] is not None, row[i] if row[i] is not None else "")
    return itemgetter(i)
