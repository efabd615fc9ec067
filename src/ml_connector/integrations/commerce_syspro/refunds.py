"""Commerce credit memos (refunds) into SYSPRO: a balanced GENTJL per credit memo, in the memo's period,
that reverses exactly what it refunds, line by line, and credits the customer's side.

Journal (positive = debit): each refunded line's row total to its revenue GL; tax, shipping to their
accounts; the memo's discount (negative) back to the discount account; an adjustment refund to
``refund_adjustment_gl`` (else the discount account); an adjustment fee kept (restocking fee) credited
to ``restocking_fee_gl``; the memo's grand total credited to ``refund_gl`` (a refund clearing account)
else ``receivable_gl``. JournalReference = ``refund_journal_prefix`` + memo increment id (the
check-before-post key); every line's comment and the notation name the journal it reverses.

A memo waits (parked) until the journal it reverses is in SYSPRO; a memo in a closed period is parked
with that reason; a memo that cannot be right (negative fields, more than its order) fails, replayable.
:class:`WarehouseFlagTarget` lists lines returned to stock for the warehouse (ledger stream
``return_to_stock``: `ml-connector audit --stream return_to_stock`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import structlog

from ml_connector.connectors.syspro.enet.client import SysproEnetClient
from ml_connector.connectors.syspro.enet.models import GlJournal, GlJournalLine
from ml_connector.core.clock import Clock
from ml_connector.engine.targets import ChangePolicy, Delivery
from ml_connector.errors import ReferenceMissingError
from ml_connector.integrations.commerce_syspro.documents import memo_problem
from ml_connector.integrations.commerce_syspro.invoicing import posted_journal_reference
from ml_connector.integrations.commerce_syspro.mappings import Mappings
from ml_connector.integrations.commerce_syspro.settings import CommerceSysproSettings
from ml_connector.integrations.commerce_syspro.streams import SALES_ORDER
from ml_connector.integrations.commerce_syspro.targets import SYSTEM, OrderInvalidError, require_open_period
from ml_connector.store.deliveries import DeliveryLedger

log = structlog.get_logger("ml_connector.commerce_syspro")


def _refused(row: dict[str, Any], problem: str) -> OrderInvalidError:
    return OrderInvalidError(
        f"Credit memo {row['increment_id']} (order {row['order_increment_id']}) not posted: {problem}.",
        system=SYSTEM,
        status=422,
    )


class RefundJournalTarget:
    change_policy = ChangePolicy.REVIEW  # a posted refund is never posted twice

    def __init__(
        self,
        enet: SysproEnetClient,
        mappings: Mappings,
        cfg: CommerceSysproSettings,
        deliveries: DeliveryLedger,
        clock: Clock,
        integration: str,
    ) -> None:
        self.enet, self.mappings, self.cfg, self.deliveries, self.clock = enet, mappings, cfg, deliveries, clock
        self.integration = integration
        self.closed_periods: set[str] = set()

    def reference(self, row: dict[str, Any]) -> str:
        return f"{self.cfg.refund_journal_prefix}{row['increment_id']}"

    def journal(self, row: dict[str, Any]) -> GlJournal:
        store, m = row.get("store_id"), self.mappings
        _, _, reverses = posted_journal_reference(self.cfg, row)
        amounts: list[tuple[str, Decimal, str]] = [
            (m.revenue_gl(line["sku"]), Decimal(line["row_total"]), f"{line['qty']} x {line['sku']}")
            for line in row["lines"]
        ]
        amounts += [
            (m.account("tax_gl", store), Decimal(row["tax"]), "tax"),
            (m.account("shipping_gl", store), Decimal(row["shipping"]), "shipping"),
            (m.account("discount_gl", store), Decimal(row["discount"]), "discount"),
        ]
        if Decimal(row["adjustment_positive"]):
            account = m.optional_account("refund_adjustment_gl", store) or m.account("discount_gl", store)
            amounts.append((account, Decimal(row["adjustment_positive"]), "adjustment refund"))
        if Decimal(row["adjustment_negative"]):
            amounts.append((m.account("restocking_fee_gl", store), -Decimal(row["adjustment_negative"]), "fee kept"))
        credit = m.optional_account("refund_gl", store) or m.account("receivable_gl", store)
        amounts.append((credit, -Decimal(row["grand_total"]), "refund" + (" offline" if row.get("offline") else "")))
        balance = sum((value for _, value, _ in amounts), Decimal(0))
        if balance != 0:
            raise _refused(row, f"lines, tax, shipping, discount and adjustments differ from its total by {balance}")
        memo = row["increment_id"]
        lines = tuple(
            GlJournalLine(gl, value, f"refund {memo} {what} (reverses {reverses})")
            for gl, value, what in amounts
            if value
        )
        day = (
            datetime.fromisoformat(row["created_at"]).date()
            if self.cfg.posting_period == "order_date"
            else self.clock.now().astimezone(UTC).date()
        )
        return GlJournal(
            reference=self.reference(row),
            posting_year=day.year,
            posting_period=day.month,
            lines=lines,
            journal_date=day,
            notation=f"Adobe Commerce credit memo {memo} of order {row['order_increment_id']}, reverses {reverses}",
        )

    def check_references(self, d: Delivery) -> None:
        row = dict(d.row)
        problem = memo_problem(row)
        if problem:
            raise _refused(row, problem)
        stream, key, reverses = posted_journal_reference(self.cfg, row)
        if not key:
            raise ReferenceMissingError(
                f"credit memo {d.source_id} names no invoice, so under posting_trigger invoice_created it is "
                "unknown which invoice journal it reverses; post it by hand in SYSPRO (then `ml-connector replay` "
                "after linking it in Commerce)",
                reference="invoice",
                key=str(row["order_increment_id"]),
            )
        if self.deliveries.last_delivered(self.integration, stream, key) is None:
            raise ReferenceMissingError(
                f"credit memo {d.source_id} waits for journal {reverses} of order {row['order_increment_id']} to "
                "reach SYSPRO (see `ml-connector parked` for why it has not); the next run after it posts this",
                reference=stream,
                key=key,
            )
        require_open_period(self.journal(row), self.closed_periods, "refund")

    def lookup(self, d: Delivery) -> str | None:
        return self.enet.find_journal_by_reference(self.reference(dict(d.row)))

    def send(self, d: Delivery) -> str:
        try:
            return self.enet.post_journal(self.journal(dict(d.row)))
        except ReferenceMissingError as exc:
            if exc.reference == "posting_period":
                self.closed_periods.add(exc.key)
            raise


class WarehouseFlagTarget:
    """Lines a credit memo returned to stock, flagged for the warehouse: the ledger row's reference names
    the SYSPRO sales order and the lines (`ml-connector audit --stream return_to_stock`). Writes nothing
    to SYSPRO, so repeating it is harmless."""

    change_policy = ChangePolicy.REVIEW

    def __init__(self, deliveries: DeliveryLedger, integration: str) -> None:
        self.deliveries, self.integration = deliveries, integration

    def check_references(self, d: Delivery) -> None:
        order = str(d.row["order_increment_id"])
        if self.deliveries.last_delivered(self.integration, SALES_ORDER, order) is None:
            raise ReferenceMissingError(
                f"return to stock of credit memo {d.source_id} waits for the sales order of order {order}",
                reference="sales_order",
                key=order,
            )

    def lookup(self, d: Delivery) -> str | None:
        return None

    def send(self, d: Delivery) -> str:
        order = str(d.row["order_increment_id"])
        sales_order = self.deliveries.last_delivered(self.integration, SALES_ORDER, order)
        lines = [f"{line['qty']} x {line['sku']}" for line in d.row["lines"] if line["back_to_stock"]]
        flag = f"return to stock, SYSPRO sales order {sales_order.target_ref if sales_order else '?'}: " + ", ".join(
            lines
        )
        log.info("warehouse.return_to_stock", credit_memo=d.source_id, order=order, lines=lines)
        return flag[:300]
