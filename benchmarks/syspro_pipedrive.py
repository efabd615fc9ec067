"""syspro-pipedrive throughput: N SYSPRO customers -> Pipedrive organizations end to end (emulators on
127.0.0.1, SQLite store): records/s, tokens per record beside the minimum the API allows (x-token-cost),
429s, and the share of the burst rate used. Baseline in the same run: the same sync with no burst limit
(what the engine and emulators do unpaced). Run: python -m benchmarks.syspro_pipedrive
(BENCH_PIPEDRIVE_RECORDS, default 1000; BENCH_PIPEDRIVE_PLAN, default growth = 40 requests / 2 s)."""

from __future__ import annotations

import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import structlog

from ml_connector.bootstrap import bootstrap
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.integrations.demo_connections import connect_syspro_odata
from ml_connector.integrations.syspro_pipedrive.demo import NAME, connect_pipedrive
from ml_connector.runtime.service import run_integration
from ml_connector.settings import Settings

RECORDS = int(os.environ.get("BENCH_PIPEDRIVE_RECORDS", "1000"))
PLAN = os.environ.get("BENCH_PIPEDRIVE_PLAN", "growth")
UNLIMITED = 10**9


def measure(records: int, *, paced: bool) -> dict[str, Any]:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    syspro = serve_in_thread(create_emulator("syspro-odata", seed=1, scale={"ArCustomer": records, "SorMaster": 0}))
    options: dict[str, Any] = {"seed": 1, "plan": PLAN, "daily_budget": UNLIMITED}
    if not paced:
        options["burst_limit"] = UNLIMITED
    pipedrive = serve_in_thread(create_emulator("pipedrive", **options))
    limits = pipedrive.app.state.emulator.limits
    admitted: list[float] = []
    admit = limits.admit

    def timed(*args: Any, **kwargs: Any) -> Any:
        verdict = admit(*args, **kwargs)
        if verdict.status == 200:
            admitted.append(time.monotonic())
        return verdict

    limits.admit = timed
    try:
        with tempfile.TemporaryDirectory() as workdir:
            section = {"plan": PLAN, "daily_tokens": UNLIMITED, **({} if paced else {"burst_limit": 100_000})}
            settings = Settings.model_validate({"data_dir": str(Path(workdir) / "data"), NAME: section})
            app = bootstrap(settings, create_keys=True)
            connect_syspro_odata(app, syspro)
            connect_pipedrive(app, pipedrive)
            started = time.perf_counter()
            report = run_integration(app, NAME)
            seconds = time.perf_counter() - started
        store = pipedrive.app.state.emulator.store
        orgs = len(store.listing("organization"))
        fields = sum(len(store.custom(k)) for k in ("organization", "deal", "product"))
        window = admitted[-1] - admitted[0] if len(admitted) > 1 else 0.0
        rate = (len(admitted) - 1) / window if window else 0.0
        allowed = limits.burst_limit(False) / 2.0
        return {
            "records": orgs,
            "seconds": seconds,
            "tokens": limits.spent,
            "minimum": 10 + 5 * fields + 5 * orgs,  # one field list, field creates, one create per organization
            "calls": len(admitted),
            "rate": rate,
            "share": rate / allowed if paced else None,
            "limit": limits.burst_limit(False),
            "429": limits.counts["burst_429"],
            "ok": report.status == "succeeded",
        }
    finally:
        syspro.stop()
        pipedrive.stop()


def main() -> None:
    rows = [
        ("no burst limit (baseline)", measure(RECORDS, paced=False)),
        (f"{PLAN} plan", measure(RECORDS, paced=True)),
    ]
    print()
    print(
        f"{'syspro-pipedrive':>26} | {'records':>7} | {'seconds':>8} | {'records/s':>9} | {'tokens/rec':>10} | "
        f"{'minimum/rec':>11} | {'429s':>4} | {'calls/s':>7} | {'burst used':>10}"
    )
    print("-" * 118)
    for label, r in rows:
        share = f"{r['share']:.0%} of {r['limit'] / 2:.0f}/s" if r["share"] is not None else "-"
        print(
            f"{label:>26} | {r['records']:>7,} | {r['seconds']:>8.2f} | {r['records'] / r['seconds']:>9.1f} | "
            f"{r['tokens'] / r['records']:>10.3f} | {r['minimum'] / r['records']:>11.3f} | {r['429']:>4} | "
            f"{r['rate']:>7.1f} | {share:>10}{'' if r['ok'] else '  (run not succeeded!)'}"
        )
    print(
        "  (minimum = the organizationFields list + each custom field created + one POST /organizations per "
        "customer, from x-token-cost; burst used = calls/s between the first and last call / the plan's rate)"
    )


if __name__ == "__main__":
    main()
