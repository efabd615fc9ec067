"""SYSPRO OData v4 client: Basic auth, $filter/$select/$orderby, nextLink or $skip paging at the cap.

URL shape, company selector and entity-set names are not public (docs/PROTOCOLS.md, SYSPRO OData): all configurable,
with the reference's defaults (4.3). Keys come back exactly as stored, padding included.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from ml_connector.errors import LoginRefusedError, RemoteProtocolError
from ml_connector.http.auth import BasicAuth
from ml_connector.http.client import HttpClient, RetryPolicy
from ml_connector.secrets.secret import Secret

SYSTEM = "SYSPRO OData"


@dataclass(frozen=True)
class SysproODataSettings:
    base_url: str  # e.g. https://erp.example.com/SYSPRO8OData/SYSPROOData
    company: str = "A"
    company_style: str = "path"  # "path": {base}/{company}/{Set}; "database": {base}/SysproCompany{company}/{Set}
    page_cap: int = 5000
    date_literal: str = "datetimeoffset"  # or "date" when the service exposes Edm.Date
    verify_tls: bool = True
    timeout_s: float = 120.0


def quote_string(value: str) -> str:
    """An OData string literal: single quotes doubled, so a quote in a value cannot end the literal."""
    return "'" + value.replace("'", "''") + "'"


def date_literal(value: date | datetime, style: str = "datetimeoffset") -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("OData DateTimeOffset literals need an aware datetime (UTC).")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat() if style == "date" else f"{value.isoformat()}T00:00:00Z"


def binary_literal(rowversion: int) -> str:
    return "binary'" + base64.b64encode(rowversion.to_bytes(8, "big")).decode() + "'"


def rowversion_value(text: str) -> int:
    return int.from_bytes(base64.b64decode(text), "big")


class OperatorBasicAuth(BasicAuth):
    """Basic auth for the OData operator. A 401 is a refused login (each counts toward the operator's
    lockout on SYSPRO's side): raised as :class:`LoginRefusedError` and not sent again by this client."""

    def __init__(self, operator: str, password: Secret) -> None:
        super().__init__(operator, password)
        self.operator = operator
        self.refused: LoginRefusedError | None = None

    def apply(self, method: str, url: str, headers: dict[str, str], body: bytes) -> str:
        if self.refused is not None:
            raise self.refused
        return super().apply(method, url, headers, body)

    def on_unauthorized(self) -> bool:
        self.refused = LoginRefusedError(
            f"{SYSTEM} refused the credentials of operator '{self.operator}' (HTTP 401). Store the right OData "
            "password with `ml-connector connections edit <connection> --secret password`, then run "
            "`ml-connector check`.",
            account=self.operator,
            system=SYSTEM,
            status=401,
        )
        raise self.refused


class SysproODataClient:
    def __init__(
        self,
        settings: SysproODataSettings,
        operator: str,
        password: Secret,
        *,
        retry: RetryPolicy | None = None,
        transport: Any = None,
        sleep: Any = None,
    ) -> None:
        self.settings = settings
        extra = {"sleep": sleep} if sleep is not None else {}
        self.http = HttpClient(
            system=SYSTEM,
            auth=OperatorBasicAuth(operator, password),
            retry=retry,
            timeout_s=settings.timeout_s,
            verify=settings.verify_tls,
            headers={"Accept": "application/json"},
            transport=transport,
            **extra,
        )

    def close(self) -> None:
        self.http.close()

    def entity_url(self, entity_set: str) -> str:
        base = self.settings.base_url.rstrip("/")
        company = self.settings.company
        prefix = company if self.settings.company_style == "path" else f"SysproCompany{company}"
        return f"{base}/{prefix}/{entity_set}"

    def pages(
        self,
        entity_set: str,
        *,
        filter: str | None = None,
        select: Sequence[str] | None = None,
        orderby: Sequence[str] | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Every row of ``entity_set`` matching ``filter``, one server page at a time.

        Follows ``@odata.nextLink`` when the service sends one; otherwise pages with ``$skip`` while full
        pages come back. A nextLink that repeats, or a page that repeats the previous one, is an error
        rather than an endless loop.
        """
        params: dict[str, str] = {}
        if filter:
            params["$filter"] = filter
        if select:
            params["$select"] = ",".join(select)
        if orderby:
            params["$orderby"] = ",".join(orderby)
        base_params = dict(params)
        url: str | None = self.entity_url(entity_set)
        skip = 0
        seen_links: set[str] = set()
        previous_first: Any = None
        while url is not None:
            body = self.http.get_json(url, params=params or None)
            rows = _rows_of(body, entity_set)
            if not rows:
                return
            first_key = rows[0]
            if skip and first_key == previous_first:
                raise RemoteProtocolError(
                    f"{SYSTEM} returned the same page twice for {entity_set} (at $skip={skip}); stopping so no "
                    "row is counted twice. Check the service's paging, or lower page_cap to what it honours.",
                    system=SYSTEM,
                )
            previous_first = first_key
            yield rows
            skip += len(rows)
            next_link = body.get("@odata.nextLink") or body.get("odata.nextLink")
            if next_link:
                if next_link in seen_links:
                    raise RemoteProtocolError(
                        f"{SYSTEM} sent the same nextLink twice for {entity_set}; stopping to avoid a loop.",
                        system=SYSTEM,
                    )
                seen_links.add(next_link)
                url, params = next_link, {}
            elif len(rows) >= self.settings.page_cap:
                url = self.entity_url(entity_set)
                params = base_params | {"$skip": str(skip)}
            else:
                url = None

    def count(self, entity_set: str, filter: str | None = None) -> int | None:
        params = {"$count": "true", "$top": "0"}
        if filter:
            params["$filter"] = filter
        body = self.http.request("GET", self.entity_url(entity_set), params=params).json()
        count = body.get("@odata.count")
        return int(count) if count is not None else None

    def probe(self, entity_set: str) -> int:
        """Read one row of ``entity_set`` (proves read permission); return rows seen (0 or 1)."""
        body = self.http.request("GET", self.entity_url(entity_set), params={"$top": "1"}).json()
        return len(_rows_of(body, entity_set))

    def host(self) -> str:
        return urlsplit(self.settings.base_url).netloc


def _rows_of(body: Any, entity_set: str) -> list[dict[str, Any]]:
    if isinstance(body, dict):
        if isinstance(body.get("value"), list):
            return list(body["value"])
        legacy = body.get("d")
        if isinstance(legacy, dict) and isinstance(legacy.get("results"), list):
            return list(legacy["results"])
    raise RemoteProtocolError(
        f"{SYSTEM} answered {entity_set} without a 'value' array; is the base URL the OData service root?",
        system=SYSTEM,
    )
