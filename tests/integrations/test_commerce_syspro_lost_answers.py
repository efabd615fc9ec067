"""Every non-idempotent write issue 15 added, under the same deterministic fault: SYSPRO applies the
post, the answer is lost and the process dies. The next run must adopt what SYSPRO holds (look-up by
the external reference) and never write it twice; each case also runs with its look-up disabled, and
then SYSPRO holds a twin (or refuses the repeat), which proves the test can fail."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from commerce_syspro_fixtures import NO_CUSTOMERS, make_app, serve_pair

from ml_connector.connectors.syspro.enet.client import SysproEnetClient
from ml_connector.emulators.commerce import creditmemos
from ml_connector.engine.service import run_integration
from ml_connector.integrations.commerce_syspro import cancellations, credit_notes, invoicing

NAME = "commerce-syspro"


class Killed(BaseException):
    """SIGKILL right after SYSPRO applied the post."""


@dataclass
class Case:
    section: dict[str, Any]
    owner: Any  # where the write is looked up at call time
    write: str  # its attribute name there
    dies_on: Callable[..., bool]  # which call of the write loses its answer
    target: Any  # the target whose lookup the control disables
    stream: str


def _journal(prefix: str) -> Callable[..., bool]:
    return lambda *args: args[1].reference.startswith(prefix)


CASES = {
    "invoice_journal": Case({"posting_trigger": "invoice_created"}, SysproEnetClient, "post_journal",
                            _journal("WIN"), invoicing.InvoiceJournalTarget, "invoice_journal"),
    "cancel_journal": Case({"cancel_after_post": "reverse"}, SysproEnetClient, "post_journal", _journal("WCX"),
                           cancellations.CancelJournalTarget, "cancel_journal"),
    "cancel_sales_order": Case({"cancel_after_post": "reverse"}, cancellations, "cancel_sales_order",
                               lambda *a: True, cancellations.CancelSalesOrderTarget, "cancel_sales_order"),
    "credit_note": Case({"restock": "credit_note"}, credit_notes, "post_credit_note", lambda *a: True,
                        credit_notes.CreditNoteTarget, "return_to_stock"),
}  # fmt: skip


def _day(store, app) -> None:
    """An order posted, invoiced, cancelled or refunded with a line back to stock, per case."""
    paid = store.place_order(skus={"PMP-SUB-05": 2})
    unpaid = store.place_order(skus={"VLV-BALL-2IN-BR": 1})
    creditmemos.invoice_items(store, paid["entity_id"], None)
    assert run_integration(app, NAME).status == "succeeded"
    item = paid["items"][0]["item_id"]
    creditmemos.refund(store, paid["entity_id"], {item: 1}, return_to_stock=[item])
    assert creditmemos.cancel(store, unpaid["entity_id"])


def _writes(served, case: str) -> int:
    state = served["syspro-enet"].app.state.emulator
    refs = [r["Reference"] for r in state.rows("GenJournalCtl")]
    orders = state.rows("SorMaster")
    return {
        "invoice_journal": sum(r.startswith("WIN") for r in refs),
        "cancel_journal": sum(r.startswith("WCX") for r in refs),
        "cancel_sales_order": sum(r["OrderStatus"] == "\\" for r in orders),
        "credit_note": sum(r["DocumentType"] == "C" for r in orders),
    }[case]


def _crash_once(monkeypatch, case: Case, app) -> None:
    real = getattr(case.owner, case.write)
    fired = []

    def applied_then_killed(*args: Any, **kwargs: Any) -> Any:
        answer = real(*args, **kwargs)
        if not fired and case.dies_on(*args):
            fired.append(answer)
            raise Killed
        return answer

    monkeypatch.setattr(case.owner, case.write, applied_then_killed)
    with pytest.raises(Killed):
        run_integration(app, NAME)
        run_integration(app, NAME)  # the invoice case dies in the first run already
    monkeypatch.setattr(case.owner, case.write, real)


@pytest.mark.parametrize("lookup", ["on", "disabled"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_lost_answer_then_death_is_adopted_not_repeated(tmp_path, monkeypatch, name, lookup) -> None:
    case = CASES[name]
    served = serve_pair()
    try:
        app = make_app(tmp_path, served, section={**NO_CUSTOMERS, **case.section})
        store = served["commerce"].app.state.emulator.store
        if name == "invoice_journal":
            order = store.place_order(skus={"PMP-SUB-05": 2})
            creditmemos.invoice_items(store, order["entity_id"], None)
            _crash_once(monkeypatch, case, app)
        else:
            _day(store, app)
            _crash_once(monkeypatch, case, app)
        assert _writes(served, name) == 1  # SYSPRO applied it before the process died
        if lookup == "disabled":
            monkeypatch.setattr(case.target, "lookup", lambda self, d: None)
        report = run_integration(app, NAME)
        tally = {t.stream: t for t in report.streams}[case.stream]
        if lookup == "on":
            assert report.status == "succeeded", report.error
            assert tally.recovered == 1
            assert _writes(served, name) == 1
        else:  # without the look-up the write is repeated: a twin, or SYSPRO refuses the repeat
            assert tally.recovered == 0
            assert _writes(served, name) == 2 or tally.failed == 1
    finally:
        for s in served.values():
            s.stop()
