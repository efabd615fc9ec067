"""A full read replaces the warehouse table; a source that pages a key twice must not create duplicates."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb

from ml_connector.connectors.warehouse.loader import WarehouseTarget, make_destination
from ml_connector.connectors.warehouse.tables import Column, WarehouseTable
from ml_connector.core.columns import Copy
from ml_connector.core.cursors import Window
from ml_connector.core.streams import StreamKind, StreamSpec, mapped_by
from ml_connector.engine.batch_runner import BatchStreamRunner
from ml_connector.engine.runner import Runner

COLUMNS = (("code", Copy("Code")), ("name", Copy("Name")))
STREAM = StreamSpec(
    "thing", "Things", ("Code",), "dim_thing", ("code",), mapped_by(COLUMNS), StreamKind.DIMENSION, columns=COLUMNS
)
TABLE = WarehouseTable("dim_thing", (Column("code", "text"), Column("name", "text")), ("code",))


class PagedSource:
    def __init__(self, pages: list[list[dict]]) -> None:
        self.pages_ = pages

    def pages(self, stream: StreamSpec, window: Window) -> Iterator[list[dict]]:
        yield from self.pages_

    def cursor_value(self, stream, row):  # pragma: no cover - no cursor here
        return None


def _run(store, clock, tmp_path, source):
    target = WarehouseTarget(
        destination=make_destination("duckdb", {"path": tmp_path / "wh.duckdb"}),
        dataset="t",
        tables={"dim_thing": TABLE},
        pipelines_dir=tmp_path / "p",
        pipeline_name="guard",
    )
    return Runner(store, clock).run(
        "guard",
        [STREAM],
        lambda *a: None,
        group_handler=lambda ctx, group, all_s, full: BatchStreamRunner(ctx, source, target).run_group(
            group, all_s, full_refresh=full
        ),
    )


def test_key_paged_twice_fails_the_full_read_without_committing(store, clock, tmp_path) -> None:
    pages = [[{"Code": "A", "Name": "a"}, {"Code": "B", "Name": "b"}], [{"Code": "B", "Name": "b"}]]
    report = _run(store, clock, tmp_path, PagedSource(pages))
    assert report.status == "failed" and "returned 1 record(s) twice" in (report.error or "")
    assert store.ledger.count(stream="thing") == 0  # nothing audited as loaded
    good = _run(store, clock, tmp_path, PagedSource([[{"Code": "A", "Name": "a"}], [{"Code": "B", "Name": "b"}]]))
    assert good.status == "succeeded"
    with duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True) as db:
        assert db.sql("select code from t.dim_thing order by 1").fetchall() == [("A",), ("B",)]
