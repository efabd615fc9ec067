"""The sign-in tables (revision 0005) on PostgreSQL as on SQLite: users, the lock and the throttle, sessions,
API tokens and the action log, read back the same (aware timestamps, booleans, counts)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet

from ml_connector.auth.passwords import set_hash_cost
from ml_connector.auth.signin import LOCK_AFTER, check_password
from ml_connector.secrets.keys import KeyRing
from ml_connector.store import Store


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_sign_in_bookkeeping_on_both_backends(backend, tmp_path, request) -> None:
    set_hash_cost(time_cost=1, memory_cost=1024)
    url = request.getfixturevalue("pg_database") if backend == "postgres" else f"sqlite:///{tmp_path / 's.db'}"
    store = Store.open(url, KeyRing([Fernet.generate_key()]))
    from ml_connector.auth.accounts import add_user, create_token

    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    add_user(store, "ada", "admin", now, "a long enough password")
    results = []
    for second in range(0, 100 * (LOCK_AFTER + 3), 100):  # far enough apart never to be slowed
        results.append(check_password(store, "ada", "wrong password", "10.0.0.7", now + timedelta(seconds=second)))
    assert [r.status for r in results[: LOCK_AFTER - 1]] == [401] * (LOCK_AFTER - 1)
    assert [r.status for r in results[LOCK_AFTER - 1 :]] == [423] * 4  # locked: not even checked
    user = store.users.get("ada")
    assert user["locked_until"].tzinfo is not None
    count, last = store.attempts.failures_since("10.0.0.7", now - timedelta(minutes=1))
    assert count == LOCK_AFTER
    assert last is not None and last.tzinfo is not None
    store.sessions.create("h" * 64, "ada", "csrf", "10.0.0.7", now)
    assert store.sessions.find(
        "h" * 64, now + timedelta(minutes=5), idle=timedelta(minutes=30), longest=timedelta(hours=1)
    )
    assert (
        store.sessions.find("h" * 64, now + timedelta(hours=2), idle=timedelta(hours=3), longest=timedelta(hours=1))
        is None
    )
    token_id, _token = create_token(store, "prom", "viewer", now, created_by="ada")
    assert store.tokens.list()[0]["id"] == token_id
    assert [a["action"] for a in store.actions.recent()] == ["token_created", "user_added"]
