"""Records read in this run that wait for the warehouse commit, spilled to an Arrow IPC file per stream.

Nothing here is durable on purpose: after a crash the cursor has not moved, so the records are read
again; a spill file only has to live from extraction to the store commit of the same run.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa

SCHEMA = pa.schema([("source_id", pa.string()), ("source_ts", pa.string()), ("content_hash", pa.string())])


class StagingSpill:
    """Append-only (source_id, source_ts, content_hash) batches for one stream of one run."""

    def __init__(self, directory: Path, name: str) -> None:
        self.path = directory / f"{name}.arrow"
        self._sink = pa.OSFile(str(self.path), "wb")
        self._writer = pa.ipc.new_file(self._sink, SCHEMA)
        self.rows = 0

    def append(self, ids: Sequence[str], source_ts: Sequence[str | None], hashes: Sequence[str]) -> None:
        if not ids:
            return
        batch = pa.record_batch(
            [pa.array(ids, pa.string()), pa.array(source_ts, pa.string()), pa.array(hashes, pa.string())], schema=SCHEMA
        )
        self._writer.write_batch(batch)
        self.rows += len(ids)

    def finish(self) -> None:
        self._writer.close()
        self._sink.close()

    def batches(self, rows: int = 10_000) -> Iterator[pa.RecordBatch]:
        """Read the spill back in batches of about ``rows`` rows. Plain reads, not a memory map: mapped
        pages would stay resident and count against the process's memory for the rest of the commit."""
        with pa.OSFile(str(self.path)) as source:
            reader = pa.ipc.open_file(source)
            for i in range(reader.num_record_batches):
                batch = reader.get_batch(i)
                for offset in range(0, batch.num_rows, rows):
                    yield batch.slice(offset, rows)


class StagingArea:
    """A private temporary folder of spills for one run; removed when the run ends."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="ml-connector-staging-"))

    def spill(self, name: str) -> StagingSpill:
        return StagingSpill(self.directory, name)

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)
