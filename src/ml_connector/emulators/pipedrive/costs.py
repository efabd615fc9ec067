"""Token cost of every emulated operation, copied from the vendor specs' ``x-token-cost`` (2026-08 v2 and
v1 files; tests/fidelity checks this table against the spec copies in tests/data/pipedrive/).

Keys are (method, version, path template) exactly as the specs spell the path.
"""

from __future__ import annotations

import re

TOKEN_COSTS: dict[tuple[str, str, str], int] = {
    ("GET", "v2", "/organizations"): 10,
    ("POST", "v2", "/organizations"): 5,
    ("GET", "v2", "/organizations/{id}"): 1,
    ("PATCH", "v2", "/organizations/{id}"): 5,
    ("DELETE", "v2", "/organizations/{id}"): 3,
    ("GET", "v2", "/organizations/search"): 20,
    ("GET", "v2", "/deals"): 10,
    ("POST", "v2", "/deals"): 5,
    ("GET", "v2", "/deals/{id}"): 1,
    ("PATCH", "v2", "/deals/{id}"): 5,
    ("DELETE", "v2", "/deals/{id}"): 3,
    ("GET", "v2", "/deals/search"): 20,
    ("GET", "v2", "/deals/{id}/products"): 10,
    ("POST", "v2", "/deals/{id}/products"): 5,
    ("PATCH", "v2", "/deals/{id}/products/{product_attachment_id}"): 5,
    ("DELETE", "v2", "/deals/{id}/products/{product_attachment_id}"): 3,
    ("GET", "v2", "/products"): 10,
    ("POST", "v2", "/products"): 5,
    ("GET", "v2", "/products/{id}"): 1,
    ("PATCH", "v2", "/products/{id}"): 5,
    ("DELETE", "v2", "/products/{id}"): 3,
    ("GET", "v2", "/products/search"): 20,
    ("GET", "v2", "/persons"): 10,
    ("POST", "v2", "/persons"): 5,
    ("GET", "v2", "/persons/{id}"): 1,
    ("GET", "v2", "/organizationFields"): 10,
    ("POST", "v2", "/organizationFields"): 5,
    ("GET", "v2", "/organizationFields/{field_code}"): 1,
    ("PATCH", "v2", "/organizationFields/{field_code}"): 5,
    ("GET", "v2", "/dealFields"): 10,
    ("POST", "v2", "/dealFields"): 5,
    ("GET", "v2", "/dealFields/{field_code}"): 1,
    ("PATCH", "v2", "/dealFields/{field_code}"): 5,
    ("GET", "v2", "/productFields"): 10,
    ("POST", "v2", "/productFields"): 5,
    ("GET", "v2", "/productFields/{field_code}"): 1,
    ("PATCH", "v2", "/productFields/{field_code}"): 5,
    ("GET", "v1", "/users/me"): 2,
    ("GET", "v1", "/webhooks"): 10,
    ("POST", "v1", "/webhooks"): 10,
    ("DELETE", "v1", "/webhooks/{id}"): 6,
    ("PUT", "v1", "/organizations/{id}/merge"): 40,
    # Deprecated v1 families (2026-01 spec with deprecated operations): offset-paged lists.
    ("GET", "v1", "/organizations"): 20,
    ("GET", "v1", "/organizationFields"): 20,
}
SEARCH_PATHS = frozenset({"/organizations/search", "/deals/search", "/products/search"})

_COMPILED = [
    (method, version, template, re.compile("^" + re.sub(r"\{[a-z_]+\}", r"([^/]+)", template) + "/?$"))
    for (method, version, template) in TOKEN_COSTS
]


def match(method: str, version: str, path: str) -> tuple[str, list[str]] | None:
    """The spec path template a request path falls under, and its path parameters."""
    best: tuple[str, list[str]] | None = None
    for m, v, template, pattern in _COMPILED:
        if m != method or v != version:
            continue
        found = pattern.match(path)
        # A literal segment ("/search") beats a parameter ("{id}") on the same path.
        if found and (best is None or template.count("{") < best[0].count("{")):
            best = (template, list(found.groups()))
    return best


def cost_of(method: str, version: str, template: str) -> int:
    return TOKEN_COSTS[(method, version, template)]
