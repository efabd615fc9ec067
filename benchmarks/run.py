"""`make bench`: SYSPRO emulator -> DuckDB at 100k and 1M GL postings, beside the bare-fetch limit and a
plain dlt rest_api pipeline doing the same work on the same emulator and rows: a first full load that
replaces the table, then (after the source gains 1% new postings) an incremental load of the same date
window that merges. Each case runs in its own process and checks its own outcome (rows read, the table equal
to the source); peak RSS is that process's ru_maxrss. Prints one table."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from ml_connector.emulators.serving import free_port

SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "100000,1000000").split(",")]
CASES = os.environ.get("BENCH_CASES", "bare,dlt,mlc,dlt_incr,mlc_incr").split(",")
# The plain dlt pipeline needs minutes and gigabytes for 100k rows on this machine (README "Performance":
# dlt's default file format for DuckDB is INSERT statements); at 1M it would run for half an hour and
# exhaust memory, so by default it runs only up to this size and the table says so.
DLT_MAX_ROWS = int(os.environ.get("BENCH_DLT_MAX_ROWS", "100000"))
LOOKBACK_DAYS = 3  # syspro-looker's default lookback: the plain pipeline's incremental window starts there too
LABELS = {
    "bare": "bare fetch (httpx + JSON)",
    "dlt": "plain dlt, full (replace)",
    "mlc": "ml-connector, full (replace)",
    "dlt_incr": "plain dlt, incremental (merge)",
    "mlc_incr": "ml-connector, incremental",
}
INCREMENTAL = ("dlt_incr", "mlc_incr")


def start_emulator(rows: int) -> tuple[subprocess.Popen[bytes], str, dict[str, str]]:
    exe = [sys.executable, "-m", "ml_connector.cli.main"]
    port = free_port()
    creds = orjson.loads(
        subprocess.check_output([*exe, "emulate", "syspro-odata", "--port", str(port), "--print-credentials"])
    )
    proc = subprocess.Popen(
        [*exe, "emulate", "syspro-odata", "--port", str(port), "--scale", f"GenTransaction={rows}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    import httpx

    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            httpx.get(url + "/SYSPRO8OData/SYSPROOData/A/$metadata", auth=(creds["operator"], creds["password"]))
            return proc, url, creds
        except httpx.TransportError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("The SYSPRO emulator did not start within 300 s.")


def cpu_seconds(pid: int) -> float:
    """User + system CPU a running process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def source_rows(url: str) -> int:
    import httpx

    return int(httpx.get(url + "/__emulator").json()["tables"]["GenTransaction"]["rows"])


def add_new_postings(url: str, creds: dict[str, str], count: int) -> str:
    """The source changes between the full and the incremental loads: ``count`` new GL postings (dated the
    emulator's today). Returns the first day of the window both incremental loads read (newest day - lookback)."""
    from datetime import date, timedelta

    import httpx

    auth = (creds["operator"], creds["password"])
    newest = httpx.get(
        url + "/SYSPRO8OData/SYSPROOData/A/GenTransaction", params={"$orderby": "JnlDate desc", "$top": "1"}, auth=auth
    ).json()["value"][0]["JnlDate"]
    for start in range(0, count, 500):
        rows = [{} for _ in range(min(500, count - start))]
        httpx.post(
            url + "/__emulator/tables/GenTransaction/insert", json={"rows": rows}, timeout=120
        ).raise_for_status()
    return (date.fromisoformat(newest[:10]) - timedelta(days=LOOKBACK_DAYS)).isoformat()


def run_case(
    case: str, url: str, creds: dict[str, str], emulator_pid: int, workdir: str, since: str = ""
) -> dict[str, float]:
    emulator_before = cpu_seconds(emulator_pid)
    expected = source_rows(url)
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.cases", case, url, creds["operator"], creds["password"], workdir,
         str(expected), *([since] if since else [])],
        stdout=subprocess.PIPE,
    )  # fmt: skip
    _, status, usage = os.wait4(proc.pid, 0)
    out = proc.stdout.read() if proc.stdout else b""
    if status != 0:
        raise SystemExit(f"benchmark case {case} failed (status {status}): its check of its own outcome, above.")
    result = orjson.loads(out.strip().splitlines()[-1])
    result["rss_mb"] = usage.ru_maxrss / 1024
    result["cpu_s"] = usage.ru_utime + usage.ru_stime
    result["emulator_cpu_s"] = cpu_seconds(emulator_pid) - emulator_before
    return result


def run_floor(url: str, creds: dict[str, str]) -> list[dict[str, float]]:
    """benchmarks.floor in its own process: each required step alone, on the same rows."""
    with tempfile.TemporaryDirectory() as workdir:
        out = subprocess.check_output(
            [sys.executable, "-m", "benchmarks.floor", url, creds["operator"], creds["password"], workdir]
        )
    return orjson.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    results: dict[tuple[int, str], dict[str, float]] = {}
    floor: list[dict[str, float]] = []
    for size in SIZES:
        proc, url, creds = start_emulator(size)
        since = ""
        try:
            with tempfile.TemporaryDirectory() as workdir:
                for case in [c for c in CASES if c not in INCREMENTAL] + [c for c in CASES if c in INCREMENTAL]:
                    if case.startswith("dlt") and size > DLT_MAX_ROWS:
                        continue
                    if case in INCREMENTAL and not since:
                        since = add_new_postings(url, creds, size // 100)
                    results[(size, case)] = run_case(case, url, creds, proc.pid, workdir, since)
                    r = results[(size, case)]
                    print(
                        f"  {size:>9,} {case:<8} {r['rows']:>9,} rows {r['seconds']:7.2f} s {r['rss_mb']:7.1f} MB",
                        file=sys.stderr,
                    )
            if size == SIZES[-1] and os.environ.get("BENCH_FLOOR", "1") == "1":
                floor = run_floor(url, creds)
        finally:
            proc.kill()
    print()
    print(
        f"{'GL postings':>12} | {'case':<30} | {'rows':>9} | {'seconds':>8} | {'rows/s':>9} | {'% of bare':>9} | "
        f"{'peak RSS MB':>11} | {'CPU s':>6} | {'emulator CPU s':>14}"
    )
    print("-" * 132)
    for size in SIZES:
        bare = results.get((size, "bare"))
        for case in CASES:
            if (size, case) not in results:
                print(
                    f"{size:>12,} | {LABELS[case]:<30} | not run above {DLT_MAX_ROWS:,} rows "
                    "(BENCH_DLT_MAX_ROWS): see its 100k row for time and memory"
                )
                continue
            r = results[(size, case)]
            rate = r["rows"] / r["seconds"] if r["seconds"] else 0
            pct = f"{100 * rate / (bare['rows'] / bare['seconds']):.0f}%" if bare and case not in INCREMENTAL else "-"
            print(
                f"{size:>12,} | {LABELS[case]:<30} | {int(r['rows']):>9,} | {r['seconds']:>8.2f} | {rate:>9,.0f} | "
                f"{pct:>9} | {r['rss_mb']:>11.1f} | {r['cpu_s']:>6.1f} | {r['emulator_cpu_s']:>14.1f}"
            )
    if len(SIZES) > 1 and "mlc" in CASES:
        small, large = results[(SIZES[0], "mlc")]["rss_mb"], results[(SIZES[-1], "mlc")]["rss_mb"]
        print(
            f"\nml-connector peak RSS at {SIZES[-1]:,} vs {SIZES[0]:,}: {large:.1f} MB vs {small:.1f} MB "
            f"({100 * (large - small) / small:+.1f}%); targets: <= 300 MB and within 10%."
        )
    print(
        "CPU s = the case's own user+system CPU; emulator CPU s = what the SYSPRO emulator spent serving it. "
        f"This machine has {os.cpu_count()} cores for both.\n"
        "Full rows: GL postings loaded (ml-connector also loads the dimensions and the other facts). Incremental "
        f"rows, after 1% new postings: the {LOOKBACK_DAYS}-day window plain dlt read and merged, and what "
        "ml-connector loaded from the same window (unchanged rows are skipped by their hash)."
    )
    if floor and (SIZES[-1], "bare") in results:
        from benchmarks.floor import print_table

        print_table(floor, SIZES[-1], results[(SIZES[-1], "bare")]["seconds"], os.cpu_count() or 1)
    __import__("benchmarks.commerce_syspro", fromlist=["main"]).main()  # commerce-syspro rows (own table)
    __import__("benchmarks.syspro_sterling", fromlist=["print_rows"]).print_rows()  # syspro-sterling rows (own table)
    __import__("benchmarks.looker_qad", fromlist=["print_rows"]).print_rows()  # looker-qad rows (own table)
    __import__("benchmarks.runtime", fromlist=["print_rows"]).print_rows()  # idle polls, Celery runs/min (own table)
    __import__("benchmarks.syspro_pipedrive", fromlist=["main"]).main()  # syspro-pipedrive rows (own table)


if __name__ == "__main__":
    main()
