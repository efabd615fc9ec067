"""An order cancelled in Commerce after it was posted, with ``cancel_after_post = "reverse"``: a
reversing GENTJL (every line of the order's journal negated, in the period of the cancellation,
reference ``cancel_journal_prefix`` + increment id, naming the journal it reverses) and a cancellation
of the SYSPRO sales order (SORTOI ``OrderActionType`` D). With ``"review"`` (the default, as before)
the posted order is only flagged ``changed_after_post`` for a person.

Only cancelled orders reach these streams (sources.py). An order whose journal or sales order never
reached SYSPRO has nothing to reverse: that is recorded (reference "nothing posted") and nothing is sent.
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
from ml_connector.integrations.commerce_syspro.streams import JOURNAL, NAME, SALES_ORDER
from ml_connector.integrations.commerce_syspro.targets import JournalTarget
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
    ) -> None:
        self.order_journal = JournalTarget(enet, mappings, cfg, deliveries, clock)
        self.enet, self.cfg, self.deliveries, self.clock = enet, cfg, deliveries, clock

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
        return self.deliveries.last_delivered(NAME, JOURNAL, d.source_id) is not None

    def check_references(self, d: Delivery) -> None:
        if self._posted(d):
            journal = self.journal(dict(d.row))
            period = f"{journal.posting_year}/{journal.posting_period:02d}"
            if period in self.order_journal.closed_periods:
                raise ReferenceMissingError(
                    f"posting period {period} is closed in SYSPRO; open it and the next run posts the reversal",
                    reference="posting_period",
                    key=period,
                )

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
        self, enet: SysproEnetClient, mappings: Mappings, cfg: CommerceSysproSettings, deliveries: DeliveryLedger
    ) -> None:
        self.enet, self.mappings, self.cfg, self.deliveries = enet, mappings, cfg, deliveries

    def _po(self, row: dict[str, Any]) -> str:
        return f"{self.cfg.po_prefix}{row['increment_id']}"

    def check_references(self, d: Delivery) -> None:
        if self.deliveries.last_delivered(NAME, SALES_ORDER, d.source_id) is not None:
            self.mappings.customer_for_order(d.row)

    def lookup(self, d: Delivery) -> str | None:
        row = dict(d.row)
        found = sales_order_status(self.enet, self._po(row), self.mappings.customer_for_order(row))
        return found[0] if found is not None and found[1] == CANCELLED else None

    def send(self, d: Delivery) -> str:
        posted = self.deliveries.last_delivered(NAME, SALES_ORDER, d.source_id)
        if posted is None or not posted.target_ref:
            return NOTHING_POSTED
        row = dict(d.row)
        return cancel_sales_order(self.enet, posted.target_ref, self._po(row), self.mappings.customer_for_order(row))
