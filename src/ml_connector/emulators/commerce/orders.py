"""Orders in their REST shape (``sales-data-order-interface``, commerce-sterling-x12.md §1.6): items (configurable
parent + child lines, virtual warranties), billing and shipping addresses, payment, tax, shipping and
discounts with consistent totals. Pure functions of a Random and the ids they are given.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from ml_connector.emulators.commerce.catalog import (
    B2B_TIER_DISCOUNT,
    CONFIGURABLE_PARENTS,
    COUPONS,
    MARKETPLACE_PREFIX,
    PRODUCTS,
    REGIONS,
    Product,
    StoreView,
)
from ml_connector.emulators.commerce.customers import Entity, money, person

Ids = Callable[[str], int]  # next id of a kind ("order", "order_item", ...), supplied by the store


def pick_lines(rng: random.Random, store: StoreView) -> list[tuple[Product, int]]:
    simple = [p for p in PRODUCTS if p.parent_id is None and not p.is_virtual]
    count = {"retail": (1, 3), "b2b": (2, 6), "marketplace": (1, 2)}[store.channel]
    qty = {"retail": (1, 3), "b2b": (2, 40), "marketplace": (1, 2)}[store.channel]
    chosen = rng.sample(simple, rng.randint(*count))
    lines = [(p, rng.randint(*qty)) for p in chosen]
    if store.channel != "marketplace" and rng.random() < 0.15:
        variant = rng.choice([p for p in PRODUCTS if p.parent_id is not None])
        lines.append((variant, rng.randint(*qty)))
    if store.channel == "retail" and any(p.sku.startswith("PMP-") for p, _ in lines) and rng.random() < 0.3:
        lines.append((next(p for p in PRODUCTS if p.is_virtual), 1))
    return lines


def build_order(
    rng: random.Random,
    ids: Ids,
    store: StoreView,
    increment_id: str,
    customer: Entity | None,
    created_at: str,
    lines: list[tuple[Product, int]] | None = None,
) -> Entity:
    """A freshly placed order (state new / status pending) with consistent totals."""
    entity_id = ids("order")
    lines = lines or pick_lines(rng, store)
    if customer is not None:
        address = customer["addresses"][0]
        region = next(r for r in REGIONS if r.region_id == address["region_id"])
        who = {k: address[k] for k in ("firstname", "lastname", "street", "city", "postcode", "telephone")}
        email = customer["email"]
        company = address.get("company")
    else:
        guest = person(rng)
        region = guest.pop("region")
        who = guest
        domain = "marketplace.example" if store.channel == "marketplace" else "example.net"
        email = f"{who['firstname']}.{who['lastname']}.{rng.randint(100, 999)}@{domain}".lower().replace("'", "")
        company = None
    exempt = customer is not None and "taxvat" in customer
    tax_rate = 0.0 if exempt or store.channel == "marketplace" else region.tax_rate
    discount_pct, coupon, rule_id = 0.0, None, None
    if store.channel == "b2b":
        discount_pct, rule_id = B2B_TIER_DISCOUNT
    elif store.channel == "retail" and rng.random() < 0.25:
        coupon, discount_pct, rule_id = rng.choice(COUPONS)

    items: list[Entity] = []
    for product, qty in lines:
        items.extend(_order_items(ids, entity_id, store, product, qty, tax_rate, discount_pct, created_at))
    top = [i for i in items if "parent_item_id" not in i]
    subtotal = money(sum(i["row_total"] for i in top))
    discount = money(sum(i["discount_amount"] for i in top))
    tax = money(sum(i["tax_amount"] for i in top))
    weight = round(sum(i["row_weight"] for i in top), 4)
    physical_qty = sum(i["qty_ordered"] for i in top if not i["is_virtual"])
    shipping = {"retail": 5.0 * physical_qty, "b2b": 45.0 + 0.35 * weight, "marketplace": 0.0}[store.channel]
    shipping = money(shipping)
    grand = money(subtotal - discount + tax + shipping)
    negative_discount = -discount if discount else 0.0  # Magento stores order discounts as negatives

    billing_id, shipping_id = ids("order_address"), ids("order_address")
    address_fields = {
        "city": who["city"], "country_id": "US", "email": email, "firstname": who["firstname"],
        "lastname": who["lastname"], "parent_id": entity_id, "postcode": who["postcode"], "region": region.name,
        "region_code": region.code, "region_id": region.region_id, "street": who["street"],
        "telephone": who["telephone"],
    }  # fmt: skip
    if company:
        address_fields["company"] = company
    if customer is not None:
        address_fields["customer_address_id"] = customer["addresses"][0]["id"]
    billing = {"address_type": "billing", "entity_id": billing_id, **address_fields}
    ship_to = {"address_type": "shipping", "entity_id": shipping_id, **address_fields}
    payment: Entity = {
        "account_status": None,  # required in the interface, so serialised as null (commerce-sterling-x12.md §1.5)
        "additional_information": [store.payment_title, ""],
        "amount_ordered": grand,
        "base_amount_ordered": grand,
        "base_shipping_amount": shipping,
        "cc_last4": None,
        "entity_id": entity_id,
        "method": store.payment_method,
        "parent_id": entity_id,
        "shipping_amount": shipping,
    }
    if store.payment_method == "purchaseorder":
        payment["po_number"] = f"PO-{rng.randint(10000, 99999)}"
    order: Entity = {
        "base_currency_code": "USD", "base_discount_amount": negative_discount, "base_grand_total": grand,
        "base_shipping_amount": shipping, "base_shipping_incl_tax": shipping, "base_subtotal": subtotal,
        "base_subtotal_incl_tax": money(subtotal + tax), "base_tax_amount": tax, "base_to_global_rate": 1,
        "base_to_order_rate": 1, "base_total_due": grand, "billing_address_id": billing_id,
        "created_at": created_at, "customer_email": email, "customer_firstname": who["firstname"],
        "customer_lastname": who["lastname"], "customer_group_id": customer["group_id"] if customer else 0,
        "customer_is_guest": 0 if customer else 1, "customer_note_notify": 1, "discount_amount": negative_discount,
        "email_sent": 1, "entity_id": entity_id, "global_currency_code": "USD", "grand_total": grand,
        "increment_id": increment_id, "is_virtual": 0, "order_currency_code": "USD",
        "protect_code": f"{rng.getrandbits(24):06x}", "quote_id": ids("quote"),
        "remote_ip": f"203.0.113.{rng.randint(1, 254)}", "shipping_amount": shipping,
        "shipping_description": store.shipping_description, "shipping_discount_amount": 0,
        "shipping_incl_tax": shipping, "shipping_tax_amount": 0, "state": "new", "status": "pending",
        "store_currency_code": "USD", "store_id": store.store_id, "store_name": store.store_name,
        "store_to_base_rate": 0, "store_to_order_rate": 0, "subtotal": subtotal,
        "subtotal_incl_tax": money(subtotal + tax), "tax_amount": tax, "total_due": grand,
        "total_item_count": len(top), "total_qty_ordered": sum(i["qty_ordered"] for i in top),
        "updated_at": created_at, "weight": weight, "items": items, "billing_address": billing,
        "payment": payment, "status_histories": [],
    }  # fmt: skip
    if customer is not None:
        order["customer_id"] = customer["id"]
    if discount:
        order["applied_rule_ids"] = rule_id
        order["discount_description"] = coupon or "Wholesale tier"
    if coupon:
        order["coupon_code"] = coupon
    if store.channel == "marketplace":
        order["ext_order_id"] = f"{MARKETPLACE_PREFIX}{rng.randint(10**9, 10**10 - 1)}"
    extension: Entity = {
        "shipping_assignments": [
            {
                "shipping": {
                    "address": ship_to,
                    "method": store.shipping_method,
                    "total": {"shipping_amount": shipping, "shipping_incl_tax": shipping, "shipping_tax_amount": 0},
                },
                "items": items,
            }
        ],
        "payment_additional_info": [{"key": "method_title", "value": store.payment_title}],
    }
    if tax:
        extension["applied_taxes"] = [
            {"code": f"US-{region.code}-*-Rate 1", "title": f"US-{region.code}-*-Rate 1", "percent": tax_rate,
             "amount": tax, "base_amount": tax}
        ]  # fmt: skip
    order["extension_attributes"] = extension
    return order


def _order_items(
    ids: Ids,
    order_id: int,
    store: StoreView,
    product: Product,
    qty: int,
    tax_rate: float,
    discount_pct: float,
    at: str,
) -> list[Entity]:
    row = money(product.price * qty)
    discount = money(row * discount_pct / 100)
    tax = money((row - discount) * tax_rate / 100)
    item: Entity = {
        "amount_refunded": 0, "base_amount_refunded": 0, "base_discount_amount": discount,
        "base_original_price": product.price, "base_price": product.price,
        "base_price_incl_tax": money(product.price * (1 + tax_rate / 100)), "base_row_total": row,
        "base_row_total_incl_tax": money(row + tax), "base_tax_amount": tax, "created_at": at,
        "discount_amount": discount, "discount_percent": discount_pct, "free_shipping": 0,
        "is_qty_decimal": 0, "is_virtual": 1 if product.is_virtual else 0, "item_id": ids("order_item"),
        "name": product.name, "no_discount": 0, "order_id": order_id, "original_price": product.price,
        "price": product.price, "price_incl_tax": money(product.price * (1 + tax_rate / 100)),
        "product_id": product.product_id, "product_type": "virtual" if product.is_virtual else "simple",
        "qty_canceled": 0, "qty_invoiced": 0, "qty_ordered": qty, "qty_refunded": 0, "qty_shipped": 0,
        "quote_item_id": ids("quote_item"), "row_invoiced": 0, "row_total": row, "row_total_incl_tax": money(row + tax),
        "row_weight": round(product.weight * qty, 4), "sku": product.sku, "store_id": store.store_id,
        "tax_amount": tax, "tax_invoiced": 0, "tax_percent": tax_rate, "updated_at": at, "weight": product.weight,
    }  # fmt: skip
    if product.parent_id is None:
        return [item]
    # Configurable: the parent line carries the price, the child variant line is priced 0
    # (commerce-sterling-x12.md §1.6).
    item.update(product_id=product.parent_id, product_type="configurable", name=CONFIGURABLE_PARENTS[product.parent_id])
    child = {
        **item, "item_id": ids("order_item"), "quote_item_id": ids("quote_item"), "product_id": product.product_id,
        "product_type": "simple", "name": product.name, "parent_item_id": item["item_id"], "price": 0,
        "base_price": 0, "original_price": 0, "price_incl_tax": 0, "base_price_incl_tax": 0, "row_total": 0,
        "base_row_total": 0, "row_total_incl_tax": 0, "base_row_total_incl_tax": 0, "tax_amount": 0,
        "base_tax_amount": 0, "tax_percent": 0, "discount_amount": 0, "base_discount_amount": 0,
        "discount_percent": 0,
    }  # fmt: skip
    return [item, child]
