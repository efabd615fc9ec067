"""The Adobe Commerce REST client: incremental reads of orders, invoices and customers through
``searchCriteria`` paging, single lookups, and customer create / update (SYSPRO -> Commerce).

Retries, 429 / Retry-After and 5xx handling live in the shared :class:`HttpClient`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, TypeVar

import orjson
import structlog
from pydantic import BaseModel, ValidationError

from ml_connector.connectors.commerce.auth import (
    HMAC_SHA256,
    IMS_TOKEN_URL,
    AdobeImsAuth,
    CommerceOAuth1Auth,
    integration_bearer_auth,
)
from ml_connector.connectors.commerce.models import Customer, CustomerDraft, Invoice, Order, Page
from ml_connector.connectors.commerce.paging import scan_pages
from ml_connector.connectors.commerce.search import MAX_PAGE_SIZE, Filter, SearchCriteria, updated_between
from ml_connector.errors import ConfigError, IntegrityError, RemoteProtocolError, RemoteRejectedError
from ml_connector.http.auth import AuthFlow
from ml_connector.http.client import HttpClient, RetryPolicy
from ml_connector.secrets.secret import Secret

SYSTEM = "Adobe Commerce"
DEFAULT_SYSPRO_CODE_ATTRIBUTE = "syspro_customer_code"
M = TypeVar("M", bound=BaseModel)
log = structlog.get_logger("ml_connector.connectors.commerce")


def render_commerce_message(body: str) -> str:
    """Substitute ``%name`` / ``%1`` placeholders of a Commerce error body (commerce-sterling-x12.md §1.9)."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body.strip()[:300]
    if not isinstance(data, dict) or not isinstance(data.get("message"), str):
        return body.strip()[:300]
    params = data.get("parameters") or {}
    values = {str(i + 1): v for i, v in enumerate(params)} if isinstance(params, list) else params
    return re.sub(r"%(\w+)", lambda m: str(values.get(m.group(1), m.group(0))), data["message"])


class CommerceClient:
    """Adobe Commerce REST V1 for one store (PaaS ``https://host/rest/<store>`` or SaaS tenant URL).

    Args:
        http: an :class:`HttpClient` whose ``base_url`` is the part before ``/V1``.
        syspro_code_attribute: the customer custom attribute that carries the SYSPRO customer code.
        page_size: searchCriteria pageSize (at most 300, Commerce's input limit).
        max_restarts: how often a scan may start over because the result set changed under it.
    """

    def __init__(
        self,
        http: HttpClient,
        *,
        syspro_code_attribute: str = DEFAULT_SYSPRO_CODE_ATTRIBUTE,
        page_size: int = MAX_PAGE_SIZE,
        max_restarts: int = 3,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ConfigError(f"Adobe Commerce page_size must be 1..{MAX_PAGE_SIZE}, got {page_size}.")
        self.http = http
        self.syspro_code_attribute = syspro_code_attribute
        self.page_size = page_size
        self.max_restarts = max_restarts

    # ---- construction -----------------------------------------------------------------------------
    @classmethod
    def with_oauth1(
        cls,
        base_url: str,
        *,
        consumer_key: Secret,
        consumer_secret: Secret,
        access_token: Secret,
        access_token_secret: Secret,
        signature_method: str = HMAC_SHA256,
        **options: Any,
    ) -> CommerceClient:
        """Integration credentials, OAuth 1.0a signed (the PaaS default)."""
        auth = CommerceOAuth1Auth(
            consumer_key, consumer_secret, access_token, access_token_secret, signature_method=signature_method
        )
        return cls._build(base_url, auth, **options)

    @classmethod
    def with_integration_bearer(cls, base_url: str, *, access_token: Secret, **options: Any) -> CommerceClient:
        """Integration access token as Bearer (the store must allow it, commerce-sterling-x12.md §1.4b)."""
        return cls._build(base_url, integration_bearer_auth(access_token), **options)

    @classmethod
    def with_ims(
        cls,
        base_url: str,
        *,
        client_id: Secret,
        client_secret: Secret,
        org_id: str | None = None,
        token_url: str = IMS_TOKEN_URL,
        monotonic: Callable[[], float] = time.monotonic,
        **options: Any,
    ) -> CommerceClient:
        """Adobe Commerce as a Cloud Service: Adobe IMS client credentials."""
        ims_http = HttpClient(system="Adobe IMS", **_http_options(options, keep=False))
        auth = AdobeImsAuth(ims_http, client_id, client_secret, org_id=org_id, token_url=token_url, monotonic=monotonic)
        return cls._build(base_url, auth, **options)

    @classmethod
    def _build(cls, base_url: str, auth: AuthFlow, **options: Any) -> CommerceClient:
        client_options = {
            k: options.pop(k) for k in ("syspro_code_attribute", "page_size", "max_restarts") if k in options
        }
        http = HttpClient(system=SYSTEM, base_url=base_url.rstrip("/"), auth=auth, **_http_options(options, keep=True))
        return cls(http, **client_options)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> CommerceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- incremental reads --------------------------------------------------------------------------
    def iter_orders(self, since: datetime, until: datetime, *, page_size: int | None = None) -> Iterator[Page[Order]]:
        """Orders with ``since <= updated_at < until`` (UTC), oldest first, in de-duplicated pages."""
        return self._scan("V1/orders", updated_between(since, until), Order, "entity_id", page_size)

    def iter_invoices(
        self, since: datetime, until: datetime, *, page_size: int | None = None
    ) -> Iterator[Page[Invoice]]:
        return self._scan("V1/invoices", updated_between(since, until), Invoice, "entity_id", page_size)

    def iter_customers(
        self, since: datetime, until: datetime, *, page_size: int | None = None
    ) -> Iterator[Page[Customer]]:
        return self._scan("V1/customers/search", updated_between(since, until), Customer, "entity_id", page_size)

    def _scan(
        self, path: str, criteria: SearchCriteria, model: type[M], key_field: str, page_size: int | None
    ) -> Iterator[Page[M]]:
        return scan_pages(
            lambda params: self._get_json(path, params),
            lambda item: self._parse(model, path, item),
            criteria.sorted_by(("updated_at", "ASC"), (key_field, "ASC")),
            page_size=page_size or self.page_size,
            max_restarts=self.max_restarts,
            what=f"{SYSTEM} {path}",
        )

    # ---- single lookups -----------------------------------------------------------------------------
    def get_order(self, entity_id: int) -> Order | None:
        return self._get_one(f"V1/orders/{int(entity_id)}", Order)

    def get_invoice(self, entity_id: int) -> Invoice | None:
        return self._get_one(f"V1/invoices/{int(entity_id)}", Invoice)

    def get_customer(self, customer_id: int) -> Customer | None:
        return self._get_one(f"V1/customers/{int(customer_id)}", Customer)

    def get_order_by_increment_id(self, increment_id: str, *, store_id: int | None = None) -> Order | None:
        """The order a customer sees as its number (e.g. ``000000123``); unique per store."""
        criteria = SearchCriteria().where(Filter("increment_id", increment_id))
        if store_id is not None:
            criteria = criteria.where(Filter("store_id", str(store_id)))
        found = self._find(criteria, "V1/orders", Order)
        if len(found) > 1:
            raise IntegrityError(
                f"{SYSTEM} has {len(found)} orders numbered {increment_id} (one per store); pass store_id."
            )
        return found[0] if found else None

    def find_customer_by_syspro_code(self, code: str) -> Customer | None:
        """The customer we created or linked for a SYSPRO customer code (after an unknown outcome too)."""
        found = self._find(
            SearchCriteria().where(Filter(self.syspro_code_attribute, code)), "V1/customers/search", Customer
        )
        return found[0] if found else None

    def find_customer_by_email(self, email: str, *, website_id: int | None = None) -> Customer | None:
        criteria = SearchCriteria().where(Filter("email", email))
        if website_id is not None:
            criteria = criteria.where(Filter("website_id", str(website_id)))
        found = self._find(criteria, "V1/customers/search", Customer)
        return found[0] if found else None

    def syspro_code_of(self, customer: Customer) -> str | None:
        return customer.custom_attribute(self.syspro_code_attribute)

    # ---- writes (SYSPRO -> Commerce) ------------------------------------------------------------------
    def create_customer(self, draft: CustomerDraft) -> Customer:
        """POST /V1/customers. Not retried after a 5xx: look the customer up by SYSPRO code first."""
        body = {"customer": draft.to_payload(self.syspro_code_attribute)}
        return self._write("POST", "V1/customers", body, f"customer {draft.email}")

    def update_customer(self, customer_id: int, draft: CustomerDraft) -> Customer:
        """PUT /V1/customers/{id}; ``website_id`` is taken from the stored customer when not given."""
        payload = draft.to_payload(self.syspro_code_attribute)
        if draft.website_id is None:
            current = self.get_customer(customer_id)
            if current is None:
                raise RemoteRejectedError(
                    f"{SYSTEM} has no customer {customer_id} to update.", system=SYSTEM, status=404
                )
            payload["website_id"] = current.website_id
        body = {"customer": {**payload, "id": int(customer_id)}}
        return self._write("PUT", f"V1/customers/{int(customer_id)}", body, f"customer {customer_id} ({draft.email})")

    # ---- plumbing ----------------------------------------------------------------------------------------
    def _get_json(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        data = self.http.request("GET", path, params=params).json()
        if not isinstance(data, dict):
            raise RemoteProtocolError(f"{SYSTEM} {path}: expected a search result object.", system=SYSTEM)
        return data

    def _find(self, criteria: SearchCriteria, path: str, model: type[M]) -> list[M]:
        data = self._get_json(path, criteria.page(1, 20).to_params())
        return [self._parse(model, path, item) for item in data.get("items") or []]

    def _get_one(self, path: str, model: type[M]) -> M | None:
        response = self.http.request("GET", path, ok={200, 404})
        return None if response.status == 404 else self._parse(model, path, response.json())

    def _write(self, method: str, path: str, body: dict[str, Any], what: str) -> Customer:
        try:
            response = self.http.request(method, path, json=body)
        except RemoteRejectedError as exc:
            raise RemoteRejectedError(
                f"{SYSTEM} rejected {what}: {render_commerce_message(exc.body)}. "
                "Correct the record or its mapping, then replay it.",
                system=SYSTEM,
                status=exc.status,
                request=exc.request,
                body=exc.body,
            ) from exc
        return self._parse(Customer, path, response.json())

    @staticmethod
    def _parse(model: type[M], path: str, item: Any) -> M:
        try:
            return model.model_validate(item)
        except ValidationError as exc:
            ident = item.get("entity_id", item.get("id", "?")) if isinstance(item, dict) else "?"
            raise RemoteProtocolError(
                f"{SYSTEM} {path}: record {ident} does not look like a {model.__name__} "
                f"({exc.error_count()} problems, first: {exc.errors()[0]['loc']} {exc.errors()[0]['msg']}).",
                system=SYSTEM,
            ) from None


_HTTP_KEYS = ("transport", "sleep", "retry", "timeout_s", "verify", "budget")


def _http_options(options: dict[str, Any], *, keep: bool) -> dict[str, Any]:
    """Pick HttpClient keyword arguments out of ``options`` (a RetryPolicy, transport, fake sleep...)."""
    picked = {k: options[k] for k in _HTTP_KEYS if k in options and (keep or k != "budget")}
    unknown = set(options) - set(_HTTP_KEYS)
    if keep and unknown:
        raise ConfigError(f"Unknown Adobe Commerce client options: {', '.join(sorted(unknown))}.")
    return picked


__all__ = ["CommerceClient", "RetryPolicy", "render_commerce_message"]
