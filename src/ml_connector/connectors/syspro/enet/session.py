"""One SYSPRO e.net session: logon, serialised calls, one automatic renewal when SYSPRO says the
session expired, and logoff in ``finally`` (a context manager). Facts: docs/PROTOCOLS.md (SYSPRO e.net).

e.net allows one session per operator (a second logon evicts the first [T]), so a session holds a
process-wide lease on its operator from logon to logoff; a second session for the same operator
waits for it (``lease_timeout_s``) and then fails clearly instead of evicting the first.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import structlog

from ml_connector.connectors.syspro.enet.errors import (
    DEFAULT_RULES,
    SYSTEM,
    EnetErrorRules,
    EnetLogonRefusedError,
    EnetSessionBusyError,
    raise_for_error_text,
)
from ml_connector.connectors.syspro.enet.xml import decode_body, unwrap
from ml_connector.errors import MlConnectorError, RemoteAuthError, RemoteProtocolError
from ml_connector.http.client import HttpClient, RetryPolicy
from ml_connector.secrets.secret import REDACTOR, Secret

log = structlog.get_logger("ml_connector.syspro.enet")


_NO_PASSWORD = Secret("")


@dataclass(frozen=True)
class EnetCredentials:
    """What ``/Logon`` takes. Passwords are Secrets: they appear only in the logon query string."""

    operator: str
    operator_password: Secret
    company_id: str
    company_password: Secret = _NO_PASSWORD


_LEASES: dict[tuple[str, str, str], threading.Lock] = {}
_LEASES_GUARD = threading.Lock()


def _operator_lease(base_url: str, credentials: EnetCredentials) -> threading.Lock:
    key = (base_url.rstrip("/").lower(), credentials.company_id.lower(), credentials.operator.lower())
    with _LEASES_GUARD:
        return _LEASES.setdefault(key, threading.Lock())


class EnetSession:
    """A logged-on e.net session. Use as ``with EnetSession(...) as session:``; calls log on lazily."""

    def __init__(
        self,
        *,
        base_url: str,
        credentials: EnetCredentials,
        transport: Any = None,
        timeout_s: float = 120.0,
        verify: bool = True,
        retry: RetryPolicy | None = None,
        rules: EnetErrorRules = DEFAULT_RULES,
        lease_timeout_s: float = 60.0,
        query_encoding: str = "utf-8",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``query_encoding``: charset of the percent-encoded query string ([I] WCF decodes UTF-8)."""
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.rules = rules
        self.lease_timeout_s = lease_timeout_s
        self.query_encoding = query_encoding
        common: dict[str, Any] = {
            "system": SYSTEM,
            "base_url": self.base_url,
            "transport": transport,
            "timeout_s": timeout_s,
            "verify": verify,
            "sleep": sleep,
        }
        # Queries, logon and logoff may be retried on 5xx; a Transaction/Post or Setup call never is,
        # since SYSPRO may have processed it (the engine then looks the object up by its reference).
        self._reads = HttpClient(retry=retry, **common)
        self._writes = HttpClient(retry=RetryPolicy(max_attempts=1), **common)
        self._lease = _operator_lease(self.base_url, credentials)
        self._holding_lease = False
        self._calls = threading.RLock()
        self._user_id: Secret | None = None
        self.logons = 0
        self.renewals = 0
        self.refused: EnetLogonRefusedError | None = None  # a refused logon is not sent again

    def __enter__(self) -> EnetSession:
        self.logon()
        return self

    def __exit__(self, *exc: object) -> None:
        self.logoff()  # the session object stays usable: the next call logs on again

    def close(self) -> None:
        """Log off and close the HTTP connections."""
        try:
            self.logoff()
        finally:
            self._reads.close()
            self._writes.close()

    @property
    def logged_on(self) -> bool:
        return self._user_id is not None

    def logon(self) -> None:
        """Log on if not already; takes the operator lease first."""
        with self._calls:
            if self._user_id is None:
                self._logon_locked()

    def logoff(self) -> None:
        """Log off and release the operator lease. Never raises: an unreleased session only holds a
        licence seat until SYSPRO times it out, and an error here must not hide the caller's."""
        with self._calls:
            user_id, self._user_id = self._user_id, None
            try:
                if user_id is not None:
                    self._logoff_quietly(user_id)
            finally:
                if self._holding_lease:
                    self._holding_lease = False
                    self._lease.release()

    def call(self, path: str, params: Mapping[str, str], *, doing: str, idempotent: bool) -> str:
        """Send one business call; return the body text (``ERROR:`` answers raise).

        An expired session is renewed once and the call sent again: SYSPRO refused the first
        attempt before processing it, so even a non-idempotent post is safe to repeat.
        """
        with self._calls:
            if self._user_id is None:
                self._logon_locked()
            for attempt in (1, 2):
                assert self._user_id is not None
                query = {"UserId": self._user_id.reveal(), **params}
                client = self._reads if idempotent else self._writes
                text = unwrap(decode_body(client.request("GET", self._url(path, query)).content))
                if not text.startswith("ERROR"):
                    return text
                if attempt == 1 and self.rules.session_expired.search(text):
                    log.info("syspro.enet.session_renew", operator=self.credentials.operator, doing=doing)
                    self._user_id = None
                    self._logon_locked()
                    self.renewals += 1
                    continue
                raise_for_error_text(text, doing=doing, request=f"GET {path}", rules=self.rules)
            raise AssertionError("unreachable")

    def _url(self, path: str, params: Mapping[str, str]) -> str:
        # %20 for spaces, as recorded clients sent them (syspro-qad.md §5.2); every character escaped.
        return f"{path}?{urlencode(params, quote_via=quote, safe='', encoding=self.query_encoding)}"

    def _logon_locked(self) -> None:
        if self.refused is not None:
            raise self.refused
        if not self._holding_lease:
            if self.lease_timeout_s > 0:
                acquired = self._lease.acquire(timeout=self.lease_timeout_s)
            else:
                acquired = self._lease.acquire(blocking=False)
            if not acquired:
                raise EnetSessionBusyError(
                    f"Another SYSPRO e.net session of operator {self.credentials.operator!r} is open in "
                    "this process; e.net allows one per operator. Wait for it to finish or configure "
                    "a second operator.",
                    system=SYSTEM,
                )
            self._holding_lease = True
        creds = self.credentials
        params = {
            "Operator": creds.operator,
            "OperatorPassword": creds.operator_password.reveal(),
            "CompanyId": creds.company_id,
            "CompanyPassword": creds.company_password.reveal(),
        }
        doing = f"logon of operator {creds.operator!r} to company {creds.company_id!r}"
        try:
            text = unwrap(decode_body(self._reads.request("GET", self._url("/Logon", params)).content))
            if text.startswith("ERROR"):
                try:
                    raise_for_error_text(text, doing=doing, request="GET /Logon", rules=self.rules)
                except RemoteAuthError as exc:
                    self.refused = EnetLogonRefusedError(
                        str(exc),
                        account=creds.operator,
                        locked="lock" in text.lower(),
                        system=exc.system,
                        status=exc.status,
                        request=exc.request,
                        body=exc.body,
                    )
                    raise self.refused from None
            if not text or any(c.isspace() or c in "<>" for c in text):
                raise RemoteProtocolError(
                    f"SYSPRO answered the {doing} with {REDACTOR.scrub(text[:80])!r}, not a session id.",
                    system=SYSTEM,
                    status=200,
                )
        except MlConnectorError:
            self._holding_lease = False
            self._lease.release()
            raise
        self._user_id = Secret(text)  # registered for redaction: never printed, never logged
        self.logons += 1
        log.info("syspro.enet.logon", operator=creds.operator, company=creds.company_id)

    def _logoff_quietly(self, user_id: Secret) -> None:
        try:
            text = decode_body(self._reads.request("GET", self._url("/Logoff", {"UserId": user_id.reveal()})).content)
        except MlConnectorError as exc:
            log.warning("syspro.enet.logoff_failed", operator=self.credentials.operator, error=str(exc))
            return
        if text.strip() != "0":
            log.warning(
                "syspro.enet.logoff_answer",
                operator=self.credentials.operator,
                answer=REDACTOR.scrub(text.strip()[:200]),
            )
        else:
            log.info("syspro.enet.logoff", operator=self.credentials.operator)
