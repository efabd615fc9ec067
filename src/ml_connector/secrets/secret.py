"""The Secret type: a credential value that never prints itself, and the redaction registry.

Every Secret registers its value with :data:`REDACTOR`, so logs, errors and CLI output can scrub it
even when it reached them by a path nobody foresaw (an exception text, a URL, a response body).
"""

from __future__ import annotations

import base64
import re
import threading
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "***"
_MIN_SECRET_LEN = 4


class Redactor:
    """Replaces every registered secret value (and common credential patterns) with ``***``."""

    _PATTERNS = (
        re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?(?:basic|bearer|token|oauth)\s+)[^\s\"',]+"),
        re.compile(r"(?i)((?:client_secret|password|passwd|api_token|access_token|oauth_signature)=)[^&\s\"']+"),
        re.compile(r"(/hooks/looker-qad/)[^/\s?\"']+"),  # the ingest URL's secret path segment (right or wrong)
    )

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()
        self._compiled: re.Pattern[str] | None = None

    def register(self, value: str) -> None:
        """Mask ``value`` from now on, and its common encodings: URL-encoded (``quote``/``quote_plus``, as in
        a query string or form body) and base64 (as in a token or header)."""
        if len(value) < _MIN_SECRET_LEN:
            return
        self._add({value, quote(value, safe=""), quote_plus(value), _b64(value), _b64(value).rstrip("=")})

    def register_basic(self, user: str, password: str) -> None:
        """Mask the ``Authorization: Basic`` form of ``user``:``password`` (base64 of the pair)."""
        if len(password) >= _MIN_SECRET_LEN:
            pair = _b64(f"{user}:{password}")
            self._add({pair, pair.rstrip("=")})

    def _add(self, values: set[str]) -> None:
        with self._lock:
            new = {v for v in values if len(v) >= _MIN_SECRET_LEN} - self._values
            if new:
                self._values |= new
                self._compiled = None

    def _pattern(self) -> re.Pattern[str] | None:
        with self._lock:
            if self._compiled is None and self._values:
                alternatives = sorted(self._values, key=len, reverse=True)
                self._compiled = re.compile("|".join(re.escape(v) for v in alternatives))
            return self._compiled

    def scrub(self, text: str) -> str:
        """Return ``text`` with every known secret and credential-looking value masked."""
        pattern = self._pattern()
        if pattern is not None:
            text = pattern.sub(MASK, text)
        for known in self._PATTERNS:
            text = known.sub(lambda m: m.group(1) + MASK, text)
        return text

    def scrub_any(self, value: Any) -> Any:
        """Scrub strings inside nested dicts / lists / tuples."""
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, dict):
            return {k: self.scrub_any(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self.scrub_any(v) for v in value)
        return value


def _b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


REDACTOR = Redactor()


class Secret:
    """A credential value. ``str()`` and ``repr()`` show ``***``; :meth:`reveal` gives the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        REDACTOR.register(value)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)
