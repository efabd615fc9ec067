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
from ml_connector.integrations.commerce_syspro.demo import ACCOUNTS, LATE_MAPPING, REVENUE, connect, seed_mappings
from ml_connector.settings import Settings

NO_CUSTOMERS = {
    "customers_to_syspro": False,
    "customers_to_commerce": False,
}  # faster runs where customers do not matter


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


CLEARING_B2B = "10-2100-100"  # tests map refunds of the b2b store to a clearing account, others the receivable


def D(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def expected_gl(store, trigger: str) -> dict[str, Decimal]:
    """GL movements per account, from Commerce's documents and the mapping table only."""
    gl: dict[str, Decimal] = defaultdict(Decimal)
    revenue = {**REVENUE, LATE_MAPPING[1]: LATE_MAPPING[2]}
    if trigger == "order_placed":
        sold = [o for o in store.orders.values() if o["state"] != "canceled"]
        sold_lines = [i for o in sold for i in o["items"] if "parent_item_id" not in i]
    else:
        sold = list(store.invoices.values())
        sold_lines = [i for o in sold for i in o["items"]]
    for line in sold_lines:
        gl[revenue[line["sku"].split("-")[0]]] -= D(line["row_total"])
    for doc in sold:
        gl[ACCOUNTS["receivable_gl"]] += D(doc["grand_total"])
        gl[ACCOUNTS["tax_gl"]] -= D(doc["tax_amount"])
        gl[ACCOUNTS["shipping_gl"]] -= D(doc["shipping_amount"])
        gl[ACCOUNTS["discount_gl"]] -= D(doc["discount_amount"])
    for memo in store.creditmemos.values():
        for line in memo["items"]:
            gl[revenue[line["sku"].split("-")[0]]] += D(line["row_total"])
        gl[ACCOUNTS["tax_gl"]] += D(memo["tax_amount"])
        gl[ACCOUNTS["shipping_gl"]] += D(memo["shipping_amount"])
        gl[ACCOUNTS["discount_gl"]] += D(memo["discount_amount"])
        gl[ACCOUNTS["refund_adjustment_gl"]] += D(memo["adjustment_positive"])
        gl[ACCOUNTS["restocking_fee_gl"]] -= D(memo["adjustment_negative"])
        credit = CLEARING_B2B if memo["store_id"] == 2 else ACCOUNTS["receivable_gl"]
        gl[credit] -= D(memo["grand_total"])
    return {k: v for k, v in gl.items() if v}


def syspro_gl(served) -> dict[str, Decimal]:
    state = served["syspro-enet"].app.state.emulator
    totals: dict[str, Decimal] = defaultdict(Decimal)
    per_journal: dict[tuple, Decimal] = defaultdict(Decimal)
    for line in state.rows("GenJournalDetail"):
        totals[line["GlCode"]] += Decimal(str(line["EntryValue"]))
        per_journal[(line["GlYear"], line["GlPeriod"], line["Journal"])] += Decimal(str(line["EntryValue"]))
    assert all(v == 0 for v in per_journal.values()), "every journal balances"
    return {k: v for k, v in totals.items() if v}
