"""Whole-page checks of the bulk path, in Arrow: references present, cursor text, keys read twice."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ml_connector.core.streams import StreamSpec
from ml_connector.errors import RemoteProtocolError


def references_ok(
    stream: StreamSpec, mapped: dict[str, Any], ref_sets: dict[str, pa.Array], n: int
) -> list[bool] | None:
    """Per row: do all references exist (null/empty values need nothing)? None when all do."""
    if not stream.references:
        return None
    ok = pa.array([True] * n)
    for ref in stream.references:
        values = pc.cast(mapped[ref.column], pa.string())
        blank = pc.or_kleene(pc.is_null(values), pc.equal(values, ""))
        found = pc.is_in(values, value_set=ref_sets[ref.column])
        ok = pc.and_kleene(ok, pc.or_kleene(pc.fill_null(blank, True), found))
    flags = [bool(v) for v in ok.to_pylist()]
    return None if all(flags) else flags


def text_column(table: pa.Table, name: str) -> list[str | None]:
    if name not in table.column_names:
        return [None] * table.num_rows
    return pc.cast(table.column(name), pa.string()).to_pylist()  # type: ignore[no-any-return]


def key_hashes(ids: list[str]) -> pa.Array:
    """64-bit hashes of a page's keys: 8 bytes a record, enough to find a key read twice. Python's own
    string hash is salted per process, which is fine: the hashes only meet others from the same run."""
    return pa.array([hash(i) for i in ids], pa.int64())


def refuse_duplicates(stream: StreamSpec, hashes: list[pa.Array]) -> None:
    """A full read that met a key twice (rows moved while the source was paged) must not replace the table."""
    if not hashes:
        return
    # Sort and compare neighbours: a few buffers of 8 bytes a key, where a hash-table distinct count
    # needed about 100 bytes a key at a million keys.
    keys = pa.concat_arrays(hashes)
    ordered = keys.take(pc.array_sort_indices(keys))
    duplicates = pc.sum(pc.equal(ordered[1:], ordered[:-1])).as_py() or 0
    if duplicates:
        raise RemoteProtocolError(
            f"{stream.source} returned {duplicates} record(s) twice while it was paged (rows moved during the "
            f"read), so {stream.target} was not replaced and nothing was committed. Run again; the next read "
            "starts over.",
            system="source",
        )
