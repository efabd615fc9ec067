"""APSSSP (AP supplier setup: ``/Setup/Add``, ``/Setup/Update``) in the emulator. Elements are named like
ApSupplier / ApSupplierAddr columns (docs/PROTOCOLS.md, SYSPRO e.net); the answer has the same setup shape
as ARSSCS: lower-case root, ``item`` / ``key`` / field errors, ``StatusOfItems``."""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

from ml_connector.emulators.syspro_enet import checks
from ml_connector.emulators.syspro_enet.checks import Checker
from ml_connector.emulators.syspro_enet.setup_documents import run_setup
from ml_connector.emulators.syspro_enet.state import EnetState
from ml_connector.emulators.syspro_enet.xmlio import text_of

TEXT_COLUMNS = (
    "SupplierName", "SupShortName", "Currency", "Telephone", "Email", "Contact",
    *(f"SupAddr{n}" for n in range(1, 6)), "SupPostalCode", "EdiReceiverCode",
)  # fmt: skip
CURRENCIES = frozenset({"USD", "EUR", "GBP", "CAD", "MXN", "ZAR", "AUD"})


def apsssp(state: EnetState, action: str, params: Element, document: Element) -> Element:
    """``action``: add or update."""
    return run_setup(
        state, action, params, document, answer="setupapsupplier", key="supplier", check=_check, apply=_apply
    )


def _check(state: EnetState, action: str, item: Element) -> tuple[Checker, str, dict[str, Any]]:
    checker = Checker(state.options.overlong)
    code = checker.text(item.find("Key"), "Supplier", "ApSupplier", "Supplier", required=True) or ""
    existing = state.get("ApSupplier", code) if code else None
    if code and action == "add" and existing is not None:
        checker.fail("Supplier", code, checks.E_EXISTS, f"Supplier '{code}' already exists")
    if code and action == "update" and existing is None:
        checker.fail("Supplier", code, checks.E_NOT_FOUND, f"Supplier '{code}' not found")
    changes: dict[str, Any] = {}
    for column in TEXT_COLUMNS:
        required = column == "SupplierName" and action == "add"
        value = checker.text(item, column, "ApSupplier", column, required=required)
        if value is not None:
            changes[column] = value
    if "SupplierName" in changes and not changes["SupplierName"]:
        checker.fail("SupplierName", "", checks.E_REQUIRED, "SupplierName is required")
    currency = changes.get("Currency")
    if currency and currency.upper() not in CURRENCIES:
        checker.fail("Currency", currency, checks.E_NOT_FOUND, f"Currency '{currency}' not found")
    hold = text_of(item, "OnHold")
    if hold:
        if hold not in ("Y", "N"):
            checker.fail("OnHold", hold, checks.E_UNSUPPORTED, "OnHold must be Y or N")
        changes["OnHold"] = hold
    return checker, code, changes


def _apply(state: EnetState, action: str, code: str, changes: dict[str, Any]) -> None:
    with state.lock:
        if action == "add":
            row = {"Supplier": code, "OnHold": "N", "SupplierType": "P", "Currency": "USD",
                   "DateSuppAdded": state.today()}  # fmt: skip
            state.insert("ApSupplier", row | changes)
        else:
            state.update("ApSupplier", (code,), changes)
