"""Hostile values through the e.net client and emulator on a real socket: XML metacharacters, 10 kB
text, non-Latin and control characters, negative amounts. Each is posted and read back equal modulo
the documented rules (README "e.net: value rules"), or refused before anything is sent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from ml_connector.connectors.syspro.enet.client import SysproEnetClient
from ml_connector.connectors.syspro.enet.errors import EnetDocumentInvalidError
from ml_connector.connectors.syspro.enet.models import (
    ArCustomer,
    GlJournal,
    GlJournalLine,
    SalesOrder,
    SalesOrderLine,
)

EnetPair = tuple[Any, SysproEnetClient]
METACHARACTERS = "Fish & Chips <Ltd> \"Q\" 'S' ]]> &amp; --> <!--"


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        (METACHARACTERS, METACHARACTERS),
        ("Zoë Ünal — Łódź 東京 € ﬁne", "Zoë Ünal — ?ódz ?? € fine"),  # Windows-1252 rule
        ("Line one\nLine\ttwo\x00\x07 end", "Line one Line two end"),  # control characters
        ("  padded  ", "padded"),
        ("W" * 10_000, "W" * 50),  # ArCustomer.Name varchar(50): truncated
        ("é" * 10_000, "é" * 50),  # width counts Windows-1252 bytes, one per character
    ],
)
def test_customer_names_round_trip_under_the_documented_rules(enet_pair: EnetPair, sent: str, stored: str) -> None:
    _, enet = enet_pair
    with enet:
        enet.upsert_customer(ArCustomer("WEB777", sent, sold_to=(sent, "x"), contact=sent))
        read = enet.get_customer("WEB777")
    assert read is not None
    assert read.name == stored
    assert read.sold_to[0] == stored[:40].rstrip()
    assert read.contact == stored[:50]


def test_a_10kb_key_or_email_is_refused_before_sending(enet_pair: EnetPair) -> None:
    app, enet = enet_pair
    with enet:
        with pytest.raises(EnetDocumentInvalidError, match=r"Customer is 10000 characters long.*holds 15"):
            enet.upsert_customer(ArCustomer("C" * 10_000, "Name"))
        with pytest.raises(EnetDocumentInvalidError, match=r"Email is 10012 characters long.*holds 255"):
            enet.upsert_customer(ArCustomer("WEB1", "Name", email="a" * 10_000 + "@example.com"))
    assert app.state.emulator.calls["ARSSCS"] == 0
    assert app.state.emulator.calls["COMFND"] == 0


def test_order_with_hostile_po_and_texts_is_posted_and_found(enet_pair: EnetPair) -> None:
    app, enet = enet_pair
    po = "#1<2>&\"3\"'4' €"
    order = SalesOrder(
        "000003", po, date(2026, 11, 20),
        (SalesOrderLine("NS-1", 1, "9.99", stocked=False, description="Ünïcödé " + "d" * 10_000),),
        ship_address=("<script>alert(1)</script>", "東京都 1-2-3"), shipping_instrs="Leave & go",
    )  # fmt: skip
    with enet:
        number = enet.post_sales_order(order)
        assert enet.find_order_by_customer_po(po) == number
    master = app.state.emulator.get("SorMaster", number)
    assert master["CustomerPoNumber"] == po
    assert (master["ShipAddress1"], master["ShipAddress2"]) == ("<script>alert(1)</script>", "??? 1-2-3")
    assert master["ShippingInstrs"] == "Leave & go"
    (line,) = [r for r in app.state.emulator.rows("SorDetail") if r["SalesOrder"] == number]
    assert line["MStockDes"] == ("Ünïcödé " + "d" * 50)[:50]


def test_negative_amounts_post_as_credits_and_refunds_are_refused_as_orders(enet_pair: EnetPair) -> None:
    app, enet = enet_pair
    refund = GlJournal(
        "RMA-<7>&'8'", 2026, 11,
        (GlJournalLine("10-4100-200", "250.00", "Refund <RMA>"), GlJournalLine("10-1100-100", "-250.00", "& credit")),
    )  # fmt: skip
    with enet:
        ref = enet.post_journal(refund)
        assert enet.find_journal_by_reference("RMA-<7>&'8'") == ref
        with pytest.raises(EnetDocumentInvalidError, match=r"line 1.*price -19.99 is negative"):
            enet.post_sales_order(
                SalesOrder("000001", "R-1", date(2026, 11, 20), (SalesOrderLine("FG-1001", 1, Decimal("-19.99")),))
            )
        with pytest.raises(EnetDocumentInvalidError, match="does not balance"):
            enet.post_journal(
                GlJournal("R-2", 2026, 11, (GlJournalLine("10-1100-100", "-5"), GlJournalLine("10-4000-200", "-5")))
            )
    rows = sorted(
        (r["GlCode"], r["EntryType"], r["EntryValue"], r["Comment"])
        for r in app.state.emulator.rows("GenJournalDetail")
    )
    assert rows == [
        ("10-1100-100", "C", Decimal("-250.00"), "& credit"),
        ("10-4100-200", "D", Decimal("250.00"), "Refund <RMA>"),
    ]
    assert app.state.emulator.calls["SORTOI"] == 0


def test_emulator_would_reject_what_the_client_truncates(make_enet: Callable[..., EnetPair]) -> None:
    """The truncation rule is the client's: the emulator refuses an over-long Name, so the round-trip
    test above proves the client truncated, not the server."""
    app, enet = make_enet()
    from ml_connector.connectors.syspro.enet import business_objects as bo

    long_name = bo.arsscs_document(ArCustomer("WEB2", "N" * 50)).replace("N" * 50, "N" * 51)
    with enet:
        text = enet.session.call(
            "/Setup/Add",
            {"BusinessObject": "ARSSCS", "XmlParameters": bo.arsscs_parameters(), "XmlIn": long_name},
            doing="raw ARSSCS",
            idempotent=False,
        )
    assert "Name exceeds the maximum length of 50 characters" in text
    assert app.state.emulator.get("ArCustomer", "WEB2") is None
