"""Pipedrive values the connector hands out, its errors, and the token cost of each call it makes
(``x-token-cost`` of the vendor specs; the connector's own copy, checked against the spec in tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ml_connector.errors import RateLimitedError

SYSTEM = "Pipedrive"

# (method, path template) -> tokens. v2 paths start with /api/v2, v1 paths with /v1.
COSTS: dict[tuple[str, str], int] = {
    ("GET", "/v1/users/me"): 2,
    ("GET", "/v1/webhooks"): 10,
    ("POST", "/v1/webhooks"): 10,
    ("DELETE", "/v1/webhooks/{id}"): 6,
    ("GET", "/api/v2/{entities}"): 10,
    ("POST", "/api/v2/{entities}"): 5,
    ("GET", "/api/v2/{entities}/{id}"): 1,
    ("PATCH", "/api/v2/{entities}/{id}"): 5,
    ("DELETE", "/api/v2/{entities}/{id}"): 3,
    ("GET", "/api/v2/{entities}/search"): 20,
    ("GET", "/api/v2/deals/{id}/products"): 10,
    ("POST", "/api/v2/deals/{id}/products"): 5,
    ("PATCH", "/api/v2/deals/{id}/products/{product_attachment_id}"): 5,
    ("DELETE", "/api/v2/deals/{id}/products/{product_attachment_id}"): 3,
    ("GET", "/api/v2/{kind}Fields"): 10,
    ("POST", "/api/v2/{kind}Fields"): 5,
    ("PATCH", "/api/v2/{kind}Fields/{field_code}"): 5,
}
ENTITY_PATHS = {"organization": "organizations", "deal": "deals", "product": "products", "person": "persons"}


class TokenBudgetExhaustedError(RateLimitedError):
    """The day's token budget (minus the share left for other tools) cannot pay for this call."""


@dataclass(frozen=True)
class Field:
    """A custom or built-in field of one entity kind: ``key`` is the 40-hex code for custom fields."""

    key: str
    name: str
    field_type: str
    custom: bool


@dataclass(frozen=True)
class CurrentUser:
    id: int
    name: str
    email: str
    company_name: str
    is_admin: bool


@dataclass(frozen=True)
class DealProduct:
    id: int
    product_id: int
    item_price: float
    quantity: float


@dataclass
class Usage:
    """Tokens and calls of one client, by operation (printed by tests and benchmarks)."""

    tokens: int = 0
    calls: int = 0
    by_operation: dict[str, int] = field(default_factory=dict)
    rate_limited: int = 0
    cloudflare_blocks: int = 0

    def charge(self, operation: str, tokens: int) -> None:
        self.tokens += tokens
        self.calls += 1
        self.by_operation[operation] = self.by_operation.get(operation, 0) + tokens


def record_id(data: Any) -> int:
    return int(data["id"])


def error_text(body: Any) -> str:
    """The error text of a Pipedrive error body (either envelope: ``error``/``error_info`` or ``errors``)."""
    if isinstance(body, dict):
        parts = [str(body.get(k)) for k in ("error", "error_info") if body.get(k)]
        if body.get("errors"):
            parts.append(str(body["errors"]))
        return "; ".join(parts) or str(body)[:300]
    return str(body)[:300]
