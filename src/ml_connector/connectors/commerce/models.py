"""Typed views of Adobe Commerce REST payloads: Order, OrderItem, OrderAddress, Invoice, Customer,
and the drafts we send when creating or updating a customer. Only the fields the integrations use
are declared; everything else is kept as extra data (commerce-sterling-x12.md §1.6-1.8).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from ml_connector.connectors.commerce.search import parse_commerce_time


def _to_utc(value: Any) -> Any:
    return parse_commerce_time(value) if isinstance(value, str) else value


CommerceTime = Annotated[datetime, BeforeValidator(_to_utc)]
Money = Decimal


class CommerceModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class OrderAddress(CommerceModel):
    address_type: str | None = None
    firstname: str | None = None
    lastname: str | None = None
    company: str | None = None
    street: list[str] = Field(default_factory=list)
    city: str | None = None
    region: str | None = None
    region_code: str | None = None
    postcode: str | None = None
    country_id: str | None = None
    telephone: str | None = None
    email: str | None = None


class OrderItem(CommerceModel):
    item_id: int
    sku: str
    name: str | None = None
    product_id: int | None = None
    product_type: str | None = None
    parent_item_id: int | None = None
    qty_ordered: Decimal = Decimal(0)
    qty_invoiced: Decimal = Decimal(0)
    price: Money = Decimal(0)
    row_total: Money = Decimal(0)
    tax_amount: Money = Decimal(0)
    tax_percent: Decimal = Decimal(0)
    discount_amount: Money = Decimal(0)
    is_virtual: int = 0


class OrderPayment(CommerceModel):
    method: str
    po_number: str | None = None
    amount_ordered: Money | None = None
    amount_paid: Money | None = None


class Order(CommerceModel):
    """``sales-data-order-interface``. Amounts are Decimals; ``discount_amount`` is negative."""

    entity_id: int
    increment_id: str
    state: str | None = None
    status: str | None = None
    created_at: CommerceTime
    updated_at: CommerceTime
    store_id: int | None = None
    customer_id: int | None = None
    customer_email: str
    customer_firstname: str | None = None
    customer_lastname: str | None = None
    customer_is_guest: int = 0
    customer_group_id: int | None = None
    order_currency_code: str | None = None
    base_currency_code: str | None = None
    subtotal: Money = Decimal(0)
    discount_amount: Money = Decimal(0)
    shipping_amount: Money = Decimal(0)
    tax_amount: Money = Decimal(0)
    grand_total: Money
    total_invoiced: Money | None = None
    coupon_code: str | None = None
    ext_order_id: str | None = None
    items: list[OrderItem] = Field(default_factory=list)
    billing_address: OrderAddress | None = None
    payment: OrderPayment | None = None
    extension_attributes: dict[str, Any] = Field(default_factory=dict)

    @property
    def lines(self) -> list[OrderItem]:
        """Billable lines: configurable/bundle children (``parent_item_id`` set) carry no price."""
        return [item for item in self.items if item.parent_item_id is None]

    @property
    def shipping_address(self) -> OrderAddress | None:
        """Not a top-level field: ``extension_attributes.shipping_assignments[0].shipping.address``."""
        assignments = self.extension_attributes.get("shipping_assignments") or []
        address = assignments[0].get("shipping", {}).get("address") if assignments else None
        return OrderAddress.model_validate(address) if address else None


class InvoiceItem(CommerceModel):
    entity_id: int | None = None
    order_item_id: int
    sku: str
    name: str | None = None
    qty: Decimal
    price: Money = Decimal(0)
    row_total: Money = Decimal(0)
    tax_amount: Money = Decimal(0)
    discount_amount: Money = Decimal(0)


class Invoice(CommerceModel):
    """``sales-data-invoice-interface``; ``order_id`` is the order's ``entity_id``."""

    entity_id: int
    increment_id: str | None = None
    order_id: int
    state: int | None = None
    created_at: CommerceTime
    updated_at: CommerceTime
    store_id: int | None = None
    order_currency_code: str | None = None
    subtotal: Money = Decimal(0)
    discount_amount: Money = Decimal(0)
    shipping_amount: Money = Decimal(0)
    tax_amount: Money = Decimal(0)
    grand_total: Money = Decimal(0)
    items: list[InvoiceItem] = Field(default_factory=list)


class CustomAttribute(CommerceModel):
    attribute_code: str
    value: Any = None


class CustomerRegion(CommerceModel):
    region_code: str | None = None
    region: str | None = None
    region_id: int | None = None


class CustomerAddress(CommerceModel):
    id: int | None = None
    firstname: str
    lastname: str
    company: str | None = None
    street: list[str]
    city: str
    region: CustomerRegion | None = None
    region_id: int | None = None
    postcode: str
    country_id: str
    telephone: str
    default_billing: bool | None = None
    default_shipping: bool | None = None


class Customer(CommerceModel):
    """``customer-data-customer-interface``: the key is ``id`` (not ``entity_id``)."""

    id: int
    email: str
    firstname: str
    lastname: str
    group_id: int | None = None
    website_id: int | None = None
    store_id: int | None = None
    taxvat: str | None = None
    created_at: CommerceTime | None = None
    updated_at: CommerceTime | None = None
    addresses: list[CustomerAddress] = Field(default_factory=list)
    custom_attributes: list[CustomAttribute] = Field(default_factory=list)

    def custom_attribute(self, code: str) -> str | None:
        found = next((a.value for a in self.custom_attributes if a.attribute_code == code), None)
        return None if found is None else str(found)


class CustomerDraft(CommerceModel):
    """What we send to create or update a customer (the SYSPRO -> Commerce direction).

    ``syspro_customer_code`` is written to the customer custom attribute the client is configured
    with (default ``syspro_customer_code``), which is how records we wrote are recognised later.
    """

    email: str
    firstname: str
    lastname: str
    website_id: int | None = None
    group_id: int | None = None
    taxvat: str | None = None
    addresses: list[CustomerAddress] | None = None
    syspro_customer_code: str | None = None

    def to_payload(self, syspro_code_attribute: str) -> dict[str, Any]:
        body = self.model_dump(exclude_none=True, exclude={"syspro_customer_code"})
        if self.syspro_customer_code is not None:
            body["custom_attributes"] = [{"attribute_code": syspro_code_attribute, "value": self.syspro_customer_code}]
        return body


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a search, already de-duplicated: ``items`` may be fewer than ``page_size``."""

    items: list[T]
    current_page: int
    page_size: int
    total_count: int
