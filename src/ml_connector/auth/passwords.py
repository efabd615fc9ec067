"""Passwords (Argon2id through argon2-cffi), one-time passwords, and the random ids and tokens we hand out.

Only hashes are stored: Argon2id for passwords (slow on purpose), SHA-256 for session ids and API tokens
(random 256-bit values, so a fast hash is enough and a stolen store gives nobody a working credential).
"""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher()  # argon2-cffi's defaults: Argon2id, 64 MiB, 3 passes
# Verified when the user name is unknown, so the answer takes as long as for a real user.
_DUMMY = _HASHER.hash("not-a-password-of-anyone")


def set_hash_cost(*, time_cost: int, memory_cost: int) -> None:
    """Change the Argon2 cost of new hashes (tests use a cheap one; existing hashes keep theirs)."""
    global _HASHER, _DUMMY
    _HASHER = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=1)
    _DUMMY = _HASHER.hash("not-a-password-of-anyone")


MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "mlc_"  # noqa: S105 - the visible start of every API token


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; a missing hash (OIDC user, unknown user) never matches."""
    try:
        return _HASHER.verify(stored_hash or _DUMMY, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def weak_password(password: str) -> str | None:
    """Why ``password`` is not accepted, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"A password needs at least {MIN_PASSWORD_LENGTH} characters."
    return None


def one_time_password() -> str:
    """A random password to print once (``init``, ``users add``, ``users reset-password``)."""
    return secrets.token_urlsafe(15)


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def new_api_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
