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
from ml_connector.errors import LeaseLostError, MlConnectorError
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
    ) -> RunReport:
        """Run every stream, dimensions first. With ``group_handler``, all dimensions are delivered in one
        call and then all facts in one call (one warehouse load each); otherwise ``handler`` per stream.
        ``trigger`` (schedule, webhook, manual, retry) and ``slot`` are recorded on the run."""
        store, now = self.store, self.clock.now()
        holder = this_holder(secrets.token_hex(4))
        taken_from = store.leases.acquire(integration, holder, now)
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
                    message = REDACTOR.scrub(str(exc))
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
                    errors.append(f"after load: {REDACTOR.scrub(str(exc))}")
            # Problems a stream recorded without raising (e.g. overdue acknowledgements) count too.
            reported = {name.strip() for e in errors for name in e.split(":", 1)[0].split(",")}
            for tally in ctx.tallies.values():
                if tally.stream not in reported:
                    errors.extend(f"{tally.stream}: {REDACTOR.scrub(e)}" for e in tally.errors)
            failed_streams = {n.strip() for e in errors for n in e.split(":", 1)[0].split(",")} & {
                s.name for s in streams
            }
            status = "succeeded" if not errors else ("failed" if len(failed_streams) == len(streams) else "partial")
            report = RunReport(
                integration,
                run_id,
                status,
                now,
                self.clock.now(),
                list(ctx.tallies.values()),
                "; ".join(errors) or None,
                {k: REDACTOR.scrub(v) for k, v in ctx.conditions.items()},
            )
            store.runs.finish(run_id, status, report.as_dict(), report.finished_at, report.error)
            return report
        except BaseException as exc:
            store.runs.finish(run_id, "failed", {}, self.clock.now(), REDACTOR.scrub(f"{type(exc).__name__}: {exc}"))
            raise
        finally:
            heartbeat.__exit__()
            store.leases.release(integration, holder)
