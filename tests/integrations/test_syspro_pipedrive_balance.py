"""The organization's "SYSPRO balance" field: the sum of the customer's ArInvoice.InvoiceBal1 (credit notes
negative as SYSPRO stores them), read once per run, and refreshed when only an invoice changed (a payment)
with one PATCH of that organization and nothing else."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

from ml_connector.bootstrap import bootstrap
from ml_connector.engine.dry_run import DryRunItem
from ml_connector.integrations.syspro_pipedrive.streams import balances
from ml_connector.runtime.service import dry_run_integration, run_integration
from ml_connector.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))
from pipedrive_fixtures import NAME, account, field_key, live, make_app, serve_pipedrive, serve_syspro, tokens_spent

FAST = {"burst_limit": 1000}


@pytest.fixture
def syspro():
    served = serve_syspro(page_cap=50)  # the open invoices (171) come in four pages
    yield served
    served.stop()


@pytest.fixture
def pipedrive():
    served = serve_pipedrive(**FAST)
    yield served
    served.stop()


def expected_balances(syspro: Any) -> dict[str, Decimal]:
    """What SYSPRO says each customer owes: every AR document's InvoiceBal1, signed as stored, in Decimal."""
    state = syspro.app.state.emulator
    totals = {c["Customer"]: Decimal("0.00") for c in state.rows("ArCustomer")}
    for inv in state.rows("ArInvoice"):
        totals[inv["Customer"]] += Decimal(str(inv["InvoiceBal1"]))
    return totals


def balances_in_pipedrive(pipedrive: Any) -> dict[str, Decimal]:
    code_key = field_key(pipedrive, "organization", "SYSPRO customer code")
    balance_key = field_key(pipedrive, "organization", "SYSPRO balance")
    return {
        r["custom_fields"][code_key]: Decimal(str(r["custom_fields"][balance_key]))
        for r in live(pipedrive, "organization")
    }


def record_updates(pipedrive: Any) -> list[tuple[str, int, dict[str, Any]]]:
    """Every update (PATCH) the Pipedrive emulator applies: (kind, id, body)."""
    store, seen = account(pipedrive), []
    real = store.update

    def spy(kind: str, rid: int, body: dict[str, Any]) -> dict[str, Any]:
        seen.append((kind, rid, body))
        return real(kind, rid, body)

    store.update = spy
    return seen


def open_invoice(syspro: Any, customer: str) -> dict[str, Any]:
    state = syspro.app.state.emulator
    return next(i for i in state.rows("ArInvoice") if i["Customer"] == customer and i["InvoiceBal1"] > 0)


def test_balance_is_the_sum_of_the_customers_invoices(tmp_path, syspro, pipedrive) -> None:
    state = syspro.app.state.emulator
    [new] = state.insert("ArCustomer", [{"Name": "Fresh Account Ltd"}])  # no invoice at all
    app = make_app(tmp_path, syspro, pipedrive, section=FAST)
    report = run_integration(app, NAME)
    assert report.status == "succeeded", report.error
    key = field_key(pipedrive, "organization", "SYSPRO balance")
    assert account(pipedrive).fields["organization"][key]["field_type"] == "double"
    expected = expected_balances(syspro)
    shown = balances_in_pipedrive(pipedrive)
    assert shown == expected  # every customer, to the cent
    assert shown[new["Customer"]] == 0
    # 0000014 has invoices, all paid: 0. 0000012 has an open credit note (-193.12) that lowers its balance.
    assert any(i["Customer"] == "0000014" for i in state.rows("ArInvoice")) and shown["0000014"] == 0
    credit = [i for i in state.rows("ArInvoice") if i["Customer"] == "0000012" and i["DocumentType"] == "C"]
    open_credit = [Decimal(str(i["InvoiceBal1"])) for i in credit if i["InvoiceBal1"]]
    assert open_credit == [Decimal("-193.12")]
    debits = sum(
        Decimal(str(i["InvoiceBal1"]))
        for i in state.rows("ArInvoice")
        if i["Customer"] == "0000012" and i["DocumentType"] != "C"
    )
    assert shown["0000012"] == debits - Decimal("193.12") and shown["0000012"] > 0
    assert shown["0000011"] == Decimal("362322.56")  # 62 open documents, summed exactly
    assert len({v for v in shown.values() if v}) >= 15


def test_a_payment_updates_exactly_that_organization(tmp_path, syspro, pipedrive) -> None:
    app = make_app(tmp_path, syspro, pipedrive, section=FAST)
    assert run_integration(app, NAME).status == "succeeded"
    updates = record_updates(pipedrive)
    state = syspro.app.state.emulator
    invoice = open_invoice(syspro, "0000005")
    paid = Decimal(str(invoice["InvoiceBal1"])) - Decimal("100.05")  # a part payment; ArCustomer is untouched
    state.update(
        "ArInvoice",
        keys=[{k: invoice[k] for k in ("Customer", "Invoice", "DocumentType")}],
        changes={"InvoiceBal1": float(paid)},
    )
    before = tokens_spent(pipedrive)
    report = run_integration(app, NAME)
    assert report.status == "succeeded", report.error
    assert {t.stream: t.loaded for t in report.streams} == {"product": 0, "organization": 1, "deal": 0}
    code_key = field_key(pipedrive, "organization", "SYSPRO customer code")
    balance_key = field_key(pipedrive, "organization", "SYSPRO balance")
    org = next(r for r in live(pipedrive, "organization") if r["custom_fields"][code_key] == "0000005")
    expected = expected_balances(syspro)["0000005"]
    assert updates == [("organization", org["id"], {"custom_fields": {balance_key: float(expected)}})]
    assert balances_in_pipedrive(pipedrive) == expected_balances(syspro)
    assert tokens_spent(pipedrive) - before == 10 + 10 + 5  # the sweep, the field list, one PATCH
    # Nothing changed since: no update at all.
    assert sum(t.loaded for t in run_integration(app, NAME).streams) == 0
    assert len(updates) == 1


def test_dry_run_shows_the_balance_field(tmp_path, syspro, pipedrive) -> None:
    app = make_app(tmp_path, syspro, pipedrive, section=FAST)
    first: list[DryRunItem] = []
    dry_run_integration(app, NAME, first.append)
    org = next(i for i in first if i.stream == "organization" and i.source_id == "0000011")
    assert org.rendering is not None and "\"<new field 'SYSPRO balance'>\": 362322.56" in org.rendering.text
    assert run_integration(app, NAME).status == "succeeded"
    updates = record_updates(pipedrive)
    state = syspro.app.state.emulator
    invoice = open_invoice(syspro, "0000003")
    keys = {k: invoice[k] for k in ("Customer", "Invoice", "DocumentType")}
    state.update("ArInvoice", keys=[keys], changes={"InvoiceBal1": 0})  # paid in full
    items: list[DryRunItem] = []
    dry_run_integration(app, NAME, items.append)
    balance_key = field_key(pipedrive, "organization", "SYSPRO balance")
    expected = float(expected_balances(syspro)["0000003"])
    assert [(i.stream, i.source_id, i.outcome) for i in items] == [("organization", "0000003", "would update")]
    rendering = items[0].rendering
    assert rendering is not None and rendering.format.startswith("JSON PATCH /api/v2/organizations/")
    assert f'"{balance_key}": {expected}' in rendering.text and "name" not in rendering.text
    assert updates == []  # a dry run writes nothing


def test_without_the_balance_field_invoices_cost_nothing(tmp_path, syspro, pipedrive) -> None:
    fields = ["customer_code", "branch", "salesperson", "credit_limit", "on_hold", "stock_status"]
    app = make_app(tmp_path, syspro, pipedrive, section={**FAST, "org_fields": fields})
    assert run_integration(app, NAME).status == "succeeded"
    names = {f["field_name"] for f in account(pipedrive).fields["organization"].values()}
    assert "SYSPRO credit limit" in names and "SYSPRO balance" not in names
    invoice = open_invoice(syspro, "0000005")
    keys = {k: invoice[k] for k in ("Customer", "Invoice", "DocumentType")}
    syspro.app.state.emulator.update("ArInvoice", keys=[keys], changes={"InvoiceBal1": 0})
    report = run_integration(app, NAME)
    assert {t.stream: t.loaded for t in report.streams} == {"product": 0, "organization": 0, "deal": 0}


def test_balances_add_up_in_decimal_and_never_show_minus_zero() -> None:
    rows = [
        {"Customer": "0000001 ", "InvoiceBal1": 0.1},
        {"Customer": "0000001", "InvoiceBal1": 0.2},
        {"Customer": "0000002", "InvoiceBal1": "-0.004"},  # a string (IEEE754Compatible), finer than cents
        {"Customer": "0000003", "InvoiceBal1": 1250.0},
        {"Customer": "0000003", "InvoiceBal1": -1250.0},  # a credit note settling the invoice
    ]
    got = balances(rows)
    assert got == {"0000001": 0.3, "0000002": 0.0, "0000003": 0.0}
    assert [orjson.dumps(v) for v in got.values()] == [b"0.3", b"0.0", b"0.0"]


def test_turning_the_field_on_later_patches_each_organization_once(tmp_path, syspro, pipedrive) -> None:
    """What an upgrade does: organizations sent without a balance get it in one PATCH each, nothing else."""
    fields = ["customer_code", "branch", "salesperson", "credit_limit", "on_hold", "stock_status"]
    before_upgrade = make_app(tmp_path, syspro, pipedrive, section={**FAST, "org_fields": fields})
    assert run_integration(before_upgrade, NAME).status == "succeeded"
    updates = record_updates(pipedrive)
    app = bootstrap(Settings.model_validate({"data_dir": str(tmp_path / "data"), NAME: FAST}))
    spent = tokens_spent(pipedrive)
    report = run_integration(app, NAME)
    assert {t.stream: t.loaded for t in report.streams} == {"product": 0, "organization": 20, "deal": 0}
    key = field_key(pipedrive, "organization", "SYSPRO balance")
    assert sorted(u[1] for u in updates) == sorted(r["id"] for r in live(pipedrive, "organization"))
    assert all(u[0] == "organization" and list(u[2]) == ["custom_fields"] for u in updates)
    assert all(list(u[2]["custom_fields"]) == [key] for u in updates)
    assert balances_in_pipedrive(pipedrive) == expected_balances(syspro)
    assert tokens_spent(pipedrive) - spent == 10 + 10 + 5 + 20 * 5  # sweep, field list, field create, PATCHes
