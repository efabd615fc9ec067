"""Pipedrive's rate limits as the emulator applies them (reference Part 2, 2.6).

* Daily token budget per company: 30,000 x plan multiplier x seats + top-ups, each call deducting its
  ``x-token-cost``; exhausted -> 429 until midnight of the emulator clock (UTC [I]: the server's time
  zone is not documented).
* Rolling 2-second burst window per token (plan and auth type decide the size); the search endpoints
  have their own 10 / 2 s window.
* After ``cloudflare_after`` 429s in a row on one API token, a Cloudflare HTML 403 for
  ``cloudflare_block_s`` seconds (API-token traffic only, as documented).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

PLAN_MULTIPLIER = {"lite": 1, "growth": 2, "premium": 5, "ultimate": 7}
BURST = {"lite": (20, 80), "growth": (40, 160), "premium": (100, 400), "ultimate": (120, 480)}
SEARCH_BURST = 10
WINDOW_S = 2.0
CLOUDFLARE_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>Attention Required! | Cloudflare</title></head><body>"
    "<h1>Sorry, you have been blocked</h1><p>This error is produced by Cloudflare. The website is using a "
    "security service to protect itself from online attacks.</p></body></html>"
)


@dataclass
class Verdict:
    """What the limiter decided for one call: allowed or the status to answer, plus the headers."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    retry_after: float | None = None


class RateLimits:
    def __init__(
        self,
        *,
        now: Callable[[], datetime],
        plan: str = "growth",
        seats: int = 1,
        top_ups: int = 0,
        daily_budget: int | None = None,
        burst_limit: int | None = None,
        retry_after: bool = True,
        cloudflare_after: int = 8,
        cloudflare_block_s: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.now, self.plan, self.monotonic = now, plan, monotonic
        self.daily_budget = daily_budget or 30_000 * PLAN_MULTIPLIER[plan] * seats + top_ups
        self.burst_override = burst_limit
        self.retry_after = retry_after
        self.cloudflare_after, self.cloudflare_block_s = cloudflare_after, cloudflare_block_s
        self.spent = 0
        self.spent_by_day: dict[str, int] = {}
        self.day: date = now().date()
        self.windows: dict[tuple[str, bool], deque[float]] = {}
        self.consecutive_429: dict[str, int] = {}
        self.blocked_until: dict[str, float] = {}
        self.counts = {"calls": 0, "burst_429": 0, "budget_429": 0, "cloudflare_403": 0}
        self.lock = threading.Lock()

    def burst_limit(self, oauth: bool) -> int:
        if self.burst_override is not None:
            return self.burst_override
        token_limit, oauth_limit = BURST[self.plan]
        return oauth_limit if oauth else token_limit

    def _roll_day(self) -> None:
        today = self.now().date()
        if today != self.day:
            self.day, self.spent = today, 0

    def left(self) -> int:
        with self.lock:
            self._roll_day()
            return self.daily_budget - self.spent

    def admit(self, token: str, *, oauth: bool, search: bool, cost: int) -> Verdict:
        """Count one call against the windows and the budget; say whether it may proceed."""
        with self.lock:
            self._roll_day()
            self.counts["calls"] += 1
            mono = self.monotonic()
            if not oauth and self.blocked_until.get(token, 0.0) > mono:
                self.counts["cloudflare_403"] += 1
                return Verdict(403, {"Content-Type": "text/html; charset=UTF-8", "Server": "cloudflare"})
            limit = SEARCH_BURST if search else self.burst_limit(oauth)
            window = self.windows.setdefault((token, search), deque())
            while window and window[0] <= mono - WINDOW_S:
                window.popleft()
            reset = max(0.0, (window[0] + WINDOW_S - mono) if window else WINDOW_S)
            if len(window) >= limit:
                self.counts["burst_429"] += 1
                return self._too_many(token, oauth, limit, 0, reset)
            if self.spent + cost > self.daily_budget:
                self.counts["budget_429"] += 1
                midnight = datetime.combine(self.day, datetime.min.time(), tzinfo=self.now().tzinfo)
                until = (midnight.timestamp() + 86_400) - self.now().timestamp()
                return self._too_many(token, oauth, limit, limit - len(window), until)
            window.append(mono)
            self.spent += cost
            key = self.day.isoformat()
            self.spent_by_day[key] = self.spent_by_day.get(key, 0) + cost
            self.consecutive_429[token] = 0
            return Verdict(200, self._headers(limit, limit - len(window), reset))

    def _too_many(self, token: str, oauth: bool, limit: int, remaining: int, reset: float) -> Verdict:
        count = self.consecutive_429.get(token, 0) + 1
        self.consecutive_429[token] = count
        if not oauth and count >= self.cloudflare_after:
            self.blocked_until[token] = self.monotonic() + self.cloudflare_block_s
            self.consecutive_429[token] = 0
        headers = self._headers(limit, remaining, reset)
        if self.retry_after:
            headers["Retry-After"] = str(max(1, math.ceil(reset)))
        return Verdict(429, headers, reset)

    @staticmethod
    def _headers(limit: int, remaining: int, reset: float) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(limit),
            "x-ratelimit-remaining": str(max(0, remaining)),
            "x-ratelimit-reset": str(max(1, math.ceil(reset))),
        }
