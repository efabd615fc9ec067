"""CLI output: Rich tables and progress bars for people, ``--json`` for scripts, secrets scrubbed in both."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from typing import Any

import orjson
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ml_connector.core.records import StreamTally
from ml_connector.engine.context import RunReport
from ml_connector.secrets.secret import REDACTOR

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)


def emit_json(value: Any) -> None:
    # Non-string keys (payload dicts keyed by numbers or dates) are written as strings instead of failing.
    options = orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS
    text = orjson.dumps(REDACTOR.scrub_any(value), default=str, option=options).decode()
    sys.stdout.write(text + "\n")


def table(
    title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, numbers_from: int | None = None
) -> None:
    """A Rich table; columns from ``numbers_from`` on hold counts: right-aligned, never folded, and the
    table drops its outer padding so such a table fits an 80-column terminal."""
    out = Table(title=title, title_justify="left", pad_edge=numbers_from is None)
    for index, column in enumerate(columns):
        # The first column names the row (a stream, an id): never fold it; other columns fold.
        if numbers_from is not None and index >= numbers_from:
            out.add_column(column, justify="right", no_wrap=True)
        else:
            out.add_column(column, overflow="fold", no_wrap=index == 0)
    for row in rows:
        out.add_row(*(REDACTOR.scrub("" if v is None else str(v)) for v in row))
    console.print(out)


def configure_logging(verbose: bool = False) -> None:
    """Structured logs on stderr (warnings and up unless --verbose), secrets scrubbed from every event."""
    import logging

    import structlog

    def scrub(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> Mapping[str, Any]:
        return REDACTOR.scrub_any(dict(event))  # type: ignore[no-any-return]

    level = logging.INFO if verbose else logging.WARNING
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            scrub,
            structlog.dev.ConsoleRenderer(colors=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        # Look sys.stderr up at each call: it may be swapped (and closed) by whoever embeds the CLI.
        logger_factory=lambda *_: structlog.PrintLogger(file=sys.stderr),
    )
    logging.getLogger("dlt").setLevel(logging.ERROR)


def run_summary(report: RunReport) -> None:
    """The counts table (it fits an 80-column terminal), then the run's errors in full, each named by its
    stream(s), beneath it."""
    rows = [(t.stream, t.read, t.loaded, t.unchanged, t.parked, t.released, t.failed) for t in report.streams]
    table(
        f"{report.integration} run {report.run_id}: {report.status} in {report.duration_s:.1f} s",
        ("stream", "read", "loaded", "unchanged", "parked", "released", "failed"),
        rows,
        numbers_from=1,
    )
    if report.error:
        errors.print(f"[yellow]{escape(REDACTOR.scrub(report.error))}[/yellow]")


class RichProgress:
    """One progress bar per stream (rows read so far; the total is unknown while paging)."""

    def __init__(self) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description:<18}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("rows"),
            TimeElapsedColumn(),
            console=errors,
            transient=False,
        )
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def stream_started(self, stream: str, total: int | None) -> None:
        self._tasks[stream] = self._progress.add_task(stream, total=total)

    def advance(self, stream: str, rows: int) -> None:
        self._progress.advance(self._tasks[stream], rows)

    def stream_finished(self, stream: str, tally: StreamTally) -> None:
        task = self._tasks.get(stream)
        if task is not None:
            self._progress.update(task, total=max(tally.read, 1), completed=max(tally.read, 1))
