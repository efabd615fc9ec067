"""``searchCriteria`` as Magento's REST layer reads it: bracketed query keys in snake or camel case,
17 condition types, OR inside a filter group and AND across groups, multi-key sortOrders, pageSize
and currentPage, and the snake_case echo in ``search_criteria`` (commerce-sterling-x12.md §1.3).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ml_connector.emulators.commerce.errors import (
    MAX_PAGE_SIZE,
    SEARCH_CRITERIA_REQUIRED,
    WebapiError,
    required_fields,
)

# Every condition_type the REST docs list (commerce-sterling-x12.md §1.3).
CONDITION_TYPES = frozenset(
    {"eq", "finset", "from", "gt", "gteq", "in", "like", "lt", "lteq", "moreq", "neq", "nfinset", "nin"}
    | {"nlike", "notnull", "null", "to"}
)
_SEGMENT = re.compile(r"\[([^\]]*)\]")
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")
TYPE_INVALID = 'The "%value" value\'s type is invalid. The "%type" type was expected. Verify and try again.'

Getter = Callable[[dict[str, Any], str], Any]


def snake(name: str) -> str:
    """ServiceInputProcessor accepts both spellings: ``pageSize`` == ``page_size`` (commerce-sterling-x12.md §1.3)."""
    return _CAMEL.sub(r"_\1", name).lower()


@dataclass
class SearchFilter:
    field: str
    value: str
    condition_type: str | None = None  # None when not sent: means eq, and is not echoed


@dataclass
class SearchSortOrder:
    field: str
    direction: str | None = None  # None when not sent: Magento sorts DESC then


@dataclass
class SearchCriteria:
    filter_groups: list[list[SearchFilter]] = field(default_factory=list)
    sort_orders: list[SearchSortOrder] | None = None
    page_size: int | None = None
    current_page: int | None = None

    def echo(self) -> dict[str, Any]:
        """The ``search_criteria`` block of a search result: snake_case, unsent fields dropped."""
        groups = []
        for group in self.filter_groups:
            filters = []
            for f in group:
                item: dict[str, Any] = {"field": f.field, "value": f.value}
                if f.condition_type is not None:
                    item["condition_type"] = f.condition_type
                filters.append(item)
            groups.append({"filters": filters})
        out: dict[str, Any] = {"filter_groups": groups}
        if self.sort_orders is not None:
            out["sort_orders"] = [
                {"field": s.field, **({"direction": s.direction} if s.direction else {})} for s in self.sort_orders
            ]
        if self.page_size is not None:
            out["page_size"] = self.page_size
        if self.current_page is not None:
            out["current_page"] = self.current_page
        return out


def parse_search_criteria(pairs: Sequence[tuple[str, str]]) -> SearchCriteria:
    """Build criteria from decoded query pairs; 400 when ``searchCriteria`` is absent altogether."""
    tree: dict[str, Any] = {}
    present = False
    for key, value in pairs:
        if not key.startswith("searchCriteria"):
            continue
        present = True
        rest = key[len("searchCriteria") :]
        segments = _SEGMENT.findall(rest)
        if not segments or "".join(f"[{s}]" for s in segments) != rest:
            continue
        node = tree
        path = [snake(s) if not s.isdigit() else s for s in segments]
        for segment in path[:-1]:
            child = node.setdefault(segment, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node[path[-1]] = value
    if not present:
        raise WebapiError(400, SEARCH_CRITERIA_REQUIRED, {"fieldName": "searchCriteria"})
    criteria = SearchCriteria()
    for group in _indexed(tree.get("filter_groups")):
        filters = []
        for raw in _indexed(group.get("filters") if isinstance(group, dict) else None):
            if not isinstance(raw, dict) or "field" not in raw:
                raise required_fields(["field"])
            ctype = raw.get("condition_type")
            filters.append(SearchFilter(raw["field"], raw.get("value", ""), ctype.lower() if ctype else None))
        criteria.filter_groups.append(filters)
    if "sort_orders" in tree:
        criteria.sort_orders = []
        for raw in _indexed(tree["sort_orders"]):
            if not isinstance(raw, dict) or "field" not in raw:
                raise required_fields(["field"])
            direction = raw.get("direction")
            if direction is not None and direction.upper() not in ("ASC", "DESC"):
                raise WebapiError(
                    400,
                    "The sort order has to be specified as %1 for ascending order or %2 for descending order.",
                    ["ASC", "DESC"],
                )
            criteria.sort_orders.append(SearchSortOrder(raw["field"], direction.upper() if direction else None))
    criteria.page_size = _integer(tree.get("page_size"))
    criteria.current_page = _integer(tree.get("current_page"))
    return criteria


def _indexed(node: Any) -> list[Any]:
    """PHP arrays keep insertion order; indices need not be contiguous."""
    return list(node.values()) if isinstance(node, dict) else []


def _integer(value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(r"-?\d+", value.strip()):
        raise WebapiError(400, TYPE_INVALID, {"value": str(value), "type": "int"})
    return int(value)


def check_page_size(criteria: SearchCriteria, *, input_limit_enabled: bool, max_page_size: int) -> None:
    """Web API input limits (2.4.7+): pageSize above the maximum is refused (commerce-sterling-x12.md §1.3, [M7])."""
    if input_limit_enabled and criteria.page_size is not None and criteria.page_size > max_page_size:
        raise WebapiError(400, MAX_PAGE_SIZE, {"max": max_page_size})


def matches(entity: dict[str, Any], criteria: SearchCriteria, get: Getter) -> bool:
    """AND across filter groups, OR inside one group."""
    return all(any(_test(get(entity, f.field), f) for f in group) for group in criteria.filter_groups if group)


def _test(actual: Any, f: SearchFilter) -> bool:
    kind = f.condition_type or "eq"
    if kind == "null":
        return actual is None
    if kind == "notnull":
        return actual is not None
    if actual is None:  # SQL: any comparison with NULL is not true
        return False
    if kind in ("like", "nlike"):
        pattern = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in f.value)
        hit = re.fullmatch(pattern, str(actual), re.IGNORECASE | re.DOTALL) is not None
        return hit if kind == "like" else not hit
    if kind in ("finset", "nfinset"):
        hit = _fold(f.value) in [_fold(part) for part in str(actual).split(",")]
        return hit if kind == "finset" else not hit
    if kind in ("in", "nin"):
        hit = any(_compare(actual, v.strip()) == 0 for v in f.value.split(","))
        return hit if kind == "in" else not hit
    order = _compare(actual, f.value)
    return {
        "eq": order == 0,
        "neq": order != 0,
        "gt": order > 0,
        "gteq": order >= 0,
        "moreq": order >= 0,
        "from": order >= 0,
        "lt": order < 0,
        "lteq": order <= 0,
        "to": order <= 0,
    }.get(kind, order == 0)  # unknown types fall back to equality (Mysql::prepareSqlCondition) [I]


def _fold(value: Any) -> str:
    return str(value).casefold()


def _compare(actual: Any, value: str) -> int:
    """MySQL-like: numeric columns compare as numbers, text case-insensitively (utf8 *_ci collations)."""
    if isinstance(actual, bool):
        actual = int(actual)
    if isinstance(actual, int | float):
        try:
            number = float(value)
        except ValueError:
            number = 0.0  # MySQL casts a non-numeric string to 0
        return (actual > number) - (actual < number)
    left, right = _fold(actual), _fold(value)
    return (left > right) - (left < right)


def sort_entities(entities: list[dict[str, Any]], criteria: SearchCriteria, get: Getter) -> list[dict[str, Any]]:
    """Apply sortOrders; ties keep storage order. A missing direction means DESC (SortingProcessor)."""
    result = list(entities)
    for order in reversed(criteria.sort_orders or []):
        name = order.field

        def key(entity: dict[str, Any], name: str = name) -> tuple[int, Any]:
            return _sort_key(get(entity, name))

        result.sort(key=key, reverse=order.direction != "ASC")
    return result


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, 0)  # NULLs first when ascending
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (1, value)
    return (2, _fold(value))


def page_of(
    entities: list[dict[str, Any]],
    criteria: SearchCriteria,
    *,
    default_page_size: int | None,
    repeat_last_page: bool,
) -> list[dict[str, Any]]:
    """The requested page. Past the end: empty (2.4) or the last page again (<= 2.3, #3787)."""
    size = criteria.page_size if criteria.page_size is not None else default_page_size
    if not size or size < 1:
        return entities
    page = max(1, criteria.current_page or 1)
    last = max(1, -(-len(entities) // size))
    if page > last:
        if not repeat_last_page:
            return []
        page = last
    return entities[(page - 1) * size : page * size]
