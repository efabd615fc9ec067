"""Pipedrive's limits, tracked before each call (reference Part 2, 2.6).

* :class:`TokenBudget`: 30,000 x plan multiplier x seats + top-ups per day, less the share the user leaves
  for other tools; each call is charged its ``x-token-cost`` before it is sent. Spending is persisted per
  day (through ``load``/``save`` callbacks) so several runs on one day share one budget.
* :class:`BurstLimiter`: the rolling 2-second window (size from ``x-ratelimit-limit`` once seen) and the
  search API's own 10 requests / 2 s.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from ml_connector.connectors.pipedrive.models import SYSTEM, TokenBudgetExhaustedError
from ml_connector.errors import RateLimitedError
from ml_connector.http.client import RetryPolicy
from ml_connector.http.ratelimit import SlidingWindowBudget

PLAN_MULTIPLIER = {"lite": 1, "growth": 2, "premium": 5, "ultimate": 7}
API_TOKEN_BURST = {"lite": 20, "growth": 40, "premium": 100, "ultimate": 120}
SEARCH_PER_WINDOW = 10
WINDOW_S = 2.0


class TokenBudget:
    def __init__(
        self,
        *,
        plan: str = "growth",
        seats: int = 1,
        top_ups: int = 0,
        reserve_share: float = 0.2,
        daily_tokens: int | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        load: Callable[[str], int] = lambda day: 0,
        save: Callable[[str, int], None] = lambda day, tokens: None,
    ) -> None:
        total = daily_tokens if daily_tokens is not None else 30_000 * PLAN_MULTIPLIER[plan] * seats + top_ups
        self.allowed = int(total * (1.0 - reserve_share))
        self.now, self._load, self._save = now, load, save
        self._lock = threading.Lock()
        self._day = ""
        self._spent = 0
        self._unsaved = 0
        self.short = 0  # calls or records this budget could not pay for (today's refusals)

    def _roll(self) -> None:
        day = self.now().astimezone(UTC).date().isoformat()
        if day != self._day:
            self.flush()
            self._day, self._spent, self.short = day, self._load(day), 0

    def left(self) -> int:
        with self._lock:
            self._roll()
            return self.allowed - self._spent

    def can_afford(self, tokens: int) -> bool:
        ok = self.left() >= tokens
        if not ok:
            self.short += 1
        return ok

    def spent(self) -> tuple[str, int]:
        """(UTC day, tokens this integration spent on it), the day rolled over first."""
        with self._lock:
            self._roll()
            return self._day, self._spent

    def charge(self, tokens: int, operation: str) -> None:
        """Take ``tokens`` for a call about to be sent, or raise if the day's budget cannot pay."""
        with self._lock:
            self._roll()
            if self._spent + tokens > self.allowed:
                self.short += 1
                raise TokenBudgetExhaustedError(
                    f"{SYSTEM} token budget for {self._day} is used up ({self._spent} of {self.allowed} tokens this "
                    f"integration may spend; {operation} needs {tokens}). What is left stays pending with the reason "
                    "'token budget' and goes out after the daily reset; raise the plan, seats, top-ups or lower "
                    "reserve_share in the config to send more today.",
                    system=SYSTEM,
                    status=429,
                )
            self._spent += tokens
            self._unsaved += tokens
            if self._unsaved >= 200:
                self._flush_locked()

    def flush(self) -> None:
        if self._day and self._unsaved:
            self._flush_locked()

    def _flush_locked(self) -> None:
        self._save(self._day, self._unsaved)
        self._unsaved = 0


class BurstLimiter:
    """Waits before a call so the 2-second windows are never overrun (no 429 in normal operation)."""

    def __init__(
        self,
        limit: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        headroom: int = 1,
    ) -> None:
        self.headroom = headroom
        self.general = SlidingWindowBudget(max(1, limit - headroom), WINDOW_S, clock=clock, sleep=sleep)
        self.search = SlidingWindowBudget(SEARCH_PER_WINDOW - 1, WINDOW_S, clock=clock, sleep=sleep)

    def before(self, *, search: bool) -> None:
        (self.search if search else self.general).acquire(1)
        if search:
            self.general.acquire(1)

    def observe(self, limit: str | None, remaining: str | None, *, search: bool) -> None:
        """Adopt the server's window size and what it says is left (``x-ratelimit-*``)."""
        budget = self.search if search else self.general
        if limit and limit.isdigit() and not search:
            size = max(1, int(limit) - self.headroom)
            if size != budget.limit:
                budget.limit = size
        if remaining and remaining.isdigit():
            budget.observe(max(0, int(remaining) - self.headroom))

    @property
    def waited_s(self) -> float:
        return self.general.waited_s + self.search.waited_s


def wait_after_429(
    policy: RetryPolicy, operation: str, count: int, retry_after: float | None, max_wait_s: float
) -> float:
    """Seconds to back off after the ``count``-th 429 of one call: Retry-After when given (not documented
    today), else exponential with jitter. A wait longer than ``max_wait_s`` means the day's budget is gone
    (other tools share it): raise instead of hanging; so does a 429 storm past ``policy.max_attempts``."""
    if retry_after is not None and retry_after > max_wait_s:
        raise TokenBudgetExhaustedError(
            f"{SYSTEM} answered 429 to {operation} and asks to wait {retry_after:.0f} s: the account's daily "
            "token budget is used up (every app and user of the account shares it). The run stops; what is "
            "not sent goes out on the next run after the reset. Lower reserve_share only if no other tool "
            "needs the budget.",
            system=SYSTEM,
            status=429,
            retry_after=retry_after,
        )
    if count >= policy.max_attempts:
        raise RateLimitedError(
            f"{SYSTEM} kept rate-limiting {operation} after {count} attempts. The run stops; nothing is lost. "
            "Lower burst_limit in the config or run again later.",
            system=SYSTEM,
            status=429,
            retry_after=retry_after,
        )
    if retry_after is not None:
        return retry_after
    cap = min(policy.max_delay_s, policy.base_delay_s * (2 ** (count - 1)))
    return random.uniform(cap / 2, cap)
