"""Proactive rate budgets: wait before a call instead of discovering limits through 429s."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class SlidingWindowBudget:
    """At most ``limit`` cost units in any rolling ``window_s`` seconds (e.g. Pipedrive's 2 s burst).

    ``acquire(cost)`` blocks (through the injected ``sleep``) until the call fits. ``observe`` lets a
    client shrink the budget to what the server says is left (rate-limit headers).
    """

    def __init__(
        self,
        limit: int,
        window_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._sleep = sleep
        self._spent: deque[tuple[float, int]] = deque()
        self._lock = threading.Lock()
        self.waited_s = 0.0

    def _used(self, now: float) -> int:
        while self._spent and self._spent[0][0] <= now - self.window_s:
            self._spent.popleft()
        return sum(cost for _, cost in self._spent)

    def acquire(self, cost: int = 1) -> None:
        while True:
            with self._lock:
                now = self._clock()
                if self._used(now) + cost <= self.limit or not self._spent:
                    self._spent.append((now, cost))
                    return
                wait = self._spent[0][0] + self.window_s - now
            self.waited_s += max(wait, 0.0)
            self._sleep(max(wait, 0.001))

    def observe(self, remaining: int | None) -> None:
        """Server says ``remaining`` units are left in this window: pad our ledger to match."""
        if remaining is None:
            return
        with self._lock:
            now = self._clock()
            gap = self.limit - self._used(now) - remaining
            if gap > 0:
                self._spent.append((now, gap))
