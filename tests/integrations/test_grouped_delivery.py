"""The grouped record runner against an in-memory target that posts each page as one document with a
line per record: crashes inside the group send never duplicate or lose a record, per-record results
park or fail single records, an unknown outcome leaves the group in doubt for the look-up."""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ml_connector.core.cursors import Window
from ml_connector.core.streams import StreamSpec
from ml_connector.engine.grouped_runner import GroupedRecordRunner
from ml_connector.engine.runner import Runner
from ml_connector.engine.targets import ChangePolicy, Delivery
from ml_connector.errors import MlConnectorError, ReferenceMissingError, RemoteRejectedError, RemoteUnavailableError


class Crash(BaseException):
    """Stands for SIGKILL."""


class PagedSource:
    def __init__(self, rows: list[dict[str, Any]], page: int = 5) -> None:
        self.rows, self.page = rows, page

    def pages(self, stream: StreamSpec, window: Window) -> Iterator[list[dict[str, Any]]]:
        for i in range(0, len(self.rows), self.page):
            yield self.rows[i : i + self.page]

    def cursor_value(self, stream: StreamSpec, row: Mapping[str, Any]) -> None:
        return None


class DocumentTarget:
    change_policy = ChangePolicy.REVIEW

    def __init__(self) -> None:
        self.documents: list[list[str]] = []  # each document: the ids of its lines
        self.crash_after: set[int] = set()
        self.unknown_at: set[int] = set()
        self.refuse: set[str] = set()
        self.missing: set[str] = set()
        self.calls = 0

    def check_references(self, d: Delivery) -> None:
        if d.source_id in self.missing:
            raise ReferenceMissingError(f"{d.source_id} waits", reference="key", key=d.source_id)

    def lookup(self, d: Delivery) -> str | None:
        return next((f"DOC{n}" for n, doc in enumerate(self.documents) if d.source_id in doc), None)

    def send(self, d: Delivery) -> str:
        [result] = self.send_group([d])
        assert isinstance(result, str)
        return result

    def send_group(self, deliveries: Sequence[Delivery]) -> list[str | MlConnectorError]:
        self.calls += 1
        if self.calls in self.unknown_at:
            raise RemoteUnavailableError("gateway timeout")  # nothing saved, outcome unknown to us
        refused = {d.source_id for d in deliveries} & self.refuse
        lines = [d.source_id for d in deliveries if d.source_id not in refused]
        if lines:
            self.documents.append(lines)
        if self.calls in self.crash_after:
            raise Crash  # saved, the process dies before settling
        ref = f"DOC{len(self.documents) - 1}"
        return [RemoteRejectedError("refused") if d.source_id in refused else ref for d in deliveries]


STREAM = StreamSpec("line", "lines", ("id",), "documents", ("id",), dict)


def run(store, clock, source, target):
    return Runner(store, clock).run(
        "grouped",
        [STREAM],
        lambda ctx, s, all_s, full: GroupedRecordRunner(ctx, source, target).run_stream(s, all_s, full_refresh=full),
    )


def test_crashes_inside_group_sends_never_duplicate_or_lose(store, clock) -> None:
    rows = [{"id": f"L{i:03d}", "amount": i} for i in range(100)]
    source, target = PagedSource(rows), DocumentTarget()
    target.crash_after = set(random.Random(3).sample(range(1, 20), 6))
    crashes = 0
    for _ in range(20):
        try:
            report = run(store, clock, source, target)
        except Crash:
            crashes += 1
            continue
        break
    assert crashes == 6 and report.status == "succeeded"
    posted = [line for doc in target.documents for line in doc]
    assert sorted(posted) == [r["id"] for r in rows]  # each line exactly once
    assert all(len(doc) == 5 for doc in target.documents)  # one document per page
    assert store.ledger.count(status="recovered") == 6 * 5  # every crashed group adopted by look-up


def test_per_record_results_park_fail_and_deliver(store, clock) -> None:
    rows = [{"id": f"L{i}", "amount": i} for i in range(5)]
    source, target = PagedSource(rows), DocumentTarget()
    target.missing, target.refuse = {"L1"}, {"L3"}
    report = run(store, clock, source, target)
    tally = report.streams[0]
    assert (tally.loaded, tally.parked, tally.failed) == (3, 1, 1)
    assert target.documents == [["L0", "L2", "L4"]]
    assert {p["source_id"]: p["status"] for p in store.parked.open("grouped")} == {"L1": "parked", "L3": "failed"}
    target.missing = set()
    again = run(store, clock, source, target)
    assert again.streams[0].released == 1 and target.documents[-1] == ["L1"]  # released: a document of its own
    assert again.streams[0].failed == 1  # L3 read again and refused again, as in RecordStreamRunner


def test_unknown_outcome_stops_and_the_next_run_sends_once(store, clock) -> None:
    rows = [{"id": f"L{i}", "amount": i} for i in range(10)]
    source, target = PagedSource(rows), DocumentTarget()
    target.unknown_at = {2}
    first = run(store, clock, source, target)
    assert first.status != "succeeded"
    second = run(store, clock, source, target)
    assert second.status == "succeeded"
    assert sorted(line for doc in target.documents for line in doc) == [r["id"] for r in rows]
