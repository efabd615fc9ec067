"""e.net sessions of the emulator: ids shaped like the recorded ones (32 hex + ``00`` + two spaces),
an idle timeout read from an injected clock, and optional eviction of an operator's previous session."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


@dataclass
class Session:
    operator: str
    last_used: datetime


class SessionStore:
    """Live sessions by id (stored without the trailing padding)."""

    def __init__(self, clock: Clock, *, ttl_s: float, evict_previous: bool, rng: random.Random) -> None:
        self._clock = clock
        self.ttl_s = ttl_s
        self.evict_previous = evict_previous
        self._rng = rng
        self._sessions: dict[str, Session] = {}
        self.logons = 0

    def logon(self, operator: str) -> str:
        """Open a session; answer the id exactly as SYSPRO 7 does (with two trailing spaces)."""
        if self.evict_previous:
            for key in [k for k, s in self._sessions.items() if s.operator.lower() == operator.lower()]:
                del self._sessions[key]
        user_id = f"{self._rng.getrandbits(128):032X}00"
        self._sessions[user_id] = Session(operator, self._clock.now())
        self.logons += 1
        return user_id + "  "

    def touch(self, user_id: str) -> Session | None:
        """The live session for ``user_id`` (padded or not), refreshing its idle timer; None if
        unknown or idle for longer than the timeout (then it is dropped)."""
        key = user_id.strip().upper()
        session = self._sessions.get(key)
        if session is None:
            return None
        now = self._clock.now()
        if (now - session.last_used).total_seconds() > self.ttl_s:
            del self._sessions[key]
            return None
        session.last_used = now
        return session

    def logoff(self, user_id: str) -> bool:
        return self._sessions.pop(user_id.strip().upper(), None) is not None

    def expire(self, user_id: str) -> None:
        self._sessions.pop(user_id.strip().upper(), None)

    def expire_all(self) -> None:
        self._sessions.clear()

    def __len__(self) -> int:
        return len(self._sessions)

    def operators(self) -> list[str]:
        return [s.operator for s in self._sessions.values()]
