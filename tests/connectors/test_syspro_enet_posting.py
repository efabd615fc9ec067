"""Posting and lookups against the e.net emulator on a real socket: SORTOI orders, GENTJL journals,
ARSSCS customers, lookups by the external reference, periods, GL accounts, park vs reject."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from ml_connector.connectors.syspro.enet.client import SysproEnetClient
from ml_connector.connectors.syspro.enet.errors import EnetDocumentInvalidError, EnetDuplicateError
from ml_connector.connectors.syspro.enet.models import (
    ArCustomer,
    GlJournal,
    GlJournalLine,
    SalesOrder,
    SalesOrderLine,
)
from ml_connector.errors import ReferenceMissingError, RemoteRejectedError

EnetPair = tuple[Any, SysproEnetClient]


def _order(po: str, customer: str = "000001", *lines: SalesOrderLine) -> SalesOrder:
    lines = lines or (
        SalesOrderLine("FG-1001", 2, "12.50", warehouse="AK", uom="EA"),
        SalesOrderLine("WEB-GIFTWRAP", 1, "3.00", stocked=False, description="Gift wrap", product_class="SVC"),
    )
    return SalesOrder(customer, po, date(2026, 11, 20), lines, freight_value="7.95", email="buyer@example.com")


def _journal(reference: str, year: int = 2026, period: int = 11, ledger: str = "10-4000-200") -> GlJournal:
    lines = (
        GlJournalLine("10-1100-100", "119.00", "Order 100000123 receivable"),
        GlJournalLine(ledger, "-100.00", "Sales"),
        GlJournalLine("10-2200-100", "-19.00", "Sales tax"),
    )
    return GlJournal(reference, year, period, lines, journal_date=date(2026, 11, 20), notation="Commerce order")


def test_sales_order_is_imported_and_found_by_its_customer_po(enet_pair: EnetPair) -> None:
    app, enet = enet_pair
    with enet:
        number = enet.post_sales_order(_order("100000123"))
        assert enet.find_order_by_customer_po("100000123") == number
        assert enet.find_order_by_customer_po("100000123", customer="000001") == number
        assert enet.find_order_by_customer_po("100000124") is None
    state = app.state.emulator
    master = state.get("SorMaster", number)
    assert (master["Customer"], master["CustomerPoNumber"], master["Email"]) == (
        "000001",
        "100000123",
        "buyer@example.com",
    )
    lines = sorted(
        (r["LineType"], r.get("MStockCode"), r.get("MOrderQty"), r.get("MPrice"), r.get("NMscChargeValue"))
        for r in state.rows("SorDetail")
        if r["SalesOrder"] == number
    )  # fmt: skip
    assert lines == [
        ("1", "FG-1001", Decimal("2.000000"), Decimal("12.50000"), None),
        ("4", None, None, None, Decimal("7.95")),
        ("7", "WEB-GIFTWRAP", Decimal("1.000000"), Decimal("3.00000"), None),
    ]


def test_a_status_only_success_still_returns_the_new_order(make_enet: Callable[..., EnetPair]) -> None:
    app, enet = make_enet(sortoi_success="status_only")
    with enet:
        number = enet.post_sales_order(_order("100000200"))
    assert app.state.emulator.get("SorMaster", number)["CustomerPoNumber"] == "100000200"
    assert app.state.emulator.calls["COMFND"] == 1  # the lookup that found the number


def test_unknown_customer_stock_code_or_warehouse_parks_the_order(enet_pair: EnetPair) -> None:
    app, enet = enet_pair
    with enet:
        with pytest.raises(ReferenceMissingError) as customer:
            enet.post_sales_order(_order("100000300", "NOPE99"))
        with pytest.raises(ReferenceMissingError) as stock:
            enet.post_sales_order(_order("100000301", "000001", SalesOrderLine("FG-9999", 1, "1")))
        with pytest.raises(ReferenceMissingError) as warehouse:
            enet.post_sales_order(_order("100000302", "000001", SalesOrderLine("FG-1001", 1, "1", warehouse="ZZ")))
    assert (customer.value.reference, customer.value.key) == ("customer", "NOPE99")
    assert "sales order for customer PO '100000300' (SORTOI)" in str(customer.value)
    assert (stock.value.reference, stock.value.key) == ("stock_code", "FG-9999")
    assert (warehouse.value.reference, warehouse.value.key) == ("warehouse", "ZZ")
    assert app.state.emulator.rows("SorMaster") == []


def test_second_order_with_the_same_po_is_accepted_as_syspro_ships(enet_pair: EnetPair) -> None:
    """SYSPRO's duplicate-PO check is off by default: nothing on the target keeps an order single."""
    app, enet = enet_pair
    with enet:
        first = enet.post_sales_order(_order("100000400"))
        second = enet.post_sales_order(_order("100000400"))
    assert first != second
    assert len(app.state.emulator.rows("SorMaster")) == 2


def test_second_order_with_the_same_po_is_refused_where_the_site_turned_the_check_on(
    make_enet: Callable[..., EnetPair],
) -> None:
    app, enet = make_enet(refuse_duplicate_po=True)
    with enet:
        first = enet.post_sales_order(_order("100000400"))
        with pytest.raises(EnetDuplicateError, match=f"already exists on sales order {first}"):
            enet.post_sales_order(_order("100000400"))
    assert len(app.state.emulator.rows("SorMaster")) == 1


def test_customer_on_hold_is_a_warning_and_the_order_posts(enet_pair: EnetPair) -> None:
    app, enet = enet_pair
    with enet:
        number = enet.post_sales_order(_order("100000500", "000012"))
    assert app.state.emulator.get("SorMaster", number)["Customer"] == "000012"


def test_journal_posts_signed_lines_and_is_found_by_its_reference(enet_pair: EnetPair) -> None:
    app, enet = enet_pair
    with enet:
        ref = enet.post_journal(_journal("100000123"))
        assert enet.find_journal_by_reference("100000123") == ref
        assert enet.find_journal_by_reference("100000999") is None
    assert ref == "2026/11/1"
    detail = sorted(
        (r["EntryNumber"], r["GlCode"], r["EntryType"], r["EntryValue"])
        for r in app.state.emulator.rows("GenJournalDetail")
    )  # fmt: skip
    assert detail == [
        (1, "10-1100-100", "D", Decimal("119.00")),
        (2, "10-4000-200", "C", Decimal("-100.00")),
        (3, "10-2200-100", "C", Decimal("-19.00")),
    ]
    assert len(app.state.emulator.rows("GenTransaction")) == 3


def test_closed_period_parks_the_journal_until_the_period_opens(enet_pair: EnetPair) -> None:
    app, enet = enet_pair
    with enet:
        with pytest.raises(ReferenceMissingError) as caught:
            enet.post_journal(_journal("100000600", year=2025, period=11))
        assert (caught.value.reference, caught.value.key) == ("posting_period", "2025/11")
        assert "Posting period 2025/11 is closed" in str(caught.value)
        assert app.state.emulator.rows("GenJournalCtl") == []
        app.state.emulator.open_period(2025, 11)
        assert enet.post_journal(_journal("100000600", year=2025, period=11)) == "2025/11/1"


def test_unknown_gl_account_parks_the_journal(enet_pair: EnetPair) -> None:
    _, enet = enet_pair
    with enet, pytest.raises(ReferenceMissingError) as caught:
        enet.post_journal(_journal("100000700", ledger="10-4999-200"))
    assert (caught.value.reference, caught.value.key) == ("gl_account", "10-4999-200")


def test_unbalanced_journal_is_refused_before_anything_is_sent(enet_pair: EnetPair) -> None:
    app, enet = enet_pair
    unbalanced = GlJournal(
        "100000800", 2026, 11, (GlJournalLine("10-1100-100", "100"), GlJournalLine("10-4000-200", "-90"))
    )
    with enet, pytest.raises(EnetDocumentInvalidError, match=r"does not balance: debits 100.00, credits 90.00"):
        enet.post_journal(unbalanced)
    assert app.state.emulator.calls["GENTJL"] == 0


def test_period_and_gl_account_checks(enet_pair: EnetPair) -> None:
    app, enet = enet_pair
    state = app.state.emulator
    with enet:
        assert enet.period_open(2026, 11) is True
        assert enet.period_open(2025, 11) is False  # closed
        assert enet.period_open(2026, 12) is False  # future
        state.close_period(2026, 10)
        assert enet.period_open(2026, 10) is False
        assert enet.gl_account_exists("10-4000-200") is True
        assert enet.gl_account_exists("10-4000-999") is False
    assert state.rows("GenJournalCtl") == []  # validate-only probes post nothing


def test_customer_upsert_read_back_and_changes_since(enet_pair: EnetPair) -> None:
    _, enet = enet_pair
    customer = ArCustomer(
        "WEB000123", "Riverside Pumps LLC", short_name="RIVERSIDE", email="ap@riverside.example",
        telephone="555-0100", branch="02", currency="USD", credit_limit=Decimal(5000),
        sold_to=("12 Mill Road", "Suite 4", "Riverside"), sold_postal_code="92501",
        ship_to=("Dock 3", "12 Mill Road"), ship_postal_code="92501",
    )  # fmt: skip
    with enet:
        everyone = enet.list_customers_changed_since(0, page_size=5)
        assert [c.customer for c in everyone.customers] == [f"{n:06d}" for n in range(1, 13)]
        assert enet.upsert_customer(customer) == "WEB000123"
        read = enet.get_customer("WEB000123")
        assert read is not None
        assert read.rowversion is not None
        assert read == ArCustomer(**(vars(customer) | {"terms_code": "30", "rowversion": read.rowversion}))
        changed = enet.list_customers_changed_since(everyone.watermark)
        assert [c.customer for c in changed.customers] == ["WEB000123"]
        enet.upsert_customer(ArCustomer("WEB000123", "Riverside Pumps Inc", on_hold=True))
        again = enet.list_customers_changed_since(changed.watermark)
        assert [(c.name, c.on_hold, c.email) for c in again.customers] == [
            ("Riverside Pumps Inc", True, "ap@riverside.example")  # empty values leave fields alone
        ]
        assert enet.list_customers_changed_since(again.watermark).customers == ()
        assert enet.get_customer("NOBODY") is None


def test_customer_setup_errors_are_clear(enet_pair: EnetPair) -> None:
    _, enet = enet_pair
    with enet, pytest.raises(RemoteRejectedError, match=r"customer 'WEB1' \(ARSSCS\).*Branch '99' not found"):
        enet.upsert_customer(ArCustomer("WEB1", "Bad Branch Co", branch="99"))
