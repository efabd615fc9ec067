"""commerce-syspro end to end against the Commerce and SYSPRO e.net emulators on 127.0.0.1, real store:
exactly once, parking and release (mapping, closed period), faults, hostile orders, customers both
ways without a loop, the webhook endpoint."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime

import pytest
from commerce_syspro_fixtures import assert_exactly_once, make_app, serve_pair

from ml_connector.emulators.faults import FaultPlan, FaultRule
from ml_connector.engine.service import check_integration, replay_parked, run_integration

with warnings.catch_warnings():  # starlette 1.x warns at import that it would prefer `httpx2`
    warnings.simplefilter("ignore")

NAME = "commerce-syspro"


@pytest.fixture
def served():
    pair = serve_pair()
    yield pair
    for s in pair.values():
        s.stop()


def enet_state(served):
    return served["syspro-enet"].app.state.emulator


def commerce_store(served):
    return served["commerce"].app.state.emulator.store


def postable(served) -> set[str]:
    return {o["increment_id"] for o in commerce_store(served).orders.values() if o["state"] != "canceled"}


def test_orders_post_exactly_once_and_a_second_run_posts_nothing(tmp_path, served) -> None:
    commerce_store(served).generate_orders(30, spacing_s=20)
    app = make_app(tmp_path, served)
    app.store.mappings.set(NAME, "category", "WTY", "10-4000-400", app.clock.now())
    report = run_integration(app, NAME)
    assert report.status == "succeeded", report.error
    assert_exactly_once(served, postable(served))
    calls = dict(enet_state(served).calls)
    again = run_integration(app, NAME)
    assert again.status == "succeeded"
    assert {k: v for k, v in enet_state(served).calls.items() if k in ("SORTOI", "GENTJL", "ARSSCS")} == {
        k: v for k, v in calls.items() if k in ("SORTOI", "GENTJL", "ARSSCS")
    }
    assert_exactly_once(served, postable(served))


def test_missing_sku_mapping_parks_then_next_run_releases_and_replay_forces(tmp_path, served) -> None:
    store = commerce_store(served)
    first = store.place_order(store_code="default", skus={"WTY-EXT-2Y": 1, "VLV-BALL-2IN-BR": 2})
    app = make_app(tmp_path, served)
    run_integration(app, NAME)
    parked = app.store.parked.open(NAME, "order_journal")
    assert [p["source_id"] for p in parked] == [first["increment_id"]]
    assert "WTY-EXT-2Y" in parked[0]["reason"]
    assert "mappings set" in parked[0]["reason"]
    assert enet_state(served).calls["SORTOI"] == 1  # the sales order itself went through
    app.store.mappings.set(NAME, "sku", "WTY-EXT-2Y", "10-4000-400", app.clock.now())
    report = run_integration(app, NAME)
    assert {t.stream: t.released for t in report.streams}["order_journal"] == 1
    assert app.store.parked.open(NAME) == []
    # a second order parks on a customer group with no mapping; `replay` forces it once mapped
    app.store.mappings.remove(NAME, "customer_group", "0")
    guest = store.place_order(store_code="marketplace", skus={"VLV-BALL-2IN-BR": 1})
    run_integration(app, NAME)
    waiting = app.store.parked.open(NAME, "sales_order")
    assert [p["source_id"] for p in waiting] == [guest["increment_id"]]
    assert "customer_group" in waiting[0]["reason"]
    app.store.mappings.set(NAME, "customer_group", "0", "000001", app.clock.now())
    assert replay_parked(app, NAME).status == "succeeded"
    run_integration(app, NAME)
    assert_exactly_once(served, {first["increment_id"], guest["increment_id"]})


def test_closed_period_parks_then_opening_it_releases(tmp_path, served) -> None:
    order = commerce_store(served).place_order(skus={"PMP-SUB-05": 1})
    now = datetime.now(UTC)
    enet_state(served).close_period(now.year, now.month)
    app = make_app(tmp_path, served)
    run_integration(app, NAME)
    parked = app.store.parked.open(NAME, "order_journal")
    assert parked
    assert parked[0]["reference"] == "posting_period"
    assert f"{now.month:02d}" in parked[0]["ref_key"]
    enet_state(served).open_period(now.year, now.month)
    run_integration(app, NAME)
    assert app.store.parked.open(NAME) == []
    assert_exactly_once(served, {order["increment_id"]})


def test_session_expiry_mid_batch_and_200_error_text(tmp_path) -> None:
    faults = FaultPlan(
        [
            FaultRule(kind="session_expiry", path=r"Transaction/Post\?BusinessObject=SORTOI", every=7),
            FaultRule(
                kind="error_text",
                path=r"Transaction/Post\?BusinessObject=GENTJL",
                start=3,
                count=1,
                body="ERROR: Record locked by another user",
            ),
        ]
    )
    pair = serve_pair(enet={"faults": faults})
    try:
        commerce_store(pair).generate_orders(20, spacing_s=30)
        app = make_app(tmp_path, pair)
        app.store.mappings.set(NAME, "category", "WTY", "10-4000-400", app.clock.now())
        run_integration(app, NAME)
        failed = [p for p in app.store.parked.open(NAME) if p["status"] == "failed"]
        assert len(failed) == 1
        assert "Record locked" in failed[0]["reason"]
        assert replay_parked(app, NAME, [failed[0]["id"]]).status == "succeeded"
        assert_exactly_once(pair, postable(pair))
    finally:
        for s in pair.values():
            s.stop()


def test_commerce_429_storm_is_survived(tmp_path) -> None:
    faults = FaultPlan([FaultRule(kind="rate_limit", path="/V1/orders", every=2, retry_after=3)])
    pair = serve_pair(commerce={"faults": faults})
    slept: list[float] = []
    try:
        commerce_store(pair).generate_orders(15, spacing_s=30)
        app = make_app(tmp_path, pair)
        app.store.mappings.set(NAME, "category", "WTY", "10-4000-400", app.clock.now())
        report = run_integration(app, NAME, commerce_http={"sleep": slept.append})
        assert report.status == "succeeded", report.error
        assert slept
        assert all(s >= 3 for s in slept)
        assert_exactly_once(pair, postable(pair))
    finally:
        for s in pair.values():
            s.stop()


def test_check_proves_reads_period_and_every_mapped_gl_account(tmp_path, served) -> None:
    commerce_store(served).place_order(skus={"PMP-SUB-05": 1})  # the emulator answers 500 to a search of no orders
    app = make_app(tmp_path, served)
    app.store.mappings.set(NAME, "sku", "OLD-SKU", "10-9999-999", app.clock.now())
    results = {r.what: r for r in check_integration(app, NAME)}
    assert results["search orders (searchCriteria)"].ok
    assert next(r for w, r in results.items() if w.startswith("posting period")).ok
    suffix = " exists and takes postings (GENTJL validate only)"
    assert results[f"mapped GL account 10-1100-100{suffix}"].ok
    bad = results[f"mapped GL account 10-9999-999{suffix}"]
    assert not bad.ok
    assert "fix the mapping" in bad.detail


def test_a_run_that_dies_mid_window_loses_no_later_page(tmp_path) -> None:
    """Commerce fails from page 2 on: the cursor may only move past page 1, never to the window's end."""
    faults = FaultPlan([FaultRule(kind="status", status=503, path="/V1/orders", start=2, count=1000)])
    pair = serve_pair(commerce={"faults": faults})
    try:
        commerce_store(pair).generate_orders(12, spacing_s=120)
        app = make_app(tmp_path, pair, section={"page_size": 5, "lookback_s": 0})
        app.store.mappings.set(NAME, "category", "WTY", "10-4000-400", app.clock.now())
        broken = run_integration(app, NAME, commerce_http={"sleep": lambda s: None})
        assert broken.status != "succeeded"
        assert 0 < len(enet_state(pair).rows("SorMaster")) <= 5
        faults.rules.clear()
        assert run_integration(app, NAME).status == "succeeded"
        assert_exactly_once(pair, postable(pair))
    finally:
        for s in pair.values():
            s.stop()
