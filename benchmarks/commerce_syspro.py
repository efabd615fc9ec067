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
from ml_connector.integrations.commerce_syspro.demo import NAME, connect, seed_mappings
from ml_connector.runtime.service import run_integration
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
                    NAME: {"lag_s": 0},  # customers both ways and refunds too, as a user runs it
                }
            )
            app = bootstrap(settings, create_keys=True)
            connect(app, {"commerce": commerce, "syspro-enet": enet})
            seed_mappings(app, late=True)
            started = time.perf_counter()
            report = run_integration(app, NAME)
            seconds = time.perf_counter() - started
        state = enet.app.state.emulator
        store = commerce.app.state.emulator.store
        postable = sum(1 for o in store.orders.values() if o["state"] != "canceled")
        canceled = len(store.orders) - postable
        posted = len(state.rows("SorMaster"))
        # A canceled order is never posted; the run fails it on purpose ("canceled in Commerce"), so the run
        # is partial exactly when there are canceled orders and every failure is one of them.
        failed = {t.stream: t.failed for t in report.streams if t.failed}
        expected_status = "partial" if canceled else "succeeded"
        if (
            report.status != expected_status
            or any(count != canceled for count in failed.values())
            or posted != postable
            or not state.calls["SORTOI"] == state.calls["GENTJL"] == posted
        ):
            raise SystemExit(
                f"commerce-syspro bench run is not right: status {report.status} ({report.error}), {posted} orders "
                f"posted of {postable}, {state.calls['SORTOI']} SORTOI and {state.calls['GENTJL']} GENTJL calls"
            )
        postings = state.calls["SORTOI"] + state.calls["GENTJL"]
        customers = {t.stream: t.loaded for t in report.streams}
        return {
            "orders": orders,
            "posted": posted,
            "seconds": seconds,
            "postings": postings,
            "other_calls": sum(state.calls.values()) - postings,
            "customers": customers.get("customer_to_syspro", 0) + customers.get("customer_to_commerce", 0),
        }
    finally:
        commerce.stop()
        enet.stop()


def main() -> None:
    r = measure(ORDERS)
    print()
    print(
        f"{'commerce-syspro':>15} | {'orders':>7} | {'posted':>7} | {'customers':>9} | {'seconds':>8} | "
        f"{'orders/s':>8} | {'SORTOI+GENTJL/order':>19} | {'other e.net calls':>17}"
    )
    print("-" * 110)
    print(
        f"{'end to end':>15} | {int(r['orders']):>7,} | {int(r['posted']):>7,} | {int(r['customers']):>9,} | "
        f"{r['seconds']:>8.2f} | {r['posted'] / r['seconds']:>8.1f} | {r['postings'] / max(r['posted'], 1):>19.3f} | "
        f"{int(r['other_calls']):>17,}"
    )
    print(
        "  (checked: the run succeeded, or was partial only by the canceled orders, each failed as canceled; every "
        "non-canceled order was posted once, 1 SORTOI + 1 GENTJL each, the minimum; customers = customers "
        "synced both ways in the same run; other calls = Logon/Logoff, COMFND "
        "look-ups, ARSSCS)"
    )


if __name__ == "__main__":
    main()
