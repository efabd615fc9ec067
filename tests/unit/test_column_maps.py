"""The two interpreters of a column map (row by row, and Arrow page-at-a-time) always agree: on generated maps,
and on the real map of every stream of every integration, down to the warehouse column types."""

from __future__ import annotations

import hashlib
import importlib

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ml_connector.connectors.warehouse.tables import WarehouseTable
from ml_connector.core.columns import Copy, Day, Int, Join, Product, Segment, map_row
from ml_connector.core.streams import StreamSpec
from ml_connector.engine.arrow_mapping import content_hashes, map_table, source_ids
from ml_connector.engine.prefetch import prefetched
from ml_connector.integrations.registry import INTEGRATIONS

codes = st.one_of(st.none(), st.text(alphabet="0123456789-AB ", max_size=14))
rows = st.fixed_dictionaries(
    {
        "GlCode": codes,
        "GlYear": st.one_of(st.none(), st.integers(1990, 2099)),
        "GlPeriod": st.integers(1, 13),
        "Journal": st.integers(1, 10**9),
        "EntryNumber": st.integers(1, 9999),
        "JnlDate": st.one_of(st.none(), st.dates().map(lambda d: f"{d.isoformat()}T00:00:00Z")),
        "EntryValue": st.one_of(st.none(), st.floats(-1e9, 1e9, allow_nan=False).map(lambda f: round(f, 2))),
        "Qty": st.one_of(st.none(), st.floats(0, 1e6, allow_nan=False)),
        "Cost": st.one_of(st.none(), st.floats(0, 1e4, allow_nan=False)),
        "Name": st.one_of(st.none(), st.text(max_size=20)),
    }
)
COLUMNS = (
    ("id", Join(("GlYear", "GlPeriod", "Journal", "EntryNumber"), "-", integers=True)),
    ("cc", Segment("GlCode", 2)),
    ("acct", Segment("GlCode", 1)),
    ("co", Segment("GlCode", 0)),
    ("day", Day("JnlDate")),
    ("year", Int("GlYear")),
    ("amount", Copy("EntryValue")),
    ("name", Copy("Name")),
    ("value", Product("Qty", "Cost")),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(rows, min_size=1, max_size=30))
def test_arrow_and_row_interpreters_agree(page) -> None:
    table = pa.Table.from_pylist(page)
    arrays = map_table(COLUMNS, table)
    by_arrow = [{name: arrays[name][i].as_py() for name, _ in COLUMNS} for i in range(len(page))]
    by_row = [map_row(COLUMNS, row) for row in page]
    for a, r in zip(by_arrow, by_row, strict=True):
        assert a.keys() == r.keys()
        for key in a:
            if isinstance(r[key], float) or isinstance(a[key], float):
                assert a[key] == pytest.approx(r[key], rel=1e-9, abs=1e-6), key
            else:
                assert a[key] == r[key], key


@settings(max_examples=100, deadline=None)
@given(st.lists(rows, min_size=1, max_size=20, unique_by=lambda r: (r["Journal"], r["EntryNumber"])))
def test_page_hashes_change_with_content_and_ignore_key_order(page) -> None:
    table = pa.Table.from_pylist(page)
    reordered = pa.Table.from_pylist([dict(reversed(list(r.items()))) for r in page])
    assert content_hashes(table) == content_hashes(reordered)
    changed = [dict(r, Name=(r["Name"] or "") + "x") for r in page]
    assert all(
        a != b for a, b in zip(content_hashes(table), content_hashes(pa.Table.from_pylist(changed)), strict=True)
    )
    assert source_ids(table, ("Journal", "EntryNumber")) == [f"{r['Journal']}|{r['EntryNumber']}" for r in page]


# Every integration's streams, built as its wiring builds them (arguments here only where it has no defaults).
STREAM_ARGS: dict[str, dict] = {
    "syspro-looker": {},
    "looker-qad": {},
    "syspro-pipedrive": {},
    "commerce-syspro": {"lookback_s": 300, "lag_s": 5},
    "syspro-sterling": {
        "suppliers": ["000021"],
        "customers": ["0000010"],
        "since": None,
        "lookback_days": 3,
        "shipment_statuses": ["9"],
        "sync_suppliers": True,
    },
}


def _real_column_maps() -> list[tuple[str, StreamSpec, WarehouseTable | None]]:
    assert set(STREAM_ARGS) == set(INTEGRATIONS), "add the new integration's streams() arguments to STREAM_ARGS"
    found = []
    for name, module in INTEGRATIONS.items():
        package = module.rsplit(".", 1)[0]
        specs = importlib.import_module(f"{package}.streams").streams(**STREAM_ARGS[name])
        try:
            tables = importlib.import_module(f"{package}.tables").TABLES
        except ModuleNotFoundError:
            tables = {}
        found += [(name, s, tables.get(s.target)) for s in specs if s.columns]
    return found


REAL_MAPS = _real_column_maps()


COPY_KIND = {"money": "number", "quantity": "number", "int": "int", "date": "day"}


def _source_values(spec: StreamSpec, table: WarehouseTable | None) -> st.SearchStrategy:
    """A strategy per source column, typed by what the map (and the target column) does with it; key
    columns are never null."""
    target_types = {c.name: c.type for c in table.columns} if table else {}
    kinds: dict[str, str] = {}
    for target, rule in spec.columns:
        if isinstance(rule, Int) or (isinstance(rule, Join) and rule.integers):
            for s in rule.sources if isinstance(rule, Join) else (rule.source,):
                kinds[s] = "int"
        elif isinstance(rule, Day):
            kinds.setdefault(rule.source, "day")
        elif isinstance(rule, Product):
            kinds.setdefault(rule.a, "number")
            kinds.setdefault(rule.b, "number")
        elif isinstance(rule, Segment):
            kinds.setdefault(rule.source, "code")
        elif isinstance(rule, Join):
            for s in rule.sources:
                kinds.setdefault(s, "code")
        elif isinstance(rule, Copy):
            kinds.setdefault(rule.source, COPY_KIND.get(target_types.get(target, "text"), "text"))
    by_kind = {
        "int": st.integers(1, 9999),
        "day": st.dates().map(lambda d: f"{d.isoformat()}T00:00:00Z"),
        "number": st.decimals(-(10**6), 10**6, places=5, allow_nan=False, allow_infinity=False).map(float),
        "code": st.text(alphabet="0123456789-AB ", min_size=1, max_size=14),
        "text": st.text(max_size=20),
    }
    return st.fixed_dictionaries(
        {col: by_kind[kind] if col in spec.key else st.one_of(st.none(), by_kind[kind]) for col, kind in kinds.items()}
    )


def test_every_integration_declares_real_column_maps() -> None:
    names = {(integration, spec.name) for integration, spec, _ in REAL_MAPS}
    assert ("syspro-looker", "gl_posting") in names and len(names) >= 8


@pytest.mark.parametrize(("integration", "spec", "table"), REAL_MAPS, ids=lambda v: getattr(v, "name", v))
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_real_maps_give_the_same_warehouse_rows_both_ways(integration, spec, table, data) -> None:
    page = data.draw(st.lists(_source_values(spec, table), min_size=1, max_size=15))
    by_row = [map_row(spec.columns, row) for row in page]
    arrays = map_table(spec.columns, pa.Table.from_pylist(page))
    if table is None:
        by_arrow = [{name: arrays[name][i].as_py() for name, _ in spec.columns} for i in range(len(page))]
        assert by_arrow == by_row
        return
    assert {name for name, _ in spec.columns} <= {c.name for c in table.columns}, spec.name
    # both interpreters' output, cast to the warehouse column types, must be the very same rows
    via_row = table.to_arrow(by_row).to_pylist()
    via_arrow = table.conform(pa.Table.from_pydict({k: v for k, v in arrays.items()})).to_pylist()
    assert via_arrow == via_row


def test_prefetch_reraises_the_readers_error_in_order() -> None:
    def pages():
        yield [1]
        yield [2]
        raise RuntimeError("page 3 failed")

    got = []
    with pytest.raises(RuntimeError, match="page 3 failed"):
        for page in prefetched(pages()):
            got.append(page)
    assert got == [[1], [2]]


def test_content_hash_is_blake2b_of_the_joined_text_so_stored_hashes_stay_valid() -> None:
    table = pa.Table.from_pylist([{"b": "Zürich – ß", "a": 7, "c": None}])
    joined = "7\x1fZürich – ß\x1f\x00"  # columns in name order, \x1f between, \x00 for null
    assert content_hashes(table) == [hashlib.blake2b(joined.encode(), digest_size=16).hexdigest()]
