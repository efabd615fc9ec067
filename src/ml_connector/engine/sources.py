"""What the run loop needs from a source connector."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any, Protocol

from ml_connector.core.cursors import Window
from ml_connector.core.streams import StreamSpec


class Source(Protocol):
    def pages(self, stream: StreamSpec, window: Window) -> Iterator[list[dict[str, Any]]]:
        """Yield the rows of ``stream.source`` inside ``window``, a page at a time, in cursor order."""
        ...

    def cursor_value(self, stream: StreamSpec, row: Mapping[str, Any]) -> date | datetime | int | None:
        """The row's cursor column as a Python value (date, aware datetime or rowversion int)."""
        ...
