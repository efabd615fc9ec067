"""Adobe Commerce credit memos (refunds) over REST: the typed view of ``sales-data-creditmemo-interface``
and the reads the integrations use (``GET /V1/creditmemos`` searchCriteria list,
``GET /V1/creditmemo/{id}``). Facts and sources: README.md "Credit memos".

Which lines went back to stock is not a field of the stored credit memo item: the refund calls take
``arguments.extension_attributes.return_to_stock_items`` (order item ids) and the Admin form a per-line
``back_to_stock`` flag. :meth:`CreditMemo.returned_to_stock` reads either, where the store exposes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import Field

from ml_connector.connectors.commerce.client import CommerceClient
from ml_connector.connectors.commerce.models import CommerceModel, CommerceTime, Money, Page
from ml_connector.connectors.commerce.search import MAX_PAGE_SIZE, Filter, SearchCriteria, updated_between

M = TypeVar("M", bound=CommerceModel)
MEMO_STATES = {1: "open", 2: "refunded", 3: "canceled"}  # Creditmemo::STATE_* [T]


class CreditMemoItem(CommerceModel):
    entity_id: int | None = None
    order_item_id: int
    sku: str | None = None
    name: str | None = None
    qty: Decimal
    price: Money = Decimal(0)
    row_total: Money = Decimal(0)
    tax_amount: Money = Decimal(0)
    discount_amount: Money = Decimal(0)
    back_to_stock: bool | None = None  # Admin form / event payloads only [T]


class CreditMemo(CommerceModel):
    entity_id: int
    increment_id: str
    order_id: int
    invoice_id: int | None = None
    store_id: int | None = None
    state: int | None = None
    created_at: CommerceTime
    updated_at: CommerceTime
    order_currency_code: str | None = None
    subtotal: Money = Decimal(0)
    discount_amount: Money = Decimal(0)  # negative when discounting
    shipping_amount: Money = Decimal(0)
    tax_amount: Money = Decimal(0)
    adjustment_positive: Money = Decimal(0)  # "Adjustment Refund": extra money back
    adjustment_negative: Money = Decimal(0)  # "Adjustment Fee": kept, e.g. a restocking fee
    grand_total: Money = Decimal(0)
    transaction_id: str | None = None  # set for online (payment gateway) refunds
    items: list[CreditMemoItem] = Field(default_factory=list)
    extension_attributes: dict[str, Any] = Field(default_factory=dict)

    @property
    def offline(self) -> bool:
        return not self.transaction_id

    def returned_to_stock(self) -> set[int]:
        """Order item ids returned to stock: per-item ``back_to_stock`` or ``return_to_stock_items``."""
        listed = {int(i) for i in self.extension_attributes.get("return_to_stock_items") or []}
        return listed | {i.order_item_id for i in self.items if i.back_to_stock}


def iter_creditmemos(
    client: CommerceClient, since: datetime, until: datetime, *, page_size: int | None = None
) -> Iterator[Page[CreditMemo]]:
    """Credit memos with ``since <= updated_at < until`` (UTC), oldest first, de-duplicated pages."""
    return client._scan("V1/creditmemos", updated_between(since, until), CreditMemo, "entity_id", page_size)


def get_creditmemo(client: CommerceClient, entity_id: int) -> CreditMemo | None:
    return client._get_one(f"V1/creditmemo/{int(entity_id)}", CreditMemo)


def cancel_order(client: CommerceClient, entity_id: int) -> bool:
    """``POST /V1/orders/{id}/cancel``: Commerce answers true, or false when the order cannot be cancelled."""
    return bool(client.http.request("POST", f"V1/orders/{int(entity_id)}/cancel", json={}).json())


def by_entity_ids(client: CommerceClient, path: str, model: type[M], ids: set[int]) -> dict[int, M]:
    """Orders or invoices by entity id, up to 300 per search (``entity_id in (...)``): one call per page
    of credit memos instead of one per memo."""
    found: dict[int, M] = {}
    wanted = sorted(ids)
    for start in range(0, len(wanted), MAX_PAGE_SIZE):
        chunk = wanted[start : start + MAX_PAGE_SIZE]
        criteria = SearchCriteria().where(Filter("entity_id", ",".join(map(str, chunk)), "in")).page(1, len(chunk))
        for item in client._get_json(path, criteria.to_params()).get("items") or []:
            parsed = client._parse(model, path, item)
            found[int(item["entity_id"])] = parsed
    return found


def memos_of_orders(client: CommerceClient, order_ids: set[int]) -> list[CreditMemo]:
    """Every credit memo of these orders (``order_id in (...)``, paged): what was refunded before a memo."""
    found: list[CreditMemo] = []
    wanted = sorted(order_ids)
    for start in range(0, len(wanted), MAX_PAGE_SIZE):
        ids = ",".join(map(str, wanted[start : start + MAX_PAGE_SIZE]))
        criteria = SearchCriteria().where(Filter("order_id", ids, "in"))
        page, total = 1, None
        while total is None or (page - 1) * MAX_PAGE_SIZE < total:
            data = client._get_json("V1/creditmemos", criteria.page(page, MAX_PAGE_SIZE).to_params())
            items = data.get("items") or []
            found += [client._parse(CreditMemo, "V1/creditmemos", item) for item in items]
            total = int(data.get("total_count") or 0) if items else 0
            page += 1
    return found
