"""The run summary people read after every run: whole headers in an 80-column terminal, errors in full."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

from rich.console import Console

from ml_connector.cli import output
from ml_connector.core.records import StreamTally
from ml_connector.engine.context import RunReport


def test_run_summary_fits_80_columns_and_prints_errors_in_full(monkeypatch) -> None:
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(output, "console", Console(file=out, width=80, highlight=False))
    monkeypatch.setattr(output, "errors", Console(file=err, width=80, highlight=False))
    long_error = "GET /mailbox/messages failed: 503 Service Unavailable after 5 attempts [retry later]; " * 2
    started = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
    report = RunReport(
        "syspro-sterling",
        "20261123T200000-abcdef",
        "partial",
        started,
        started + timedelta(seconds=1.5),
        [StreamTally("customer_to_commerce", read=2, loaded=2), StreamTally("ack_997", errors=[long_error])],
        f"ack_997: {long_error}",
    )
    output.run_summary(report)
    table = out.getvalue()
    assert all(len(line) <= 80 for line in table.splitlines())
    header = next(line for line in table.splitlines() if "stream" in line)
    for column in ("read", "loaded", "unchanged", "parked", "released", "failed"):
        assert column in re.findall(r"[a-z_]+", header)  # whole, not folded over two lines
    assert "customer_to_commerce" in table  # the longest stream name any integration has
    # The error is not cut at a column's width: every word of it reaches the reader, markup-like text included.
    assert " ".join(err.getvalue().split()) == " ".join(f"ack_997: {long_error}".split())
