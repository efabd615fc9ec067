"""Customers in their REST shape (``customer-data-customer-interface``, commerce-sterling-x12.md §1.8): seeded ones,
and the create / update rules of POST and PUT /V1/customers. Also the shared timestamp and money helpers.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ml_connector.emulators.commerce.catalog import COMPANY_WORDS, FIRST_NAMES, LAST_NAMES, REGIONS, STREETS, StoreView
from ml_connector.emulators.commerce.errors import DUPLICATE_EMAIL, WebapiError, required_fields

Entity = dict[str, Any]


def stamp(at: datetime) -> str:
    """Commerce REST timestamps: UTC, ``YYYY-MM-DD HH:MM:SS`` (commerce-sterling-x12.md §1.5)."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def money(value: float) -> float:
    return round(value + 1e-9, 2)


def person(rng: random.Random) -> dict[str, Any]:
    """A name and a US address (street lines, city, region, postcode, phone)."""
    region = rng.choice(REGIONS)
    city, postcode, area = rng.choice(region.places)
    return {
        "firstname": rng.choice(FIRST_NAMES),
        "lastname": rng.choice(LAST_NAMES),
        "street": [f"{rng.randint(10, 9899)} {rng.choice(STREETS)}"],
        "city": city,
        "postcode": postcode,
        "region": region,
        "telephone": f"{area}-555-{rng.randint(1000, 9999)}",
    }


def company_name(rng: random.Random) -> str:
    return " ".join(rng.choice(words) for words in COMPANY_WORDS)


def build_customer(
    rng: random.Random,
    customer_id: int,
    address_id: int,
    store: StoreView,
    created_at: str,
    updated_at: str,
    *,
    syspro_code_attribute: str,
    syspro_customer_code: str | None = None,
) -> Entity:
    who = person(rng)
    email = f"{who['firstname']}.{who['lastname']}{customer_id}".lower().replace("'", "") + "@example.com"
    address: Entity = {
        "id": address_id,
        "customer_id": customer_id,
        "region": {
            "region_code": who["region"].code,
            "region": who["region"].name,
            "region_id": who["region"].region_id,
        },
        "region_id": who["region"].region_id,
        "country_id": "US",
        "street": who["street"],
        "telephone": who["telephone"],
        "postcode": who["postcode"],
        "city": who["city"],
        "firstname": who["firstname"],
        "lastname": who["lastname"],
        "default_shipping": True,
        "default_billing": True,
    }
    customer: Entity = {
        "id": customer_id,
        "group_id": store.customer_group_id,
        "default_billing": str(address_id),
        "default_shipping": str(address_id),
        "created_at": created_at,
        "updated_at": updated_at,
        "created_in": store.view_name,
        "email": email,
        "firstname": who["firstname"],
        "lastname": who["lastname"],
        "gender": 0,
        "store_id": store.store_id,
        "website_id": store.website_id,
        "addresses": [address],
        "disable_auto_group_change": 0,
        "extension_attributes": {"is_subscribed": rng.random() < 0.3},
    }
    if store.channel == "b2b":
        address["company"] = company_name(rng)
        if rng.random() < 0.6:
            customer["taxvat"] = f"{rng.randint(10, 99)}-{rng.randint(1000000, 9999999)}"  # tax-exempt
    if syspro_customer_code:
        customer["custom_attributes"] = [{"attribute_code": syspro_code_attribute, "value": syspro_customer_code}]
    return customer


def no_such_customer(customer_id: int) -> WebapiError:
    """NoSuchEntityException::singleField, as CustomerRepository::getById raises it."""
    return WebapiError(404, "No such entity with %fieldName = %fieldValue", {
        "fieldName": "customerId", "fieldValue": customer_id})  # fmt: skip


def merge_customer(
    existing: Entity | None,
    data: dict[str, Any],
    *,
    customer_id: int | None,
    store: StoreView,
    others: list[Entity],
    known_attributes: frozenset[str],
    next_id: Callable[[str], int],
    at: str,
) -> Entity:
    """Apply a REST customer body to ``existing`` (None: create). Unknown custom attributes are
    dropped, as Magento ignores attribute codes it does not have; addresses sent replace the old ones."""
    missing = [name for name in ("email", "firstname", "lastname") if not data.get(name)]
    if missing:
        raise required_fields(missing)
    website_id = int(data.get("website_id") or (existing or {}).get("website_id") or store.website_id)
    email = str(data["email"]).strip()
    for other in others:
        same = other["email"].casefold() == email.casefold() and other["website_id"] == website_id
        if same and other["id"] != customer_id:
            raise WebapiError(400, DUPLICATE_EMAIL)
    cid = customer_id if customer_id is not None else next_id("customer")
    customer: Entity = {**(existing or {}), **{k: v for k, v in data.items() if v is not None}}
    customer.update(id=cid, email=email, website_id=website_id, updated_at=at)
    for name, default in (("created_at", at), ("group_id", 1), ("store_id", store.store_id),
                          ("created_in", store.view_name), ("disable_auto_group_change", 0)):  # fmt: skip
        customer.setdefault(name, default)
    attrs = {a["attribute_code"]: a["value"] for a in (existing or {}).get("custom_attributes", [])}
    attrs.update({a["attribute_code"]: a["value"] for a in data.get("custom_attributes") or []})
    known = [{"attribute_code": k, "value": v} for k, v in attrs.items() if k in known_attributes]
    customer.pop("custom_attributes", None)
    if known:
        customer["custom_attributes"] = known
    if "addresses" in data:
        addresses = []
        for raw in data.get("addresses") or []:
            address = {**raw, "id": raw.get("id") or next_id("customer_address"), "customer_id": cid}
            for flag in ("default_billing", "default_shipping"):
                if address.get(flag):
                    customer[flag] = str(address["id"])
            addresses.append(address)
        customer["addresses"] = addresses
    customer.setdefault("addresses", [])
    return customer
