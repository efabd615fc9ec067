"""commerce-syspro throughput: N Commerce orders -> SYSPRO sales orders + journals end to end (emulators on
127.0.0.1, SQLite store), orders/s, and e.net calls per order beside the minimum the business objects allow
(1 SORTOI + 1 GENTJL per order, plus 1 Logon + 1 Logoff per stream). Run: python -m benchmarks.commerce_syspro"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import structlog

from ml_connector.bootstrap import bootstrap
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.engine.service import run_integration
from ml_connector.integrations.commerce_syspro.demo import NAME, connect, seed_mappings
from ml_connector.settings import Settings

ORDERS = int(os.environ.get("BENCH_COMMERCE_ORDERS", "1000"))


def measure(orders: int) -> dict[str, float]:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    commerce = serve_in_thread(
        create_emulator("commerce", seed=1, orders=0, customers=10, start=datetime.now(UTC) - timedelta(days=1))
    )
    enet = serve_in_thread(create_emulator("syspro-enet", seed=1))
    try:
        commerce.app.state.emulator.store.generate_orders(orders, spacing_s=20)
        with tempfile.TemporaryDirectory() as workdir:
            settings = Settings.model_validate(
                {
                    "data_dir": str(Path(workdir) / "data"),
                    NAME: {"lag_s": 0, "customers_to_syspro": False, "customers_to_commerce": False, "refunds": False},
                }
            )
            app = bootstrap(settings, create_keys=True)
            connect(app, {"commerce": commerce, "syspro-enet": enet})
            seed_mappings(app, late=True)
            started = time.perf_counter()
            report = run_integration(app, NAME)
            seconds = time.perf_counter() - started
        state = enet.app.state.emulator
        posted = len(state.rows("SorMaster"))
        calls = sum(state.calls.values())
        sessions = 1  # one e.net logon + logoff per run
        return {
            "orders": orders,
            "posted": posted,
            "seconds": seconds,
            "calls": calls,
            "minimum": 2 * posted + 2 * sessions,
            "status": report.status == "succeeded",
        }
    finally:
        commerce.stop()
        enet.stop()


def main() -> None:
    r = measure(ORDERS)
    print()
    print(
        f"{'commerce-syspro':>15} | {'orders':>7} | {'posted':>7} | {'seconds':>8} | {'orders/s':>8} | "
        f"{'e.net calls/order':>17} | {'minimum/order':>13}"
    )
    print("-" * 96)
    print(
        f"{'end to end':>15} | {int(r['orders']):>7,} | {int(r['posted']):>7,} | {r['seconds']:>8.2f} | "
        f"{r['posted'] / r['seconds']:>8.1f} | {r['calls'] / max(r['posted'], 1):>17.3f} | "
        f"{r['minimum'] / max(r['posted'], 1):>13.3f}"
    )
    print(
        "  (posted excludes canceled orders, which are refused with a reason; minimum = 1 SORTOI + 1 GENTJL "
        "per order + one Logon/Logoff per run)"
    )


if __name__ == "__main__":
    main()
