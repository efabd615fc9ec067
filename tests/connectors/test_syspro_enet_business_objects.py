"""SYSPRO e.net documents without a server: value rules, XML escaping, journal balance, error parsing."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ml_connector.connectors.syspro.enet import business_objects as bo
from ml_connector.connectors.syspro.enet.errors import (
    BusinessError,
    EnetDocumentInvalidError,
    EnetDuplicateError,
    EnetNotLicensedError,
    EnetSessionExpiredError,
    raise_for_business_errors,
    raise_for_error_text,
)
from ml_connector.connectors.syspro.enet.models import (
    ArCustomer,
    GlJournal,
    GlJournalLine,
    JournalKey,
    SalesOrder,
    SalesOrderLine,
)
from ml_connector.connectors.syspro.enet.queries import Condition, comfnd_query
from ml_connector.connectors.syspro.enet.text import FieldSpec, Overflow, fit, format_decimal, to_cp1252
from ml_connector.connectors.syspro.enet.xml import business_errors, parse, unwrap
from ml_connector.errors import ReferenceMissingError, RemoteAuthError, RemoteRejectedError


def _xml(document: str) -> ET.Element:
    assert document.startswith('<?xml version="1.0" encoding="Windows-1252"?>')
    return ET.fromstring(document.split("?>", 1)[1])


def _order(**changes: object) -> SalesOrder:
    values: dict[str, object] = {
        "customer": "000001",
        "customer_po_number": "100000123",
        "order_date": date(2026, 11, 20),
        "lines": (SalesOrderLine("FG-1001", 2, "12.5", warehouse="AK"),),
    }
    return SalesOrder(**(values | changes))  # type: ignore[arg-type]


def _journal(*amounts: str, reference: str = "100000123") -> GlJournal:
    lines = tuple(GlJournalLine(f"10-4000-{200 + i}", amount) for i, amount in enumerate(amounts))
    return GlJournal(reference, 2026, 11, lines)


# -- value rules ----------------------------------------------------------------------------------


def test_cp1252_rule_keeps_windows_1252_and_maps_the_rest() -> None:
    assert to_cp1252("Zoë Ünal — Łódź 東京 € ﬁne") == "Zoë Ünal — ?ódz ?? € fine"
    assert to_cp1252("  A\x00B\nC\tD\u2028E  ") == "AB C D E"
    assert to_cp1252("Ｆｕｌｌ") == "Full"


@given(st.text())
def test_cp1252_rule_always_yields_encodable_xml_safe_text(value: str) -> None:
    mapped = to_cp1252(value)
    mapped.encode("cp1252")
    element = ET.Element("Name")
    element.text = mapped
    assert ET.fromstring(ET.tostring(element)).text in (mapped, None)


def test_descriptive_text_is_truncated_and_keys_are_refused() -> None:
    assert fit("x" * 10_000, FieldSpec("Name", 50), document="customer 'C1'") == "x" * 50
    assert fit("ab" + " " * 60 + "z", FieldSpec("Name", 50), document="d") == "ab"
    with pytest.raises(EnetDocumentInvalidError, match=r"Customer is 10000 characters long.*holds 15"):
        fit("C" * 10_000, FieldSpec("Customer", 15, Overflow.REFUSE), document="customer 'C'")


def test_numbers_are_plain_rounded_half_up_and_checked_against_the_column() -> None:
    assert format_decimal(Decimal("1E+2"), precision=14, scale=2, name="a", document="d") == "100.00"
    assert format_decimal("2.005", precision=14, scale=2, name="a", document="d") == "2.01"
    assert format_decimal(-0.1, precision=14, scale=2, name="a", document="d") == "-0.10"
    with pytest.raises(EnetDocumentInvalidError, match="does not fit"):
        format_decimal("1" * 13, precision=14, scale=2, name="a", document="d")
    with pytest.raises(EnetDocumentInvalidError, match="negative"):
        format_decimal("-1", precision=14, scale=2, name="price", document="d", allow_negative=False)
    for bad in ("NaN", "Infinity", "12abc", True):
        with pytest.raises(EnetDocumentInvalidError):
            format_decimal(bad, precision=14, scale=2, name="a", document="d")  # type: ignore[arg-type]


# -- builders -------------------------------------------------------------------------------------


def test_sortoi_escapes_every_value_through_the_xml_library() -> None:
    hostile = "PO<1>&\"x\"'y']]>"
    order = _order(customer_po_number=hostile, shipping_instrs="<b>fragile</b> & dry")
    text = bo.sortoi_document(order)
    assert "<1>" not in text
    assert "]]>" not in text
    header = _xml(text).find("Orders/OrderHeader")
    assert header is not None
    assert header.findtext("CustomerPoNumber") == hostile
    assert header.findtext("ShippingInstrs") == "<b>fragile</b> & dry"
    line = _xml(text).find("Orders/OrderDetails/StockLine")
    assert line is not None
    assert (line.findtext("OrderQty"), line.findtext("Price")) == ("2.000000", "12.50000")


def test_sortoi_refuses_what_syspro_cannot_take() -> None:
    with pytest.raises(EnetDocumentInvalidError, match=r"PO '100000123'.*line 1.*price -5 is negative"):
        bo.sortoi_document(_order(lines=(SalesOrderLine("FG-1001", 1, "-5"),)))
    with pytest.raises(EnetDocumentInvalidError, match="quantity is zero"):
        bo.sortoi_document(_order(lines=(SalesOrderLine("FG-1001", 0, "5"),)))
    with pytest.raises(EnetDocumentInvalidError, match="CustomerPoNumber is 31 characters"):
        bo.sortoi_document(_order(customer_po_number="P" * 31))
    with pytest.raises(EnetDocumentInvalidError, match="no lines"):
        bo.sortoi_document(_order(lines=()))
    with pytest.raises(EnetDocumentInvalidError, match="five lines"):
        bo.sortoi_document(_order(ship_address=("a",) * 6))


def test_gentjl_signs_amounts_and_refuses_an_unbalanced_journal() -> None:
    root = _xml(bo.gentjl_document(_journal("150.00", "-100", "-50.004")))
    amounts = [d.findtext("EntryAmount") for d in root.findall("Item/JournalDetails")]
    assert amounts == ["150.00", "-100.00", "-50.00"]
    assert {d.findtext("Reference") for d in root.findall("Item/JournalDetails")} == {"100000123"}
    assert root.findtext("Item/JournalReference") == "100000123"
    with pytest.raises(EnetDocumentInvalidError, match=r"debits 100.00, credits 90.00, difference 10.00"):
        bo.gentjl_document(_journal("100", "-90"))
    with pytest.raises(EnetDocumentInvalidError, match="at least two lines"):
        bo.gentjl_document(_journal("0"))
    with pytest.raises(EnetDocumentInvalidError, match="JournalReference is 31 characters"):
        bo.gentjl_document(_journal("1", "-1", reference="R" * 31))


def test_arsscs_leaves_out_empty_values_and_truncates_names() -> None:
    customer = ArCustomer("WEB1", "N" * 10_000, email="", sold_to=("1 Road", ""), credit_limit="2500.6")
    item = _xml(bo.arsscs_document(customer)).find("Item")
    assert item is not None
    assert item.findtext("Key/Customer") == "WEB1"
    assert item.findtext("Name") == "N" * 50
    assert item.find("Email") is None
    assert item.find("SoldToAddr2") is None
    assert item.findtext("CreditLimit") == "2501"


def test_comfnd_query_has_the_recorded_shape() -> None:
    root = _xml(comfnd_query("SorMaster", ["SalesOrder"], [Condition("CustomerPoNumber", "A&B")], ["SalesOrder"], 5))
    assert root.tag == "Query"
    assert root.findtext("TableName") == "SorMaster"
    assert root.findtext("Where/Expression/Condition") == "EQ"
    assert root.findtext("Where/Expression/Value") == "A&B"
    assert root.findtext("ReturnRows") == "5"


def test_journal_key_round_trips() -> None:
    assert JournalKey(2026, 3, 12).ref == "2026/03/12"
    assert JournalKey.parse("2026/03/12") == JournalKey(2026, 3, 12)


# -- answers and errors ---------------------------------------------------------------------------


def test_error_texts_map_to_the_error_tree() -> None:
    with pytest.raises(EnetSessionExpiredError):
        raise_for_error_text("ERROR: The supplied UserID is invalid. Either ...", doing="x")
    with pytest.raises(EnetNotLicensedError, match="not licensed"):
        raise_for_error_text("ERROR: e.net exception 100000", doing="journal 'J1' (GENTJL)")
    with pytest.raises(RemoteAuthError):
        raise_for_error_text("ERROR: Invalid operator password", doing="logon")
    with pytest.raises(RemoteRejectedError, match=r"rejected journal 'J1' \(GENTJL\): ERROR: Unable"):
        raise_for_error_text("ERROR: Unable to read the SYSPRO base directory", doing="journal 'J1' (GENTJL)")


def test_unwrap_accepts_raw_json_and_wcf_string_bodies() -> None:
    assert unwrap("3EA613166FE4BF47925DF1CEA14E910100  ") == "3EA613166FE4BF47925DF1CEA14E910100"
    assert unwrap('"ABC00"') == "ABC00"
    wrapped = '<string xmlns="http://schemas.microsoft.com/2003/10/Serialization/">ABC00</string>'
    assert unwrap(wrapped) == "ABC00"


RECORDED_INVSWS = """<?xml version="1.0" encoding="Windows-1252"?>
<setupinvwarehouse Language='05' Version='7.0.053'>
  <item><key>x</key><stockcode><Value>1004</Value><ErrorNumber>240004</ErrorNumber>
  <ErrorDescription>Stock code '1004' not found</ErrorDescription></stockcode></item>
  <StatusOfItems><RecordsRead>1</RecordsRead><RecordsInvalid>1</RecordsInvalid></StatusOfItems>
</setupinvwarehouse>"""


def test_recorded_field_error_parks_on_the_missing_stock_code() -> None:
    errors = business_errors(parse(RECORDED_INVSWS, doing="x"))
    assert errors == [BusinessError("stockcode", "1004", "240004", "Stock code '1004' not found")]
    with pytest.raises(ReferenceMissingError) as caught:
        raise_for_business_errors(errors, doing="warehouse setup (INVSWS)")
    assert (caught.value.reference, caught.value.key) == ("stock_code", "1004")


def test_park_only_when_every_error_is_a_missing_reference() -> None:
    period = BusinessError("PostingPeriod", "11", "1", "Posting period 2025/11 is closed")
    with pytest.raises(ReferenceMissingError) as caught:
        raise_for_business_errors([period], doing="j", keys={"posting_period": "2025/11"})
    assert (caught.value.reference, caught.value.key) == ("posting_period", "2025/11")
    assert "Open the posting period" in str(caught.value)
    bad_amount = BusinessError("EntryAmount", "x", "2", "EntryAmount 'x' is not numeric")
    with pytest.raises(RemoteRejectedError, match="not numeric") as hard:
        raise_for_business_errors([period, bad_amount], doing="j")
    assert not isinstance(hard.value, ReferenceMissingError)
    text_only = BusinessError("", "", "", "Ledger code '10-9' does not exist")
    with pytest.raises(ReferenceMissingError) as by_text:
        raise_for_business_errors([text_only], doing="j")
    assert (by_text.value.reference, by_text.value.key) == ("gl_account", "10-9")
    with pytest.raises(EnetDuplicateError):
        raise_for_business_errors([BusinessError("Customer", "C1", "", "Customer 'C1' already exists")], doing="c")


def test_a_body_that_is_not_xml_is_a_protocol_error() -> None:
    from ml_connector.errors import RemoteProtocolError

    with pytest.raises(RemoteProtocolError, match="not valid XML"):
        parse("<SalesOrders><Order>", doing="sales order (SORTOI)")
