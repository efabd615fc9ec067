"""Users, their roles and API tokens (the CLI and ``init`` manage them; each change goes to the action log).

Roles, each including what the lower ones may do:

- ``viewer``: every page and every ``/api`` read.
- ``operator``: also Run now, Replay and Ping.
- ``admin``: also connections, mappings, users, API tokens and the action log.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import datetime

from ml_connector.auth.passwords import hash_password, new_api_token, one_time_password, sha256_hex, weak_password
from ml_connector.errors import ConfigError
from ml_connector.store import Store

FIRST_ADMIN = "admin"
ROLES = ("viewer", "operator", "admin")
_RANK = {role: rank for rank, role in enumerate(ROLES)}


def check_role(role: str) -> str:
    """``role`` if it is one of :data:`ROLES`, else a ConfigError that lists them."""
    if role not in _RANK:
        raise ConfigError(f"Unknown role {role!r}; use one of: {', '.join(ROLES)}.")
    return role


def allows(held: str | None, needed: str) -> bool:
    """Whether a principal holding ``held`` may do what needs ``needed``."""
    if held is None:
        return False
    return _RANK.get(held, -1) >= _RANK[needed]


def cli_actor() -> str:
    """Who ran a command on this machine, as the action log names them."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


@dataclass(frozen=True)
class NewPassword:
    username: str
    password: str
    generated: bool  # True: print it once; the user must change it at the first sign-in


def add_user(store: Store, username: str, role: str, now: datetime, password: str | None = None) -> NewPassword:
    check_role(role)
    if not username or len(username) > 100 or any(c.isspace() for c in username):
        raise ConfigError(f"User name {username!r} must be 1-100 characters without spaces.")
    if store.users.get(username) is not None:
        raise ConfigError(f"User {username!r} exists; change it with `ml-connector users set-role` or reset-password.")
    secret = _accepted(password)
    store.users.add(username, role, now, password_hash=hash_password(secret), must_change=password is None)
    store.actions.record(cli_actor(), "user_added", now, target=username, detail=f"role {role}")
    return NewPassword(username, secret, password is None)


def reset_password(store: Store, username: str, now: datetime, password: str | None = None) -> NewPassword:
    _existing(store, username)
    secret = _accepted(password)
    store.users.set_password(username, hash_password(secret), now, must_change=password is None)
    store.actions.record(cli_actor(), "password_reset", now, target=username)
    return NewPassword(username, secret, password is None)


def set_role(store: Store, username: str, role: str, now: datetime) -> None:
    check_role(role)
    _existing(store, username)
    store.users.set_role(username, role, now)
    store.actions.record(cli_actor(), "user_role_set", now, target=username, detail=f"role {role}")


def remove_user(store: Store, username: str, now: datetime) -> None:
    _existing(store, username)
    store.users.remove(username)
    store.actions.record(cli_actor(), "user_removed", now, target=username)


def first_admin(store: Store, now: datetime, password: str | None) -> NewPassword | None:
    """The first admin when the store has no user yet (``init``, ``demo``); None when users exist."""
    if store.users.count():
        return None
    return add_user(store, FIRST_ADMIN, "admin", now, password)


def create_token(store: Store, name: str, role: str, now: datetime, created_by: str | None = None) -> tuple[int, str]:
    """A new API token: returns its id and the token itself (shown once; only its hash is stored)."""
    check_role(role)
    token = new_api_token()
    actor = created_by or cli_actor()
    token_id = store.tokens.add(name, sha256_hex(token), token[:8], role, actor, now)
    store.actions.record(actor, "token_created", now, target=f"{token_id} {name}", detail=f"role {role}")
    return token_id, token


def _accepted(password: str | None) -> str:
    if password is None:
        return one_time_password()
    problem = weak_password(password)
    if problem:
        raise ConfigError(problem)
    return password


def _existing(store: Store, username: str) -> None:
    if store.users.get(username) is None:
        raise ConfigError(f"No user called {username!r}; `ml-connector users list` shows them.")
