"""One benchmark case, run in its own process so its peak RSS is its own. Prints one JSON line."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import orjson

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

ODATA_PATH = "/SYSPRO8OData/SYSPROOData/A/GenTransaction"


def bare_fetch(url: str, user: str, password: str) -> int:
    """The limit: httpx paging the emulator and decoding JSON, nothing else."""
    import httpx

    rows = 0
    next_url: str | None = url + ODATA_PATH
    with httpx.Client(auth=(user, password), timeout=120) as client:
        while next_url:
            body = orjson.loads(client.get(next_url).content)
            rows += len(body["value"])
            next_url = body.get("@odata.nextLink")
    return rows


def plain_dlt(url: str, user: str, password: str, workdir: Path, expected: int, since: str | None) -> int:
    """A plain dlt rest_api pipeline on the same endpoint into DuckDB, doing what ml-connector does: a first
    full load replaces the table; an incremental one (``since``: the same window ml-connector reads) merges
    on the key. Returns the rows it read; refuses to report a load whose table is not ``expected`` rows."""
    import dlt
    from dlt.sources.rest_api import rest_api_source

    endpoint: dict[str, object] = {
        "path": "GenTransaction",
        "data_selector": "value",
        "paginator": {"type": "json_link", "next_url_path": "['@odata.nextLink']"},
    }
    if since:
        endpoint["params"] = {"$filter": f"JnlDate ge {since}T00:00:00Z"}
    source = rest_api_source(
        {
            "client": {
                "base_url": url + "/SYSPRO8OData/SYSPROOData/A/",
                "auth": {"type": "http_basic", "username": user, "password": password},
            },
            "resources": [
                {
                    "name": "gen_transaction",
                    "endpoint": endpoint,
                    "primary_key": ["GlYear", "GlPeriod", "Journal", "EntryNumber"],
                    "write_disposition": "merge" if since else "replace",
                }
            ],
        }
    )
    pipeline = dlt.pipeline(
        "bench_plain",
        destination=dlt.destinations.duckdb(str(workdir / "plain.duckdb")),
        dataset_name="syspro",
        pipelines_dir=str(workdir / "pipelines"),
        progress=None,
    )
    info = pipeline.run(source)
    info.raise_on_failed_jobs()
    read = int(pipeline.last_trace.last_normalize_info.row_counts.get("gen_transaction", 0))
    with pipeline.sql_client() as client:
        total = int(client.execute_sql("select count(*) from gen_transaction")[0][0])
    if total != expected:
        raise SystemExit(f"plain dlt left {total} rows in the table, the source has {expected}")
    return read


def ml_connector(url: str, user: str, password: str, workdir: Path, expected: int, incremental: bool) -> int:
    """ml-connector's syspro-looker run (dimensions + the GL postings), into DuckDB: the first run replaces,
    a second run in the same data directory reads the recent window and merges what changed. Returns the GL
    postings it loaded; refuses to report a run that did not succeed or left the table unequal to the source."""
    import duckdb

    from ml_connector.bootstrap import bootstrap
    from ml_connector.connectors.systems import store_connection
    from ml_connector.engine.service import run_integration
    from ml_connector.settings import Settings

    settings = Settings.model_validate({"data_dir": str(workdir / "mlc"), "syspro-looker": {"looker_connection": None}})
    app = bootstrap(settings, create_keys=True)
    if not incremental:
        store_connection(
            app.connections,
            "syspro-odata",
            "syspro-odata",
            {"base_url": url + "/SYSPRO8OData/SYSPROOData", "company": "A", "operator": user},
            {"password": password},
            app.clock.now(),
        )
    report = run_integration(app, "syspro-looker")
    if report.status != "succeeded":
        raise SystemExit(f"ml-connector run failed: {report.error}")
    app.store.engine.dispose()
    with duckdb.connect(str(app.settings.warehouse_path), read_only=True) as db:
        total = db.sql("select count(*) from syspro.fct_gl_posting").fetchall()[0][0]
    if total != expected:
        raise SystemExit(f"ml-connector left {total} GL postings in the warehouse, the source has {expected}")
    return next(t.loaded for t in report.streams if t.stream == "gl_posting")


def main() -> None:
    """Arguments: case url user password workdir expected-rows [since]. Prints one JSON line."""
    case, url, user, password, workdir, expected = sys.argv[1:7]
    since = sys.argv[7] if len(sys.argv) > 7 else None
    start = time.perf_counter()
    fn = {
        "bare": lambda: bare_fetch(url, user, password),
        "dlt": lambda: plain_dlt(url, user, password, Path(workdir), int(expected), None),
        "dlt_incr": lambda: plain_dlt(url, user, password, Path(workdir), int(expected), since),
        "mlc": lambda: ml_connector(url, user, password, Path(workdir), int(expected), False),
        "mlc_incr": lambda: ml_connector(url, user, password, Path(workdir), int(expected), True),
    }[case]
    rows = fn()
    seconds = time.perf_counter() - start
    if case == "bare" and rows != int(expected):
        raise SystemExit(f"bare fetch read {rows} rows, the source has {expected}")
    print(orjson.dumps({"case": case, "rows": rows, "seconds": seconds}).decode())


if __name__ == "__main__":
    main()
