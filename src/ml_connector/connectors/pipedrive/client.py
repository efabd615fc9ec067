"""PipedriveClient: v2 organizations, deals, deal products, products and fields; v1 users/me and
webhooks. Every call is paid from the daily token budget and waits for room in its burst window before
it is sent; 429s (with or without Retry-After) are retried by the shared HTTP client, Cloudflare's HTML
403 after a 429 storm is waited out like a rate limit. Quirks: README.md beside this file.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ml_connector.connectors.pipedrive.models import (
    COSTS,
    ENTITY_PATHS,
    SYSTEM,
    CurrentUser,
    DealProduct,
    Field,
    Usage,
    error_text,
)
from ml_connector.connectors.pipedrive.ratelimit import BurstLimiter, TokenBudget, wait_after_429
from ml_connector.errors import RateLimitedError, RemoteAuthError, RemoteRejectedError
from ml_connector.http.auth import AuthFlow
from ml_connector.http.client import HttpClient, HttpResponse, RetryPolicy

ANSWERED = frozenset({*range(200, 300), 400, 403, 404, 410, 422, 429})


class EntityGoneError(RemoteRejectedError):
    """The organization/deal/product was deleted (or merged away) in Pipedrive."""


class PipedriveClient:
    def __init__(
        self,
        base_url: str,
        auth: AuthFlow,
        *,
        budget: TokenBudget | None = None,
        burst: BurstLimiter | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        cloudflare_wait_s: float = 60.0,
        cloudflare_retries: int = 5,
        max_wait_s: float = 120.0,
        transport: Any = None,
        verify: bool = True,
    ) -> None:
        self.http = HttpClient(
            system=SYSTEM,
            base_url=base_url.rstrip("/"),
            auth=auth,
            retry=retry or RetryPolicy(max_attempts=8, base_delay_s=0.5, max_delay_s=8.0),
            sleep=sleep,
            transport=transport,
            verify=verify,
        )
        self.budget = budget or TokenBudget()
        self.burst = burst or BurstLimiter(40)
        self.usage = Usage()
        self._sleep = sleep
        self.cloudflare_wait_s, self.cloudflare_retries = cloudflare_wait_s, cloudflare_retries
        self.max_wait_s = max_wait_s

    def close(self) -> None:
        self.budget.flush()
        self.http.close()

    # -- plumbing -----------------------------------------------------------------------------------
    def call(
        self,
        method: str,
        template: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> tuple[int, Any]:
        """One API call: charged, paced, retried; returns (status, decoded body) for 2xx/400/404."""
        cost = COSTS[(method, template)]
        operation = f"{method} {template}"
        self.budget.charge(cost, operation)
        search = template.endswith("/search")
        limited = blocked = 0
        while True:
            self.burst.before(search=search)
            response = self.http.request(method, path, params=params, json=json, ok=ANSWERED)
            headers = response.headers
            self.burst.observe(headers.get("x-ratelimit-limit"), headers.get("x-ratelimit-remaining"), search=search)
            if response.status == 429:
                limited += 1
                self.usage.rate_limited += 1
                retry_after = _seconds(headers.get("retry-after"))
                self._sleep(wait_after_429(self.http.retry, operation, limited, retry_after, self.max_wait_s))
                continue
            if response.status == 403 and _is_html(response):
                blocked += 1
                self.usage.cloudflare_blocks += 1
                if blocked <= self.cloudflare_retries:
                    self._sleep(self.cloudflare_wait_s)
                    continue
                raise RateLimitedError(
                    f"{SYSTEM} kept answering Cloudflare's 403 page to {operation}: too many requests after 429s. "
                    "The run stops; nothing is lost. Run again later or lower the burst share in the config.",
                    system=SYSTEM,
                    status=403,
                    retry_after=self.cloudflare_wait_s,
                )
            self.usage.charge(operation, cost)
            body = response.json() if response.content else None
            if response.status == 403:
                raise RemoteAuthError(
                    f"{SYSTEM} refused {operation}: {error_text(body)}. Give the API user permission for it.",
                    system=SYSTEM,
                    status=403,
                )
            if response.status == 400 or response.status == 422:
                raise RemoteRejectedError(
                    f"{SYSTEM} rejected {operation}: {error_text(body)}", system=SYSTEM, status=response.status
                )
            return response.status, body

    def _data(self, method: str, template: str, path: str, **kw: Any) -> Any:
        status, body = self.call(method, template, path, **kw)
        if status in (404, 410):
            raise EntityGoneError(f"{SYSTEM}: {path} was not found (deleted or merged).", system=SYSTEM, status=status)
        return body["data"]

    def _pages(self, template: str, path: str, params: dict[str, Any] | None = None) -> Iterator[list[Any]]:
        cursor: str | None = None
        while True:
            query = {**(params or {}), "limit": 500, **({"cursor": cursor} if cursor else {})}
            _status, body = self.call("GET", template, path, params=query)
            yield body.get("data") or []
            cursor = (body.get("additional_data") or {}).get("next_cursor")
            if not cursor:
                return

    # -- users, fields ------------------------------------------------------------------------------
    def me(self) -> CurrentUser:
        data = self._data("GET", "/v1/users/me", "/v1/users/me")
        admin = any(a.get("admin") for a in data.get("access") or [])
        return CurrentUser(int(data["id"]), data["name"], data.get("email", ""), data.get("company_name", ""), admin)

    def fields(self, kind: str) -> list[Field]:
        path = f"/api/v2/{kind}Fields"
        out = []
        for page in self._pages("/api/v2/{kind}Fields", path):
            out += [Field(f["field_code"], f["field_name"], f["field_type"], bool(f["is_custom_field"])) for f in page]
        return out

    def add_field(self, kind: str, name: str, field_type: str) -> Field:
        body = {"field_name": name, "field_type": field_type}
        f = self._data("POST", "/api/v2/{kind}Fields", f"/api/v2/{kind}Fields", json=body)
        return Field(f["field_code"], f["field_name"], f["field_type"], True)

    # -- entities -----------------------------------------------------------------------------------
    def create(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = self._data("POST", "/api/v2/{entities}", f"/api/v2/{ENTITY_PATHS[kind]}", json=body)
        return data

    def update(self, kind: str, rid: int, body: dict[str, Any]) -> dict[str, Any]:
        """PATCH only the given fields; EntityGoneError when the record was deleted or merged away."""
        path = f"/api/v2/{ENTITY_PATHS[kind]}/{rid}"
        data: dict[str, Any] = self._data("PATCH", "/api/v2/{entities}/{id}", path, json=body)
        return data

    def get(self, kind: str, rid: int) -> dict[str, Any] | None:
        """The live record, or None when it is gone (404, or still listed with is_deleted)."""
        status, body = self.call("GET", "/api/v2/{entities}/{id}", f"/api/v2/{ENTITY_PATHS[kind]}/{rid}")
        if status != 200 or not body or not body.get("data") or body["data"].get("is_deleted"):
            return None
        data: dict[str, Any] = body["data"]
        return data

    def find_by_field(self, kind: str, field_key: str, value: str) -> list[dict[str, Any]]:
        """Live records whose custom field ``field_key`` equals ``value`` exactly (search, then confirm each
        hit with a GET: search matches any searchable field)."""
        params = {"term": value, "fields": "custom_fields", "exact_match": "true", "limit": 100}
        path = f"/api/v2/{ENTITY_PATHS[kind]}/search"
        _status, body = self.call("GET", "/api/v2/{entities}/search", path, params=params)
        found = []
        for hit in ((body or {}).get("data") or {}).get("items") or []:
            record = self.get(kind, int(hit["item"]["id"]))
            if record is not None and str((record.get("custom_fields") or {}).get(field_key)) == value:
                found.append(record)
        return sorted(found, key=lambda r: int(r["id"]))

    def find_product(self, code: str) -> list[dict[str, Any]]:
        """Live products whose code equals ``code`` (search on the code, confirmed by GET)."""
        params = {"term": code, "fields": "code", "exact_match": "true", "limit": 100}
        _status, body = self.call("GET", "/api/v2/{entities}/search", "/api/v2/products/search", params=params)
        found = []
        for hit in ((body or {}).get("data") or {}).get("items") or []:
            record = self.get("product", int(hit["item"]["id"]))
            if record is not None and record.get("code") == code:
                found.append(record)
        return sorted(found, key=lambda r: int(r["id"]))

    def live_ids(self, kind: str) -> set[int]:
        """Ids of every live record of ``kind`` (10 tokens per 500)."""
        path = f"/api/v2/{ENTITY_PATHS[kind]}"
        return {int(r["id"]) for page in self._pages("/api/v2/{entities}", path) for r in page}

    # -- deal products ------------------------------------------------------------------------------
    def deal_products(self, deal_id: int) -> list[DealProduct]:
        out = []
        for page in self._pages("/api/v2/deals/{id}/products", f"/api/v2/deals/{deal_id}/products"):
            out += [DealProduct(p["id"], p["product_id"], p["item_price"], p["quantity"]) for p in page]
        return out

    def add_deal_product(self, deal_id: int, product_id: int, item_price: float, quantity: float) -> DealProduct:
        body = {"product_id": product_id, "item_price": item_price, "quantity": quantity}
        p = self._data("POST", "/api/v2/deals/{id}/products", f"/api/v2/deals/{deal_id}/products", json=body)
        return DealProduct(p["id"], p["product_id"], p["item_price"], p["quantity"])

    def update_deal_product(self, deal_id: int, attachment: int, item_price: float, quantity: float) -> None:
        template = "/api/v2/deals/{id}/products/{product_attachment_id}"
        body = {"item_price": item_price, "quantity": quantity}
        self._data("PATCH", template, f"/api/v2/deals/{deal_id}/products/{attachment}", json=body)

    def delete_deal_product(self, deal_id: int, attachment: int) -> None:
        template = "/api/v2/deals/{id}/products/{product_attachment_id}"
        self._data("DELETE", template, f"/api/v2/deals/{deal_id}/products/{attachment}")

    # -- webhooks (v1 only) -------------------------------------------------------------------------
    def add_webhook(self, url: str, event_action: str, event_object: str, user: str, password: str) -> int:
        body = {
            "subscription_url": url,
            "event_action": event_action,
            "event_object": event_object,
            "name": f"ml-connector {event_object} {event_action}",
            "http_auth_user": user,
            "http_auth_password": password,
            "version": "2.0",
        }
        return int(self._data("POST", "/v1/webhooks", "/v1/webhooks", json=body)["id"])


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _is_html(response: HttpResponse) -> bool:
    kind = response.headers.get("content-type", "")
    return "html" in kind or response.content.lstrip()[:1] == b"<"
