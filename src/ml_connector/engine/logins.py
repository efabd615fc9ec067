"""Refused logins, counted per stored connection so an account is not locked out by ml-connector.

QAD locks an account after its "Maximum Access Failures" (10 on the observed tenant) and SYSPRO can lock
an operator after repeated failed logons; neither tells a client how many failures it has counted. So
ml-connector counts its own consecutive refused logins per connection, in the store (``sequences``
row ``login-refused:<connection>``), so the count spans runs and processes. A run whose login on that
connection was accepted resets it. At ``lockout_warn_after`` refusals (a setting of the connection,
default 3) or when the system says the account is already locked, the run reports the ``lockout``
condition (``RunContext.condition``), which the runtime turns into one alert per incident; from the
threshold on the scheduler starts no run of an instance using that connection (runtime/pause.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import structlog

from ml_connector.errors import LoginRefusedError
from ml_connector.store import Store

log = structlog.get_logger("ml_connector.engine.logins")

WARN_AFTER = 3  # default lockout_warn_after: well below QAD's observed 10
COUNTER = "login-refused:{}"


def counter_name(connection: str) -> str:
    return COUNTER.format(connection)


def lockout_message(
    connection: str,
    system: str,
    account: str,
    refusals: int,
    warn_after: int,
    integration: str,
    locked: bool,
    secret: str = "password",  # noqa: S107 - the name of the secret field, not a value
) -> str:
    """What the ``lockout`` alert says: which connection and user (never the password), how many
    refusals, and the fix."""
    who = f"user '{account}'" if account else "the stored user"
    paused = (
        f"Scheduled, retry and webhook runs of {integration} are paused until `ml-connector check {integration}` "
        "succeeds (a manual `ml-connector run` still tries once, and counts)"
    )
    if locked:
        said = f"{system} says {who} of connection '{connection}' is locked."
        fix = (
            f"Ask the {system} administrator to unlock it, fix the stored password with "
            f"`ml-connector connections edit {connection} --secret {secret}`, then `ml-connector check {integration}`."
        )
        if refusals >= warn_after:
            fix += f" {paused}."
    else:
        limit = (
            "QAD locks the account after its Maximum Access Failures (10 on the observed tenant)"
            if system.startswith("QAD")
            else f"{system} may lock the account after a number of failed logins set on the server"
        )
        said = (
            f"{system} refused the login of {who} of connection '{connection}' {refusals} time(s) in a row "
            f"(alert at {warn_after}); {limit}."
        )
        fix = (
            f"{paused}: fix the password with `ml-connector connections edit {connection} --secret {secret}`, "
            f"then `ml-connector check {integration}`."
        )
    return f"{said} {fix}"


@dataclass
class LoginWatch:
    """One run's view: ``connections`` maps a system label (``RemoteError.system``) to its stored
    connection, ``warn_after`` a connection to its threshold, ``accepted`` a system to "the credentials
    worked in this run" (a fact the connector's client exposes)."""

    store: Store
    integration: str
    connections: dict[str, str]
    warn_after: dict[str, int] = field(default_factory=dict)
    accepted: dict[str, Callable[[], bool]] = field(default_factory=dict)
    secret_field: dict[str, str] = field(default_factory=dict)  # connection -> its password field's name
    refused_systems: set[str] = field(default_factory=set)
    _counts: dict[str, int] = field(default_factory=dict)

    def refused(self, exc: LoginRefusedError) -> str | None:
        """Count this refusal (once per connection and run); the ``lockout`` message when it is time."""
        system = exc.system
        self.refused_systems.add(system)
        connection = self.connections.get(system)
        if connection is None:
            return None
        if connection not in self._counts:  # a client refuses once and then repeats that refusal: one try
            self._counts[connection] = self.store.sequences.next(counter_name(connection))
        refusals = self._counts[connection]
        warn_after = self.warn_after.get(connection, WARN_AFTER)
        log.warning("login.refused", connection=connection, system=system, account=exc.account, refusals=refusals)
        if exc.locked or refusals >= warn_after:
            secret = self.secret_field.get(connection, "password")
            return lockout_message(
                connection, system, exc.account, refusals, warn_after, self.integration, exc.locked, secret
            )
        return None

    def settle(self) -> None:
        """After the run: a connection whose credentials worked starts counting from zero again."""
        for system, worked in self.accepted.items():
            connection = self.connections.get(system)
            if connection is None or system in self.refused_systems or not worked():
                continue
            if self.store.sequences.current(counter_name(connection)) is not None:
                log.info("login.accepted_again", connection=connection, system=system)
                self.store.sequences.reset(counter_name(connection))
