"""The two interpreters of a column map (row by row, and Arrow page-at-a-time) always agree."""

from __future__ import annotations

import hashlib

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ml_connector.core.columns import Copy, Day, Int, Join, Product, Segment, map_row
from ml_connector.engine.arrow_mapping import content_hashes, map_table, source_ids
from ml_connector.engine.prefetch import prefetched
from ml_connector.integrations.syspro_looker.streams import GL_POSTING, INVENTORY_BALANCE, SUPPLIER

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


def test_integration_column_maps_only_name_known_rules() -> None:
    for columns in (GL_POSTING, INVENTORY_BALANCE, SUPPLIER):
        assert len({name for name, _ in columns}) == len(columns)


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
