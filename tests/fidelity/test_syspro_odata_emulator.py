"""Fidelity of the SYSPRO OData v4 emulator: auth, paging, $filter semantics, $metadata, data, mutations."""

from __future__ import annotations

import base64
import json
import re
import threading
import warnings
from collections import defaultdict
from datetime import UTC, date, datetime
from urllib.parse import quote

import defusedxml.ElementTree as SafeET
import pytest

from ml_connector.emulators.faults import FaultPlan, FaultRule
from ml_connector.emulators.syspro_odata.app import REALM, create_app, credentials_header
from ml_connector.emulators.syspro_odata.errors import EmulatorError
from ml_connector.emulators.syspro_odata.tables import TABLES

with warnings.catch_warnings():  # starlette warns that its TestClient will move to httpx2
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

ROOT = "/SYSPRO8OData/SYSPROOData/A"
NOW = datetime(2026, 4, 2, 9, 30, tzinfo=UTC)
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"


def make(**options):
    app = create_app(clock=lambda: NOW, **options)
    return app, TestClient(app), credentials_header(app)


@pytest.fixture(scope="module")
def seeded():
    """Read-only tests share one default app."""
    return make()


@pytest.fixture
def fresh():
    """Tests that write get their own app."""
    return make()


def get(client, headers, url, status=200):
    response = client.get(url, headers=headers)
    assert response.status_code == status, response.text
    return response.json()


def walk(client, headers, url):
    """Follow @odata.nextLink to the end; returns (rows, number of pages)."""
    rows, pages = [], 0
    while url:
        body = get(client, headers, url)
        rows.extend(body["value"])
        pages += 1
        url = body.get("@odata.nextLink")
    return rows, pages


def keys(table, rows):
    return [tuple(r[k] for k in TABLES[table].key) for r in rows]


# -- auth and URL shape -----------------------------------------------------------------------------


def test_basic_auth_is_required_and_failure_is_an_odata_401(seeded):
    app, client, headers = seeded
    creds = app.state.credentials
    assert set(creds) == {"operator", "password", "company"}
    assert creds["company"] == "A"
    wrong = {"Authorization": "Basic " + base64.b64encode(f"{creds['operator']}:nope".encode()).decode()}
    for bad in ({}, wrong, {"Authorization": "Basic !!notbase64"}, {"Authorization": "Bearer x"}):
        response = client.get(f"{ROOT}/GenMaster", headers=bad)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == REALM == 'Basic realm="SYSPRO OData"'
        assert response.json()["error"]["message"]
    assert client.get(f"{ROOT}/$metadata").status_code == 401
    assert client.get(f"{ROOT}/GenMaster", headers=headers).status_code == 200


def test_both_company_path_shapes_serve_the_same_rows(seeded):
    _, client, headers = seeded
    short = get(client, headers, f"{ROOT}/ApSupplier?$top=5")
    long = get(client, headers, "/SYSPRO8OData/SYSPROOData/SysproCompanyA/ApSupplier?$top=5")
    assert short["value"] == long["value"]
    assert len(short["value"]) == 5
    assert long["@odata.context"].endswith("/SysproCompanyA/$metadata#ApSupplier")


@pytest.mark.parametrize(
    "path", ["/SYSPRO8OData/SYSPROOData/B/GenMaster", f"{ROOT}/GenCostCentre", f"{ROOT}/Nope", f"{ROOT}/GenMaster('x')"]
)
def test_unknown_company_entity_set_or_key_is_an_odata_404(seeded, path):
    _, client, headers = seeded
    response = client.get(path, headers=headers)
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"]
    assert error["message"]


def test_envelope_content_type_and_context(seeded):
    _, client, headers = seeded
    response = client.get(f"{ROOT}/GenMaster?$top=1", headers=headers)
    assert response.headers["content-type"] == "application/json; odata.metadata=minimal"
    assert response.headers["OData-Version"] == "4.0"
    body = response.json()
    assert list(body) == ["@odata.context", "value"]
    assert body["@odata.context"] == f"http://testserver{ROOT}/$metadata#GenMaster"


def test_service_is_read_only(seeded):
    _, client, headers = seeded
    response = client.post(f"{ROOT}/GenMaster", headers=headers, json={"GlCode": "x"})
    assert response.status_code == 405
    assert response.json()["error"]["code"]


def test_entity_by_single_and_composite_key(seeded):
    app, client, headers = seeded
    invoice = app.state.emulator.rows("ArInvoice")[7]
    path = (
        f"{ROOT}/ArInvoice(Customer='{invoice['Customer']}',Invoice='{invoice['Invoice']}',"
        f"DocumentType='{invoice['DocumentType']}')"
    )
    body = get(client, headers, path)
    assert body["Invoice"] == invoice["Invoice"]
    assert body["@odata.context"].endswith("#ArInvoice/$entity")
    assert get(client, headers, f"{ROOT}/GenMaster('10-1000-100')")["AccountType"] == "A"
    assert get(client, headers, f"{ROOT}/GenMaster('10-0000-100')", status=404)["error"]


# -- paging ---------------------------------------------------------------------------------------


def test_page_cap_and_next_link_walk_returns_every_row_exactly_once():
    app, client, headers = make(page_cap=1000, scale={"GenTransaction": 12_345})
    rows, pages = walk(client, headers, f"{ROOT}/GenTransaction")
    assert pages == 13
    assert len(rows) == 12_345
    assert len(set(keys("GenTransaction", rows))) == 12_345
    assert rows == app.state.emulator.rows("GenTransaction")
    first = get(client, headers, f"{ROOT}/GenTransaction")
    assert len(first["value"]) == 1000
    assert first["@odata.nextLink"] == f"http://testserver{ROOT}/GenTransaction?$skip=1000"


def test_top_above_cap_returns_cap_rows_then_a_link_for_the_rest():
    _, client, headers = make(page_cap=1000, scale={"GenTransaction": 5000})
    body = get(client, headers, f"{ROOT}/GenTransaction?$top=2500&$skip=10")
    assert len(body["value"]) == 1000
    assert body["@odata.nextLink"].endswith("GenTransaction?$top=1500&$skip=1010")
    rows, pages = walk(client, headers, f"{ROOT}/GenTransaction?$top=2500&$skip=10")
    assert (len(rows), pages) == (2500, 3)
    small = get(client, headers, f"{ROOT}/GenTransaction?$top=999")
    assert len(small["value"]) == 999
    assert "@odata.nextLink" not in small


def test_next_link_keeps_filter_select_orderby_and_count():
    app, client, headers = make(page_cap=700)
    query = (
        "$filter=" + quote("JnlDate ge 2025-07-01 and Source ne 'GL'") + "&$select=Journal,EntryValue,GlCode"
        "&$orderby=" + quote("EntryValue desc,GlCode") + "&$count=true"
    )
    body = get(client, headers, f"{ROOT}/GenTransaction?{query}")
    link = body["@odata.nextLink"]
    assert "$filter=JnlDate%20ge%202025-07-01%20and%20Source%20ne%20'GL'" in link
    assert "$select=Journal,EntryValue,GlCode" in link
    assert "$orderby=EntryValue%20desc,GlCode" in link
    rows, _ = walk(client, headers, f"{ROOT}/GenTransaction?{query}")
    expected = [
        r
        for r in app.state.emulator.rows("GenTransaction")
        if r["JnlDate"] >= "2025-07-01T00:00:00Z" and r["Source"] != "GL"
    ]
    expected.sort(key=lambda r: r["GlCode"])
    expected.sort(key=lambda r: r["EntryValue"], reverse=True)
    assert body["@odata.count"] == len(expected) > 700
    assert rows == [{"Journal": r["Journal"], "EntryValue": r["EntryValue"], "GlCode": r["GlCode"]} for r in expected]


def test_next_links_can_be_switched_off():
    _, client, headers = make(page_cap=100, next_links=False)
    body = get(client, headers, f"{ROOT}/GenMaster?$count=true")
    assert len(body["value"]) == 100
    assert body["@odata.count"] == 150
    assert "@odata.nextLink" not in body


def test_top_skip_edges(seeded):
    _, client, headers = seeded
    assert get(client, headers, f"{ROOT}/GenMaster?$skip=150")["value"] == []
    assert get(client, headers, f"{ROOT}/GenMaster?$top=0&$count=true") == {
        "@odata.context": f"http://testserver{ROOT}/$metadata#GenMaster",
        "@odata.count": 150,
        "value": [],
    }
    for bad in ("$top=-1", "$skip=x", "$count=yes", "$top=1&$top=2", "$expand=Lines", "$bogus=1"):
        assert get(client, headers, f"{ROOT}/GenMaster?{bad}", status=400)["error"]["message"]
    assert len(get(client, headers, f"{ROOT}/GenMaster?$top=2&custom=ignored")["value"]) == 2


def test_count_segment(seeded):
    app, client, headers = seeded
    response = client.get(f"{ROOT}/ArInvoice/$count?$filter=DocumentType eq 'C'", headers=headers)
    expected = sum(r["DocumentType"] == "C" for r in app.state.emulator.rows("ArInvoice"))
    assert response.status_code == 200
    assert int(response.text) == expected > 0


# -- $filter ----------------------------------------------------------------------------------------


def filtered(client, headers, table, expression, **extra):
    params = "&".join(f"{k}={quote(str(v))}" for k, v in extra.items())
    rows, _ = walk(client, headers, f"{ROOT}/{table}?$filter={quote(expression)}" + (f"&{params}" if params else ""))
    return rows


def test_date_filters_with_date_and_datetime_literals(seeded):
    app, client, headers = seeded
    all_rows = app.state.emulator.rows("GenTransaction")
    expected = [r for r in all_rows if "2026-03-01T00:00:00Z" <= r["JnlDate"] < "2026-03-31T00:00:00Z"]
    assert expected
    assert any(r["JnlDate"] == "2026-03-02T00:00:00Z" for r in expected)
    variants = [
        "JnlDate ge 2026-03-01 and JnlDate lt 2026-03-31",
        "JnlDate ge 2026-03-01T00:00:00Z and JnlDate lt 2026-03-31T00:00:00Z",
        "JnlDate gt 2026-02-28T23:59:59Z and JnlDate le 2026-03-30T23:59:59.999Z",
        "2026-03-01 le JnlDate and 2026-03-31 gt JnlDate",
        "JnlDate ge 2026-03-01T02:00:00+02:00 and JnlDate lt 2026-03-30T19:00:00-05:00",
        "(JnlDate ge 2026-03-01 and JnlDate lt 2026-03-31) and EntryValue ne 123456789",
    ]
    for expression in variants:
        assert filtered(client, headers, "GenTransaction", expression) == expected, expression
    on_day = [r for r in all_rows if r["JnlDate"] == "2026-03-02T00:00:00Z"]
    assert filtered(client, headers, "GenTransaction", "JnlDate eq 2026-03-02") == on_day
    assert filtered(client, headers, "GenTransaction", "JnlDate eq 2026-03-02T00:00:00.5Z") == []
    assert filtered(client, headers, "GenTransaction", "JnlDate lt 2025-01-01") == []


def test_date_filters_on_non_storage_and_nullable_columns(seeded):
    app, client, headers = seeded
    customers = app.state.emulator.rows("ArCustomer")
    never = [c for c in customers if c["DateLastSale"] is None]
    assert filtered(client, headers, "ArCustomer", "DateLastSale eq null") == never
    assert len(filtered(client, headers, "ArCustomer", "DateLastSale ne null")) == len(customers) - len(never)
    recent = [c for c in customers if c["DateLastSale"] and c["DateLastSale"] >= "2026-03-01T00:00:00Z"]
    assert filtered(client, headers, "ArCustomer", "DateLastSale ge 2026-03-01") == recent


def test_string_filters_escape_quotes_and_cannot_inject(fresh):
    app, client, headers = fresh
    state = app.state.emulator
    state.insert("ArCustomer", [{"Name": "O'Brien"}, {"Name": "O'Brien Fabrication"}, {"Name": "x' or 'a' eq 'a"}])
    exact = filtered(client, headers, "ArCustomer", "Name eq 'O''Brien'")
    assert [r["Name"] for r in exact] == ["O'Brien"]
    assert [r["Name"] for r in filtered(client, headers, "ArCustomer", "Name eq 'x'' or ''a'' eq ''a'")] == [
        "x' or 'a' eq 'a"
    ]
    assert filtered(client, headers, "ArCustomer", "Name eq '__import__(''os'').system(''true'')'") == []
    starts = filtered(client, headers, "ArCustomer", "startswith(Name,'O''Brien')")
    assert {r["Name"] for r in starts} >= {"O'Brien", "O'Brien Fabrication"}
    unescaped = quote("Name eq 'O'Brien'")
    assert client.get(f"{ROOT}/ArCustomer?$filter={unescaped}", headers=headers).status_code == 400


def test_char_padding_is_ignored_in_comparisons_like_sql_server(seeded):
    app, client, headers = seeded
    invoices = app.state.emulator.rows("ApInvoice")
    assert {r["InvoiceStatus"] for r in invoices} == {" "}
    assert len(filtered(client, headers, "ApInvoice", "InvoiceStatus eq ''")) == len(invoices)


def test_boolean_logic_and_numbers(seeded):
    app, client, headers = seeded
    rows = app.state.emulator.rows("GenTransaction")
    expression = "(Source eq 'AP' or Source eq 'AR') and not (EntryValue lt 0) and GlPeriod le 6"
    expected = [r for r in rows if r["Source"] in ("AP", "AR") and r["EntryValue"] >= 0 and r["GlPeriod"] <= 6]
    assert filtered(client, headers, "GenTransaction", expression) == expected
    assert expected
    codes = [r for r in rows if r["GlCode"].startswith("10-6") and r["EntryValue"] > 1000.5]
    assert filtered(client, headers, "GenTransaction", "startswith(GlCode,'10-6') and EntryValue gt 1000.5") == codes


@pytest.mark.parametrize(
    "expression",
    [
        "Nope eq 1",
        "GlCode eq 'x",
        "(GlCode eq 'x'",
        "GlCode eq 1",
        "JnlDate ge '2026-01-01'",
        "GlCode",
        "GlCode eq 'a' xor 1",
        "JnlDate ge 2026-13-01",
        "frobnicate(GlCode)",
        "",
        "GlCode eq",
        "EntryValue gt 1 1",
        "TimeStamp gt binary'AAAAAAAAB9E='",
        "JnlDate ge 2026-03-01T02:00:00",
    ],
)
def test_bad_filters_are_400_odata_errors(seeded, expression):
    _, client, headers = seeded
    response = client.get(f"{ROOT}/GenTransaction?$filter={quote(expression)}", headers=headers)
    assert response.status_code == 400, expression
    assert response.json()["error"]["message"]


def test_select_and_orderby(seeded):
    app, client, headers = seeded
    body = get(client, headers, f"{ROOT}/ApSupplier?$select=SupplierName,Supplier&$orderby=SupplierName desc")
    assert all(list(r) == ["SupplierName", "Supplier"] for r in body["value"])
    names = [r["SupplierName"] for r in body["value"]]
    assert names == sorted(names, reverse=True)
    assert len(names) == 60
    assert body["@odata.context"].endswith("#ApSupplier(SupplierName,Supplier)")
    single = get(client, headers, f"{ROOT}/GenMaster?$select=GlCode&$top=3")["value"]
    assert single == [{"GlCode": r["GlCode"]} for r in app.state.emulator.rows("GenMaster")[:3]]
    mixed = get(client, headers, f"{ROOT}/GenMaster?$orderby=AccountType,GlCode desc&$select=AccountType,GlCode")[
        "value"
    ]
    assert mixed == sorted(mixed, key=lambda r: (r["AccountType"], [-ord(c) for c in r["GlCode"]]))
    newest = get(client, headers, f"{ROOT}/GenTransaction?$orderby=JnlDate desc&$top=3")["value"]
    assert newest == app.state.emulator.rows("GenTransaction")[-1:-4:-1]
    for bad in ("$select=Nope", "$orderby=Nope", "$orderby=GlCode sideways", "$select=GlCode,"):
        assert get(client, headers, f"{ROOT}/GenMaster?{bad}", status=400)["error"]


# -- $metadata ----------------------------------------------------------------------------------------


def test_metadata_is_csdl_listing_every_entity_set_with_its_key(seeded):
    _, client, headers = seeded
    response = client.get(f"{ROOT}/$metadata", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    root = SafeET.fromstring(response.content)
    assert root.tag == "{http://docs.oasis-open.org/odata/ns/edmx}Edmx"
    assert root.get("Version") == "4.0"
    schema = root.find(f".//{EDM}Schema")
    container = schema.find(f"{EDM}EntityContainer")
    assert container.get("Name") == "SysproCompanyA"
    sets = {s.get("Name"): s.get("EntityType") for s in container.findall(f"{EDM}EntitySet")}
    assert set(sets) == set(TABLES)
    assert "GenCostCentre" not in sets
    for name, table in TABLES.items():
        entity = schema.find(f"{EDM}EntityType[@Name='{name}']")
        assert sets[name] == f"SYSPRO.{name}"
        assert [p.get("Name") for p in entity.findall(f"{EDM}Key/{EDM}PropertyRef")] == list(table.key)
        props = {p.get("Name"): p for p in entity.findall(f"{EDM}Property")}
        assert list(props) == list(table.names)
        assert props["TimeStamp"].get("Type") == "Edm.Binary"
    gen = schema.find(f"{EDM}EntityType[@Name='GenTransaction']")
    types = {p.get("Name"): p.get("Type") for p in gen.findall(f"{EDM}Property")}
    assert types["JnlDate"] == "Edm.DateTimeOffset"
    assert types["EntryValue"] == "Edm.Decimal"


# -- seeded data -------------------------------------------------------------------------------------


def test_seeded_data_is_referentially_sound(seeded):
    app, client, headers = seeded
    state = app.state.emulator
    assert state.integrity() == []
    gl_codes = {r["GlCode"] for r in walk(client, headers, f"{ROOT}/GenMaster")[0]}
    suppliers = {r["Supplier"] for r in walk(client, headers, f"{ROOT}/ApSupplier")[0]}
    warehouses = {r["Warehouse"] for r in walk(client, headers, f"{ROOT}/InvWhControl")[0]}
    centres = {r["AnalysisCode"] for r in walk(client, headers, f"{ROOT}/GenAnalysisCode")[0]}
    assert len(gl_codes) == 150
    assert len(suppliers) == 60
    assert len(warehouses) == 4
    assert len(centres) == 12
    postings = walk(client, headers, f"{ROOT}/GenTransaction")[0]
    assert len(postings) == 5000
    assert {r["GlCode"] for r in postings} <= gl_codes
    assert {r["Supplier"] for r in walk(client, headers, f"{ROOT}/ApInvoice")[0]} <= suppliers
    assert {r["Supplier"] for r in walk(client, headers, f"{ROOT}/ApSupplierAddr")[0]} == suppliers
    assert {r["Warehouse"] for r in walk(client, headers, f"{ROOT}/InvWarehouse")[0]} <= warehouses
    assert {code.split("-")[2] for code in gl_codes} <= centres
    assert all(re.fullmatch(r"10-\d{4}-\d{3}", code) for code in gl_codes)
    journals = defaultdict(float)
    for r in postings:
        journals[r["GlYear"], r["GlPeriod"], r["Journal"]] += r["EntryValue"]
    assert all(abs(total) < 0.005 for total in journals.values())


def test_seeded_keys_dates_and_rowversions_look_like_syspro(seeded):
    app, _, _ = seeded
    state = app.state.emulator
    assert all(re.fullmatch(r"\d{6}", r["Supplier"]) for r in state.rows("ApSupplier"))
    assert state.rows("ApSupplier")[0]["Supplier"] == "000001"
    assert all(re.fullmatch(r"\d{7}", r["Customer"]) for r in state.rows("ArCustomer"))
    assert {r["Warehouse"] for r in state.rows("InvWhControl")} == {"AK", "TU", "FR", "FG"}
    postings = state.rows("GenTransaction")
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}T00:00:00Z", r["JnlDate"]) for r in postings)
    assert all(r["GlYear"] == int(r["JnlDate"][:4]) and r["GlPeriod"] == int(r["JnlDate"][5:7]) for r in postings)
    stamps = [int.from_bytes(base64.b64decode(r["TimeStamp"]), "big") for r in postings]
    assert all(len(base64.b64decode(r["TimeStamp"])) == 8 for r in postings)
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == len(stamps)
    every = [r["TimeStamp"] for name in TABLES for r in state.rows(name)]
    assert len(set(every)) == len(every)  # one rowversion counter per database


def test_seed_is_deterministic_and_tables_scale_independently():
    a, b = create_app(seed=3).state.emulator, create_app(seed=3).state.emulator
    assert a.rows("GenTransaction") == b.rows("GenTransaction")
    assert a.rows("ArCustomer") == b.rows("ArCustomer")
    other = create_app(seed=4).state.emulator
    assert other.rows("GenTransaction") != a.rows("GenTransaction")
    bigger = create_app(seed=3, scale={"GenTransaction": 9000, "ApInvoice": 50}).state.emulator
    assert len(bigger.rows("GenTransaction")) == 9000
    assert len(bigger.rows("ApInvoice")) == 50
    assert [r["GlCode"] for r in bigger.rows("GenMaster")] == [r["GlCode"] for r in a.rows("GenMaster")]
    for bad in ({"GenCostCentre": 1}, {"ApSupplierAddr": 5}, {"GenMaster": 0}, {"GenTransaction": -1}):
        with pytest.raises(ValueError, match="scale"):
            create_app(scale=bad)


# -- mutations -----------------------------------------------------------------------------------


def test_update_bumps_timestamp_keeps_jnldate_and_shows_on_the_wire(fresh):
    app, client, headers = fresh
    state = app.state.emulator
    before = {tuple(r[k] for k in TABLES["GenTransaction"].key): r for r in state.rows("GenTransaction")}
    highest = max(int.from_bytes(base64.b64decode(r["TimeStamp"]), "big") for r in before.values())
    changed = state.update("GenTransaction", 3)
    assert len(changed) == 3
    for row in changed:
        old = before[tuple(row[k] for k in TABLES["GenTransaction"].key)]
        assert row["JnlDate"] == old["JnlDate"]
        assert row["EntryValue"] != old["EntryValue"]
        assert int.from_bytes(base64.b64decode(row["TimeStamp"]), "big") > highest
        key = ",".join(f"{k}={row[k]}" for k in ("GlYear", "GlPeriod", "Journal", "EntryNumber"))
        wire = get(client, headers, f"{ROOT}/GenTransaction({key})")
        assert wire["TimeStamp"] == row["TimeStamp"]
        assert wire["EntryValue"] == row["EntryValue"]


def test_update_date_policy(fresh):
    app, client, headers = fresh
    state = app.state.emulator
    (warehouse,) = state.update("InvWhControl", keys=[{"Warehouse": "TU"}], changes={"Description": "TULSA WORKS"})
    assert warehouse["DateLastChanged"] == "2026-04-02T00:00:00Z"
    assert warehouse["Description"] == "TULSA WORKS"
    assert filtered(client, headers, "InvWhControl", "DateLastChanged ge 2026-04-01") == [warehouse]
    (invoice,) = state.update("ApInvoice", 1, date=True)
    assert invoice["JournalDate"] == "2026-04-02T00:00:00Z"
    assert filtered(client, headers, "ApInvoice", "JournalDate ge 2026-04-02") == [invoice]
    (paid,) = state.update("ApInvoice", 1, changes={"MthInvBal1": 0}, date="2026-04-01")
    assert paid["JournalDate"] == "2026-04-01T00:00:00Z"
    assert paid["MthInvBal1"] == 0
    (balance,) = state.update(
        "InvWarehouse",
        keys=[
            {
                "StockCode": state.rows("InvWarehouse")[0]["StockCode"],
                "Warehouse": state.rows("InvWarehouse")[0]["Warehouse"],
            }
        ],
        changes={"QtyOnHand": 99999},
    )
    assert balance["DateLastPurchase"] == "2026-04-02T00:00:00Z"
    with pytest.raises(EmulatorError, match="no date column"):
        state.update("GenMaster", 1, date=True)


def test_new_posting_gets_todays_jnldate_and_a_new_journal(fresh):
    app, client, headers = fresh
    state = app.state.emulator
    lines = state.insert(
        "GenTransaction",
        [{"GlCode": "10-2000-100", "EntryValue": 250.0}, {"GlCode": "10-1000-100", "EntryValue": -250.0}],
    )
    assert {(r["GlYear"], r["GlPeriod"], r["Journal"], r["JnlDate"]) for r in lines} == {
        (2026, 4, 1, "2026-04-02T00:00:00Z")
    }
    assert [r["EntryNumber"] for r in lines] == [1, 2]
    assert filtered(client, headers, "GenTransaction", "JnlDate ge 2026-04-01") == lines
    again = state.insert("GenTransaction", [{"GlCode": "10-2000-100", "EntryValue": 1.0}])
    assert again[0]["Journal"] == 2


def test_orphan_fact_then_its_dimension(fresh):
    app, client, headers = fresh
    state = app.state.emulator
    orphan = state.orphan_fact("ApInvoice", CurrencyValue=500.0)
    supplier = orphan["missing"]["key"]["Supplier"]
    assert orphan["missing"]["table"] == "ApSupplier"
    assert supplier == "000061"
    assert [p["value"] for p in state.integrity()] == [supplier]
    assert client.get(f"{ROOT}/ApSupplier('{supplier}')", headers=headers).status_code == 404
    assert filtered(client, headers, "ApInvoice", f"Supplier eq '{supplier}'") == orphan["rows"]
    state.insert("ApSupplier", [{"Supplier": supplier}])
    assert state.integrity() == []
    assert get(client, headers, f"{ROOT}/ApSupplierAddr('{supplier}')")["Supplier"] == supplier
    gl = state.orphan_fact("GenTransaction")
    assert sum(r["EntryValue"] for r in gl["rows"]) == 0
    assert gl["missing"]["table"] == "GenMaster"
    stock = state.orphan_fact("InvWarehouse")
    assert stock["missing"]["table"] == "InvWhControl"
    state.insert("GenMaster", [gl["missing"]["key"]])
    state.insert("InvWhControl", [stock["missing"]["key"]])
    assert state.integrity() == []


def test_insert_validation(fresh):
    app, _, _ = fresh
    state = app.state.emulator
    existing = state.rows("ApSupplier")[0]["Supplier"]
    cases = [
        ("ApSupplier", {"Supplier": existing}, "already has"),
        ("ApInvoice", {"Supplier": "999999"}, "not in ApSupplier"),
        ("GenMaster", {"GlCode": "10-1-1", "Colour": "red"}, "no column"),
        ("GenMaster", {"GlCode": "10-1-1", "TimeStamp": "AAAAAAAAAAE="}, "rowversion"),
        ("ApSupplier", {"Currency": "EURO"}, "truncated"),
        ("InvWarehouse", {"StockCode": "VLV-1000"}, "key column"),
    ]
    count = sum(len(state.rows(name)) for name in TABLES)
    for table, row, message in cases:
        with pytest.raises(EmulatorError, match=message):
            state.insert(table, [row])
    assert sum(len(state.rows(name)) for name in TABLES) == count
    (padded,) = state.insert("ApSupplier", [{"TermsCode": "7"}])
    assert padded["TermsCode"] == "7 "  # char(2) is space-padded, as SQL Server stores it


def test_http_control_api(fresh):
    _app, client, _headers = fresh
    assert client.get("/__emulator").json()["tables"]["GenTransaction"]["rows"] == 5000
    changed = client.post("/__emulator/tables/ApInvoice/update", json={"count": 2}).json()["rows"]
    assert len(changed) == 2
    orphan = client.post("/__emulator/tables/GenTransaction/orphan", json={"values": {"EntryValue": 10}}).json()
    assert client.get("/__emulator/integrity").json()["dangling"][0]["value"] == orphan["missing"]["key"]["GlCode"]
    inserted = client.post("/__emulator/tables/GenMaster/insert", json={"rows": [orphan["missing"]["key"]]})
    assert inserted.status_code == 200
    assert client.get("/__emulator/integrity").json() == {"dangling": []}
    bad = client.post("/__emulator/tables/ApInvoice/insert", json={"rows": [{"Supplier": "999999"}]})
    assert bad.status_code == 409
    assert bad.json()["error"]["code"] == "MissingReference"
    assert client.post("/__emulator/tables/Nope/update", json={}).status_code == 404
    deleted = client.post(
        "/__emulator/tables/ApInvoice/delete",
        json={"keys": [{"Supplier": changed[0]["Supplier"], "Invoice": changed[0]["Invoice"]}]},
    )
    assert deleted.json() == {"deleted": 1}
    assert client.post("/__emulator/clock", json={"now": "2026-05-01T08:00:00Z"}).status_code == 200
    (posted,) = client.post(
        "/__emulator/tables/GenTransaction/insert", json={"rows": [{"GlCode": "10-1000-100"}]}
    ).json()["rows"]
    assert posted["JnlDate"] == "2026-05-01T00:00:00Z"


def test_concurrent_writes_and_reads_are_safe():
    app, client, headers = make(page_cap=200)
    state = app.state.emulator
    errors = []

    def writer():
        try:
            for _ in range(40):
                state.insert("ArInvoice", [{"Customer": "0000001"}])
                state.update("ArInvoice", 2)
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for _ in range(5):
        walk(client, headers, f"{ROOT}/ArInvoice?$filter=InvoiceDate ge 2026-01-01")
    for thread in threads:
        thread.join()
    assert errors == []
    rows = state.rows("ArInvoice")
    assert len(rows) == 1500 + 160
    assert len(set(keys("ArInvoice", rows))) == len(rows)


# -- options and faults ------------------------------------------------------------------------------


def test_edm_date_option():
    _, client, headers = make(date_type="Date")
    rows = filtered(client, headers, "GenTransaction", "JnlDate ge 2026-03-30T12:00:00Z")
    assert rows
    assert {r["JnlDate"] for r in rows} == {"2026-03-31"}
    xml = client.get(f"{ROOT}/$metadata", headers=headers).text
    assert 'Name="JnlDate" Type="Edm.Date"' in xml


def test_timestamp_filters_option():
    app, client, headers = make(timestamp_filters=True)
    state = app.state.emulator
    mark = base64.b64encode(state.rowversion.value.to_bytes(8, "big")).decode()
    changed = state.update("ApInvoice", 3)
    rows = filtered(client, headers, "ApInvoice", f"TimeStamp gt binary'{mark}'", **{"$orderby": "TimeStamp"})
    assert rows == changed


def test_case_insensitive_filters_option():
    _, client, headers = make(case_insensitive_filters=True)
    assert len(filtered(client, headers, "InvWhControl", "Warehouse eq 'ak'")) == 1


def test_auth_failure_fault_rejects_good_credentials():
    plan = FaultPlan([FaultRule(kind="auth_failure", path="/GenTransaction", start=2, count=1)])
    _app, client, headers = make(faults=plan)
    url = f"{ROOT}/GenTransaction?$top=1"
    statuses = [client.get(url, headers=headers).status_code for _ in range(3)]
    assert statuses == [200, 401, 200]
    assert client.get(f"{ROOT}/GenMaster?$top=1", headers=headers).status_code == 200
    assert plan.fired == [("auth_failure", f"{ROOT}/GenTransaction")]


def test_generic_faults_come_from_the_fault_middleware():
    plan = FaultPlan(
        [
            FaultRule(kind="rate_limit", path="/ApInvoice", count=1, retry_after=3),
            FaultRule(kind="malformed", path="/GenMaster", count=1),
            FaultRule(kind="status", path="/ArInvoice", count=2, status=503),
        ]
    )
    _, client, headers = make(faults=plan)
    limited = client.get(f"{ROOT}/ApInvoice", headers=headers)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "3"
    assert client.get(f"{ROOT}/ApInvoice?$top=1", headers=headers).status_code == 200
    broken = client.get(f"{ROOT}/GenMaster", headers=headers)
    with pytest.raises(json.JSONDecodeError):
        broken.json()
    assert [client.get(f"{ROOT}/ArInvoice?$top=1", headers=headers).status_code for _ in range(3)] == [503, 503, 200]


def test_faults_can_be_added_and_cleared_at_runtime(fresh):
    _, client, headers = fresh
    rule = {"kind": "auth_failure", "path": "/GenMaster"}
    assert client.post("/__emulator/faults", json={"rules": [rule]}).json() == {"rules": 1}
    assert client.get(f"{ROOT}/GenMaster", headers=headers).status_code == 401
    assert client.delete("/__emulator/faults").status_code == 200
    assert client.get(f"{ROOT}/GenMaster", headers=headers).status_code == 200


def test_as_of_bounds_the_seeded_history():
    state = create_app(as_of=date(2025, 12, 31)).state.emulator
    assert max(r["JnlDate"] for r in state.rows("GenTransaction")) <= "2025-12-31T00:00:00Z"
