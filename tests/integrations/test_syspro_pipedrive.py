"""SYSPRO -> Pipedrive end to end against the SYSPRO OData and Pipedrive emulators on 127.0.0.1: one
organization per customer, one deal per open order with its products, stock statuses, changed fields
only, token costs (an idle run, the minimum for a full sync), renamed fields, deleted and merged
organizations, parked orders released, the daily budget running out and resuming after the reset."""

from __future__ import annotations

import re
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from ml_connector.runtime.service import check_integration, run_integration

sys.path.insert(0, str(Path(__file__).parent))
from pipedrive_fixtures import (
    NAME,
    OffsetClock,
    account,
    by_custom,
    expected_orders,
    field_key,
    live,
    make_app,
    serve_pipedrive,
    serve_syspro,
    tokens_spent,
)

FAST = {"burst_limit": 1000}


@pytest.fixture
def syspro():
    served = serve_syspro()
    yield served
    served.stop()


@pytest.fixture
def pipedrive():
    served = serve_pipedrive(**FAST)
    yield served
    served.stop()


def minimum_tokens(pipedrive, syspro) -> int:
    """What the API cannot do with less (x-token-cost): 3 field lists, each field created, each product,
    organization and deal created, each deal line attached."""
    store = account(pipedrive)
    custom = sum(len(store.custom(k)) for k in ("organization", "deal", "product"))
    lines = sum(len(v) for v in store.attachments.values())
    return (
        3 * 10
        + 5 * custom
        + 5 * (len(live(pipedrive, "product")) + len(live(pipedrive, "organization")))
        + 5 * (len(live(pipedrive, "deal")) + lines)
    )


def test_full_sync_then_idle_run(tmp_path, syspro, pipedrive, capfd) -> None:
    app = make_app(tmp_path, syspro, pipedrive, section=FAST)
    checks = check_integration(app, NAME)
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]
    assert {c.what for c in checks} >= {"read SorDetail", "API user (users/me)", "deal custom fields"}
    assert "the first run creates" in next(c.detail for c in checks if c.what == "deal custom fields")
    checked = tokens_spent(pipedrive)  # users/me + three field lists
    assert checked == 2 + 3 * 10
    first = run_integration(app, NAME)
    assert first.status == "succeeded", first.error
    customers = {c["Customer"] for c in syspro.app.state.emulator.rows("ArCustomer")}
    code_key = field_key(pipedrive, "organization", "SYSPRO customer code")
    assert set(by_custom(pipedrive, "organization", code_key)) == customers
    assert all(n == 1 for n in by_custom(pipedrive, "organization", code_key).values())
    order_key = field_key(pipedrive, "deal", "SYSPRO order number")
    deals = by_custom(pipedrive, "deal", order_key)
    assert set(deals) == expected_orders(syspro) and all(n == 1 for n in deals.values())
    # Every deal carries its order's stocked lines as products, linked to its customer's organization.
    state, store = syspro.app.state.emulator, account(pipedrive)
    orgs = {r["custom_fields"][code_key]: r["id"] for r in live(pipedrive, "organization")}
    products = {r["id"]: r["code"] for r in live(pipedrive, "product")}
    lines: dict[str, list[str]] = {}
    for line in state.rows("SorDetail"):
        if line["LineType"] == "1":
            lines.setdefault(line["SalesOrder"], []).append(line["MStockCode"].strip())
    orders = {o["SalesOrder"]: o for o in state.rows("SorMaster")}
    for deal in live(pipedrive, "deal"):
        number = deal["custom_fields"][order_key]
        assert deal["org_id"] == orgs[orders[number]["Customer"]]
        attached = sorted(products[a["product_id"]] for a in store.attachments.get(deal["id"], {}).values())
        assert attached == sorted(lines.get(number, []))
    status_key = field_key(pipedrive, "organization", "SYSPRO stock status")
    statuses = {r["custom_fields"][status_key] for r in live(pipedrive, "organization")}
    shapes = (
        r"all \d+ lines available",
        r"\d+ of \d+ lines short: .+ \(needs [\d.]+, [\d.]+ available\)",
        "no open stock lines",
    )
    assert all(any(re.fullmatch(p, s) for p in shapes) for s in statuses), statuses
    assert any(" short: " in s for s in statuses)

    spent = tokens_spent(pipedrive) - checked
    minimum = minimum_tokens(pipedrive, syspro)
    print(f"\nfull sync: {spent} tokens, minimum {minimum} ({spent / minimum:.3f}x)")
    assert minimum <= spent <= minimum * 1.10

    second = run_integration(app, NAME)
    idle = tokens_spent(pipedrive) - checked - spent
    print(f"idle run: {idle} tokens (the sweep listing live organizations)")
    assert second.status == "succeeded"
    assert sum(t.loaded for t in second.streams) == 0
    assert idle == 10 * -(-len(customers) // 500)  # only the organization sweep, nothing per record
    out, err = capfd.readouterr()
    token = pipedrive.app.state.credentials["api_token"]
    assert "pipedrive.tokens" in out + err and token not in out + err  # tokens are logged, the secret never


def test_changes_send_only_changed_fields_and_keep_what_reps_own(tmp_path, syspro, pipedrive) -> None:
    app = make_app(tmp_path, syspro, pipedrive, section=FAST)
    run_integration(app, NAME)
    state, store = syspro.app.state.emulator, account(pipedrive)
    code_key = field_key(pipedrive, "organization", "SYSPRO customer code")
    customer = state.rows("ArCustomer")[0]
    org = next(r for r in live(pipedrive, "organization") if r["custom_fields"][code_key] == customer["Customer"])
    org["owner_id"] = 77  # a rep takes the organization over in Pipedrive
    order_key = field_key(pipedrive, "deal", "SYSPRO order number")
    deal = live(pipedrive, "deal")[0]
    deal["stage_id"] = 5  # a rep moves the deal by hand
    patches: list[dict] = []
    store.listeners.append(lambda action, kind, data, previous, meta: patches.append((action, kind, previous)))
    state.update("ArCustomer", keys=[{"Customer": customer["Customer"]}], changes={"Name": "Renamed Pumps Ltd"})
    before = tokens_spent(pipedrive)
    report = run_integration(app, NAME)
    assert {t.stream: t.loaded for t in report.streams}["organization"] == 1
    assert org["name"] == "Renamed Pumps Ltd" and org["owner_id"] == 77
    changes = [p for p in patches if p[0] == "change" and p[1] == "organization"]
    assert [sorted(p[2]) for p in changes] == [["name"]]  # only the name went over the wire
    assert deal["stage_id"] == 5 and deal["custom_fields"][order_key]
    assert tokens_spent(pipedrive) - before == 10 + 10 + 5  # the sweep, the field list, one PATCH


def test_renamed_field_is_still_found_by_key(tmp_path, syspro, pipedrive) -> None:
    app = make_app(tmp_path, syspro, pipedrive, section=FAST)
    run_integration(app, NAME)
    store = account(pipedrive)
    key = field_key(pipedrive, "organization", "SYSPRO branch")
    store.rename_field("organization", key, "Branch (ERP)")
    fields_before = len(store.custom("organization"))
    state = syspro.app.state.emulator
    customer = state.rows("ArCustomer")[1]
    state.update("ArCustomer", keys=[{"Customer": customer["Customer"]}], changes={"Branch": "99"})
    report = run_integration(app, NAME)
    assert report.status == "succeeded", report.error
    assert len(store.custom("organization")) == fields_before  # no second "SYSPRO branch" created
    assert [r["custom_fields"][key] for r in live(pipedrive, "organization")].count("99") == 1


def test_deleted_and_merged_organizations_are_found_again_never_duplicated(tmp_path, syspro, pipedrive) -> None:
    app = make_app(tmp_path, syspro, pipedrive, section=FAST)
    run_integration(app, NAME)
    store = account(pipedrive)
    code_key = field_key(pipedrive, "organization", "SYSPRO customer code")
    first, second, third = sorted(live(pipedrive, "organization"), key=lambda r: r["id"])[:3]
    store.delete("organization", first["id"])
    store.merge_organizations(second["id"], third["id"])  # second disappears into third
    report = run_integration(app, NAME)
    assert report.status == "succeeded", report.error
    codes = by_custom(pipedrive, "organization", code_key)
    customers = {c["Customer"] for c in syspro.app.state.emulator.rows("ArCustomer")}
    # The deleted customer's organization is created again; so is the merged one, since it went into another
    # SYSPRO customer's organization (never taken over). One organization per code, no more.
    assert set(codes) == customers and all(n == 1 for n in codes.values())
    assert third["custom_fields"][code_key] != second["custom_fields"][code_key]
    refs = [r["target_ref"] for r in app.store.ledger.search(integration=NAME, stream="organization", limit=10_000)]
    again = sorted(ref for ref in refs if "created again" in (ref or ""))
    # Deals follow their customer's organization to the one created again.
    orgs = {r["custom_fields"][code_key]: r["id"] for r in live(pipedrive, "organization")}
    orders = {o["SalesOrder"]: o["Customer"] for o in syspro.app.state.emulator.rows("SorMaster")}
    order_key = field_key(pipedrive, "deal", "SYSPRO order number")
    assert all(d["org_id"] == orgs[orders[d["custom_fields"][order_key]]] for d in live(pipedrive, "deal"))
    assert len(again) == 2 and {f"{first['id']} was deleted", f"{second['id']} was deleted"} == {
        a.split("; ")[1].removesuffix(" in Pipedrive)") for a in again
    }


def test_order_of_an_unknown_customer_parks_then_releases(tmp_path, syspro, pipedrive) -> None:
    state = syspro.app.state.emulator
    [order] = state.insert(
        "SorMaster", [{"Customer": "0999999", "OrderStatus": "1", "CustomerName": "Later Ltd"}], allow_orphans=True
    )
    stock = next(r for r in state.rows("InvWarehouse"))
    state.insert(
        "SorDetail",
        [
            {
                "SalesOrder": order["SalesOrder"],
                "SalesOrderLine": 1,
                "LineType": "1",
                "MStockCode": stock["StockCode"],
                "MWarehouse": stock["Warehouse"],
                "MOrderQty": 2,
                "MShipQty": 2,
                "MBackOrderQty": 0,
                "MPrice": 10,
            }
        ],
    )
    app = make_app(tmp_path, syspro, pipedrive, section=FAST)
    first = run_integration(app, NAME)
    parked = app.store.parked.open(NAME, "deal")
    assert [p["source_id"] for p in parked] == [order["SalesOrder"]]
    assert "customer 0999999" in parked[0]["reason"]
    assert {t.stream: t.parked for t in first.streams}["deal"] == 1
    state.insert("ArCustomer", [{"Customer": "0999999", "Name": "Later Ltd"}])
    second = run_integration(app, NAME)
    assert second.status == "succeeded", second.error
    assert not app.store.parked.open(NAME, "deal")
    order_key = field_key(pipedrive, "deal", "SYSPRO order number")
    assert by_custom(pipedrive, "deal", order_key)[order["SalesOrder"]] == 1


def test_budget_runs_out_then_resumes_after_the_daily_reset(tmp_path, syspro) -> None:
    pipedrive = serve_pipedrive(daily_budget=400, **FAST)
    try:
        clock = OffsetClock()
        section = {**FAST, "daily_tokens": 400, "reserve_share": 0.0}
        app = make_app(tmp_path, syspro, pipedrive, section=section, clock=clock)
        first = run_integration(app, NAME)
        assert sum(t.parked for t in first.streams) > 0
        assert "It is used up" in first.conditions["budget"]  # records parked for the budget: the alert
        assert tokens_spent(pipedrive) <= 400 and pipedrive.app.state.emulator.limits.counts["budget_429"] == 0
        parked = app.store.parked.open(NAME)
        assert parked and all("token budget" in p["reason"] for p in parked)
        # Next day: the emulator's budget resets at its midnight; the store's clock moves with it.
        for _ in range(4):
            pipedrive.app.state.emulator.clock.offset += timedelta(days=1)
            clock.offset += timedelta(days=1)
            report = run_integration(app, NAME)
            if report.status == "succeeded":
                break
        assert report.status == "succeeded", report.error
        code_key = field_key(pipedrive, "organization", "SYSPRO customer code")
        codes = by_custom(pipedrive, "organization", code_key)
        assert len(codes) == 20 and all(n == 1 for n in codes.values())
        order_key = field_key(pipedrive, "deal", "SYSPRO order number")
        deals = by_custom(pipedrive, "deal", order_key)
        assert set(deals) == expected_orders(syspro) and all(n == 1 for n in deals.values())
    finally:
        pipedrive.stop()


def test_deal_deleted_by_hand_comes_back_with_its_products_when_deals_are_swept(tmp_path, syspro, pipedrive) -> None:
    app = make_app(tmp_path, syspro, pipedrive, section={**FAST, "sweep_deleted_deals": True})
    run_integration(app, NAME)
    store = account(pipedrive)
    order_key = field_key(pipedrive, "deal", "SYSPRO order number")
    gone = max(live(pipedrive, "deal"), key=lambda d: len(store.attachments.get(d["id"], {})))
    lines = sorted(a["product_id"] for a in store.attachments[gone["id"]].values())
    store.delete("deal", gone["id"])
    report = run_integration(app, NAME)
    assert report.status == "succeeded", report.error
    deals = by_custom(pipedrive, "deal", order_key)
    assert deals[gone["custom_fields"][order_key]] == 1 and all(n == 1 for n in deals.values())
    back = next(d for d in live(pipedrive, "deal") if d["custom_fields"][order_key] == gone["custom_fields"][order_key])
    assert back["id"] != gone["id"]
    assert sorted(a["product_id"] for a in store.attachments[back["id"]].values()) == lines
