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


def plain_dlt(url: str, user: str, password: str, workdir: Path) -> int:
    """A plain dlt rest_api pipeline on the same endpoint into DuckDB (merge on the key)."""
    import dlt
    from dlt.sources.rest_api import rest_api_source

    source = rest_api_source(
        {
            "client": {
                "base_url": url + "/SYSPRO8OData/SYSPROOData/A/",
                "auth": {"type": "http_basic", "username": user, "password": password},
            },
            "resources": [
                {
                    "name": "gen_transaction",
                    "endpoint": {
                        "path": "GenTransaction",
                        "data_selector": "value",
                        "paginator": {"type": "json_link", "next_url_path": "['@odata.nextLink']"},
                    },
                    "primary_key": ["GlYear", "GlPeriod", "Journal", "EntryNumber"],
                    "write_disposition": "merge",
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
    del info
    with pipeline.sql_client() as client:
        return int(client.execute_sql("select count(*) from gen_transaction")[0][0])


def ml_connector(url: str, user: str, password: str, workdir: Path) -> int:
    """ml-connector's syspro-looker run (dimensions + the GL postings), into DuckDB."""
    from ml_connector.bootstrap import bootstrap
    from ml_connector.connectors.systems import store_connection
    from ml_connector.engine.service import run_integration
    from ml_connector.settings import Settings

    settings = Settings.model_validate({"data_dir": str(workdir / "mlc"), "syspro-looker": {"looker_connection": None}})
    app = bootstrap(settings, create_keys=True)
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
    return next(t.loaded for t in report.streams if t.stream == "gl_posting")


def main() -> None:
    case, url, user, password, workdir = sys.argv[1:6]
    start = time.perf_counter()
    fn = {
        "bare": lambda: bare_fetch(url, user, password),
        "dlt": lambda: plain_dlt(url, user, password, Path(workdir)),
        "mlc": lambda: ml_connector(url, user, password, Path(workdir)),
    }[case]
    rows = fn()
    print(orjson.dumps({"case": case, "rows": rows, "seconds": time.perf_counter() - start}).decode())


if __name__ == "__main__":
    main()
