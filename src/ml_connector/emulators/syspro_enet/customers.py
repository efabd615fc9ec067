"""ARSSCS (AR customer setup: ``/Setup/Add``, ``/Setup/Update``, ``/Setup/Delete``) in the emulator.
Elements are named like ArCustomer columns (docs/PROTOCOLS.md, SYSPRO e.net); the answer copies the
recorded INVSWS setup shape: lower-case root, ``item`` / ``key`` / field elements (syspro-qad.md §2.4)."""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

from ml_connector.emulators.syspro_enet import checks
from ml_connector.emulators.syspro_enet.checks import Checker
from ml_connector.emulators.syspro_enet.setup_documents import run_setup
from ml_connector.emulators.syspro_enet.state import EnetState
from ml_connector.emulators.syspro_enet.xmlio import text_of

TEXT_COLUMNS = (
    "Name", "ShortName", "Branch", "Email", "Telephone", "Contact", "Currency", "TermsCode", "CustomerClass",
    *(f"SoldToAddr{n}" for n in range(1, 6)), "SoldPostalCode", *(f"ShipToAddr{n}" for n in range(1, 6)),
    "ShipPostalCode",
)  # fmt: skip


def arsscs(state: EnetState, action: str, params: Element, document: Element) -> Element:
    """``action``: add, update or delete."""
    return run_setup(
        state, action, params, document, answer="setuparcustomer", key="customer", check=_check, apply=_apply
    )


def _check(state: EnetState, action: str, item: Element) -> tuple[Checker, str, dict[str, Any]]:
    checker = Checker(state.options.overlong)
    code = checker.text(item.find("Key"), "Customer", "ArCustomer", "Customer", required=True) or ""
    existing = state.get("ArCustomer", code) if code else None
    if code and action == "add" and existing is not None:
        checker.fail("Customer", code, checks.E_EXISTS, f"Customer '{code}' already exists")
    if code and action in ("update", "delete") and existing is None:
        checker.fail("Customer", code, checks.E_NOT_FOUND, f"Customer '{code}' not found")
    changes: dict[str, Any] = {}
    if action == "delete":
        if existing is not None and any(r["Customer"] == existing["Customer"] for r in state.rows("SorMaster")):
            checker.fail("Customer", code, checks.E_EXISTS, f"Customer '{code}' has sales orders and cannot be deleted")
        return checker, code, changes
    for column in TEXT_COLUMNS:
        value = checker.text(item, column, "ArCustomer", column, required=column == "Name" and action == "add")
        if value is not None:
            changes[column] = value
    branch = changes.get("Branch")
    if branch and state.get("SalBranch", branch) is None:
        checker.fail("Branch", branch, checks.E_NOT_FOUND, f"Branch '{branch}' not found")
    if "Name" in changes and not changes["Name"]:
        checker.fail("Name", "", checks.E_REQUIRED, "Name is required")
    limit = checker.amount(item, "CreditLimit", scale=0, precision=12, negative=False)
    if limit is not None:
        changes["CreditLimit"] = limit
    hold = text_of(item, "CustomerOnHold")
    if hold:
        if hold not in ("Y", "N"):
            checker.fail("CustomerOnHold", hold, checks.E_UNSUPPORTED, "CustomerOnHold must be Y or N")
        changes["CustomerOnHold"] = hold
    return checker, code, changes


def _apply(state: EnetState, action: str, code: str, changes: dict[str, Any]) -> None:
    with state.lock:
        if action == "add":
            fields = dict(changes)
            state.add_customer(code, fields.pop("Name"), **fields)
        elif action == "update":
            state.update("ArCustomer", (code,), changes)
        else:
            state.delete("ArCustomer", (code,))
