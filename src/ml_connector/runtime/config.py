"""The runtime's config: ``[runtime]`` (lease expiry, broker), ``[schedule."<instance>"]`` and ``[alerts]``.

Validated here with pydantic, from the raw tables ``Settings.section`` hands over, so adding the runtime
changed nothing in the integrations' settings. Durations are ``"90s"``, ``"15m"``, ``"2h"`` or seconds.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator

from ml_connector.bootstrap import App
from ml_connector.errors import ConfigError
from ml_connector.settings import Settings

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(value: Any) -> timedelta:
    """``"15m"`` / ``"2h"`` / ``"90s"`` / ``90`` -> timedelta; a ConfigError that says how to write one."""
    if isinstance(value, timedelta):
        return value
    match = _DURATION.match(str(value))
    if match is None:
        raise ValueError(f"{value!r} is not a duration: write e.g. 90s, 15m, 2h or a number of seconds")
    return timedelta(seconds=float(match.group(1)) * _UNIT[match.group(2)])


class WindowConfig(BaseModel):
    """A part of the week with its own rhythm (``every`` or ``cron``), or ``off = true``: nothing runs."""

    model_config = {"extra": "forbid"}
    days: str = "Mon-Sun"
    start: str = "00:00"
    end: str = "24:00"
    every: timedelta | None = None
    cron: str | None = None
    off: bool = False

    _d = field_validator("every", mode="before")(lambda v: None if v is None else duration(v))


class ScheduleConfig(BaseModel):
    """``[schedule."syspro-looker@plant-a"]``: when one integration instance runs."""

    model_config = {"extra": "forbid"}
    every: timedelta | None = None  # the rhythm outside every window (None with no cron: nothing)
    cron: str | None = None
    timezone: str = "UTC"
    windows: list[WindowConfig] = Field(default_factory=list)
    jitter: timedelta = timedelta(0)
    timeout: timedelta = timedelta(hours=1)
    retries: int = 2
    retry_backoff: timedelta = timedelta(minutes=1)
    overdue_after: int = 3  # intervals without a success before the instance is overdue

    _d = field_validator("every", "jitter", "timeout", "retry_backoff", mode="before")(
        lambda v: None if v is None else duration(v)
    )


class AlertsConfig(BaseModel):
    """``[alerts]``: where incidents go. URLs and passwords live in stored connections, never here."""

    model_config = {"extra": "forbid"}
    webhook_connection: str | None = None  # a stored connection whose secret ``url`` is the incoming webhook
    webhook_format: Literal["slack", "teams"] = "slack"
    smtp_connection: str | None = None  # settings host, port, sender, starttls; secrets user?, password?
    email_to: list[str] = Field(default_factory=list)
    kinds: list[str] = Field(default_factory=lambda: ["failed", "parked", "overdue", "budget", "lockout"])


class RuntimeConfig(BaseModel):
    """``[runtime]``."""

    model_config = {"extra": "forbid"}
    lease_expiry: timedelta = timedelta(minutes=3)
    broker_url: str | None = None  # redis://... or amqp://...; only for `worker` and `schedule --celery`
    queue: str = "ml-connector"
    # Redis only: an unacknowledged task goes back to the queue after this (a worker that died mid-run).
    # Longer than a run may last; the lease and the per-slot check make an early redelivery harmless.
    visibility_timeout: timedelta = timedelta(hours=1)
    tick: timedelta = timedelta(seconds=1)  # how often the embedded scheduler looks at the clock
    stop_grace: timedelta = timedelta(seconds=30)  # SIGTERM: how long the current run may finish

    _d = field_validator("lease_expiry", "tick", "stop_grace", "visibility_timeout", mode="before")(duration)


def _load(model: type[BaseModel], data: dict[str, Any], where: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{where} in the config is invalid:\n{exc}") from None


def runtime_config(settings: Settings) -> RuntimeConfig:
    return _load(RuntimeConfig, settings.section("runtime"), "[runtime]")  # type: ignore[no-any-return]


def alerts_config(settings: Settings) -> AlertsConfig:
    return _load(AlertsConfig, settings.section("alerts"), "[alerts]")  # type: ignore[no-any-return]


def schedule_configs(settings: Settings) -> dict[str, ScheduleConfig]:
    """Instance name -> its schedule, for every ``[schedule."<instance>"]`` table."""
    tables = settings.section("schedule")
    out = {}
    for name, table in tables.items():
        if not isinstance(table, dict):
            raise ConfigError(f'[schedule] entry {name!r} must be a table: [schedule."{name}"] with every = "15m".')
        out[name] = _load(ScheduleConfig, table, f'[schedule."{name}"]')
    return out


def apply_lease_expiry(app: App) -> None:
    """Runs take leases for ``[runtime] lease_expiry`` (default 3 minutes)."""
    app.store.leases.ttl = runtime_config(app.settings).lease_expiry
