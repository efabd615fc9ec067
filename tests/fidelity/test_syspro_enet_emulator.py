"""The SYSPRO e.net emulator against the recorded wire facts in docs/PROTOCOLS.md (VCR cassettes
of a real SYSPRO 7 server, rectella's live SYSPRO 8 notes, XSD-generated shapes). Raw HTTP only: no
connector code, so a shared misunderstanding cannot hide here."""

from __future__ import annotations

import re
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from ml_connector.core.clock import FixedClock
from ml_connector.emulators.faults import FaultPlan, FaultRule
from ml_connector.emulators.syspro_enet.app import create_app

with warnings.catch_warnings():  # starlette 1.x warns at import that it would prefer `httpx2`
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

REST = "/SYSPROWCFService/Rest"
EXPIRED = (
    "ERROR: The supplied UserID is invalid. Either you were not logged in; or your session has expired. "
    "You will need to logon again."
)
# ruby test_query_query.yml request body shape (COMFND.XSD), pointed at a seeded table.
RECORDED_COMFND = """<?xml version="1.0" encoding="Windows-1252"?>
<Query xmlns:xsd="http://www.w3.org/2001/XMLSchema-instance" xsd:noNamespaceSchemaLocation="COMFND.XSD">
  <TableName>InvMaster</TableName>
  <ReturnRows>5</ReturnRows>
  <Columns><Column>StockCode</Column></Columns>
  <Where>
    <Expression>
      <OpenBracket>(</OpenBracket><AndOr>And</AndOr><Column>StockCode</Column>
      <Condition>EQ</Condition><Value>FG-1002</Value><CloseBracket>)</CloseBracket>
    </Expression>
  </Where>
  <OrderBy><Column>StockCode</Column></OrderBy>
</Query>"""


@pytest.fixture
def plan() -> FaultPlan:
    return FaultPlan()


@pytest.fixture
def app(plan: FaultPlan) -> object:
    return create_app(seed=3, faults=plan, clock=FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC)))


@pytest.fixture
def http(app: object) -> Iterator[TestClient]:
    with TestClient(app) as client:  # type: ignore[arg-type]
        yield client


def _logon(http: TestClient, password: str = "enet-pass") -> str:
    return http.get(
        f"{REST}/logon",
        params={"CompanyId": "L", "CompanyPassword": "", "Operator": "ADMIN", "OperatorPassword": password},
    ).text


def _xml(content: bytes) -> ET.Element:
    assert content.startswith(b'<?xml version="1.0" encoding="Windows-1252"?>')
    return ET.fromstring(content)  # honours the declared Windows-1252


def _call(http: TestClient, path: str, user_id: str, bo: str, xml_in: str, params: str = "") -> bytes:
    query = {"UserId": user_id, "BusinessObject": bo, "XmlIn": xml_in}
    if path.startswith(("Transaction", "Setup")):
        query["XmlParameters"] = params
    response = http.get(f"{REST}/{path}", params=query)
    assert response.status_code == 200
    return response.content


def test_logon_answers_a_padded_guid_as_octet_stream(http: TestClient) -> None:
    response = http.get(f"{REST}/logon?CompanyId=L&CompanyPassword=&Operator=ADMIN&OperatorPassword=enet-pass")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["server"] == "Microsoft-HTTPAPI/2.0"
    assert response.headers["content-length"] == "36"
    assert re.fullmatch(r"[0-9A-F]{32}00  ", response.text)


def test_logon_errors_and_missing_parameters(http: TestClient) -> None:
    assert _logon(http, "wrong") == "ERROR: Invalid operator password"
    assert len(_logon(http, "wrong")) == 32  # recorded Content-Length
    assert http.get(f"{REST}/logon?Operator=ADMIN&OperatorPassword=enet-pass&CompanyId=L").status_code == 400


def test_padded_session_id_is_accepted_and_logoff_answers_zero(http: TestClient, app: object) -> None:
    user_id = _logon(http)
    assert user_id.endswith("  ")
    assert http.get(f"{REST}/getversion").text == "7.0.0.6"
    content = _call(http, "Query/Query", user_id, "COMFND", RECORDED_COMFND)  # untrimmed, as ruby sent it
    assert b"<StockCode>FG-1002</StockCode>" in content
    assert http.get(f"{REST}/logoff", params={"UserId": user_id}).text == "0"
    assert http.get(f"{REST}/logoff", params={"UserId": user_id}).text.startswith("ERROR: Unable to read")
    assert _call(http, "Query/Query", user_id, "COMFND", RECORDED_COMFND).decode() == EXPIRED


def test_paths_and_parameter_names_are_case_insensitive_and_both_space_encodings_decode(http: TestClient) -> None:
    user_id = _logon(http).strip()
    query = RECORDED_COMFND.replace("InvMaster", "ArCustomer").replace("StockCode", "Name")
    query = query.replace("FG-1002", "Acme Fabrication")
    from urllib.parse import quote, quote_plus

    for quoting in (quote, quote_plus):
        url = f"/sysprowcfservice/rest/QUERY/query?userid={user_id}&businessobject=COMFND&xmlin={quoting(query)}"
        assert b"<Name>Acme Fabrication</Name>" in http.get(url).content


def test_comfnd_answer_has_the_recorded_shape(http: TestClient) -> None:
    content = _call(http, "Query/Query", _logon(http), "COMFND", RECORDED_COMFND)
    root = _xml(content)
    assert root.tag == "InvMaster"
    assert root.attrib["Language"] == "05"
    assert root.attrib["Version"] == "7.0.053"
    assert root.findtext("HeaderDetails/TableName") == "InvMaster"
    assert [row.findtext("StockCode") for row in root.findall("Row")] == ["FG-1002"]
    assert root.findtext("RowsReturned") == "       1"


def test_answers_are_windows_1252_bytes(http: TestClient, app: object) -> None:
    app.state.emulator.add_customer("EUR1", "Café € Société")  # type: ignore[attr-defined]
    query = RECORDED_COMFND.replace("InvMaster", "ArCustomer").replace("StockCode", "Customer")
    query = query.replace("FG-1002", "EUR1").replace(
        "<Column>Customer</Column></Columns>", "<Column>Name</Column></Columns>"
    )
    content = _call(http, "Query/Query", _logon(http), "COMFND", query)
    assert "Café € Société".encode("cp1252") in content
    assert _xml(content).findtext("Row/Name") == "Café € Société"


def test_unknown_business_object_is_the_licence_error(http: TestClient) -> None:
    answer = _call(http, "Transaction/Post", _logon(http), "ARSTPY", "<PostArPayment/>", "<PostArPayment/>")
    assert answer == b"ERROR: e.net exception 100000"


GENTJL_PARAMS = "<PostGlJournal><Parameters><ValidateOnly>N</ValidateOnly></Parameters></PostGlJournal>"


def _journal(period: str, *lines: tuple[str, str]) -> str:
    details = "".join(
        f"<JournalDetails><LedgerCode>{code}</LedgerCode><EntryAmount>{amount}</EntryAmount>"
        f"<UnknownElement>ignored</UnknownElement></JournalDetails>"
        for code, amount in lines
    )
    return f"<PostGlJournal><Item><JournalReference>J-1</JournalReference><PostingYear>{period[:4]}</PostingYear>" \
        f"<PostingPeriod>{period[5:]}</PostingPeriod>{details}</Item></PostGlJournal>"  # fmt: skip


def test_gentjl_posts_and_answers_the_lower_case_output_shape(http: TestClient, app: object) -> None:
    xml_in = _journal("2026/11", ("10-1100-100", "150.00"), ("10-4000-200", "-150.00"))
    root = _xml(_call(http, "Transaction/Post", _logon(http), "GENTJL", xml_in, GENTJL_PARAMS))
    assert root.tag == "postgljournal"
    key = root.find("Item/Transaction/Key")
    assert key is not None
    assert (key.findtext("GlYear"), key.findtext("GlPeriod"), key.findtext("GlJournal")) == ("2026", "11", "1")
    assert root.findtext("StatusOfItems/JournalsProcessed") == "000001"
    assert root.findtext("StatusOfItems/PostingsProcessed") == "000002"


@pytest.mark.parametrize(
    ("period", "lines", "field", "message"),
    [
        ("2026/11", (("10-1100-100", "100"), ("10-4000-200", "-90")), "EntryAmount", "Journal does not balance"),
        ("2025/06", (("10-1100-100", "1"), ("10-4000-200", "-1")), "PostingPeriod", "2025/06 is closed"),
        ("2026/12", (("10-1100-100", "1"), ("10-4000-200", "-1")), "PostingPeriod", "future period"),
        ("2024/06", (("10-1100-100", "1"), ("10-4000-200", "-1")), "PostingYear", "not the current or previous"),
        ("2026/11", (("10-9999-100", "1"), ("10-4000-200", "-1")), "LedgerCode", "Ledger code '10-9999-100' not found"),
        ("2026/11", (("10-1100-100", "1.005"), ("10-4000-200", "-1.005")), "EntryAmount", "does not fit"),
    ],
)
def test_gentjl_validation_answers_field_errors(
    http: TestClient, app: object, period: str, lines: tuple[tuple[str, str], ...], field: str, message: str
) -> None:
    root = _xml(_call(http, "Transaction/Post", _logon(http), "GENTJL", _journal(period, *lines), GENTJL_PARAMS))
    errors = [
        (node.tag, node.findtext("ErrorDescription") or "")
        for node in root.iter()
        if node.find("ErrorDescription") is not None
    ]
    assert any(tag == field and message in text for tag, text in errors), errors
    assert root.find("Item/Transaction") is None
    assert root.findtext("StatusOfItems/JournalsProcessed") == "000000"
    assert app.state.emulator.rows("GenJournalCtl") == []  # type: ignore[attr-defined]


SORTOI_PARAMS = "<SalesOrders><Parameters><IgnoreWarnings>W</IgnoreWarnings></Parameters></SalesOrders>"


def _order(customer: str, quantity: str, price: str) -> str:
    return (
        f"<SalesOrders><Orders><OrderHeader><CustomerPoNumber>PO-1</CustomerPoNumber><Customer>{customer}</Customer>"
        f"</OrderHeader><OrderDetails><StockLine><StockCode>FG-1001</StockCode><OrderQty>{quantity}</OrderQty>"
        f"<Price>{price}</Price></StockLine></OrderDetails></Orders></SalesOrders>"
    )


def test_sortoi_success_and_failure_shapes(http: TestClient) -> None:
    user_id = _logon(http)
    ok = _xml(_call(http, "Transaction/Post", user_id, "SORTOI", _order("000001", "2", "12.5"), SORTOI_PARAMS))
    assert re.fullmatch(r"\d{6}", ok.findtext("Order/SalesOrder") or "")
    assert ok.findtext("StatusOfItems/ItemsProcessed") == "000001"
    for customer, quantity, price, message in (
        ("NOPE", "1", "1", "Customer 'NOPE' not found"),
        ("000001", "-1", "1", "OrderQty may not be negative"),
        ("000001", "1", "1234567890.123456", "is not numeric"),  # 16 significant digits
    ):
        bad = _xml(_call(http, "Transaction/Post", user_id, "SORTOI", _order(customer, quantity, price), SORTOI_PARAMS))
        assert bad.findtext("Order/SalesOrder") == ""  # failure = Order with an empty SalesOrder
        assert message in " ".join(e.text or "" for e in bad.iter("ErrorDescription"))
        assert bad.findtext("StatusOfItems/ItemsInvalid") == "000001"


def test_setup_errors_copy_the_recorded_invsws_shape(http: TestClient) -> None:
    xml_in = "<SetupArCustomer><Item><Key><Customer>000001</Customer></Key><Name>Dup</Name></Item></SetupArCustomer>"
    params = "<SetupArCustomer><Parameters><ValidateOnly>N</ValidateOnly></Parameters></SetupArCustomer>"
    root = _xml(_call(http, "Setup/Add", _logon(http), "ARSSCS", xml_in, params))
    assert root.tag == "setuparcustomer"
    field = root.find("item/customer")
    assert field is not None
    assert field.findtext("Value") == "000001"
    assert field.findtext("ErrorDescription") == "Customer '000001' already exists"
    assert field.findtext("ErrorNumber")
    assert (root.findtext("StatusOfItems/RecordsRead"), root.findtext("StatusOfItems/RecordsInvalid")) == (
        "000001",
        "000001",
    )


def test_overlong_values_are_refused_field_by_field(http: TestClient) -> None:
    xml_in = (
        f"<SetupArCustomer><Item><Key><Customer>NEW1</Customer></Key><Name>{'x' * 51}</Name></Item></SetupArCustomer>"
    )
    root = _xml(_call(http, "Setup/Add", _logon(http), "ARSSCS", xml_in, "<SetupArCustomer/>"))
    assert root.findtext("item/name/ErrorDescription") == "Name exceeds the maximum length of 50 characters"


def test_fetch_and_browse(http: TestClient) -> None:
    user_id = _logon(http)
    fetch = "<Fetch><TableName>InvMaster</TableName><Key>FG-1003</Key><FullKeyProvided>Y</FullKeyProvided></Fetch>"
    row = _xml(http.get(f"{REST}/Query/Fetch", params={"UserId": user_id, "XmlIn": fetch}).content)
    assert (row.tag, row.findtext("StockCode"), row.find("TimeStamp")) == ("InvMaster", "FG-1003", None)
    browse = "<Browse><BrowseName>LabbeeInvWhControl</BrowseName><StartAtKey/><ReturnRows>2</ReturnRows></Browse>"
    page = _xml(http.get(f"{REST}/Query/Browse", params={"UserId": user_id, "XmlIn": browse}).content)
    assert [r.findtext("Warehouse/Value") for r in page.findall("Row")] == ["AK", "FG"]
    assert (page.findtext("NextPrevKey/NextKey"), page.findtext("NextPrevKey/Fwd")) == ("FR", "True")


def test_fault_kinds_and_call_counts(http: TestClient, app: object, plan: FaultPlan) -> None:
    user_id = _logon(http)
    plan.add(FaultRule("session_expiry", path=r"\?BusinessObject=COMFND$", count=1))
    assert _call(http, "Query/Query", user_id, "COMFND", RECORDED_COMFND).decode() == EXPIRED
    assert _call(http, "Query/Query", _logon(http), "COMFND", RECORDED_COMFND).startswith(b"<?xml")
    plan.add(FaultRule("error_text", path="Query/Query", count=1, body="ERROR: Deadlock, try again"))
    assert _call(http, "Query/Query", _logon(http), "COMFND", RECORDED_COMFND) == b"ERROR: Deadlock, try again"
    plan.add(FaultRule("status", path="Query/Query", status=503, count=1))
    assert http.get(f"{REST}/Query/Query", params={"UserId": user_id}).status_code == 503
    calls = app.state.emulator.calls  # type: ignore[attr-defined]
    assert (calls["Logon"], calls["COMFND"]) == (3, 3)  # the 503 never reached the emulator


def test_invoicing_an_imported_order_creates_the_ar_invoice(http: TestClient, app: object) -> None:
    user_id = _logon(http)
    ok = _xml(_call(http, "Transaction/Post", user_id, "SORTOI", _order("000002", "3", "10"), SORTOI_PARAMS))
    invoice = app.state.emulator.invoice_order(ok.findtext("Order/SalesOrder"))  # type: ignore[attr-defined]
    query = RECORDED_COMFND.replace("InvMaster", "ArInvoice").replace("StockCode", "CustomerPoNumber")
    query = query.replace("FG-1002", "PO-1").replace(
        "<Column>CustomerPoNumber</Column></Columns>",
        "<Column>Invoice</Column><Column>CurrencyValue</Column><Column>DocumentType</Column></Columns>",
    )
    row = _xml(_call(http, "Query/Query", user_id, "COMFND", query)).find("Row")
    assert row is not None
    assert (row.findtext("Invoice"), row.findtext("CurrencyValue"), row.findtext("DocumentType")) == (
        invoice,
        "          30.00",
        "I",
    )
