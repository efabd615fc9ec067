"""Fault plans shared by every emulator: 429 storms, 5xx bursts, slow and malformed responses.

A plan is a list of rules. Each rule matches requests by method and path regex and fires on a
schedule (every Nth matching call, or calls number ``start`` .. ``start + count - 1``). Generic kinds
are applied by :class:`FaultMiddleware`; system-specific kinds (``syspro_error_text``,
``token_expiry``, ...) are looked up by the emulator itself through :meth:`FaultPlan.fire`.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections import defaultdict
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

GENERIC_KINDS = {"status", "rate_limit", "slow", "malformed"}


@dataclass(frozen=True)
class FaultRule:
    """One fault: what it does, which requests it hits and when.

    kind: ``status`` (answer ``status`` with ``body``), ``rate_limit`` (429 + Retry-After),
        ``slow`` (sleep ``delay_s`` then answer normally), ``malformed`` (cut the JSON body in half),
        or an emulator-specific kind.
    path: regex searched in the request path; ``method``: HTTP method or ``*``.
    every: fire on every Nth matching call (1 = each call). ``start``/``count``: fire on matching
        calls number start .. start+count-1 (1-based). With neither, fires on every matching call.
    """

    kind: str
    path: str = ".*"
    method: str = "*"
    every: int | None = None
    start: int | None = None
    count: int | None = None
    status: int = 500
    retry_after: float = 1.0
    delay_s: float = 0.0
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    def matches(self, method: str, path: str) -> bool:
        return (self.method == "*" or self.method.upper() == method.upper()) and bool(re.search(self.path, path))

    def due(self, n: int) -> bool:
        """Whether the rule fires on the n-th (1-based) matching call."""
        if self.every:
            return n % self.every == 0
        if self.start is not None:
            end = self.start + (self.count if self.count is not None else 1)
            return self.start <= n < end
        if self.count is not None:
            return n <= self.count
        return True


class FaultPlan:
    """A thread-safe set of :class:`FaultRule` with per-rule call counters."""

    def __init__(self, rules: list[FaultRule] | None = None) -> None:
        self.rules: list[FaultRule] = list(rules or [])
        self._calls: dict[int, int] = defaultdict(int)
        self._lock = threading.Lock()
        self.fired: list[tuple[str, str]] = []

    @classmethod
    def from_dicts(cls, rules: list[dict[str, Any]]) -> FaultPlan:
        return cls([FaultRule(**r) for r in rules])

    def add(self, rule: FaultRule) -> None:
        with self._lock:
            self.rules.append(rule)

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()
            self._calls.clear()

    def fire(self, method: str, path: str, kinds: set[str] | None = None) -> FaultRule | None:
        """Count this call against every matching rule of ``kinds``; return the first that is due."""
        hit: FaultRule | None = None
        with self._lock:
            for i, rule in enumerate(self.rules):
                if kinds is not None and rule.kind not in kinds:
                    continue
                if not rule.matches(method, path):
                    continue
                self._calls[i] += 1
                if hit is None and rule.due(self._calls[i]):
                    hit = rule
            if hit is not None:
                self.fired.append((hit.kind, path))
        return hit


class FaultMiddleware:
    """ASGI middleware applying the generic kinds of a :class:`FaultPlan`."""

    def __init__(self, app: ASGIApp, plan: FaultPlan) -> None:
        self.app = app
        self.plan = plan

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rule = self.plan.fire(scope["method"], scope["path"], GENERIC_KINDS)
        if rule is None:
            await self.app(scope, receive, send)
            return
        if rule.kind == "slow":
            await asyncio.sleep(rule.delay_s)
            await self.app(scope, receive, send)
            return
        if rule.kind == "malformed":
            await self._malformed(scope, receive, send)
            return
        status = 429 if rule.kind == "rate_limit" else rule.status
        headers = dict(rule.headers)
        if rule.kind == "rate_limit":
            headers.setdefault("Retry-After", _retry_after_text(rule.retry_after))
        body = rule.body if rule.body is not None else {"error": "injected fault"}
        content = body.encode() if isinstance(body, str) else orjson.dumps(body)
        media = "text/plain" if isinstance(body, str) else "application/json"
        await Response(content, status_code=status, headers=headers, media_type=media)(scope, receive, send)

    async def _malformed(self, scope: Scope, receive: Receive, send: Send) -> None:
        chunks: list[bytes] = []
        start: dict[str, Any] = {}

        async def capture(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        body = b"".join(chunks)
        cut = body[: max(1, len(body) // 2)]
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(cut)).encode()))
        await send({"type": "http.response.start", "status": start.get("status", 200), "headers": headers})
        await send({"type": "http.response.body", "body": cut})


def _retry_after_text(seconds: float) -> str:
    return str(max(0, round(seconds))) if seconds >= 1 or seconds == 0 else f"{seconds:g}"
