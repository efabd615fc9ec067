"""What one run carries around: its id, clock, store, progress sink and per-stream tallies."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ml_connector.core.clock import Clock
from ml_connector.core.records import StreamTally
from ml_connector.store import Store


class Progress(Protocol):
    """Where the engine reports progress (a Rich progress bar, a log, nothing)."""

    def stream_started(self, stream: str, total: int | None) -> None: ...
    def advance(self, stream: str, rows: int) -> None: ...
    def stream_finished(self, stream: str, tally: StreamTally) -> None: ...


class SilentProgress:
    def stream_started(self, stream: str, total: int | None) -> None:
        pass

    def advance(self, stream: str, rows: int) -> None:
        pass

    def stream_finished(self, stream: str, tally: StreamTally) -> None:
        pass


def new_run_id(now: datetime) -> str:
    """Time-ordered and unique: 20261123T154500-3f9a1c."""
    return f"{now:%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


@dataclass
class RunContext:
    integration: str
    run_id: str
    store: Store
    clock: Clock
    progress: Progress
    started_at: datetime
    tallies: dict[str, StreamTally] = field(default_factory=dict)
    conditions: dict[str, str] = field(default_factory=dict)

    def tally(self, stream: str) -> StreamTally:
        if stream not in self.tallies:
            self.tallies[stream] = StreamTally(stream)
        return self.tallies[stream]

    def condition(self, kind: str, message: str) -> None:
        """Report a condition worth an alert that is not an error: ``budget`` (a rate budget running low,
        e.g. Pipedrive's daily tokens) or ``lockout`` (an ERP account near its failed-logon limit). It goes
        into the run's summary; the runtime alerts once per incident and again when a run no longer
        reports it."""
        self.conditions[kind] = message


@dataclass
class RunReport:
    """The honest outcome of a run (invariant 8)."""

    integration: str
    run_id: str
    status: str  # succeeded | partial | failed
    started_at: datetime
    finished_at: datetime
    streams: list[StreamTally]
    error: str | None = None
    conditions: dict[str, str] = field(default_factory=dict)
    remote_failed: bool = False  # a remote system refused or could not be reached (exit 3)
    dry_run: bool = False
    login_refused: list[str] = field(default_factory=list)  # systems that refused the login: not retried
    connections: list[str] = field(default_factory=list)  # stored connections the run logs in with (the pause)

    @property
    def exit_code(self) -> int:
        """README "The command line": 0 done, 1 partial / records failed, 3 a remote system refused or failed."""
        if self.status == "succeeded":
            return 0
        return 3 if self.remote_failed else 1

    @property
    def duration_s(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    def as_dict(self) -> dict[str, Any]:
        return {
            "integration": self.integration,
            "run_id": self.run_id,
            "status": self.status,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat(),
            "duration_s": round(self.duration_s, 3),
            "error": self.error,
            "exit_code": self.exit_code,
            **({"dry_run": True} if self.dry_run else {}),
            "streams": [{k: v for k, v in vars(t).items()} for t in self.streams],
            "conditions": dict(self.conditions),
            **({"login_refused": list(self.login_refused)} if self.login_refused else {}),
            **({"connections": list(self.connections)} if self.connections else {}),
        }
