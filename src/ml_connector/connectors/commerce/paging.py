"""Offset paging over Commerce search results that can neither lose nor repeat a record.

Commerce <= 2.3 answers the last page again when ``currentPage`` runs past the end and 2.4 answers
an empty page (commerce-sterling-x12.md §1.3), so neither is a stop signal: the scan stops on ``total_count``. If
``total_count`` changes between pages, records entered or left the window and every later offset
shifted, so the scan starts over from page 1 and skips what it already yielded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import structlog

from ml_connector.connectors.commerce.models import Customer, Page
from ml_connector.connectors.commerce.search import SearchCriteria
from ml_connector.errors import RemoteProtocolError

T = TypeVar("T")
log = structlog.get_logger("ml_connector.connectors.commerce")


def identity(record: Any) -> tuple[Any, Any]:
    """A record version: its key and ``updated_at`` (customers are keyed ``id``, the rest ``entity_id``)."""
    key = record.id if isinstance(record, Customer) else record.entity_id
    return key, record.updated_at


def scan_pages(
    fetch: Callable[[dict[str, str]], dict[str, Any]],
    parse: Callable[[Any], T],
    criteria: SearchCriteria,
    *,
    page_size: int,
    max_restarts: int,
    what: str,
) -> Iterator[Page[T]]:
    """Yield de-duplicated pages of ``criteria`` (which must carry a total sort order)."""
    seen: set[tuple[Any, Any]] = set()
    expected: int | None = None
    restarts, number = 0, 1
    while True:
        data = fetch(criteria.page(number, page_size).to_params())
        total, raw = int(data.get("total_count") or 0), data.get("items") or []
        if expected is not None and total != expected:
            restarts += 1
            if restarts > max_restarts:
                raise RemoteProtocolError(
                    f"{what}: the result set kept changing while paging ({expected} -> {total} records, "
                    f"{restarts} restarts). Run again, with the window's upper bound further behind now.",
                    system=what,
                )
            log.info("commerce.scan_restart", what=what, expected=expected, total=total, page=number)
            expected, number = total, 1
            continue
        expected = total
        records = [parse(item) for item in raw]
        fresh = [r for r in records if identity(r) not in seen]
        if number > 1 and records and not fresh and restarts == 0:
            raise RemoteProtocolError(
                f"{what}: page {number} repeated records already read and returned nothing new. "
                "The run can be retried.",
                system=what,
            )
        seen.update(identity(r) for r in fresh)
        if fresh:
            yield Page(fresh, number, page_size, total)
        if number * page_size >= total:
            return
        if not raw:
            raise RemoteProtocolError(
                f"{what}: page {number} came back empty although total_count is {total}. Retry the run.",
                system=what,
            )
        number += 1
