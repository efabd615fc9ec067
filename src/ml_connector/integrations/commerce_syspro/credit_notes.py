"""``restock = "credit_note"``: the lines a Commerce credit memo returned to stock become a SYSPRO credit
note (SORTOI, document type C) against the order's sales order, so SYSPRO's own returns process receives
them; CustomerPoNumber = ``credit_note_po_prefix`` + credit memo increment id, the check-before-post key.
The money side stays the refund journal (refunds.py); the credit note carries quantities and prices of
the returned lines only. It waits (parked) until the order's sales order is in SYSPRO.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ml_connector.connectors.syspro.enet.client import SysproEnetClient
from ml_connector.connectors.syspro.enet.credit_notes import post_credit_note
from ml_connector.connectors.syspro.enet.models import SalesOrder, SalesOrderLine
from ml_connector.connectors.syspro.enet.queries import Condition
from ml_connector.engine.targets import ChangePolicy, Delivery
from ml_connector.errors import ReferenceMissingError
from ml_connector.integrations.commerce_syspro.mappings import Mappings
from ml_connector.integrations.commerce_syspro.settings import CommerceSysproSettings
from ml_connector.integrations.commerce_syspro.streams import SALES_ORDER
from ml_connector.store.deliveries import DeliveryLedger


class CreditNoteTarget:
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
        self._customers: dict[str, str] = {}

    def _po(self, row: dict[str, Any]) -> str:
        return f"{self.cfg.credit_note_po_prefix}{row['increment_id']}"

    def _sales_order(self, row: dict[str, Any]) -> str:
        order = str(row["order_increment_id"])
        posted = self.deliveries.last_delivered(self.integration, SALES_ORDER, order)
        if posted is None or not posted.target_ref:
            raise ReferenceMissingError(
                f"credit note for credit memo {row['increment_id']} waits for the sales order of order {order}",
                reference="sales_order",
                key=order,
            )
        return posted.target_ref

    def _customer(self, sales_order: str) -> str:
        """The credit note's customer is the sales order's (read from SYSPRO, once per order)."""
        if sales_order not in self._customers:
            found = self.enet._query("SorMaster", ("SalesOrder", "Customer"), [Condition("SalesOrder", sales_order)])
            self._customers[sales_order] = found[0].get("customer", "") if found else ""
        return self._customers.get(sales_order, "")

    def check_references(self, d: Delivery) -> None:
        self._sales_order(dict(d.row))

    def lookup(self, d: Delivery) -> str | None:
        return self.enet.find_order_by_customer_po(self._po(dict(d.row)))

    def send(self, d: Delivery) -> str:
        row = dict(d.row)
        sales_order = self._sales_order(row)
        returned = [line for line in row["lines"] if line["back_to_stock"]]
        lines = tuple(
            SalesOrderLine(
                stock_code=line["sku"],
                quantity=line["qty"],
                price=str((Decimal(line["row_total"]) / Decimal(line["qty"])).quantize(Decimal("0.01"))),
                description=line["name"],
                stocked=False,
                product_class=self.cfg.non_stocked_product_class,
            )
            for line in returned
        )
        note = SalesOrder(
            customer=self._customer(sales_order),
            customer_po_number=self._po(row),
            order_date=datetime.fromisoformat(row["created_at"]).date(),
            lines=lines,
        )
        return post_credit_note(self.enet, note, sales_order)
