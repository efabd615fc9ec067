"""SYSPRO and Commerce record targets for commerce-syspro (engine RecordTarget protocol).

* SalesOrderTarget: SORTOI, Commerce increment id in CustomerPoNumber; lookup by that PO number.
* JournalTarget: a balanced GENTJL per order (receivable debit, revenue per SKU GL, tax, shipping,
  discount); reference journal_prefix + increment id on every line; lookup by that reference. It waits
  (parked) until the order's sales order is delivered, so SYSPRO never holds one without the other.
* SysproCustomerTarget / CommerceCustomerTarget: customer upserts (ChangePolicy.UPDATE).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ml_connector.connectors.commerce.client import CommerceClient
from ml_connector.connectors.commerce.models import CustomerDraft
from ml_connector.connectors.syspro.enet import business_objects as bo
from ml_connector.connectors.syspro.enet.client import SysproEnetClient
from ml_connector.connectors.syspro.enet.models import ArCustomer, GlJournal, GlJournalLine, SalesOrder, SalesOrderLine
from ml_connector.connectors.syspro.enet.text import to_cp1252
from ml_connector.core.clock import Clock
from ml_connector.engine.dry_run import Rendering, json_rendering
from ml_connector.engine.targets import ChangePolicy, Delivery
from ml_connector.errors import ReferenceMissingError, RemoteRejectedError
from ml_connector.integrations.commerce_syspro.mappings import Mappings
from ml_connector.integrations.commerce_syspro.settings import CommerceSysproSettings
from ml_connector.integrations.commerce_syspro.streams import SALES_ORDER, SINGLE_NAME_LASTNAME
from ml_connector.store.deliveries import DeliveryLedger

SYSTEM = "commerce-syspro"


class OrderInvalidError(RemoteRejectedError):
    """The order cannot be posted as it is (negative or inconsistent totals): failed, replayable."""


def order_problem(row: dict[str, Any]) -> str | None:
    if row.get("canceled"):
        return "the order is canceled in Commerce; nothing is posted (replay it if it was posted by hand)"
    if Decimal(row["grand_total"]) < 0 or any(Decimal(line["price"]) < 0 for line in row["lines"]):
        return f"negative total {row['grand_total']}: a refund is a credit memo in Commerce, not an order"
    if not row["lines"]:
        return "the order has no lines"
    return None


def _check_order(row: dict[str, Any]) -> None:
    problem = order_problem(row)
    if problem:
        raise OrderInvalidError(f"Order {row['increment_id']} not posted: {problem}.", system=SYSTEM, status=422)


def require_open_period(journal: GlJournal, closed_periods: set[str], what: str) -> None:
    """Park (not fail) a journal whose SYSPRO posting period this run learnt is closed; ``what`` names it."""
    period = f"{journal.posting_year}/{journal.posting_period:02d}"
    if period in closed_periods:
        raise ReferenceMissingError(
            f"posting period {period} is closed in SYSPRO; open it and the next run posts the {what}",
            reference="posting_period",
            key=period,
        )


class SalesOrderTarget:
    change_policy = ChangePolicy.REVIEW

    def __init__(self, enet: SysproEnetClient, mappings: Mappings, cfg: CommerceSysproSettings) -> None:
        self.enet, self.mappings, self.cfg = enet, mappings, cfg
        self.rendered: set[str] = set()  # dry run: orders shown as sent (their journals need not wait)

    def _po(self, row: dict[str, Any]) -> str:
        return f"{self.cfg.po_prefix}{row['increment_id']}"

    def check_references(self, d: Delivery) -> None:
        _check_order(dict(d.row))
        self.mappings.customer_for_order(d.row)

    def lookup(self, d: Delivery) -> str | None:
        return self.enet.find_order_by_customer_po(
            self._po(dict(d.row)), customer=self.mappings.customer_for_order(d.row)
        )

    def send(self, d: Delivery) -> str:
        return self.enet.post_sales_order(self.order(dict(d.row)))

    def render(self, d: Delivery) -> Rendering:
        self.rendered.add(d.source_id)
        return Rendering("e.net SORTOI XML (Transaction/Post)", bo.sortoi_document(self.order(dict(d.row))))

    def order(self, row: dict[str, Any]) -> SalesOrder:
        ship = row.get("ship_to") or {}
        lines = tuple(
            SalesOrderLine(
                stock_code=line["sku"],
                quantity=line["qty"],
                price=line["price"],
                description=line["name"],
                stocked=False,
                product_class=self.cfg.non_stocked_product_class,
            )
            for line in row["lines"]
        )
        return SalesOrder(
            customer=self.mappings.customer_for_order(row),
            customer_po_number=self._po(row),
            order_date=datetime.fromisoformat(row["created_at"]).date(),
            lines=lines,
            email=row.get("customer_email") or "",
            ship_address=tuple(ship.get("lines", ())[:5]),
            ship_postal_code=ship.get("postal_code", ""),
            freight_value=row["shipping"] if Decimal(row["shipping"]) > 0 else None,
        )


class JournalTarget:
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
        self.enet, self.mappings, self.cfg, self.deliveries, self.clock = enet, mappings, cfg, deliveries, clock
        self.integration = integration  # the instance key its deliveries are kept under
        self.closed_periods: set[str] = set()  # learnt this run: no GENTJL call per order into a closed period
        self.prefix = cfg.journal_prefix  # an invoice journal (invoicing.py) has its own
        self.document = "order"
        self.rendered_orders: set[str] = set()  # dry run: sales orders shown as sent (shared with SalesOrderTarget)

    def order_key(self, row: dict[str, Any]) -> str:
        """The increment id of the order whose sales order must be in SYSPRO first."""
        return str(row["increment_id"])

    def journal(self, row: dict[str, Any]) -> GlJournal:
        store = row.get("store_id")
        revenue: dict[str, Decimal] = defaultdict(Decimal)
        for line in row["lines"]:
            revenue[self.mappings.revenue_gl(line["sku"])] -= Decimal(line["row_total"])
        amounts: list[tuple[str, Decimal, str]] = [
            (self.mappings.account("receivable_gl", store), Decimal(row["grand_total"]), "receivable"),
            *((gl, value, "revenue") for gl, value in revenue.items()),
            (self.mappings.account("tax_gl", store), -Decimal(row["tax"]), "tax"),
            (self.mappings.account("shipping_gl", store), -Decimal(row["shipping"]), "shipping"),
            (self.mappings.account("discount_gl", store), -Decimal(row["discount"]), "discount"),
        ]
        lines = tuple(GlJournalLine(gl, value, f"{what} {row['increment_id']}") for gl, value, what in amounts if value)
        balance = sum((value for _, value, _ in amounts), Decimal(0))
        if balance != 0:
            raise OrderInvalidError(
                f"Order {row['increment_id']} does not add up: grand total {row['grand_total']} minus lines, tax, "
                f"shipping and discount leaves {balance}; the journal would not balance. Check the order in Commerce.",
                system=SYSTEM,
                status=422,
            )
        day = (
            datetime.fromisoformat(row["created_at"]).date()
            if self.cfg.posting_period == "order_date"
            else self.clock.now().astimezone(UTC).date()
        )
        return GlJournal(
            reference=f"{self.prefix}{row['increment_id']}",
            posting_year=day.year,
            posting_period=day.month,
            lines=lines,
            journal_date=day,
            notation=f"Adobe Commerce {self.document} {row['increment_id']} {row.get('customer_name', '')}",
        )

    def check_references(self, d: Delivery) -> None:
        row = dict(d.row)
        _check_order(row)
        order = self.order_key(row)
        if (
            order not in self.rendered_orders
            and self.deliveries.last_delivered(self.integration, SALES_ORDER, order) is None
        ):
            raise ReferenceMissingError(
                f"journal {self.prefix}{d.source_id} waits for the sales order of order {order} (see `ml-connector "
                "parked`: the sales order's reason says what is missing)",
                reference="sales_order",
                key=order,
            )
        require_open_period(self.journal(row), self.closed_periods, "journal")

    def lookup(self, d: Delivery) -> str | None:
        return self.enet.find_journal_by_reference(f"{self.prefix}{d.row['increment_id']}")

    def render(self, d: Delivery) -> Rendering:
        return Rendering("e.net GENTJL XML (Transaction/Post)", bo.gentjl_document(self.journal(dict(d.row))))

    def send(self, d: Delivery) -> str:
        journal = self.journal(dict(d.row))
        try:
            return self.enet.post_journal(journal)
        except ReferenceMissingError as exc:
            if exc.reference == "posting_period":
                self.closed_periods.add(exc.key)
            raise


class SysproCustomerTarget:
    """Commerce customer -> SYSPRO customer (ARSSCS add/update). Upserts are safe to repeat."""

    change_policy = ChangePolicy.UPDATE

    def __init__(self, enet: SysproEnetClient, mappings: Mappings, clock: Clock) -> None:
        self.enet, self.mappings, self.clock = enet, mappings, clock

    def check_references(self, d: Delivery) -> None:
        if not d.row.get("name"):
            raise ReferenceMissingError(
                f"Commerce customer {d.row.get('commerce_id')} has no name",
                reference="customer_name",
                key=str(d.row.get("commerce_id")),
            )

    def lookup(self, d: Delivery) -> str | None:
        """After an unknown outcome: SYSPRO already holds the customer as we would write it (same name and
        email), so the write landed: adopt it (and link it, as send does). Otherwise send (an update)."""
        row = dict(d.row)
        wanted = self.customer(row)
        held = self.enet.get_customer(wanted.customer)
        if held is None or _card(held) != _card(wanted):
            return None
        self.mappings.link_customer(row["commerce_id"], held.customer, self.clock.now())
        return held.customer

    def send(self, d: Delivery) -> str:
        row = dict(d.row)
        code = self.enet.upsert_customer(self.customer(row), exists=True if d.previous_target_ref else None)
        self.mappings.link_customer(row["commerce_id"], code, self.clock.now())
        return code

    def render(self, d: Delivery) -> Rendering:
        return Rendering("e.net ARSSCS XML (Setup/Add or Setup/Update)", bo.arsscs_document(self.customer(dict(d.row))))

    def customer(self, row: dict[str, Any]) -> ArCustomer:
        return ArCustomer(
            customer=row["code"],
            name=row["name"],
            short_name=row["name"][:20],
            email=row["email"],
            telephone=row.get("telephone") or "",
            branch=self.mappings.branch(row.get("store_id")),
            sold_to=tuple((row.get("sold_to") or [])[:5]),
            sold_postal_code=row.get("sold_postal_code") or "",
        )


def _card(c: ArCustomer) -> tuple[str, ...]:
    """Name and email as SYSPRO holds them (Windows-1252, unpadded): what identifies our write."""
    return to_cp1252(c.name), to_cp1252(c.email)


class CommerceCustomerTarget:
    """SYSPRO customer -> Commerce customer carrying the SYSPRO code (custom attribute)."""

    change_policy = ChangePolicy.UPDATE

    def __init__(self, commerce: CommerceClient, website_id: int) -> None:
        self.commerce, self.website_id = commerce, website_id

    def check_references(self, d: Delivery) -> None:
        if not d.row.get("email"):
            raise ReferenceMissingError(
                f"SYSPRO customer {d.source_id} has no email; Commerce needs one. Add it in SYSPRO and the next "
                "run creates the Commerce customer",
                reference="customer_email",
                key=d.source_id,
            )

    def lookup(self, d: Delivery) -> str | None:
        found = self.commerce.find_customer_by_syspro_code(d.source_id)
        return str(found.id) if found else None

    def render(self, d: Delivery) -> Rendering:
        body = {"customer": self.draft(dict(d.row)).to_payload(self.commerce.syspro_code_attribute)}
        verb = (
            "PUT /V1/customers/{id}" if d.previous_target_ref else "POST /V1/customers (or PUT if found by code/email)"
        )
        return json_rendering(body, f"JSON {verb}")

    def draft(self, row: dict[str, Any]) -> CustomerDraft:
        first, _, last = row["name"].partition(" ")
        return CustomerDraft(
            email=row["email"],
            firstname=first or row["code"],
            lastname=last or SINGLE_NAME_LASTNAME,
            syspro_customer_code=row["code"],
        )

    def send(self, d: Delivery) -> str:
        row = dict(d.row)
        draft = self.draft(row)
        existing = (
            (self.commerce.get_customer(int(d.previous_target_ref)) if d.previous_target_ref else None)
            or self.commerce.find_customer_by_syspro_code(row["code"])
            or self.commerce.find_customer_by_email(row["email"])
        )
        if existing is not None:
            return str(self.commerce.update_customer(existing.id, draft).id)
        return str(self.commerce.create_customer(draft.model_copy(update={"website_id": self.website_id})).id)
