"""The floor under ml-connector's time at the largest bench size: each step the issue requires, run alone
and one after the other on the same GL postings, with the CPU it takes. Steps use the real engine code
(mapping, hashing, the store ledger, the dlt warehouse load); only their overlap is missing, so the sum of
their CPU divided by the machine's cores is the least wall time any schedule of them could reach here."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from benchmarks.cases import ODATA_PATH


class _Stages:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def time(self, name: str, step: Callable[[], Any]) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        result = step()
        self.rows.append({"stage": name, "seconds": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu})
        return result


def startup_seconds() -> tuple[float, float]:
    """Wall and CPU of a process that only imports what a run imports before its first request."""
    code = "import ml_connector.runtime.service, ml_connector.integrations.syspro_looker.wiring, dlt, duckdb"
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code])
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit("the import-only process failed")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def measure(url: str, user: str, password: str, workdir: Path) -> list[dict[str, Any]]:
    import httpx
    import pyarrow as pa

    from ml_connector.connectors.warehouse.loader import WarehouseTarget, make_destination
    from ml_connector.engine.arrow_mapping import content_hashes, map_table, source_ids
    from ml_connector.engine.page_checks import text_column
    from ml_connector.integrations.syspro_looker.streams import streams
    from ml_connector.integrations.syspro_looker.tables import TABLES
    from ml_connector.store.database import open_store
    from ml_connector.store.ledger import RecordLedger

    stages = _Stages()
    wall, cpu = startup_seconds()
    stages.rows.append({"stage": "start-up (imports, separate process)", "seconds": wall, "cpu_s": cpu})
    stream = next(s for s in streams() if s.name == "gl_posting")
    assert stream.columns is not None
    assert stream.cursor is not None

    def fetch() -> list[bytes]:
        bodies, next_url = [], url + ODATA_PATH
        with httpx.Client(auth=(user, password), timeout=120) as client:
            while next_url:
                body = client.get(next_url).content
                bodies.append(body)
                next_url = orjson.loads(body).get("@odata.nextLink")
        return bodies

    # Fetching decodes each page once for its nextLink, as the bare-fetch case does.
    bodies = stages.time("fetch + JSON decode (bare fetch)", fetch)
    pages = [orjson.loads(b)["value"] for b in bodies]
    del bodies
    tables = stages.time("pages -> Arrow", lambda: [pa.Table.from_pylist(p) for p in pages])
    pages.clear()
    keyed = stages.time(
        "source ids + content hashes",
        lambda: [(source_ids(t, stream.key), content_hashes(t, stream.hash_ignore)) for t in tables],
    )
    now = datetime.now(UTC)

    def mapped() -> list[pa.Table]:
        out = []
        for table, (_, hashes) in zip(tables, keyed, strict=True):
            columns = map_table(stream.columns, table)
            n = table.num_rows
            out.append(
                pa.table(
                    {
                        **columns,
                        "_source_ts": pa.array(text_column(table, stream.cursor.column), pa.string()),
                        "_loaded_at": pa.array([now] * n, pa.timestamp("us", tz="UTC")),
                        "_run_id": pa.array(["floor-run"] * n, pa.string()),
                        "_content_hash": pa.array(hashes, pa.string()),
                    }
                )
            )
        return out

    outs = stages.time("column mapping (Arrow)", mapped)
    engine = open_store(f"sqlite:///{workdir / 'store.db'}")
    ledger = RecordLedger(engine)

    def write_ledger() -> None:
        with engine.begin() as db:
            for table, (ids, hashes) in zip(tables, keyed, strict=True):
                source_ts = text_column(table, stream.cursor.column)
                ledger.add_loaded(
                    db,
                    list(zip(ids, source_ts, hashes, strict=True)),
                    run_id="floor-run",
                    integration="syspro-looker",
                    stream=stream.name,
                    status="loaded",
                    extracted_at=now,
                )

    stages.time("per-record ledger (SQLite, one commit)", write_ledger)
    target = WarehouseTarget(
        destination=make_destination("duckdb", {"path": workdir / "floor.duckdb"}),
        dataset="syspro",
        tables=TABLES,
        pipelines_dir=workdir / "pipelines",
        pipeline_name="floor",
    )

    def batches() -> Iterator[pa.Table]:
        for i in range(0, len(outs), 10):  # 50k-row batches, as the runner hands them over
            yield pa.concat_tables(outs[i : i + 10])

    stages.time(
        "warehouse load (dlt -> DuckDB, replace)",
        lambda: target.write_many([(stream, batches())], replace={stream.name}),
    )
    return stages.rows


def print_table(rows: list[dict[str, Any]], size: int, bare_seconds: float, cores: int) -> None:
    print()
    print(f"{f'{size:,} GL postings: each required step alone':<48} | {'seconds':>8} | {'CPU s':>6}")
    print("-" * 70)
    for row in rows:
        print(f"{row['stage']:<48} | {row['seconds']:>8.2f} | {row['cpu_s']:>6.2f}")
    total_cpu = sum(r["cpu_s"] for r in rows)
    print("-" * 70)
    print(f"{'sum':<48} | {sum(r['seconds'] for r in rows):>8.2f} | {total_cpu:>6.2f}")
    print(
        f"Least wall time with every step overlapped on {cores} cores: {total_cpu / cores:.2f} s "
        f"(emulator CPU not counted); the 50%-of-bare-fetch target at this size is {2 * bare_seconds:.2f} s."
    )


if __name__ == "__main__":
    url, user, password, workdir = sys.argv[1:5]
    print(orjson.dumps(measure(url, user, password, Path(workdir))).decode())
