"""Running one integration: lease, crash clean-up, streams in dependency order, an honest report."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

import structlog

from ml_connector.core.clock import Clock
from ml_connector.core.streams import StreamKind, StreamSpec, dimensions_first
from ml_connector.engine.context import Progress, RunContext, RunReport, SilentProgress, new_run_id
from ml_connector.errors import MlConnectorError, RemoteAuthError, RemoteError
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
        connections: dict[str, str] | None = None,
    ) -> RunReport:
        """Run every stream, dimensions first. With ``group_handler``, all dimensions are delivered in one
        call and then all facts in one call (one warehouse load each); otherwise ``handler`` per stream."""
        store, now = self.store, self.clock.now()
        holder = this_holder(secrets.token_hex(4))
        store.runs.mark_crashed(integration, now)
        store.leases.acquire(integration, holder, now)
        run_id = new_run_id(now)
        ctx = RunContext(integration, run_id, store, self.clock, self.progress or SilentProgress(), now)
        try:
            store.runs.start(run_id, integration, holder, now)
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
                    message = REDACTOR.scrub(remote_message(exc, connections or {}, integration))
                    names = ", ".join(s.name for s in runnable)
                    log.error("streams.failed", streams=names, error=message)
                    errors.append(f"{names}: {message}")
                    for stream in runnable:
                        ctx.tally(stream.name).errors.append(message)
                        failed_dimensions.add(stream.name)
                store.leases.renew(integration, holder, self.clock.now())
            if after_run is not None and not errors:
                try:
                    after_run(ctx)
                except MlConnectorError as exc:
                    remote_failed = remote_failed or isinstance(exc, RemoteError)
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
                remote_failed=remote_failed,
            )
            store.runs.finish(run_id, status, report.as_dict(), report.finished_at, report.error)
            return report
        except BaseException as exc:
            store.runs.finish(run_id, "failed", {}, self.clock.now(), REDACTOR.scrub(f"{type(exc).__name__}: {exc}"))
            raise
        finally:
            store.leases.release(integration, holder)


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
