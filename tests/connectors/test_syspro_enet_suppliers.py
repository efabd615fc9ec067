"""APSSSP supplier setup and the ApSupplier lookup against the e.net emulator on a real socket: add,
update, exactly what SYSPRO stores for hostile values, and the recorded error shapes."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

import pytest

from ml_connector.connectors.syspro.enet import business_objects as bo
from ml_connector.connectors.syspro.enet.client import SysproEnetClient
from ml_connector.connectors.syspro.enet.errors import EnetDocumentInvalidError, EnetDuplicateError
from ml_connector.connectors.syspro.enet.models import ApSupplier
from ml_connector.errors import RemoteRejectedError

EnetPair = tuple[Any, SysproEnetClient]
HOSTILE = 'Acme <Tools> & "Sons" \' ]]> \u2028ő'


def _supplier(code: str = "ACME", **changes: Any) -> ApSupplier:
    values: dict[str, Any] = {
        "supplier": code,
        "name": "Acme Wholesale",
        "telephone": "555-0100",
        "email": "edi@acme.example",
        "contact": "Pat Lee",
        "address": ("1 Dock Rd", "Suite 4", "Akron", "OH", "US"),
        "postal_code": "44301",
        "edi_receiver_code": "ACMEEDI",
    }
    return ApSupplier(**(values | changes))


def test_supplier_is_added_then_updated_and_read_back(enet_pair: EnetPair) -> None:
    app, enet = enet_pair
    with enet:
        assert enet.get_supplier("ACME") is None
        assert enet.upsert_supplier(_supplier()) == "ACME"
        first = enet.get_supplier("acme ")  # keys compare case-insensitively, trailing blanks ignored
        assert first is not None
        assert (first.name, first.address, first.postal_code, first.edi_receiver_code, first.currency) == (
            "Acme Wholesale", ("1 Dock Rd", "Suite 4", "Akron", "OH", "US"), "44301", "ACMEEDI", "USD",
        )  # fmt: skip
        enet.upsert_supplier(_supplier(telephone="555-0199", email=""))
        second = enet.get_supplier("ACME")
    assert second is not None and second.telephone == "555-0199"
    assert second.email == "edi@acme.example"  # an empty value is left out, never blanks SYSPRO's
    assert second.rowversion is not None and first.rowversion is not None and second.rowversion > first.rowversion
    state = app.state.emulator
    assert state.calls["APSSSP"] == 2
    assert len([r for r in state.rows("ApSupplier") if r["Supplier"] == "ACME"]) == 1


def test_hostile_values_are_escaped_and_stored_as_syspro_holds_them(enet_pair: EnetPair) -> None:
    app, enet = enet_pair
    document = bo.apsssp_document(_supplier(name=HOSTILE, contact="<x/>&amp;"))
    item = ET.fromstring(document.split("?>", 1)[-1]).find("Item")
    assert item is not None and item.findtext("SupplierName") == 'Acme <Tools> & "Sons" \' ]]>  o'
    with enet:
        enet.upsert_supplier(_supplier(name=HOSTILE, contact="<x/>&amp;"))
        back = enet.get_supplier("ACME")
    assert back is not None
    assert back.name == 'Acme <Tools> & "Sons" \' ]]>  o'
    assert back.contact == "<x/>&amp;"
    assert app.state.emulator.get("ApSupplier", "ACME")["SupplierName"] == back.name


def test_refusals_before_sending_and_syspro_errors(enet_pair: EnetPair) -> None:
    _app, enet = enet_pair
    with pytest.raises(EnetDocumentInvalidError, match="Supplier"):
        bo.apsssp_document(_supplier(code="X" * 16))  # a key is never truncated
    with pytest.raises(EnetDocumentInvalidError, match="SupplierName is empty"):
        bo.apsssp_document(_supplier(name="  "))
    with enet:
        with pytest.raises(RemoteRejectedError, match="Currency 'XYZ' not found"):
            enet.upsert_supplier(_supplier(currency="XYZ"))
        assert enet.get_supplier("ACME") is None  # ApplyIfEntireDocumentValid: nothing written
        enet.upsert_supplier(_supplier())
        with pytest.raises(EnetDuplicateError, match="already exists"):
            enet._post(  # the raw add of an existing code answers SYSPRO's field error
                "/Setup/Add", "APSSSP", bo.apsssp_parameters(), bo.apsssp_document(_supplier()), "add again"
            )
        with pytest.raises(RemoteRejectedError, match="not found"):
            enet.upsert_supplier(_supplier(code="NOSUCH"), exists=True)
        # told "not there" while it is (a race): the duplicate answer becomes an update
        assert enet.upsert_supplier(_supplier(telephone="555-0777"), exists=False) == "ACME"
        assert enet.get_supplier("ACME").telephone == "555-0777"
