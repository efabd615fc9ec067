"""`run --dry-run`: read the real source, map and check every record, and show what would be delivered,
without writing to any target, moving any cursor, using any control number or writing the store.

An integration plugs in with one method per target, ``render(delivery) -> Rendering`` (the exact document:
e.net XML, X12, JSON), and ``IntegrationPlan.dry_run_parts(stream) -> (source, target) | None`` in its
wiring (None: the stream is not part of a dry run, e.g. reading acknowledgements). A target without
``render`` shows the mapped row as JSON. A target that sends a page's records together (engine/grouped_runner.py)
has ``render_group(deliveries) -> list[GroupRendering]`` instead: one document per group it would send.
See docs/ENGINE.md, "Dry run".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from ml_connector.core.clock import Clock
from ml_connector.core.cursors import Window, plan_window
from ml_connector.core.hashing import content_hash, source_id
from ml_connector.core.records import StreamTally
from ml_connector.core.streams import StreamKind, StreamSpec, dimensions_first
from ml_connector.engine.context import RunReport, new_run_id
from ml_connector.engine.sources import Source
from ml_connector.engine.targets import ChangePolicy, Delivery
from ml_connector.errors import ReferenceMissingError, RemoteError
from ml_connector.secrets.secret import REDACTOR
from ml_connector.store import Store

BATCH_SAMPLES = 3  # rows shown per warehouse stream (every record document is shown)


@dataclass(frozen=True)
class Rendering:
    """What a target would send for one record: its format ("X12 850", "e.net SORTOI XML", "JSON") and text."""

    format: str
    text: str


@dataclass(frozen=True)
class GroupRendering:
    """One document a grouped target would send for several records (QAD: a journal entry per figure/period)."""

    label: str
    source_ids: list[str]
    rendering: Rendering


class Renderable(Protocol):
    def render(self, delivery: Delivery) -> Rendering: ...


@dataclass(frozen=True)
class DryRunItem:
    stream: str
    source_id: str
    outcome: str  # would send | would update | would park | would fail | changed after post
    reason: str = ""
    rendering: Rendering | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"stream": self.stream, "source_id": self.source_id, "outcome": self.outcome}
        if self.reason:
            out["reason"] = self.reason
        if self.rendering is not None:
            out["format"], out["document"] = self.rendering.format, self.rendering.text
        return out


PartsOf = Callable[[StreamSpec], "tuple[Source, Any] | None"]


class DryRun:
    """Drives the plan's sources and targets read-only; ``out`` receives each item as it is found."""

    def __init__(self, store: Store, clock: Clock, out: Callable[[DryRunItem], None]) -> None:
        self.store, self.clock, self.out = store, clock, out
        self._streams: list[StreamSpec] = []

    def run(self, integration: str, streams: list[StreamSpec], parts: PartsOf, *, full_refresh: bool) -> RunReport:
        started = self.clock.now()
        self._streams = streams
        tallies: dict[str, StreamTally] = {}
        errors: list[str] = []
        remote = False
        seen_keys: dict[str, set[str]] = {}
        for stream in dimensions_first(streams):
            found = parts(stream)
            if found is None:
                continue
            tally = tallies.setdefault(stream.name, StreamTally(stream.name))
            try:
                self._stream(integration, stream, *found, tally, full_refresh, seen_keys)
            except RemoteError as exc:
                remote = True
                errors.append(f"{stream.name}: {REDACTOR.scrub(str(exc))}")
                tally.errors.append(REDACTOR.scrub(str(exc)))
        failed = [t.stream for t in tallies.values() if t.failed]
        if failed:
            errors.append(f"{', '.join(failed)}: record(s) would fail")
        status = "succeeded" if not errors else "partial"
        return RunReport(integration, new_run_id(started), status, started, self.clock.now(),
                         list(tallies.values()), "; ".join(errors) or None, remote_failed=remote,
                         dry_run=True)  # fmt: skip

    def _stream(self, integration: str, stream: StreamSpec, source: Source, target: Any, tally: StreamTally,
                full_refresh: bool, seen_keys: dict[str, set[str]]) -> None:  # fmt: skip
        stored = None if full_refresh or stream.cursor is None else self.store.cursors.get(integration, stream.name)
        window = plan_window(stream.cursor, stored, self.clock.now()) if stream.cursor else Window("", "date")  # type: ignore[arg-type]
        batch = not hasattr(target, "check_references")
        known = {r.column: self._known(target, r.dimension, seen_keys) for r in stream.references} if batch else {}
        shown = 0
        grouped = hasattr(target, "render_group")
        for page in source.pages(stream, window):
            tally.read += len(page)
            pending: list[Delivery] = []
            for row in page:
                sid, mapped = source_id(row, stream.key), stream.mapper(row)
                if stream.kind is StreamKind.DIMENSION:
                    seen_keys.setdefault(stream.name, set()).add(str(mapped.get(stream.target_key[0])))
                item: DryRunItem | None
                if batch:
                    item = self._batch_item(stream, sid, mapped, known, show=shown < BATCH_SAMPLES)
                else:
                    digest = content_hash(row, ignore=stream.hash_ignore)
                    item = self._record_item(integration, stream, sid, digest, mapped, target,
                                             pending if grouped else None)  # fmt: skip
                if item is None:
                    tally.unchanged += 1
                    continue
                _count(tally, item.outcome)
                if item.rendering is not None or item.reason:
                    shown += 1
                    self.out(item)
            if pending:
                self._show_groups(stream, target, pending)

    def _show_groups(self, stream: StreamSpec, target: Any, pending: list[Delivery]) -> None:
        """A grouped target's documents, one per group (its records were counted one by one)."""
        updates = {d.source_id for d in pending if d.previous_target_ref is not None}
        for group in target.render_group(pending):
            outcome = "would update" if updates & set(group.source_ids) else "would send"
            self.out(DryRunItem(stream.name, group.label, outcome, rendering=group.rendering))

    def _record_item(self, integration: str, stream: StreamSpec, sid: str, digest: str, mapped: dict[str, Any],
                     target: Any, pending: list[Delivery] | None = None) -> DryRunItem | None:  # fmt: skip
        """``pending`` (a grouped target): a record that would be sent joins it, rendered with its group."""
        deliveries = self.store.deliveries
        state = deliveries.state(integration, stream.name, sid, digest)
        if state is not None and state.state == "delivered":
            return None
        previous = deliveries.last_delivered(integration, stream.name, sid)
        delivery = Delivery(integration, stream.name, sid, digest, mapped, previous.target_ref if previous else None)
        if previous is not None and target.change_policy is ChangePolicy.REVIEW:
            why = f"changed after it was posted as {previous.target_ref}; it would not be posted again"
            return DryRunItem(stream.name, sid, "changed after post", why)
        try:
            target.check_references(delivery)
            if pending is not None:
                pending.append(delivery)
                return DryRunItem(stream.name, sid, "would update" if previous else "would send")
            rendering = render(target, delivery)
        except ReferenceMissingError as exc:
            return DryRunItem(stream.name, sid, "would park", REDACTOR.scrub(str(exc)))
        except RemoteError as exc:
            if exc.retriable:
                raise
            return DryRunItem(stream.name, sid, "would fail", REDACTOR.scrub(str(exc)))
        return DryRunItem(stream.name, sid, "would update" if previous else "would send", rendering=rendering)

    def _batch_item(self, stream: StreamSpec, sid: str, mapped: dict[str, Any], known: Mapping[str, set[str]],
                    *, show: bool) -> DryRunItem:  # fmt: skip
        for ref in stream.references:
            value = mapped.get(ref.column)
            if value not in (None, "") and str(value) not in known[ref.column]:
                return DryRunItem(stream.name, sid, "would park", f"references {ref.label} {value!r}, not loaded")
        return DryRunItem(stream.name, sid, "would send", rendering=json_rendering(mapped) if show else None)

    def _known(self, target: Any, dimension: str, seen_keys: dict[str, set[str]]) -> set[str]:
        by_name = {s.name: s for s in self._streams}
        stream = by_name.get(dimension)
        on_target = target.known_keys(stream) if stream is not None else set()
        return set(on_target) | seen_keys.get(dimension, set())


def render(target: Any, delivery: Delivery) -> Rendering:
    """The target's own rendering, or the mapped row as JSON for a target that has none yet."""
    method = getattr(target, "render", None)
    return method(delivery) if method is not None else json_rendering(dict(delivery.row))


def json_rendering(row: Mapping[str, Any], kind: str = "JSON") -> Rendering:
    text = orjson.dumps(row, default=str, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()
    return Rendering(kind, REDACTOR.scrub(text))


def _count(tally: StreamTally, outcome: str) -> None:
    name = {"would send": "loaded", "would update": "loaded", "would park": "parked", "would fail": "failed",
            "changed after post": "changed_after_post"}[outcome]  # fmt: skip
    setattr(tally, name, getattr(tally, name) + 1)
