"""syspro-pipedrive under faults: lost answers to creates (organization, deal, deal product, product)
adopted by look-up instead of sent twice, 429 storms with and without Retry-After, Cloudflare's HTML 403,
5xx bursts, an OAuth token expiring mid-run (refresh token rotated and stored encrypted), and hostile
SYSPRO values."""

from __future__ import annotations

import base64
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from ml_connector.emulators.faults import FaultPlan, FaultRule
from ml_connector.http.client import RetryPolicy
from ml_connector.integrations.syspro_pipedrive import deals, targets
from ml_connector.runtime.service import run_integration

sys.path.insert(0, str(Path(__file__).parent))
from pipedrive_fixtures import (
    NAME,
    account,
    by_custom,
    expected_orders,
    field_key,
    live,
    make_app,
    serve_pipedrive,
    serve_syspro,
)

FAST = {"burst_limit": 1000}
QUICK_RETRY = {"retry": RetryPolicy(max_attempts=8, base_delay_s=0.01, max_delay_s=0.05)}


@pytest.fixture
def syspro():
    served = serve_syspro()
    yield served
    served.stop()


def exactly_once(syspro, pipedrive) -> None:
    """One organization per customer, one deal per open order, each with exactly its order's products."""
    code_key = field_key(pipedrive, "organization", "SYSPRO customer code")
    codes = by_custom(pipedrive, "organization", code_key)
    assert set(codes) == {c["Customer"] for c in syspro.app.state.emulator.rows("ArCustomer")}
    assert all(n == 1 for n in codes.values()), [c for c, n in codes.items() if n > 1]
    order_key = field_key(pipedrive, "deal", "SYSPRO order number")
    deals = by_custom(pipedrive, "deal", order_key)
    assert set(deals) == expected_orders(syspro) and all(n == 1 for n in deals.values())
    products = by_custom_code(pipedrive)
    assert all(n == 1 for n in products.values())
    store, state = account(pipedrive), syspro.app.state.emulator
    lines: dict[str, list[str]] = {}
    for line in state.rows("SorDetail"):
        if line["LineType"] == "1":
            lines.setdefault(line["SalesOrder"], []).append(line["MStockCode"].strip())
    codes_by_id = {r["id"]: r["code"] for r in live(pipedrive, "product")}
    for deal in live(pipedrive, "deal"):
        attached = sorted(codes_by_id[a["product_id"]] for a in store.attachments.get(deal["id"], {}).values())
        assert attached == sorted(lines.get(deal["custom_fields"][order_key], []))


def by_custom_code(pipedrive) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in live(pipedrive, "product"):
        counts[r["code"]] = counts.get(r["code"], 0) + 1
    return counts


LOST = {
    "organization": r"/api/v2/organizations$",
    "deal": r"/api/v2/deals$",
    "deal_product": r"/api/v2/deals/\d+/products$",
    "product": r"/api/v2/products$",
}


@pytest.mark.parametrize("what", sorted(LOST))
def test_lost_response_is_adopted_not_resent(tmp_path, syspro, what) -> None:
    plan = FaultPlan([FaultRule(kind="lost_response", method="POST", path=LOST[what], start=4, count=1)])
    pipedrive = serve_pipedrive(faults=plan, **FAST)
    try:
        app = make_app(tmp_path, syspro, pipedrive, section=FAST)
        first = run_integration(app, NAME)
        assert first.status != "succeeded"  # the answer was lost: the stream stopped, the record is in doubt
        assert plan.fired == [("lost_response", plan.fired[0][1])]
        assert app.store.deliveries.in_doubt(NAME)
        second = run_integration(app, NAME)
        assert second.status == "succeeded", second.error
        assert sum(t.recovered for t in second.streams) == 1
        exactly_once(syspro, pipedrive)
    finally:
        pipedrive.stop()


@pytest.mark.parametrize(
    "what",
    [pytest.param("organization", marks=pytest.mark.slow), "deal", pytest.param("product", marks=pytest.mark.slow)],
)
def test_without_the_lookup_a_lost_response_duplicates(tmp_path, syspro, monkeypatch, what) -> None:
    """The exactly-once check above fails when check-before-post is switched off (it can fail)."""
    cls = {"organization": targets.OrganizationTarget, "deal": deals.DealTarget, "product": targets.ProductTarget}
    monkeypatch.setattr(cls[what], "lookup", lambda self, d: None)
    plan = FaultPlan([FaultRule(kind="lost_response", method="POST", path=LOST[what], start=4, count=1)])
    pipedrive = serve_pipedrive(faults=plan, **FAST)
    try:
        app = make_app(tmp_path, syspro, pipedrive, section=FAST)
        run_integration(app, NAME)
        run_integration(app, NAME)
        with pytest.raises(AssertionError):
            exactly_once(syspro, pipedrive)
    finally:
        pipedrive.stop()


@pytest.mark.parametrize(
    "rule",
    [
        pytest.param(FaultRule(kind="rate_limit", path="/api/v2/", every=3, retry_after=0.02), marks=pytest.mark.slow),
        FaultRule(kind="status", status=429, path="/api/v2/", every=4, body={"success": False, "error": "Too many"}),
        FaultRule(kind="cloudflare", path="/api/v2/", start=20, count=3),
        FaultRule(kind="status", status=503, path="/api/v2/", start=30, count=5),
    ],
    ids=["429-retry-after", "429-bare", "cloudflare-403", "5xx-burst"],
)
@pytest.mark.slow
def test_each_rate_limit_and_outage_is_survived(tmp_path, syspro, rule) -> None:
    survive(tmp_path, syspro, [rule])


def test_429_storm_cloudflare_and_5xx_burst_in_one_run_are_survived(tmp_path, syspro) -> None:
    survive(
        tmp_path,
        syspro,
        [
            FaultRule(
                kind="status", status=429, path="/api/v2/", every=5, body={"success": False, "error": "Too many"}
            ),
            FaultRule(kind="cloudflare", path="/api/v2/", start=20, count=3),
            FaultRule(kind="status", status=503, path="/api/v2/", start=30, count=5),
        ],
    )


def survive(tmp_path, syspro, rules) -> None:
    plan = FaultPlan(rules)
    pipedrive = serve_pipedrive(faults=plan, **FAST)
    try:
        app = make_app(tmp_path, syspro, pipedrive, section=FAST)
        reports = [run_integration(app, NAME, pipedrive_options=QUICK_RETRY) for _ in range(3)]
        assert plan.fired
        assert reports[-1].status == "succeeded", [r.error for r in reports]
        exactly_once(syspro, pipedrive)
    finally:
        pipedrive.stop()


@pytest.mark.slow
def test_emulator_burst_429_without_retry_after_then_paced(tmp_path, syspro) -> None:
    """The client starts with a larger window than the server's (configured wrong); the first answers'
    x-ratelimit-* headers shrink it, 429s without Retry-After are backed off, nothing is lost."""
    pipedrive = serve_pipedrive(burst_limit=12, retry_after=False, cloudflare_after=50)
    try:
        app = make_app(tmp_path, syspro, pipedrive, section={"burst_limit": 1000})
        report = run_integration(app, NAME, pipedrive_options=QUICK_RETRY)
        assert report.status == "succeeded", report.error
        counts = pipedrive.app.state.emulator.limits.counts
        assert counts["burst_429"] < 10  # learnt from the headers, not from a storm
        exactly_once(syspro, pipedrive)
    finally:
        pipedrive.stop()


def oauth_connection(app, pipedrive) -> str:
    cred = pipedrive.app.state.credentials
    basic = base64.b64encode(f"{cred['client_id']}:{cred['client_secret']}".encode()).decode()
    answer = httpx.post(
        f"{pipedrive.url}/oauth/token",
        data={"grant_type": "authorization_code", "code": cred["authorization_code"], "redirect_uri": "http://x"},
        headers={"Authorization": f"Basic {basic}"},
    ).json()
    app.connections.put(
        "pipedrive",
        "pipedrive",
        {
            "base_url": pipedrive.url,
            "auth": "oauth",
            "client_id": cred["client_id"],
            "oauth_token_url": f"{pipedrive.url}/oauth/token",
        },
        {"client_secret": cred["client_secret"], "refresh_token": answer["refresh_token"]},
        app.clock.now(),
    )
    return str(answer["refresh_token"])


def test_oauth_token_expiring_mid_run_is_refreshed_and_rotation_stored(tmp_path, syspro) -> None:
    plan = FaultPlan([FaultRule(kind="token_expiry", path="/api/v2/", start=40, count=1)])
    pipedrive = serve_pipedrive(faults=plan, **FAST)
    try:
        app = make_app(tmp_path, syspro, pipedrive, section=FAST)
        original = oauth_connection(app, pipedrive)
        report = run_integration(app, NAME)
        assert report.status == "succeeded", report.error
        assert plan.fired == [("token_expiry", plan.fired[0][1])]
        stored = app.connections.get("pipedrive").secret("refresh_token").reveal()
        oauth = pipedrive.app.state.emulator.accounts.oauth
        assert stored != original and original not in oauth.refresh and stored in oauth.refresh
        exactly_once(syspro, pipedrive)
        assert run_integration(app, NAME).status == "succeeded"  # the stored (rotated) token works next run
    finally:
        pipedrive.stop()


def test_hostile_syspro_values_are_sent_cleanly_or_parked(tmp_path, syspro) -> None:
    state = syspro.app.state.emulator
    customers = state.rows("ArCustomer")
    names = ["Ünïcødé Ωμέγα 株式会社 🚀", "Tab\tand\x07bell\x00null", "x" * 10_000]
    for row, name in zip(customers[:3], names, strict=True):
        state.update(
            "ArCustomer",
            keys=[{"Customer": row["Customer"]}],
            changes={"Name": name, "CreditLimit": 9e11},
            allow_overlong=True,
        )
    order = next(o for o in state.rows("SorMaster") if o["SalesOrder"] in expected_orders(syspro))
    line = next(ln for ln in state.rows("SorDetail") if ln["SalesOrder"] == order["SalesOrder"])
    state.update(
        "SorDetail",
        keys=[{"SalesOrder": line["SalesOrder"], "SalesOrderLine": line["SalesOrderLine"]}],
        changes={"MPrice": -25.0, "LineType": "1"},
    )
    pipedrive = serve_pipedrive(**FAST)
    try:
        app = make_app(tmp_path, syspro, pipedrive, section=FAST)
        report = run_integration(app, NAME)
        assert report.status == "succeeded", report.error
        shown = {r["name"] for r in live(pipedrive, "organization")}
        assert "Ünïcødé Ωμέγα 株式会社 🚀" in shown and "Tab andbellnull" in shown and "x" * 254 + "…" in shown
        parked = app.store.parked.open(NAME, "deal")
        assert [p["source_id"] for p in parked] == [order["SalesOrder"]]
        assert "negative amount" in parked[0]["reason"]
    finally:
        pipedrive.stop()


def test_budget_drained_by_other_tools_stops_the_run_then_resumes_next_day(tmp_path, syspro) -> None:
    """The account's budget is smaller than this integration thinks (other apps spent it): Pipedrive's 429
    asks to wait until midnight; the run stops at once instead of sleeping, and the next days finish."""
    pipedrive = serve_pipedrive(daily_budget=200, **FAST)
    try:
        app = make_app(tmp_path, syspro, pipedrive, section=FAST)
        started = time.monotonic()
        first = run_integration(app, NAME)
        assert first.status != "succeeded" and "daily token budget is used up" in (first.error or "")
        assert "It is used up" in first.conditions["budget"]  # the run failed on it and still reports it
        assert time.monotonic() - started < 60
        for _ in range(5):
            pipedrive.app.state.emulator.clock.offset += timedelta(days=1)
            if run_integration(app, NAME).status == "succeeded":
                break
        exactly_once(syspro, pipedrive)
    finally:
        pipedrive.stop()
