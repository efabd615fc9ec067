"""Everything the Looker emulator remembers during a run: options, tokens, queries, Looks, query
tasks, scheduled plans, datagroups (and every reset an ETL tool made), webhook deliveries."""

from __future__ import annotations

import hashlib
import random
import string
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from ml_connector.emulators.looker.project import Project
from ml_connector.emulators.looker.warehouse import Warehouse

# Query fields that make two queries "the same query" (Looker reuses the existing one).
QUERY_IDENTITY = (
    "model", "view", "fields", "pivots", "fill_fields", "filters", "filter_expression", "sorts", "limit",
    "column_limit", "total", "row_total", "subtotals", "vis_config", "filter_config", "visible_ui_sections",
    "dynamic_fields", "query_timezone",
)  # fmt: skip


@dataclass
class EmulatorOptions:
    client_id: str
    client_secret: str
    connection_name: str = "ml_warehouse"
    token_ttl_s: int = 3600
    default_row_limit: int = 5000
    max_row_limit: int | None = None  # [I] cap on explicit limits; None = honour any limit
    task_pending_polls: int = 1  # polls answered "running"/202 before a task completes
    task_runtime_s: float = 0.0  # clock seconds a task needs before it completes
    task_result_ttl_s: float = 3600.0
    result_cache: bool = True  # cache results of explores persisted with a datagroup
    datagroup_check_interval_s: float = 300.0
    run_once_rate_per_s: int = 10
    webhook_token: str = "looker-emulator-webhook-token"  # noqa: S105 - public demo value
    webhook_chunked: bool = True
    webhook_transport: httpx.BaseTransport | None = None
    instance_id: str = "looker-emulator"
    instance_url: str = "https://looker.emulator.local"
    looker_version: str = "26.12.3"
    permissions: list[str] = field(default_factory=list)
    looks: list[dict[str, Any]] | None = None


@dataclass
class Token:
    user_id: str
    expires_at: float
    revoked: bool = False


@dataclass
class QueryTask:
    id: str
    query_id: str
    result_format: str
    created_at: float
    limit: int | None
    source: str | None = None
    look_id: str | None = None
    dashboard_id: str | None = None
    deferred: bool = False
    flags: dict[str, bool] = field(default_factory=dict)
    polls: int = 0
    status: str = "added"
    runtime: float | None = None
    completed_at: float | None = None
    result: bytes | None = None
    media_type: str = "application/json"
    error: str | None = None


@dataclass
class DatagroupState:
    id: str
    model_name: str
    name: str
    created_at: int
    stale_before: int | None = None
    triggered_at: int | None = None
    trigger_check_at: int | None = None
    trigger_value: str | None = None
    trigger_error: str | None = None


@dataclass(frozen=True)
class DatagroupUpdate:
    """One PATCH /datagroups/{id} as received (``at`` is the emulator clock when it arrived)."""

    datagroup_id: str
    model_name: str
    name: str
    stale_before: int | None
    triggered_at: int | None
    at: float


@dataclass
class WebhookDelivery:
    scheduled_plan_id: str
    address: str
    format: str
    payload: dict[str, Any]
    headers: dict[str, str]  # as sent; X-Looker-Webhook-Token is masked here
    status_code: int | None = None
    error: str | None = None


class EmulatorState:
    def __init__(
        self,
        options: EmulatorOptions,
        project: Project,
        warehouse: Warehouse,
        clock: Callable[[], float],
        seed: int,
    ) -> None:
        self.options = options
        self.project = project
        self.warehouse = warehouse
        self.clock = clock
        self.lock = threading.RLock()
        self.rng = random.Random(seed)
        self.tokens: dict[str, Token] = {}
        self.queries: dict[str, dict[str, Any]] = {}
        self._query_keys: dict[bytes, str] = {}
        self.looks: dict[str, dict[str, Any]] = {}
        self.tasks: dict[str, QueryTask] = {}
        self.scheduled_plans: dict[str, dict[str, Any]] = {}
        self.datagroups: dict[str, DatagroupState] = {}
        self.datagroup_updates: list[DatagroupUpdate] = []
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.deliveries_changed = threading.Condition(self.lock)
        self.result_cache: dict[tuple[str, int | None], Any] = {}
        self.run_once_calls: deque[float] = deque()
        self.query_runs = 0  # queries actually sent to the warehouse (cache misses)
        self._counters: dict[str, int] = {}

    # -- ids ----------------------------------------------------------------------------------------
    def next_id(self, kind: str, start: int = 1) -> str:
        with self.lock:
            self._counters[kind] = self._counters.get(kind, start - 1) + 1
            return str(self._counters[kind])

    def random_token(self, length: int = 40) -> str:
        alphabet = string.ascii_letters + string.digits
        with self.lock:
            return "".join(self.rng.choice(alphabet) for _ in range(length))

    def random_hex(self, length: int = 32) -> str:
        with self.lock:
            return "".join(self.rng.choice("0123456789abcdef") for _ in range(length))

    # -- tokens -------------------------------------------------------------------------------------
    def issue_token(self, user_id: str) -> tuple[str, int]:
        token = self.random_token()
        ttl = self.options.token_ttl_s
        with self.lock:
            self.tokens[token] = Token(user_id, self.clock() + ttl)
        return token, ttl

    def token_user(self, token: str) -> str | None:
        """The user of a live token; None when unknown, expired or logged out."""
        with self.lock:
            info = self.tokens.get(token)
            if info is None or info.revoked or self.clock() >= info.expires_at:
                return None
            return info.user_id

    def revoke_token(self, token: str) -> None:
        with self.lock:
            if token in self.tokens:
                self.tokens[token].revoked = True

    # -- queries ------------------------------------------------------------------------------------
    def save_query(self, body: dict[str, Any]) -> dict[str, Any]:
        """Store a query, or return the existing one with the same normalized body (Looker semantics)."""
        key = orjson.dumps({k: _normal(body.get(k)) for k in QUERY_IDENTITY}, option=orjson.OPT_SORT_KEYS)
        with self.lock:
            existing = self._query_keys.get(key)
            if existing is not None:
                return self.queries[existing]
            query_id = self.next_id("query", start=101)
            slug = _slug(key)
            query = {k: body.get(k) for k in QUERY_IDENTITY}
            if query["limit"] is not None:
                query["limit"] = str(query["limit"])
            query.update(
                id=query_id,
                slug=slug,
                client_id=body.get("client_id") or slug,
                share_url=f"{self.options.instance_url}/x/{slug}",
                expanded_share_url=f"{self.options.instance_url}/explore/{body['model']}/{body['view']}?qid={slug}",
                url=f"/explore/{body['model']}/{body['view']}?qid={slug}",
                has_table_calculations=False,
                can={"run": True, "see_results": True, "explore": True, "create": True, "show": True},
            )
            self.queries[query_id] = query
            self._query_keys[key] = query_id
            return query

    def datagroup_by_name(self, model_name: str, name: str) -> DatagroupState | None:
        return next((d for d in self.datagroups.values() if d.model_name == model_name and d.name == name), None)

    def wait_for_deliveries(self, count: int, timeout_s: float = 10.0) -> list[WebhookDelivery]:
        """Block until ``count`` webhook deliveries have finished (for tests; no polling sleep)."""
        with self.deliveries_changed:
            self.deliveries_changed.wait_for(
                lambda: sum(1 for d in self.webhook_deliveries if d.status_code or d.error) >= count, timeout_s
            )
            return list(self.webhook_deliveries)


def _normal(value: Any) -> Any:
    if value in (None, "", [], {}):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def _slug(key: bytes) -> str:
    digest = hashlib.sha256(key).digest()
    alphabet = string.ascii_letters + string.digits
    return "".join(alphabet[b % len(alphabet)] for b in digest[:22])
