"""The one error tree of ml-connector.

    MlConnectorError                      root; ``exit_code`` drives the CLI
    ├── ConfigError                       bad or missing configuration (exit 2)
    │   └── SecretError                   key file, encryption, unknown connection
    ├── RemoteError                       another system said no; ``retriable`` class attribute
    │   ├── RemoteAuthError               credentials refused (not retriable)
    │   │   └── LoginRefusedError         the login itself refused: each try counts toward a lockout
    │   ├── RateLimitedError              429 (retriable, carries Retry-After)
    │   ├── RemoteUnavailableError        5xx, timeouts, connection refused (retriable)
    │   ├── RemoteProtocolError           malformed body, broken paging (retriable once)
    │   └── RemoteRejectedError           4xx or a business-level refusal (not retriable)
    ├── ReferenceMissingError             a record points at a key the target does not have: park
    ├── IntegrityError                    an invariant would break (cursor, ledger, control numbers)
    └── LeaseHeldError                    another run of the same integration holds the lease
        └── LeaseLostError                the lease expired and another holder took it mid-run

Messages say what happened, to which object, and what to do. Only ``http/`` turns httpx exceptions
into these (``raise ... from``); nothing here ever holds a secret in clear.
"""

from __future__ import annotations


class MlConnectorError(Exception):
    """Root of every error this product raises on purpose."""

    exit_code = 1


class ConfigError(MlConnectorError):
    """The configuration is wrong or incomplete; a person must change it."""

    exit_code = 2


class SecretError(ConfigError):
    """Encryption keys or stored credentials are missing or cannot be read."""


class RemoteError(MlConnectorError):
    """Another system refused or failed a request.

    Attributes:
        system: which system ("SYSPRO OData", "Looker", ...).
        status: HTTP status, if any.
        request: redacted "METHOD URL" of the failing request.
        body: the first part of the response body, redacted.
    """

    retriable = False
    exit_code = 3

    def __init__(
        self,
        message: str,
        *,
        system: str = "",
        status: int | None = None,
        request: str = "",
        body: str = "",
    ) -> None:
        super().__init__(message)
        self.system = system
        self.status = status
        self.request = request
        self.body = body


class RemoteAuthError(RemoteError):
    """Credentials were refused. Fix them with `ml-connector connections add`."""


class LoginRefusedError(RemoteAuthError):
    """The system refused the login itself (wrong password, unknown or locked account). Each further try
    counts toward the account's lockout, so neither the engine nor the scheduler tries again: a person
    fixes the stored credentials. ``account`` names the user (never the password); ``locked`` is True when
    the system said the account is already locked."""

    def __init__(self, message: str, *, account: str = "", locked: bool = False, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.account = account
        self.locked = locked


class RateLimitedError(RemoteError):
    """The system asked us to slow down (HTTP 429)."""

    retriable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class RemoteUnavailableError(RemoteError):
    """5xx, timeout or connection failure: worth trying again later."""

    retriable = True


class RemoteProtocolError(RemoteError):
    """The answer was not what the protocol promises (malformed JSON, looping pages)."""

    retriable = True


class RemoteRejectedError(RemoteError):
    """The system understood the request and refused it (4xx, business error)."""


class ReferenceMissingError(MlConnectorError):
    """A record references a key the target does not have yet; the record is parked."""

    def __init__(self, message: str, *, reference: str, key: str) -> None:
        super().__init__(message)
        self.reference = reference
        self.key = key


class IntegrityError(MlConnectorError):
    """Going on would break an invariant (lost or doubled record, reused control number)."""

    exit_code = 4


class LeaseHeldError(MlConnectorError):
    """Another run of this integration is in progress."""

    exit_code = 5


class SlotServedError(MlConnectorError):
    """The schedule slot this run was started for already has a finished run (found under the lease, so a
    redelivered task that raced the first run's end does not run the slot twice)."""

    exit_code = 0


class LeaseLostError(LeaseHeldError):
    """This run stopped renewing its lease for longer than the expiry, and another holder took it over."""
