"""Two instances of commerce-syspro side by side in one store: today's ``commerce-syspro`` (the EU store
into SYSPRO company EU) and a new ``commerce-syspro@store-us`` (the US store into SYSPRO company US),
each against its own Commerce and SYSPRO e.net emulator. Both emulator pairs have the same seed, so the
same increment ids and customer cards exist on both sides: a record crossing over, or one instance's
state standing in for the other's, would show.

Each instance posts its own orders with its own mappings (the US accounts are 20-..., the EU ones
10-...), a US journal waits for the US sales order even though the EU order of the same increment id is
in SYSPRO EU, each settles its own customer echoes (no ping-pong), and deliveries, ledger rows, parked
records, cursors and customer links are each keyed by the instance."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from commerce_syspro_fixtures import SecondsBehind

from ml_connector.bootstrap import bootstrap
from ml_connector.connectors.systems import store_connection
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.integrations.commerce_syspro.demo import ACCOUNTS, REVENUE, connect, seed_mappings
from ml_connector.runtime.service import replay_parked, run_integration
from ml_connector.settings import Settings

EU, US = "commerce-syspro", "commerce-syspro@store-us"
US_GROUPS = {"1": "000002", "2": "000003"}  # no guest account mapped for the US store (yet)


def serve() -> dict[str, Any]:
    start = datetime.now(UTC) - timedelta(hours=1)
    return {
        "commerce": serve_in_thread(
            create_emulator("commerce", seed=3, orders=0, customers=4, start=start, clock=SecondsBehind())
        ),
        "syspro-enet": serve_in_thread(create_emulator("syspro-enet", seed=3)),
    }


@pytest.fixture
def stores():
    served = {"eu": serve(), "us": serve()}
    yield served
    for pair in served.values():
        for s in pair.values():
            s.stop()


def connect_us(app: Any, served: dict[str, Any]) -> None:
    """The US pair as the connections `commerce-us` and `enet-us` (the EU pair has the default names)."""
    now = app.clock.now()
    c = served["commerce"].app.state.credentials
    store_connection(
        app.connections, "commerce-us", "commerce", {"base_url": f"{served['commerce'].url}/rest/default"},
        {k: c[k] for k in ("consumer_key", "consumer_secret", "access_token", "access_token_secret")}, now,
    )  # fmt: skip
    e = served["syspro-enet"].app.state.credentials
    store_connection(
        app.connections, "enet-us", "syspro-enet",
        {"base_url": f"{served['syspro-enet'].url}/SYSPROWCFService/Rest", "operator": e["operator"],
         "company_id": e["company_id"]},
        {"operator_password": e["operator_password"], "company_password": e["company_password"]}, now,
    )  # fmt: skip


def us_account(gl: str) -> str:
    return "20" + gl[2:]


def gl_lines(pair: dict[str, Any]) -> dict[str, set[str]]:
    """Journal reference -> the GL codes of its lines, as SYSPRO holds them."""
    out: dict[str, set[str]] = defaultdict(set)
    for line in pair["syspro-enet"].app.state.emulator.rows("GenJournalDetail"):
        out[line["Reference"]].add(line["GlCode"])
    return dict(out)


def sales_orders(pair: dict[str, Any]) -> dict[str, str]:
    """CustomerPoNumber (= Commerce increment id) -> SYSPRO customer."""
    return {r["CustomerPoNumber"]: r["Customer"] for r in pair["syspro-enet"].app.state.emulator.rows("SorMaster")}


def customer_writes(pair: dict[str, Any]) -> tuple[int, dict[int, str]]:
    store = pair["commerce"].app.state.emulator.store
    return pair["syspro-enet"].app.state.emulator.calls["ARSSCS"], {
        i: c["updated_at"] for i, c in store.customers.items()
    }


def test_two_stores_into_two_companies_side_by_side(tmp_path, stores) -> None:
    eu, us = stores["eu"], stores["us"]
    app = bootstrap(
        Settings.model_validate(
            {
                "data_dir": str(tmp_path / "data"),
                "commerce-syspro": {"lag_s": 0},
                "commerce-syspro@store-us": {"commerce_connection": "commerce-us", "syspro_connection": "enet-us"},
            }
        ),
        create_keys=True,
    )
    connect(app, eu)
    connect_us(app, us)
    seed_mappings(app)  # EU: the demo's accounts (10-...)
    us_state = us["syspro-enet"].app.state.emulator
    now = app.clock.now()
    for kind, key, value in [("category", k, v) for k, v in REVENUE.items()] + [
        (k, "default", v) for k, v in ACCOUNTS.items()
    ]:
        us_state.add_gl_account(us_account(value), f"US {kind} {key}")
        app.store.mappings.set(US, kind, key, us_account(value), now)
    for group, customer in US_GROUPS.items():
        app.store.mappings.set(US, "customer_group", group, customer, now)

    placed: dict[str, list[str]] = {"eu": [], "us": []}
    for name, pair in stores.items():
        store = pair["commerce"].app.state.emulator.store
        customer = min(store.customers)
        for code, who in (("default", customer), ("b2b", customer), ("marketplace", None)):  # None: a guest
            order = store.place_order(store_code=code, customer_id=who, skus={"PMP-SUB-05": 1})
            placed[name].append(order["increment_id"])
    assert placed["eu"] == placed["us"]  # the same increment ids on both sides
    guest = placed["us"][2]

    for key in (EU, US):
        report = run_integration(app, key)
        assert report.integration == key and report.status in ("succeeded", "partial"), report.error
    # Customers went both ways; their echoes come back once and each instance recognises its own: no
    # customer is written again to either SYSPRO or either Commerce.
    settled = {name: customer_writes(pair) for name, pair in stores.items()}
    for _ in range(2):
        for key in (EU, US):
            run_integration(app, key)
        assert {name: customer_writes(pair) for name, pair in stores.items()} == settled

    # Each SYSPRO has its own store's orders, journals with its own instance's accounts.
    assert set(sales_orders(eu)) == set(placed["eu"])
    assert set(sales_orders(us)) == set(placed["us"]) - {guest}  # the guest order waits for its mapping
    eu_gl, us_gl = gl_lines(eu), gl_lines(us)
    assert set(eu_gl) == {f"WEB{i}" for i in placed["eu"]}
    assert set(us_gl) == {f"WEB{i}" for i in placed["us"]} - {f"WEB{guest}"}  # its journal waits for its order
    assert all(gl.startswith("10-") for codes in eu_gl.values() for gl in codes)
    assert all(gl.startswith("20-") for codes in us_gl.values() for gl in codes)

    # Parked: the US guest order (and its journal) only, the hint names the instance.
    assert app.store.parked.open(EU) == []
    parked = {p["stream"]: p for p in app.store.parked.open(US)}
    assert set(parked) == {"sales_order", "order_journal"}
    assert {p["source_id"] for p in parked.values()} == {guest}
    assert f"ml-connector mappings set {US} customer_group '0'" in parked["sales_order"]["reason"]
    assert "waits for the sales order" in parked["order_journal"]["reason"]

    # Deliveries, ledger, cursors and customer links belong to each instance.
    for key, pair, expected in ((EU, eu, set(placed["eu"])), (US, us, set(placed["us"]) - {guest})):
        delivered = {i for i in placed["eu"] if app.store.deliveries.last_delivered(key, "sales_order", i)}
        assert delivered == expected
        refs = {app.store.deliveries.last_delivered(key, "sales_order", i).target_ref for i in expected}
        assert refs == {r["SalesOrder"] for r in pair["syspro-enet"].app.state.emulator.rows("SorMaster")}
        assert app.store.cursors.all(key)
        links = app.store.mappings.table(key, "customer")  # Commerce customer id -> SYSPRO code
        assert links and set(links.values()) <= {
            r["Customer"] for r in pair["syspro-enet"].app.state.emulator.rows("ArCustomer")
        }
    assert {r["integration"] for r in app.store.ledger.search(limit=10_000)} == {EU, US}

    # Mapping the US guest account releases the US order into SYSPRO US (the EU one was never touched).
    eu_orders = sales_orders(eu)
    app.store.mappings.set(US, "customer_group", "0", "000001", app.clock.now())
    assert replay_parked(app, US).status == "succeeded"
    assert sales_orders(us)[guest] == "000001"
    assert f"WEB{guest}" in gl_lines(us) and all(gl.startswith("20-") for gl in gl_lines(us)[f"WEB{guest}"])
    assert sales_orders(eu) == eu_orders
    assert Decimal(0) == sum(
        (Decimal(str(line["EntryValue"])) for line in us_state.rows("GenJournalDetail")), Decimal(0)
    )
