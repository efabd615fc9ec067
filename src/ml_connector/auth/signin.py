"""Checking a password at sign-in, slowed and then locked after repeated failures.

Per user: the first ``SLOW_AFTER`` failures in a row answer at once; after that each further attempt must
wait twice as long as the one before (1 s, 2 s, 4 s ...), and ``LOCK_AFTER`` failures in a row lock the
account for ``LOCK_FOR`` (an admin unlocks it sooner with ``ml-connector users reset-password``). Per
address: after ``ADDRESS_SLOW_AFTER`` failures within ``ADDRESS_WINDOW``, one address (trying many names)
gets one attempt every ``ADDRESS_DELAY``. A throttled attempt is refused without checking the password.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from ml_connector.auth.passwords import verify_password
from ml_connector.store import Store

SLOW_AFTER = 5
LOCK_AFTER = 10
LOCK_FOR = timedelta(minutes=15)
ADDRESS_SLOW_AFTER = 20
ADDRESS_WINDOW = timedelta(minutes=15)
ADDRESS_DELAY = timedelta(seconds=2)


@dataclass(frozen=True)
class SignInResult:
    ok: bool
    status: int  # 200 signed in, 401 wrong, 429 wait, 423 locked
    message: str
    user: dict[str, object] | None = None
    retry_after: int = 0


def _wait(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


def check_password(store: Store, username: str, password: str, address: str, now: datetime) -> SignInResult:
    """Verify ``password`` for ``username`` from ``address`` at ``now``, applying the throttle and the lock."""
    failures, last = store.attempts.failures_since(address, now - ADDRESS_WINDOW)
    if failures >= ADDRESS_SLOW_AFTER and last is not None and now < last + ADDRESS_DELAY:
        wait = _wait(last + ADDRESS_DELAY, now)
        return SignInResult(False, 429, f"Too many failed sign-ins from your address; wait {wait} s.", retry_after=wait)
    user = store.users.get(username)
    if user is not None:
        locked_until = user["locked_until"]
        if locked_until is not None and now < locked_until:
            return SignInResult(False, 423, _locked(username, locked_until), retry_after=_wait(locked_until, now))
        count, last_failed = int(user["failed_count"]), user["last_failed_at"]
        if count >= SLOW_AFTER and last_failed is not None:
            allowed_at = last_failed + timedelta(seconds=2 ** min(count - SLOW_AFTER, 10))
            if now < allowed_at:
                wait = _wait(allowed_at, now)
                return SignInResult(
                    False, 429, f"Too many failed sign-ins for this account; wait {wait} s.", retry_after=wait
                )
    ok = verify_password(user["password_hash"] if user else None, password)
    store.attempts.record(username, address, ok, now)
    if ok and user is not None:
        store.users.signed_in(username, now)
        return SignInResult(True, 200, "Signed in.", user=user)
    if user is not None:
        count = store.users.failed(username, now, lock_after=LOCK_AFTER, locked_until=now + LOCK_FOR)
        if count >= LOCK_AFTER:
            return SignInResult(False, 423, _locked(username, now + LOCK_FOR), retry_after=_wait(now + LOCK_FOR, now))
    return SignInResult(False, 401, "Wrong user name or password.")


def _locked(username: str, until: datetime) -> str:
    return (
        f"The account {username!r} is locked after {LOCK_AFTER} failed sign-ins in a row, until "
        f"{until:%H:%M} UTC. An admin can unlock it now with `ml-connector users reset-password {username}`."
    )
