"""Posting trigger ``invoice_created``: each Commerce invoice posts its own balanced GENTJL (receivable
debit; revenue per line, tax, shipping credits; discount debit), so an order invoiced in parts is
journaled in parts, in each invoice's period. The sales order (SORTOI) still goes in when the order is
placed; an invoice's journal waits for it. Reference: ``invoice_journal_prefix`` + invoice increment id.
An invoice whose order Commerce no longer has is refused (failed, replayable), never dropped.

Accounting consequence (docs/COMMERCE_REFUNDS.md): revenue and the receivable are recognised when
Commerce invoices (captures), not when the customer orders; an order never invoiced posts no revenue,
and a cancelled order needs no reversing journal (Commerce cancels only what is not invoiced).
"""

from __future__ import annotations

from typing import Any

from ml_connector.connectors.syspro.enet.client import SysproEnetClient
from ml_connector.core.clock import Clock
from ml_connector.engine.targets import Delivery
from ml_connector.integrations.commerce_syspro.documents import invoice_problem
from ml_connector.integrations.commerce_syspro.mappings import Mappings
from ml_connector.integrations.commerce_syspro.settings import CommerceSysproSettings
from ml_connector.integrations.commerce_syspro.targets import SYSTEM, JournalTarget, OrderInvalidError
from ml_connector.store.deliveries import DeliveryLedger


class InvoiceJournalTarget(JournalTarget):
    """One journal per Commerce invoice (rows from documents.invoice_row)."""

    def __init__(
        self,
        enet: SysproEnetClient,
        mappings: Mappings,
        cfg: CommerceSysproSettings,
        deliveries: DeliveryLedger,
        clock: Clock,
        integration: str,
    ) -> None:
        super().__init__(enet, mappings, cfg, deliveries, clock, integration)
        self.prefix = cfg.invoice_journal_prefix
        self.document = "invoice"

    def order_key(self, row: dict[str, Any]) -> str:
        return str(row["order_increment_id"])

    def check_references(self, d: Delivery) -> None:
        problem = invoice_problem(dict(d.row))
        if problem:
            raise OrderInvalidError(
                f"Invoice {d.row['increment_id']} (order {d.row['order_increment_id']}) not posted: {problem}.",
                system=SYSTEM,
                status=422,
            )
        super().check_references(d)


def posted_journal_reference(cfg: CommerceSysproSettings, row: dict[str, Any]) -> tuple[str, str, str]:
    """(stream, source id, journal reference) of what a credit memo reverses: the order's journal, or
    under ``invoice_created`` the journal of the invoice it refunds."""
    if cfg.posting_trigger == "invoice_created":
        return (
            "invoice_journal",
            str(row["invoice_increment_id"]),
            f"{cfg.invoice_journal_prefix}{row['invoice_increment_id']}",
        )
    return "order_journal", str(row["order_increment_id"]), f"{cfg.journal_prefix}{row['order_increment_id']}"
