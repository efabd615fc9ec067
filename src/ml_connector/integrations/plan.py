"""What every integration hands the engine: its streams, how to deliver them, checks, clean-up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ml_connector.core.streams import StreamSpec
from ml_connector.engine.context import RunContext
from ml_connector.engine.runner import GroupHandler, StreamHandler
from ml_connector.secrets.secret import REDACTOR


@dataclass(frozen=True)
class CheckResult:
    """One line of `ml-connector check`: what was proved, against which system, and how it went."""

    system: str
    what: str
    ok: bool
    detail: str = ""


@dataclass
class IntegrationPlan:
    name: str
    streams: list[StreamSpec]
    handler: StreamHandler
    after_run: Callable[[RunContext], None] | None = None
    checks: Callable[[], list[CheckResult]] = lambda: []
    closers: list[Callable[[], None]] = field(default_factory=list)
    # Batch integrations: how to build the runner that releases parked rows (used by replay).
    batch_runner: Callable[[RunContext], Any] | None = None
    # Record integrations: how to re-deliver parked rows of one stream (used by replay).
    replayer: Callable[[RunContext, StreamSpec, list[dict[str, Any]]], None] | None = None
    # Batch integrations: deliver a whole group of streams (all dimensions, then all facts) at once.
    group_handler: GroupHandler | None = None
    # `run --dry-run`: the (source, target) of a stream, or None to leave it out (engine/dry_run.py).
    dry_run_parts: Callable[[StreamSpec], tuple[Any, Any] | None] | None = None
    # Remote system label (RemoteError.system) -> stored connection name, so a failure names both.
    connections: dict[str, str] = field(default_factory=dict)
    # Remote system label -> "its credentials were accepted in this plan" (a client's fact); the engine
    # then resets that connection's count of refused logins (engine/logins.py).
    logins: dict[str, Callable[[], bool]] = field(default_factory=dict)

    def close(self) -> None:
        for close in reversed(self.closers):
            close()


def probe(system: str, what: str, action: Callable[[], Any]) -> CheckResult:
    """Run one check; a failure becomes a failed CheckResult (a check reports every failure)."""
    try:
        return CheckResult(system, what, True, str(action()))
    except Exception as exc:  # a check never stops at the first failure
        return CheckResult(system, what, False, REDACTOR.scrub(str(exc)))
