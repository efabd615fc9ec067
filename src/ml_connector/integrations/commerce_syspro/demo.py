"""How `ml-connector demo` runs Adobe Commerce -> SYSPRO: the two emulators, connections, demo
mappings (all but the warranty family, so a few orders park with a visible reason), and the change
between runs (that mapping is added, new orders are placed, and a customer returns part of an order
already in SYSPRO: parked ones release, new ones post, the refund reaches SYSPRO as a reversing journal)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ml_connector.connectors.systems import store_connection
from ml_connector.emulators.commerce import creditmemos
from ml_connector.emulators.serving import ServedEmulator
from ml_connector.integrations.demo_connections import connect_syspro_enet
from ml_connector.settings import Settings

NAME = "commerce-syspro"
DEMO_ORDERS = 40
NEW_ORDERS = 3
REVENUE = {
    "PMP": "10-4010-200",
    "VLV": "10-4000-200",
    "FLT": "10-4000-300",
    "SEAL": "10-4000-300",
    "GSK": "10-4000-300",
    "MTR": "10-4010-300",
    "VFD": "10-4010-300",
    "HOS": "10-4000-400",
    "FIT": "10-4000-400",
    "GAUGE": "10-4000-400",
    "GLV": "10-4000-400",
}
LATE_MAPPING = ("category", "WTY", "10-4000-400")  # extended warranties: added between the two runs
ACCOUNTS = {
    "receivable_gl": "10-1100-100",
    "tax_gl": "10-2200-100",
    "shipping_gl": "10-4200-200",
    "discount_gl": "10-4100-200",
    "restocking_fee_gl": "10-4100-300",  # adjustment fees kept on refunds (sales returns, Tulsa)
    "refund_adjustment_gl": "10-4100-400",  # adjustment refunds given (sales allowances, Fresno)
}
GROUPS = {"0": "000001", "1": "000002", "2": "000003"}  # guests, general, wholesale -> SYSPRO accounts
BRANCHES = {"1": "01", "2": "02", "3": "03"}
_state: dict[str, Any] = {}


class _SecondsBehind:
    """The demo's Commerce stamps new orders a few seconds back, so the run right after sees them
    (a poll leaves the last ``lag_s`` seconds for the next one)."""

    def now(self) -> datetime:
        return datetime.now(UTC) - timedelta(seconds=15)


def emulator_options(settings: Settings, seed: int, scale: int) -> dict[str, dict[str, Any]]:
    return {
        "commerce": {"seed": seed, "orders": 0, "customers": 12, "clock": _SecondsBehind()},
        "syspro-enet": {"seed": seed},
    }


def prepare(settings: Settings) -> None:
    pass


def store_connections(app: Any, served: dict[str, ServedEmulator]) -> None:
    """The demo: connections, a day of orders in the store, the demo mappings."""
    connect(app, served)
    served["commerce"].app.state.emulator.store.generate_orders(DEMO_ORDERS, spacing_s=600)
    seed_mappings(app, groups=_groups(served))
    _state["app"] = app


def connect(app: Any, served: dict[str, ServedEmulator]) -> None:
    """Store the emulators' credentials as the connections `commerce` and `syspro-enet`."""
    now = app.clock.now()
    commerce = served["commerce"]
    c = commerce.app.state.credentials
    store_connection(
        app.connections,
        "commerce",
        "commerce",
        {"base_url": f"{commerce.url}/rest/default", "webhook_public_key": c["webhook_public_key"]},
        {
            k: c[k]
            for k in ("consumer_key", "consumer_secret", "access_token", "access_token_secret", "webhook_secret")
            if k in c
        },
        now,
        replace=True,
    )
    connect_syspro_enet(app, served["syspro-enet"])


def _groups(served: dict[str, ServedEmulator]) -> dict[str, str]:
    """The customer groups -> the first SYSPRO accounts of the demo's SYSPRO company (the e.net emulator's own,
    or the company it shares with the OData emulator, whose codes have seven digits)."""
    codes = sorted(r["Customer"] for r in served["syspro-enet"].app.state.emulator.rows("ArCustomer"))
    return dict(zip(GROUPS, codes, strict=False)) if len(codes) >= len(GROUPS) else GROUPS


def seed_mappings(
    app: Any, *, late: bool = False, groups: dict[str, str] | None = None, integration: str = NAME
) -> None:
    """The demo's mappings, for the default instance or ``integration`` (e.g. ``commerce-syspro@store-us``)."""
    now, mappings = app.clock.now(), app.store.mappings
    rows = [("category", k, v) for k, v in REVENUE.items()] + [(k, "default", v) for k, v in ACCOUNTS.items()]
    rows += [("customer_group", k, v) for k, v in (groups or GROUPS).items()]
    rows += [("store", k, v) for k, v in BRANCHES.items()]
    if late:
        rows.append(LATE_MAPPING)
    for kind, key, value in rows:
        mappings.set(integration, kind, key, value, now)


def change_source(served: dict[str, ServedEmulator]) -> str:
    app = _state["app"]
    app.store.mappings.set(NAME, *LATE_MAPPING, app.clock.now())
    store = served["commerce"].app.state.emulator.store
    for n in range(NEW_ORDERS):
        store.place_order(store_code=("default", "b2b", "marketplace")[n % 3])
    refunded = _refund_a_posted_order(store)
    return f"{LATE_MAPPING[1]} mapped, {NEW_ORDERS} new orders, {refunded}"  # fits the 80-column heading


def _refund_a_posted_order(store: Any) -> str:
    """A partial refund (one unit back to stock, a 5.00 restocking fee kept) of an invoiced order."""
    order = next(
        (o for o in store.orders.values() if o.get("total_invoiced") and o["state"] not in ("canceled", "closed")
         and not any(i["sku"].startswith("WTY") for i in o["items"])),
        None,
    )  # fmt: skip
    if order is None:
        return "nothing to refund"
    item = next(i for i in order["items"] if "parent_item_id" not in i)
    memo = creditmemos.refund(
        store,
        order["entity_id"],
        {item["item_id"]: 1},
        shipping=0,
        adjustment_negative=5,
        return_to_stock=[item["item_id"]],
    )
    return f"credit memo {memo['increment_id']}"


def show_result(settings: Settings) -> str:
    return (
        "Commerce -> SYSPRO: `ml-connector audit --integration commerce-syspro --stream refund_journal`, "
        "`ml-connector parked --integration commerce-syspro`, `ml-connector mappings list commerce-syspro`"
    )
