"""The SYSPRO OData side of the run loop: turns a cursor window into $filter/$orderby and reads pages."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

from ml_connector.connectors.syspro.odata.client import (
    SysproODataClient,
    binary_literal,
    date_literal,
    rowversion_value,
)
from ml_connector.core.cursors import Precision, Window
from ml_connector.core.streams import StreamSpec


class SysproODataSource:
    """Implements the engine's Source protocol over :class:`SysproODataClient`."""

    def __init__(self, client: SysproODataClient) -> None:
        self.client = client

    def window_filter(self, window: Window) -> str | None:
        col, style = window.column, self.client.settings.date_literal
        parts = []
        if window.precision is Precision.ROWVERSION:
            if window.lower is not None:
                parts.append(f"{col} gt {binary_literal(int(window.lower))}")  # type: ignore[arg-type]
        else:
            if window.lower is not None:
                parts.append(f"{col} ge {date_literal(window.lower, style)}")  # type: ignore[arg-type]
            if window.upper is not None:
                parts.append(f"{col} lt {date_literal(window.upper, style)}")
        return " and ".join(parts) or None

    def pages(self, stream: StreamSpec, window: Window) -> Iterator[list[dict[str, Any]]]:
        """Pages of ``stream.source`` in the window; ``options["filter"]`` is ANDed in, and
        ``options["join"] = (EntitySet, key column)`` merges a 1:1 companion table (ApSupplierAddr)."""
        parts = [self.window_filter(window) if stream.cursor else None, stream.options.get("filter")]
        filter_ = " and ".join(f"({p})" for p in parts if p) or None
        order = ([stream.cursor.column] if stream.cursor else []) + list(stream.key)
        pages = self.client.pages(stream.source, filter=filter_, select=stream.select, orderby=order)
        join = stream.options.get("join")
        if not join:
            return pages
        return self._joined(pages, *join)

    def _joined(
        self, pages: Iterator[list[dict[str, Any]]], entity_set: str, key: str
    ) -> Iterator[list[dict[str, Any]]]:
        companions = {row[key]: row for page in self.client.pages(entity_set) for row in page}
        for page in pages:
            yield [{**companions.get(row[key], {}), **row} for row in page]

    def cursor_value(self, stream: StreamSpec, row: Mapping[str, Any]) -> date | datetime | int | None:
        assert stream.cursor is not None
        value = row.get(stream.cursor.column)
        if value is None or value == "":
            return None
        precision = stream.cursor.precision
        if precision is Precision.ROWVERSION:
            return rowversion_value(str(value))
        if precision is Precision.DATE:
            return date.fromisoformat(str(value)[:10])
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
