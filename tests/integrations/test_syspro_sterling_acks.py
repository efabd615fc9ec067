"""997 handling and the supplier <-> trading partner sync of SYSPRO -> Sterling: accepted, rejected (with
the AK errors), overdue, and the conflict rule (SYSPRO owns contact fields, Sterling owns EDI ids)."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ml_connector.core.clock import FixedClock
from ml_connector.edi import read_interchange
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.integrations.syspro_sterling.targets import parse_ref
from ml_connector.integrations.syspro_sterling.wiring import sterling_client
from ml_connector.runtime.service import run_integration

sys.path.insert(0, str(Path(__file__).parent))
from sterling_fixtures import INBOX, SEED, make_app, new_purchase_orders, outbox

NAME = "syspro-sterling"
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def syspro():
    served = serve_in_thread(create_emulator("syspro-odata", seed=SEED))
    yield served
    served.stop()


@pytest.fixture
def clock():
    return FixedClock(START)


@pytest.fixture
def slow_partner(clock):
    """Partners answer 997s only after 2 hours of (shared, fixed) time."""
    served = serve_in_thread(create_emulator("sterling", seed=SEED, clock=clock, ack_delay_s=7200))
    yield served
    served.stop()


def rejecting_997(partner_id: str, group: str) -> bytes:
    isa = (
        f"ISA*00*{' ' * 10}*00*{' ' * 10}*ZZ*{partner_id:<15}*ZZ*{'MLCONNECT':<15}*261123*1200*U*00401*000000900*0*T*>~"
    )
    body = [
        f"GS*FA*{partner_id}*MLCONNECT*20261123*1200*900*X*004010",
        "ST*997*0001",
        f"AK1*PO*{group}",
        "AK2*850*0001",
        "AK3*PO1*4**8",
        "AK4*2*330*4*X",
        "AK5*R*5",
        "AK9*R*1*1*0",
        "SE*8*0001",
        "GE*1*900",
        "IEA*1*000000900",
    ]
    return (isa + "~".join(body) + "~").encode()


def put_in_inbox(sterling, name: str, content: bytes) -> None:
    emulator = sterling.app.state.emulator
    with emulator.state.lock:
        document = emulator.state.create_document(content, name)
        emulator.state.add_message(
            emulator.state.ensure_mailbox(INBOX),
            name,
            document.document_id,
            extractable_always=False,
            extractable_count=1,
        )


def acks(app) -> list[dict]:
    return app.store.ledger.search(integration=NAME, stream="ack_997", limit=10_000)


def test_rejected_overdue_and_late_accepted_997s(tmp_path, syspro, slow_partner, clock) -> None:
    section = {"partners": {p: {"ack_window_minutes": 30} for p in ("ACMEWHOLESALE", "WIDGETCO")}}
    app = make_app(tmp_path, syspro, slow_partner, section=section, clock=clock)
    assert run_integration(app, NAME).status == "succeeded"
    sent = [
        r
        for r in app.store.ledger.search(integration=NAME, limit=10_000)
        if r["status"] == "delivered" and r["stream"] == "purchase_order" and "WIDGETCO" in r["target_ref"]
    ]
    victim = parse_ref(sent[0]["target_ref"])
    put_in_inbox(slow_partner, "997_WIDGETCO_000000900.x12", rejecting_997("123456789012345", victim["isa"]))
    clock.advance(timedelta(minutes=31))
    report = run_integration(app, NAME)
    rows = acks(app)
    [rejected] = [r for r in rows if r["status"] == "ack_rejected"]
    assert rejected["source_id"] == sent[0]["source_id"]
    assert rejected["replay_of"] == sent[0]["id"]
    assert "PO1" in rejected["error"]
    assert "AK9=R" in rejected["error"]
    assert "too short" in rejected["error"].lower()
    overdue = [r for r in rows if r["status"] == "ack_overdue"]
    documents = len(outbox(slow_partner))
    assert len(overdue) == documents - 1  # every document but the rejected one is flagged
    assert any("without a 997" in e for t in report.streams for e in t.errors)
    clock.advance(timedelta(hours=2))  # the partners' 997s arrive late: recorded, not flagged again
    run_integration(app, NAME)
    rows = acks(app)
    assert len([r for r in rows if r["status"] == "ack_accepted"]) == documents
    assert len([r for r in rows if r["status"] == "ack_overdue"]) == documents - 1
    run_integration(app, NAME)
    assert len(acks(app)) == len(rows)  # nothing read twice


def test_supplier_sync_both_ways_with_conflict_rule(tmp_path, syspro) -> None:
    served = serve_in_thread(create_emulator("sterling", seed=SEED))
    try:
        app = make_app(tmp_path, syspro, served)
        assert run_integration(app, NAME).status == "succeeded"
        client = sterling_client(app, "sterling")
        supplier = syspro.app.state.emulator.get("ApSupplier", Supplier="000016")
        widget = client.get_trading_partner("WIDGETCO")
        assert widget.phone == supplier["Telephone"]
        assert widget.code == "123456789012345"
        # both sides edit: Sterling changes the EDI id and the phone, SYSPRO changes the phone
        client.update_trading_partner(replace(widget, code="WIDGETNEW", phone="111"))
        syspro.app.state.emulator.update(
            "ApSupplier", keys=[{"Supplier": "000016"}], changes={"Telephone": "(440) 555-0000"}
        )
        stranger = replace(widget, partner_name="NOSUPPLIER", username="nosupplier", code="NOSUP")
        client.create_trading_partner(stranger)
        [po] = new_purchase_orders(syspro, "000016", 1)
        assert run_integration(app, NAME).status == "succeeded"
        widget = client.get_trading_partner("WIDGETCO")
        assert widget.phone == "(440) 555-0000"  # SYSPRO wins for contact fields
        assert widget.code == "WIDGETNEW"  # Sterling wins for the EDI id ...
        assert app.store.mappings.get(NAME, "receiver_id", "WIDGETCO") == "WIDGETNEW"  # ... pulled into the store
        [(_, content)] = [(m, c) for m, c in outbox(served) if f"-{po}-" in m.name]
        assert read_interchange(content).receiver_id.strip() == "WIDGETNEW"  # and used for the next 850
        assert any(f"-{po}-" in m.name for m, _ in served.app.state.emulator.mailbox_messages("/WIDGETCO/Inbox"))
        noted = app.store.ledger.search(integration=NAME, stream="partner_from_sterling", limit=10)
        assert [(r["source_id"], r["status"]) for r in noted] == [("NOSUPPLIER", "needs_supplier")]
        run_integration(app, NAME)
        assert len(app.store.ledger.search(integration=NAME, stream="partner_from_sterling", limit=10)) == 1
        client.close()
    finally:
        served.stop()
