"""commerce-syspro refunds that go wrong: a lost GENTJL answer followed by a dead process (the next run
adopts the posted journal, it does not post a twin), and bad credit memos (larger than the order, for
an order SYSPRO never received, a negative adjustment, a closed period): each parked or refused with a
reason, none stops the run, and each is replayable. Also an invoice whose order Commerce deleted
(posting_trigger invoice_created): refused with a reason, never dropped."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from commerce_syspro_fixtures import NO_CUSTOMERS, make_app, serve_pair

from ml_connector.connectors.syspro.enet.client import SysproEnetClient
from ml_connector.emulators.commerce import creditmemos
from ml_connector.engine.service import replay_parked, run_integration
from ml_connector.integrations.commerce_syspro.refunds import RefundJournalTarget

NAME = "commerce-syspro"


class Killed(BaseException):
    """Stands for SIGKILL right after SYSPRO applied the post: no handler of the engine runs."""


@pytest.fixture
def served():
    pair = serve_pair()
    yield pair
    for s in pair.values():
        s.stop()


def refund_refs(served) -> list[str]:
    state = served["syspro-enet"].app.state.emulator
    return [r["Reference"] for r in state.rows("GenJournalCtl") if r["Reference"].startswith("WCM")]


def posted_and_refunded(tmp_path, served):
    store = served["commerce"].app.state.emulator.store
    order = store.place_order(skus={"PMP-SUB-05": 2})
    creditmemos.invoice_items(store, order["entity_id"], None)
    app = make_app(tmp_path, served, section=NO_CUSTOMERS)
    assert run_integration(app, NAME).status == "succeeded"
    item = next(i["item_id"] for i in order["items"])
    memo = creditmemos.refund(store, order["entity_id"], {item: 1})
    return app, memo


def lose_the_answer_then_die(monkeypatch, app) -> None:
    real = SysproEnetClient.post_journal

    def applied_then_killed(self, journal):
        real(self, journal)  # SYSPRO has posted it...
        if journal.reference.startswith("WCM"):
            raise Killed  # ...but the answer never arrives: the process dies

    monkeypatch.setattr(SysproEnetClient, "post_journal", applied_then_killed)
    with pytest.raises(Killed):
        run_integration(app, NAME)
    monkeypatch.setattr(SysproEnetClient, "post_journal", real)


def test_lost_answer_and_dead_process_then_next_run_adopts_the_refund(tmp_path, served, monkeypatch) -> None:
    app, memo = posted_and_refunded(tmp_path, served)
    lose_the_answer_then_die(monkeypatch, app)
    assert refund_refs(served) == [f"WCM{memo['increment_id']}"]
    report = run_integration(app, NAME)
    assert report.status == "succeeded", report.error
    assert {t.stream: t.recovered for t in report.streams}["refund_journal"] == 1
    assert refund_refs(served) == [f"WCM{memo['increment_id']}"]  # adopted, not posted twice


def test_without_the_lookup_the_same_crash_posts_a_twin(tmp_path, served, monkeypatch) -> None:
    """The control: proves the test above fails if check-before-post is disabled."""
    app, memo = posted_and_refunded(tmp_path, served)
    lose_the_answer_then_die(monkeypatch, app)
    monkeypatch.setattr(RefundJournalTarget, "lookup", lambda self, d: None)
    run_integration(app, NAME)
    assert refund_refs(served) == [f"WCM{memo['increment_id']}"] * 2


def test_bad_credit_memos_are_parked_or_refused_with_reasons_and_the_run_goes_on(tmp_path, served) -> None:
    store = served["commerce"].app.state.emulator.store
    app = make_app(tmp_path, served, section=NO_CUSTOMERS)
    good = store.place_order(skus={"VLV-BALL-2IN-BR": 3})
    big = store.place_order(skus={"PMP-SUB-05": 1})
    twice = store.place_order(skus={"FLT-HSG-BB20": 1})
    for order in (good, big, twice):
        creditmemos.invoice_items(store, order["entity_id"], None)
    assert run_integration(app, NAME).status == "succeeded"
    # an order SYSPRO never received: its journal parks on an unmapped SKU, so its memo must wait
    unknown = store.place_order(skus={"WTY-EXT-2Y": 1})
    creditmemos.invoice_items(store, unknown["entity_id"], None)
    pairs = (("good", good), ("big", big), ("unknown", unknown), ("twice", twice))
    line = {k: next(i["item_id"] for i in o["items"]) for k, o in pairs}
    larger = creditmemos.refund(store, big["entity_id"], {line["big"]: 3}, force=True)
    negative = creditmemos.refund(store, good["entity_id"], {line["good"]: 1}, adjustment_negative=-4, force=True)
    waiting = creditmemos.refund(store, unknown["entity_id"], {line["unknown"]: 1})
    fine = creditmemos.refund(store, good["entity_id"], {line["good"]: 1})
    once = creditmemos.refund(store, twice["entity_id"], {line["twice"]: 1})  # all of it, shipping too
    again = creditmemos.refund(store, twice["entity_id"], {line["twice"]: 1}, force=True)  # each fits; both do not
    report = run_integration(app, NAME)
    # the run went on past every bad memo, and says honestly that some failed
    assert report.status == "partial"
    assert report.error is not None and "refund_journal: record(s) failed" in report.error
    tally = {t.stream: t for t in report.streams}["refund_journal"]
    assert (tally.failed, tally.parked, tally.loaded) == (3, 1, 2)
    held = {p["source_id"]: p for p in app.store.parked.open(NAME, "refund_journal")}
    assert held[larger["increment_id"]]["status"] == "failed"
    assert "more than its order" in held[larger["increment_id"]]["reason"]
    assert held[negative["increment_id"]]["status"] == "failed"
    assert "adjustment_negative is negative" in held[negative["increment_id"]]["reason"]
    assert held[waiting["increment_id"]]["status"] == "parked"
    assert f"waits for journal WEB{unknown['increment_id']}" in held[waiting["increment_id"]]["reason"]
    assert held[again["increment_id"]]["status"] == "failed"
    assert "with the refunds before it" in held[again["increment_id"]]["reason"]
    assert sorted(refund_refs(served)) == sorted(f"WCM{m['increment_id']}" for m in (fine, once))  # the good ones
    # the order reaches SYSPRO once its SKU is mapped; the memo waiting for it follows in the same run
    app.store.mappings.set(NAME, "sku", "WTY-EXT-2Y", "10-4000-400", app.clock.now())
    run_integration(app, NAME)
    assert sorted(refund_refs(served)) == sorted(f"WCM{m['increment_id']}" for m in (fine, once, waiting))


def test_refund_in_a_closed_period_parks_then_posts_when_opened(tmp_path, served) -> None:
    app, memo = posted_and_refunded(tmp_path, served)
    now = datetime.now(UTC)
    state = served["syspro-enet"].app.state.emulator
    state.close_period(now.year, now.month)
    report = run_integration(app, NAME)
    assert report.status != "failed"
    [held] = app.store.parked.open(NAME, "refund_journal")
    assert held["status"] == "parked"
    assert held["reference"] == "posting_period"
    assert "closed" in held["reason"]
    assert refund_refs(served) == []
    state.open_period(now.year, now.month)
    assert replay_parked(app, NAME).status == "succeeded"
    assert refund_refs(served) == [f"WCM{memo['increment_id']}"]


def test_journal_answer_lost_then_order_cancelled_is_still_reversed(tmp_path, served, monkeypatch) -> None:
    """Found by the chaos test: the order's journal reached SYSPRO but its answer was lost; the order is
    cancelled before the next run, which refuses the in-doubt journal (cancelled) - yet SYSPRO has it,
    so the reversal must be posted (asked of SYSPRO, not only of the ledger)."""
    store = served["commerce"].app.state.emulator.store
    order = store.place_order(skus={"PMP-SUB-05": 1})
    app = make_app(tmp_path, served, section={**NO_CUSTOMERS, "cancel_after_post": "reverse"})
    real = SysproEnetClient.post_journal

    def applied_then_killed(self, journal):
        real(self, journal)
        raise Killed

    monkeypatch.setattr(SysproEnetClient, "post_journal", applied_then_killed)
    with pytest.raises(Killed):
        run_integration(app, NAME)
    monkeypatch.setattr(SysproEnetClient, "post_journal", real)
    assert creditmemos.cancel(store, order["entity_id"])
    run_integration(app, NAME)
    state = served["syspro-enet"].app.state.emulator
    refs = sorted(r["Reference"] for r in state.rows("GenJournalCtl"))
    assert refs == [f"WCX{order['increment_id']}", f"WEB{order['increment_id']}"]
    receivable = [Decimal(str(r["EntryValue"])) for r in state.rows("GenJournalDetail") if r["GlCode"] == "10-1100-100"]
    assert len(receivable) == 2
    assert sum(receivable) == 0
    assert [r["OrderStatus"] for r in state.rows("SorMaster")] == ["\\"]


def test_invoice_of_an_order_commerce_no_longer_has_fails_with_a_reason_and_the_run_goes_on(tmp_path, served) -> None:
    """posting_trigger invoice_created: an invoice whose order Commerce deleted is kept and refused (failed
    in the ledger with the reason), never dropped; the other invoices of the run still post; once the order
    is back, the run its reason names posts it (exactly once) and closes the failure."""
    store = served["commerce"].app.state.emulator.store
    app = make_app(tmp_path, served, section={**NO_CUSTOMERS, "posting_trigger": "invoice_created"})
    kept = store.place_order(skus={"PMP-SUB-05": 2})
    gone = store.place_order(skus={"VLV-BALL-2IN-BR": 2})
    first = creditmemos.invoice_items(store, kept["entity_id"], {kept["items"][0]["item_id"]: 1})
    assert run_integration(app, NAME).status == "succeeded"  # both sales orders, the first invoice
    kept_invoice = creditmemos.invoice_items(store, kept["entity_id"], None)  # the rest of it
    gone_invoice = creditmemos.invoice_items(store, gone["entity_id"], None)
    with store.lock:
        del store.orders[gone["entity_id"]]  # an admin deletes the order in Commerce; its invoice stays
    report = run_integration(app, NAME)
    assert report.status == "partial"  # a failed record, yet the run went on (the other invoice posts below)
    assert report.error is not None and "invoice_journal: record(s) failed" in report.error
    tally = {t.stream: t for t in report.streams}["invoice_journal"]
    assert (tally.failed, tally.parked, tally.loaded) == (1, 0, 1)
    [held] = app.store.parked.open(NAME, "invoice_journal")
    assert held["source_id"] == gone_invoice["increment_id"]
    assert held["status"] == "failed"
    assert f"Invoice {gone_invoice['increment_id']}" in held["reason"]
    assert f"order (entity {gone['entity_id']}) is not in Commerce any more" in held["reason"]
    assert "by hand" in held["reason"]
    state = served["syspro-enet"].app.state.emulator
    invoice_refs = [r["Reference"] for r in state.rows("GenJournalCtl") if r["Reference"].startswith("WIN")]
    assert invoice_refs == [f"WIN{first['increment_id']}", f"WIN{kept_invoice['increment_id']}"]
    assert "--full-refresh" in held["reason"]
    with store.lock:
        store.orders[gone["entity_id"]] = gone  # restored in Commerce: the full refresh its reason names posts it
    again = run_integration(app, NAME, full_refresh=True)
    assert again.status == "succeeded", again.error
    assert {t.stream: t.loaded for t in again.streams}["invoice_journal"] == 1
    assert app.store.parked.open(NAME) == []
    invoice_refs = [r["Reference"] for r in state.rows("GenJournalCtl") if r["Reference"].startswith("WIN")]
    assert sorted(invoice_refs) == sorted(f"WIN{i['increment_id']}" for i in (first, kept_invoice, gone_invoice))
