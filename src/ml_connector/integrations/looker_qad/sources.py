"""Where figure lines come from: Looker (a Look or an inline query per figure, one call each while
the result fits the row cap, an async query task past it) or rows a scheduled plan pushed.

Pushed rows wait in the store's webhook inbox (``store.inbox``) until a run takes them: a figure with a
pending delivery is posted from its newest one instead of being pulled from Looker (older pending ones are
superseded: each delivery is the whole figure), and those figures go first, so a Looker outage does not
hold them back. The delivery is marked consumed only after the runner settled its lines (the generator
resumes after the page was delivered); a run that fails before leaves it pending for the next run. A
crash between QAD's answer and that mark posts nothing twice: the next run reads the same rows, and the
delivery ledger finds each line delivered with the same content (unchanged) or, left ``sending``, looks
it up in QAD by its reference before sending anything.

Per figure and period the source also re-emits, at zero, lines QAD was given earlier that the figure
no longer has, and marks a line whose value returns to an earlier delivered one, so the engine
posts the difference instead of calling it unchanged. QAD then always sums to the current figure.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import structlog
from sqlalchemy import select

from ml_connector.connectors.looker.client import LookerClient
from ml_connector.core.clock import Clock
from ml_connector.core.cursors import Window
from ml_connector.core.hashing import content_hash
from ml_connector.core.streams import StreamSpec
from ml_connector.errors import RemoteError
from ml_connector.integrations.looker_qad.mappings import QadCatalog
from ml_connector.integrations.looker_qad.settings import FigureSettings, LookerQadSettings
from ml_connector.integrations.looker_qad.streams import figure_lines, new_line, split_line_id
from ml_connector.store import Store
from ml_connector.store.schema import deliveries

log = structlog.get_logger("ml_connector.looker_qad")
Rows = list[dict[str, Any]]


class LookerFigures:
    """Runs a figure's Look or query in Looker and returns its rows (JSON, keyed by field name)."""

    def __init__(self, looker: LookerClient, cfg: LookerQadSettings) -> None:
        self.looker, self.cfg = looker, cfg
        self.async_tasks = 0

    def rows(self, figure: FigureSettings, years: set[int]) -> Rows:
        cap = self.cfg.looker_row_cap
        poll, timeout = self.cfg.task_poll_s, self.cfg.task_timeout_s
        if figure.look_id is not None:
            rows: Rows = self.looker.run_look(figure.look_id, "json", limit=cap)
            if len(rows) >= cap:  # the run endpoints have no offset [F]: fetch everything as a task
                query_id = self.looker.look(figure.look_id).query_id
                self.async_tasks += 1
                rows = self.looker.run_query_async(
                    str(query_id), "json", limit=-1, poll_interval_s=poll, timeout_s=timeout
                )
            return rows
        assert figure.query is not None
        filters = dict(figure.query.filters)
        if figure.columns.year and years and figure.columns.year not in filters:
            filters[figure.columns.year] = ",".join(str(y) for y in sorted(years))
        body = {
            "model": figure.query.model,
            "view": figure.query.explore,
            "fields": figure.query.fields,
            "filters": filters,
            "sorts": figure.query.sorts,
            "limit": str(cap),
        }
        rows = self.looker.run_inline_query(body, "json", limit=cap)
        if len(rows) >= cap:
            query_id = self.looker.create_query({**body, "limit": "-1"})
            self.async_tasks += 1
            rows = self.looker.run_query_async(query_id, "json", limit=-1, poll_interval_s=poll, timeout_s=timeout)
        return rows


class FigureSource:
    """The engine's Source for the figure-line stream (no cursor: every run reads each figure)."""

    def __init__(
        self,
        figures: LookerFigures,
        catalog: QadCatalog,
        cfg: LookerQadSettings,
        store: Store,
        clock: Clock,
        integration: str,
        *,
        consume: bool = True,
    ) -> None:
        self.figures, self.catalog, self.cfg, self.store, self.clock = figures, catalog, cfg, store, clock
        self.consume = consume  # False for --dry-run: read the inbox, mark nothing
        self.integration = integration  # the instance key whose inbox and delivered lines are its own
        self.run_id: str | None = None
        self.errors: list[str] = []

    def bind(self, integration: str, run_id: str | None) -> FigureSource:
        """The instance (``looker-qad`` or ``looker-qad@x``) and run this source reads and consumes for."""
        self.integration, self.run_id = integration, run_id
        return self

    def lines(self, figure: FigureSettings, pushed: Rows | None = None) -> tuple[list[str], Rows]:
        periods = self.catalog.periods_for(figure, self.clock.now().date())
        rows = pushed if pushed is not None else self.figures.rows(figure, {int(p[:4]) for p in periods})
        prefix = self.cfg.reference_prefix
        return periods, figure_lines(figure, rows, set(periods), max_code=self.cfg.max_code_length, prefix=prefix)

    def pages(self, stream: StreamSpec, window: Window) -> Iterator[Rows]:
        inbox = self.store.inbox.pending(self.integration)
        order = [f for f in self.cfg.figures if f.name in inbox] + [f for f in self.cfg.figures if f.name not in inbox]
        for figure in order:
            waiting = inbox.get(figure.name)
            try:
                periods, lines = self.lines(figure, list(waiting[-1].payload) if waiting else None)
            except RemoteError as exc:
                if exc.retriable:
                    raise  # Looker or QAD is down or throttling past our retries: stop, the next run retries
                self.errors.append(f"figure '{figure.name}': {exc}")
                log.warning("figure.failed", figure=figure.name, error=str(exc))
                continue
            yield self._settle_history(stream, figure, periods, lines)
            # Resumed: the runner delivered (or parked) the page's lines. Not reached when it raised.
            if waiting and self.consume:
                newest, older = waiting[-1], [d.id for d in waiting[:-1]]
                self.store.inbox.consume(newest.id, older, self.run_id, self.clock.now())
                log.info("inbox.consumed", figure=figure.name, delivery=newest.id, superseded=older)

    def cursor_value(self, stream: StreamSpec, row: Mapping[str, Any]) -> None:
        return None

    def _settle_history(self, stream: StreamSpec, figure: FigureSettings, periods: list[str], lines: Rows) -> Rows:
        history = self.delivered(stream.name, figure.name)
        present = {line["line_id"] for line in lines}
        for sid in history:
            parts = split_line_id(sid)
            if sid not in present and parts is not None and parts[1] in periods:
                lines.append(new_line(figure, parts[1], parts[2], self.cfg.reference_prefix) | {"amount": "0.00"})
        for line in lines:
            hashes = history.get(line["line_id"])
            if not hashes:
                continue
            latest, seen = hashes[-1], set(hashes)
            digest = content_hash(line, ignore=stream.hash_ignore)
            revision = 0
            while digest != latest and digest in seen:  # back to an earlier value: a new version
                revision += 1
                line["revision"] = revision
                digest = content_hash(line, ignore=stream.hash_ignore)
        return lines

    def delivered(self, stream: str, figure: str) -> dict[str, list[str]]:
        """Delivered content hashes per line of this figure, oldest first."""
        query = (
            select(deliveries.c.source_id, deliveries.c.content_hash)
            .where(
                deliveries.c.integration == self.integration,
                deliveries.c.stream == stream,
                deliveries.c.state == "delivered",
                deliveries.c.source_id.startswith(figure + "|", autoescape=True),
            )
            .order_by(deliveries.c.updated_at)
        )
        out: dict[str, list[str]] = {}
        with self.store.engine.connect() as db:
            for sid, digest in db.execute(query):
                out.setdefault(sid, []).append(digest)
        return out
