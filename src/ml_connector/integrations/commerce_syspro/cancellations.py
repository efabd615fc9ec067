"""An order cancelled in Commerce after it was posted, with ``cancel_after_post = "reverse"``: a
reversing GENTJL (every line of the order's journal negated, in the period of the cancellation,
reference ``cancel_journal_prefix`` + increment id, naming the journal it reverses) and a cancellation
of the SYSPRO sales order (SORTOI ``OrderActionType`` D). With ``"review"`` (the default, as before)
the posted order is only flagged ``changed_after_post`` for a person.

Only cancelled orders reach these streams (sources.py). An order whose journal or sales order never
reached SYSPRO (asked of the ledger, then of SYSPRO itself) has nothing to reverse: that is recorded
(reference "nothing posted") and nothing is sent.
Exactly once: the reversal is looked up by its reference, the cancellation by the order's status.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ml_connector.connectors.syspro.enet.cancellation import CANCELLED, cancel_sales_order, sales_order_status
from ml_connector.connectors.syspro.enet.client import SysproEnetClient
from ml_connector.connectors.syspro.enet.models import GlJournal, GlJournalLine
from ml_connector.core.clock import Clock
from ml_connector.engine.targets import ChangePolicy, Delivery
from ml_connector.errors import ReferenceMissingError
from ml_connector.integrations.commerce_syspro.mappings import Mappings
from ml_connector.integrations.commerce_syspro.settings import CommerceSysproSettings
from ml_connector.integrations.commerce_syspro.streams import JOURNAL, SALES_ORDER
from ml_connector.integrations.commerce_syspro.targets import JournalTarget, require_open_period
from ml_connector.store.deliveries import DeliveryLedger

NOTHING_POSTED = "nothing posted: nothing to reverse"


class CancelJournalTarget:
    change_policy = ChangePolicy.REVIEW

    def __init__(
        self,
        enet: SysproEnetClient,
        mappings: Mappings,
        cfg: CommerceSysproSettings,
        deliveries: DeliveryLedger,
        clock: Clock,
        integration: str,
    ) -> None:
        self.order_journal = JournalTarget(enet, mappings, cfg, deliveries, clock, integration)
        self.enet, self.cfg, self.deliveries, self.clock = enet, cfg, deliveries, clock
        self.integration = integration

    def reference(self, row: dict[str, Any]) -> str:
        return f"{self.cfg.cancel_journal_prefix}{row['increment_id']}"

    def journal(self, row: dict[str, Any]) -> GlJournal:
        original = self.order_journal.journal({**row, "canceled": False})
        day = datetime.fromisoformat(row["updated_at"]).astimezone(UTC).date()  # when it was cancelled
        if self.cfg.posting_period == "run_date":
            day = self.clock.now().astimezone(UTC).date()
        lines = tuple(
            GlJournalLine(
                ln.ledger_code, -Decimal(ln.amount), f"cancel {row['increment_id']}: reverses {original.reference}"
            )
            for ln in original.lines
        )
        notation = f"Adobe Commerce order {row['increment_id']} cancelled: reverses journal {original.reference}"
        return replace(
            original,
            reference=self.reference(row),
            posting_year=day.year,
            posting_period=day.month,
            journal_date=day,
            lines=lines,
            notation=notation,
        )

    def _posted(self, d: Delivery) -> bool:
        """The ledger says so, or SYSPRO does: a journal whose answer was lost and whose order was cancelled
        before the next run is in SYSPRO although its ledger row was refused ("canceled")."""
        if self.deliveries.last_delivered(self.integration, JOURNAL, d.source_id) is not None:
            return True
        return self.enet.find_journal_by_reference(f"{self.cfg.journal_prefix}{d.source_id}") is not None

    def check_references(self, d: Delivery) -> None:
        if self._posted(d):
            require_open_period(self.journal(dict(d.row)), self.order_journal.closed_periods, "reversal")

    def lookup(self, d: Delivery) -> str | None:
        return self.enet.find_journal_by_reference(self.reference(dict(d.row)))

    def send(self, d: Delivery) -> str:
        if not self._posted(d):
            return NOTHING_POSTED
        try:
            return self.enet.post_journal(self.journal(dict(d.row)))
        except ReferenceMissingError as exc:
            if exc.reference == "posting_period":
                self.order_journal.closed_periods.add(exc.key)
            raise


class CancelSalesOrderTarget:
    change_policy = ChangePolicy.REVIEW

    def __init__(
        self,
        enet: SysproEnetClient,
        mappings: Mappings,
        cfg: CommerceSysproSettings,
        deliveries: DeliveryLedger,
        integration: str,
    ) -> None:
        self.enet, self.mappings, self.cfg, self.deliveries = enet, mappings, cfg, deliveries
        self.integration = integration

    def _po(self, row: dict[str, Any]) -> str:
        return f"{self.cfg.po_prefix}{row['increment_id']}"

    def _customer(self, row: dict[str, Any]) -> str:
        try:
            return self.mappings.customer_for_order(row)
        except ReferenceMissingError:  # never mapped, so never posted under a customer: look up by PO alone
            return ""

    def check_references(self, d: Delivery) -> None:
        return None  # nothing is needed to find out whether there is anything to cancel

    def lookup(self, d: Delivery) -> str | None:
        row = dict(d.row)
        found = sales_order_status(self.enet, self._po(row), self._customer(row))
        return found[0] if found is not None and found[1] == CANCELLED else None

    def send(self, d: Delivery) -> str:
        row = dict(d.row)
        customer = self._customer(row)
        posted = self.deliveries.last_delivered(self.integration, SALES_ORDER, d.source_id)
        # As for journals: a sales order whose answer was lost may be in SYSPRO without a delivered row.
        number = (
            posted.target_ref
            if posted is not None
            else self.enet.find_order_by_customer_po(self._po(row), customer=customer)
        )
        if not number:
            return NOTHING_POSTED
        return cancel_sales_order(self.enet, number, self._po(row), customer)
