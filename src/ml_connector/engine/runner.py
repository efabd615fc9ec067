"""Running one integration: lease, crash clean-up, streams in dependency order, an honest report."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import structlog

from ml_connector.core.clock import Clock
from ml_connector.core.streams import StreamKind, StreamSpec, dimensions_first
from ml_connector.engine.context import Progress, RunContext, RunReport, SilentProgress, new_run_id
from ml_connector.engine.heartbeat import LeaseHeartbeat
from ml_connector.engine.logins import LoginWatch
from ml_connector.errors import (
    LeaseLostError,
    LoginRefusedError,
    MlConnectorError,
    RemoteAuthError,
    RemoteError,
    SlotServedError,
)
from ml_connector.secrets.secret import REDACTOR
from ml_connector.store import Store
from ml_connector.store.runs import this_holder

log = structlog.get_logger("ml_connector.engine")

StreamHandler = Callable[[RunContext, StreamSpec, dict[str, StreamSpec], bool], None]
GroupHandler = Callable[[RunContext, list[StreamSpec], dict[str, StreamSpec], bool], None]


@dataclass
class Runner:
    """Runs an integration's streams with one handler (batch or record delivery) per stream."""

    store: Store
    clock: Clock
    progress: Progress | None = None

    def run(
        self,
        integration: str,
        streams: list[StreamSpec],
        handler: StreamHandler,
        *,
        full_refresh: bool = False,
        after_run: Callable[[RunContext], None] | None = None,
        group_handler: GroupHandler | None = None,
        trigger: str = "manual",
        slot: datetime | None = None,
        attempt: int = 1,
        connections: dict[str, str] | None = None,
        logins: LoginWatch | None = None,
    ) -> RunReport:
        """Run every stream, dimensions first. With ``group_handler``, all dimensions are delivered in one
        call and then all facts in one call (one warehouse load each); otherwise ``handler`` per stream.
        ``trigger`` (schedule, webhook, manual, retry) and ``slot`` are recorded on the run; attempt
        ``attempt`` of a slot that is already done (store.runs.slot_served) raises :class:`SlotServedError`
        and runs nothing. ``logins``
        counts refused logins per connection and reports ``lockout`` (engine/logins.py)."""
        store, now = self.store, self.clock.now()
        holder = this_holder(secrets.token_hex(4))
        taken_from = store.leases.acquire(integration, holder, now)
        if slot is not None and store.runs.slot_served(integration, slot, attempt):  # decided under the lease
            store.leases.release(integration, holder)
            raise SlotServedError(f"{integration}: the slot {slot:%Y-%m-%d %H:%M} UTC already has a finished run.")
        store.runs.mark_crashed(integration, now, lease_holder=taken_from)
        if taken_from is not None:
            log.warning("lease.taken_over", integration=integration, previous=taken_from)
        run_id = new_run_id(now)
        ctx = RunContext(integration, run_id, store, self.clock, self.progress or SilentProgress(), now)
        heartbeat = LeaseHeartbeat(store.leases, integration, holder, self.clock).__enter__()
        try:
            store.runs.start(run_id, integration, holder, now, trigger=trigger, slot=slot)
            by_name = {s.name: s for s in streams}
            failed_dimensions: set[str] = set()
            errors: list[str] = []
            remote_failed = False
            ordered = dimensions_first(streams)
            if group_handler is not None:
                kinds = [[s for s in ordered if s.kind is kind] for kind in (StreamKind.DIMENSION, StreamKind.FACT)]
                groups = [g for g in kinds if g]
            else:
                groups = [[s] for s in ordered]
            for group in groups:
                if heartbeat.lost:
                    raise LeaseLostError(
                        f"Run {run_id} of {integration} lost its lease to another holder; it stops here and "
                        "that holder's run resumes from the ledger."
                    )
                runnable = []
                for stream in group:
                    ctx.tally(stream.name)
                    blocked = [r.dimension for r in stream.references if r.dimension in failed_dimensions]
                    if blocked:
                        message = f"skipped: dimension stream(s) {', '.join(blocked)} failed in this run"
                        ctx.tally(stream.name).errors.append(message)
                        errors.append(f"{stream.name}: {message}")
                    else:
                        runnable.append(stream)
                if not runnable:
                    continue
                try:
                    if group_handler is not None:
                        group_handler(ctx, runnable, by_name, full_refresh)
                    else:
                        handler(ctx, runnable[0], by_name, full_refresh)
                except MlConnectorError as exc:
                    remote_failed = remote_failed or isinstance(exc, RemoteError)
                    self._login_refused(ctx, exc, logins)
                    message = REDACTOR.scrub(remote_message(exc, connections or {}, integration))
                    names = ", ".join(s.name for s in runnable)
                    log.error("streams.failed", streams=names, error=message)
                    errors.append(f"{names}: {message}")
                    for stream in runnable:
                        ctx.tally(stream.name).errors.append(message)
                        failed_dimensions.add(stream.name)
                heartbeat.beat()
            if after_run is not None and not errors:
                try:
                    after_run(ctx)
                except MlConnectorError as exc:
                    remote_failed = remote_failed or isinstance(exc, RemoteError)
                    self._login_refused(ctx, exc, logins)
                    errors.append(f"after load: {REDACTOR.scrub(remote_message(exc, connections or {}, integration))}")
            # Problems a stream recorded without raising (e.g. overdue acknowledgements) count too.
            reported = {name.strip() for e in errors for name in e.split(":", 1)[0].split(",")}
            for tally in ctx.tallies.values():
                if tally.stream not in reported:
                    errors.extend(f"{tally.stream}: {REDACTOR.scrub(e)}" for e in tally.errors)
            failed_streams = {n.strip() for e in errors for n in e.split(":", 1)[0].split(",")} & {
                s.name for s in streams
            }
            # A failed record makes the run partial: it was read but not delivered (invariant 8).
            failed_records = [t.stream for t in ctx.tallies.values() if t.failed]
            if failed_records and not errors:
                errors.append(f"{', '.join(failed_records)}: record(s) failed; `ml-connector parked` lists them")
            if logins is not None:
                logins.settle()
            if not errors:
                status = "succeeded"
            elif len(failed_streams) == len(streams) and not failed_records:
                status = "failed"
            else:
                status = "partial"
            report = RunReport(
                integration,
                run_id,
                status,
                now,
                self.clock.now(),
                list(ctx.tallies.values()),
                "; ".join(errors) or None,
                {k: REDACTOR.scrub(v) for k, v in ctx.conditions.items()},
                remote_failed=remote_failed,
                login_refused=sorted(logins.refused_systems) if logins is not None else [],
                connections=sorted(set((connections or {}).values())),
            )
            store.runs.finish(run_id, status, report.as_dict(), report.finished_at, report.error)
            return report
        except BaseException as exc:
            # Conditions reported before the failure (a budget used up) still reach the alerts.
            summary = (
                {"conditions": {k: REDACTOR.scrub(v) for k, v in ctx.conditions.items()}} if ctx.conditions else {}
            )
            store.runs.finish(
                run_id, "failed", summary, self.clock.now(), REDACTOR.scrub(f"{type(exc).__name__}: {exc}")
            )
            raise
        finally:
            heartbeat.__exit__()
            store.leases.release(integration, holder)

    @staticmethod
    def _login_refused(ctx: RunContext, exc: MlConnectorError, logins: LoginWatch | None) -> None:
        if isinstance(exc, LoginRefusedError) and logins is not None:
            message = logins.refused(exc)
            if message is not None:
                ctx.condition("lockout", message)


def remote_message(exc: MlConnectorError, connections: dict[str, str], integration: str) -> str:
    """A remote failure in one line: the system, the stored connection it used, and what to do."""
    if not isinstance(exc, RemoteError):
        return str(exc)
    system = exc.system or "a remote system"
    name = connections.get(exc.system, "")
    where = f"{system} (connection {name!r})" if name else system
    text = str(exc)
    if isinstance(exc, RemoteAuthError):
        fix = f"fix the credentials with `ml-connector connections edit {name or '<name>'} --secret <field>`"
    elif exc.retriable:
        fix = (
            f"check the host is up and its base_url (`ml-connector connections show {name or '<name>'}`), "
            f"then `ml-connector check {integration}`"
        )
    else:
        fix = f"see `ml-connector check {integration}`"
    prefix = f"{where}: " if name or not text.startswith(system) else ""
    return f"{prefix}{text} Fix: {fix}."
