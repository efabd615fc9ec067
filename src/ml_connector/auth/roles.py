"""The three roles and what each may do. A higher role includes everything a lower one may do.

- ``viewer``: every page and every ``/api`` read.
- ``operator``: also Run now, Replay and Ping.
- ``admin``: also connections, mappings, users, API tokens and the action log.
"""

from __future__ import annotations

from ml_connector.errors import ConfigError

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
