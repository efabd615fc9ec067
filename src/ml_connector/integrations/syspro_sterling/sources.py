"""The SYSPRO side: OData headers in cursor order, each with its detail lines attached (PorMasterDetail,
SorDetail), read in one filtered query per page of headers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any

from ml_connector.connectors.syspro.odata.source import SysproODataSource
from ml_connector.core.cursors import Window
from ml_connector.core.streams import StreamSpec

KEYS_PER_QUERY = 40  # keeps the $filter URL short


class DocumentSource:
    """Engine Source: ``stream.options["lines"] = (EntitySet, header column, detail column, order column)``
    attaches the matching detail rows (TimeStamp dropped, so only business changes alter the hash)."""

    def __init__(self, odata: SysproODataSource) -> None:
        self.odata = odata

    def pages(self, stream: StreamSpec, window: Window) -> Iterator[list[dict[str, Any]]]:
        lines = stream.options.get("lines")
        for page in self.odata.pages(stream, window):
            if lines:
                self._attach(page, *lines)
            yield page

    def _attach(self, page: list[dict[str, Any]], entity: str, header_col: str, detail_col: str, order: str) -> None:
        keys = sorted({str(row[header_col]) for row in page if row.get(header_col)})
        found: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for start in range(0, len(keys), KEYS_PER_QUERY):
            chunk = keys[start : start + KEYS_PER_QUERY]
            filter_ = " or ".join(f"{detail_col} eq '{k.replace(chr(39), chr(39) * 2)}'" for k in chunk)
            for rows in self.odata.client.pages(entity, filter=filter_, orderby=[detail_col, order]):
                for row in rows:
                    found[str(row[detail_col])].append({k: v for k, v in row.items() if k != "TimeStamp"})
        for row in page:
            row["Lines"] = found.get(str(row.get(header_col) or ""), [])

    def cursor_value(self, stream: StreamSpec, row: Mapping[str, Any]) -> date | datetime | int | None:
        return self.odata.cursor_value(stream, row)
