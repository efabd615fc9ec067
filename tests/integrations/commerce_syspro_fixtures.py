"""Shared set-up for the commerce-syspro tests: both emulators on 127.0.0.1, an app with the
connections stored, and the demo's mappings."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from ml_connector.bootstrap import bootstrap
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import ServedEmulator, serve_in_thread
from ml_connector.integrations.commerce_syspro.demo import connect, seed_mappings
from ml_connector.settings import Settings


class SecondsBehind:
    """Commerce stamps new records a few seconds in the past, so a run started right after an order is
    placed reads it (the window's upper bound is exclusive and whole seconds) without sleeping."""

    def now(self) -> datetime:
        return datetime.now(UTC) - timedelta(seconds=3)


def serve_pair(
    *, orders: int = 0, commerce: dict[str, Any] | None = None, enet: dict[str, Any] | None = None
) -> dict[str, ServedEmulator]:
    start = datetime.now(UTC) - timedelta(hours=1)
    served = {
        "commerce": serve_in_thread(
            create_emulator(
                "commerce", seed=3, orders=orders, customers=10, start=start, clock=SecondsBehind(), **(commerce or {})
            )
        ),
        "syspro-enet": serve_in_thread(create_emulator("syspro-enet", seed=3, **(enet or {}))),
    }
    return served


def make_app(
    tmp_path: Path,
    served: dict[str, ServedEmulator],
    *,
    section: dict[str, Any] | None = None,
    mappings: bool = True,
    store_url: str | None = None,
):
    data: dict[str, Any] = {"data_dir": str(tmp_path / "data"), "commerce-syspro": {"lag_s": 0, **(section or {})}}
    if store_url:
        data["store"] = {"url": store_url}
    app = bootstrap(Settings.model_validate(data), create_keys=True)
    connect(app, served)
    if mappings:
        seed_mappings(app)
    return app


def assert_exactly_once(served, expected_pos: set[str]) -> None:
    state = served["syspro-enet"].app.state.emulator
    pos = Counter(r["CustomerPoNumber"] for r in state.rows("SorMaster"))
    assert set(pos) == expected_pos
    assert all(n == 1 for n in pos.values())
    journals: dict[str, set] = defaultdict(set)
    sums: dict[tuple, Decimal] = defaultdict(Decimal)
    for line in state.rows("GenJournalDetail"):
        key = (line["GlYear"], line["GlPeriod"], line["Journal"])
        journals[line["Reference"]].add(key)
        sums[key] += Decimal(str(line["EntryValue"]))
    assert set(journals) == {f"WEB{po}" for po in expected_pos}
    assert all(len(keys) == 1 for keys in journals.values())
    assert all(total == 0 for total in sums.values())
