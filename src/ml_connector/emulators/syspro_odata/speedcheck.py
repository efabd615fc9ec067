"""Speed check, not a test: seed N GenTransaction rows, then page through them three ways.

Run ``.venv/bin/python -m ml_connector.emulators.syspro_odata.speedcheck [rows]`` (default 1,000,000).
Prints seconds to seed, peak memory, and rows/s for: the core page path (query + JSON, no HTTP),
in-process HTTP (TestClient) and a uvicorn server in its own process read by httpx over a socket.
"""

from __future__ import annotations

import base64
import os
import resource
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import psutil

from .app import DEMO_PASSWORD, create_app, credentials_header
from .query import QueryOptions
from .responses import page_body

ROOT = "/SYSPRO8OData/SYSPROOData/A"
DEMO_HEADERS = {"Authorization": "Basic " + base64.b64encode(f"ADMIN:{DEMO_PASSWORD}".encode()).decode()}


def big_app() -> Any:
    """uvicorn factory for the socket measurement (row count from SPEEDCHECK_ROWS)."""
    return create_app(scale={"GenTransaction": int(os.environ.get("SPEEDCHECK_ROWS", "1000000"))})


def walk(get: Callable[[str], bytes], url: str) -> tuple[int, int]:
    rows = pages = 0
    while url:
        body = orjson.loads(get(url))
        rows += len(body["value"])
        pages += 1
        url = body.get("@odata.nextLink")
    return rows, pages


def measure(label: str, action: Callable[[], tuple[int, int]]) -> None:
    """Wall time and CPU time of this process (all threads): the box may be shared, CPU is steadier."""
    start, cpu = time.perf_counter(), time.process_time()
    rows, pages = action()
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"{label:<50} {rows:>9,} rows {pages:>4} pages  wall {wall:6.2f} s {rows / wall:>9,.0f}/s"
        f"  cpu {cpu:6.2f} s {rows / cpu:>9,.0f}/s"
    )


def core_walk(app: Any, options: QueryOptions) -> tuple[int, int]:
    state, table = app.state.emulator, app.state.emulator.table("GenTransaction")
    rows = pages = 0
    while True:
        page = state.query("GenTransaction", options)
        page_body(table, page, options.select, "ctx", options.count, "next" if page.next_skip else None)
        rows, pages = rows + len(page.rows), pages + 1
        if page.next_skip is None:
            return rows, pages
        options = QueryOptions(options.filter_text, options.select, options.orderby, None, page.next_skip)


def socket_walk(rows: int, url: str) -> tuple[int, int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "SPEEDCHECK_ROWS": str(rows)}
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "ml_connector.emulators.syspro_odata.speedcheck:big_app",
        "--factory",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, env=env)  # noqa: S603 - our own interpreter and module
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, headers=DEMO_HEADERS, timeout=60) as client:
            for _ in range(600):
                try:
                    client.get("/__emulator")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            server_cpu = psutil.Process(server.pid).cpu_times()
            start = time.perf_counter()
            result = walk(lambda u: client.get(u).content, base + url)
            wall = time.perf_counter() - start
            spent = psutil.Process(server.pid).cpu_times()
            cpu = spent.user + spent.system - server_cpu.user - server_cpu.system
            print(
                f"    walk only: wall {wall:.2f} s = {result[0] / wall:,.0f} rows/s; uvicorn process cpu {cpu:.2f} s"
                f" = {result[0] / cpu:,.0f} rows per server CPU-second"
            )
            return result
    finally:
        server.terminate()
        server.wait(timeout=10)


def main(rows: int = 1_000_000) -> None:
    start, cpu = time.perf_counter(), time.process_time()
    app = create_app(scale={"GenTransaction": rows})
    print(
        f"seed {rows:,} GenTransaction rows (+ default dimensions): wall {time.perf_counter() - start:.2f} s, "
        f"cpu {time.process_time() - cpu:.2f} s, "
        f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB"
    )
    measure("core: query + JSON, all rows", lambda: core_walk(app, QueryOptions()))
    measure(
        "core: $filter JnlDate ge 2025-10-01 (bisect)", lambda: core_walk(app, QueryOptions("JnlDate ge 2025-10-01"))
    )
    measure("core: $filter Source eq 'AP' (scan once, cached)", lambda: core_walk(app, QueryOptions("Source eq 'AP'")))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    client = TestClient(app, headers=credentials_header(app))
    measure(
        "in-process HTTP (TestClient), all rows",
        lambda: walk(lambda u: client.get(u).content, f"{ROOT}/GenTransaction"),
    )
    measure(
        "uvicorn process + httpx over 127.0.0.1 (incl. server start)",
        lambda: socket_walk(rows, f"{ROOT}/GenTransaction"),
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
