"""``searchCriteria`` query parameters for Adobe Commerce list endpoints, and the wire form of
Commerce timestamps (UTC, ``YYYY-MM-DD HH:MM:SS``; commerce-sterling-x12.md §1.3 and 1.5).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from ml_connector.errors import ConfigError

MAX_PAGE_SIZE = 300  # Web API input limits: larger pageSize values are refused with HTTP 400
COMMERCE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def format_commerce_time(at: datetime) -> str:
    """An aware datetime as Commerce filters expect it: UTC, whole seconds (floored)."""
    if at.tzinfo is None:
        raise ConfigError(
            f"Got a naive datetime ({at.isoformat()}) for an Adobe Commerce filter; pass an aware UTC datetime."
        )
    return at.astimezone(UTC).strftime(COMMERCE_TIME_FORMAT)


def parse_commerce_time(value: str) -> datetime:
    """Commerce REST returns ``created_at``/``updated_at`` in UTC whatever the store's timezone (#24985)."""
    return datetime.strptime(value, COMMERCE_TIME_FORMAT).replace(tzinfo=UTC)


@dataclass(frozen=True)
class Filter:
    field: str
    value: str
    condition_type: str = "eq"


@dataclass(frozen=True)
class SearchCriteria:
    """Filters inside one group are OR-ed; groups are AND-ed (Commerce cannot express more)."""

    filter_groups: tuple[tuple[Filter, ...], ...] = ()
    sort_orders: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    page_size: int | None = None
    current_page: int | None = None

    def where(self, *alternatives: Filter) -> SearchCriteria:
        """AND a new group made of ``alternatives`` (OR-ed with each other)."""
        return SearchCriteria((*self.filter_groups, alternatives), self.sort_orders, self.page_size, self.current_page)

    def sorted_by(self, *orders: tuple[str, str]) -> SearchCriteria:
        return SearchCriteria(self.filter_groups, orders, self.page_size, self.current_page)

    def page(self, number: int, size: int) -> SearchCriteria:
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise ConfigError(f"Adobe Commerce pageSize must be between 1 and {MAX_PAGE_SIZE}, got {size}.")
        return SearchCriteria(self.filter_groups, self.sort_orders, size, number)

    def to_params(self) -> dict[str, str]:
        """Bracketed query keys as the REST docs spell them (snake_case groups, camelCase paging)."""
        params: dict[str, str] = {}
        for g, group in enumerate(self.filter_groups):
            for f, flt in enumerate(group):
                prefix = f"searchCriteria[filter_groups][{g}][filters][{f}]"
                params[f"{prefix}[field]"] = flt.field
                params[f"{prefix}[value]"] = flt.value
                params[f"{prefix}[condition_type]"] = flt.condition_type
        for i, (name, direction) in enumerate(self.sort_orders):
            params[f"searchCriteria[sortOrders][{i}][field]"] = name
            params[f"searchCriteria[sortOrders][{i}][direction]"] = direction
        if self.page_size is not None:
            params["searchCriteria[pageSize]"] = str(self.page_size)
        if self.current_page is not None:
            params["searchCriteria[currentPage]"] = str(self.current_page)
        if not params:
            params["searchCriteria"] = ""  # the parameter itself is required by the list endpoints
        return params


def updated_between(since: datetime, until: datetime, *, field_name: str = "updated_at") -> SearchCriteria:
    """Records changed in the half-open window [since, until): ``gteq`` since AND ``lt`` until.

    Half-open so that consecutive windows neither skip nor repeat a second.
    """
    low, high = format_commerce_time(since), format_commerce_time(until)
    if high <= low:
        raise ConfigError(
            f"Adobe Commerce window is empty: until {high} is not after since {low} (UTC, whole seconds)."
        )
    return SearchCriteria().where(Filter(field_name, low, "gteq")).where(Filter(field_name, high, "lt"))
