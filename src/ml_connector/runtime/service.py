"""Entry points the CLI, the scheduler, the Celery tasks and the web UI share: run, check and replay an
integration instance (``name`` or ``name@instance``; see ``runtime.instances``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ml_connector.bootstrap import App
from ml_connector.engine.batch_parking import missing_reference
from ml_connector.engine.batch_runner import BatchStreamRunner
from ml_connector.engine.context import RunContext, RunReport
from ml_connector.engine.dry_run import DryRun, DryRunItem
from ml_connector.engine.logins import LoginWatch
from ml_connector.engine.runner import Runner
from ml_connector.errors import ConfigError, ReferenceMissingError
from ml_connector.integrations.check_results import collapse_same_cause
from ml_connector.integrations.plan import CheckResult, IntegrationPlan
from ml_connector.integrations.reachability import reachability, require_reachable
from ml_connector.integrations.registry import builder
from ml_connector.runtime.config import apply_lease_expiry
from ml_connector.runtime.instances import instance_app, parse_instance
from ml_connector.runtime.pause import warn_after as lockout_warn_after


def build(app: App, integration: str, **options: Any) -> IntegrationPlan:
    """The plan of ``integration`` (``name`` or ``name@instance``), named by the instance."""
    inst = parse_instance(integration)
    plan: IntegrationPlan = builder(inst.integration)(instance_app(app, inst), **options)
    plan.name = inst.key
    return plan


def run_integration(
    app: App,
    integration: str,
    *,
    full_refresh: bool = False,
    preflight: bool = False,
    trigger: str = "manual",
    slot: datetime | None = None,
    attempt: int = 1,
    **options: Any,
) -> RunReport:
    """Run one integration instance now. ``preflight``: first open a TCP connection to every remote system
    and stop at once (exit 3) when one cannot be reached, instead of retrying each request with backoff.
    ``trigger`` (manual, schedule, retry, webhook) and ``slot`` (the schedule slot served) are recorded;
    ``attempt`` (1 for a slot's first run) lets a redelivered task find its attempt already done."""
    apply_lease_expiry(app)
    plan = build(app, integration, **options)
    try:
        if preflight:
            require_reachable(app, plan)
        return Runner(app.store, app.clock, app.progress).run(
            plan.name,
            plan.streams,
            plan.handler,
            full_refresh=full_refresh,
            after_run=plan.after_run,
            group_handler=plan.group_handler,
            trigger=trigger,
            slot=slot,
            attempt=attempt,
            connections=plan.connections,
            logins=login_watch(app, plan),
        )
    finally:
        plan.close()


def login_watch(app: App, plan: IntegrationPlan) -> LoginWatch:
    """Counts the run's refused logins per connection; ``lockout_warn_after`` (a connection setting,
    default 3) is when the ``lockout`` condition is reported."""
    warn_after, secret_field = {}, {}
    for name in plan.connections.values():
        if app.connections.exists(name):
            stored = app.connections.get(name)
            secret_field[name] = next((f for f in stored.secrets if "password" in f), "password")
            raw = stored.settings.get("lockout_warn_after")
            try:
                warn_after[name] = lockout_warn_after({"lockout_warn_after": raw})
            except (TypeError, ValueError):
                raise ConfigError(
                    f"Connection {name!r}: lockout_warn_after must be a whole number (refused logins before the "
                    f"lockout alert), not {raw!r}; `ml-connector connections edit {name} --set lockout_warn_after=3`."
                ) from None
    return LoginWatch(app.store, plan.name, dict(plan.connections), warn_after, dict(plan.logins), secret_field)


def dry_run_integration(
    app: App, integration: str, out: Callable[[DryRunItem], None], *, full_refresh: bool = False, **options: Any
) -> RunReport:
    """Read, map and check like a run; hand each would-be delivery to ``out``; write nothing anywhere."""
    plan = build(app, integration, **options)
    try:
        if plan.dry_run_parts is None:
            raise ConfigError(f"Integration {integration} does not support --dry-run yet.")
        require_reachable(app, plan)
        return DryRun(app.store, app.clock, out).run(plan.name, plan.streams, plan.dry_run_parts,
                                                     full_refresh=full_refresh)  # fmt: skip
    finally:
        plan.close()


def check_integration(app: App, integration: str, **options: Any) -> list[CheckResult]:
    """Reachability of every system first (one line each, seconds); only when all answer, the plan's own
    checks (permissions, mappings, partners). Each connection used is stamped with the outcome."""
    plan = build(app, integration, **options)
    try:
        results = reachability(app, plan)
        if all(r.ok for r in results):
            results = collapse_same_cause(results + plan.checks())
        now = app.clock.now()
        for system, name in plan.connections.items():
            failed = [r for r in results if r.system == system and not r.ok]
            outcome = "ok" if not failed else f"failed: {failed[0].what}: {failed[0].detail}"
            if app.connections.exists(name):
                app.connections.mark_checked(name, outcome, now)
        login_watch(app, plan).settle()  # a login the check got through: the refused-login count starts again
        return results
    finally:
        plan.close()


def replay_parked(app: App, integration: str, parked_ids: list[int] | None = None, **options: Any) -> RunReport:
    """Re-check parked records now (all of the integration's, or the given ids) and deliver the ready ones.

    A record whose reference is still missing stays parked; the report says so per stream.
    """
    plan = build(app, integration, **options)
    integration = plan.name
    wanted = set(parked_ids or [])
    waiting = [p for p in app.store.parked.open(integration) if not wanted or p["id"] in wanted]
    if wanted and len(waiting) != len(wanted):
        found = {p["id"] for p in waiting}
        missing = sorted(wanted - found)
        raise ConfigError(
            f"Parked record(s) {missing} are not open for {integration}; `ml-connector parked` lists them."
        )
    by_name = {s.name: s for s in plan.streams}
    streams = [by_name[name] for name in dict.fromkeys(p["stream"] for p in waiting)]

    def handle(ctx: RunContext, stream: Any, all_streams: dict[str, Any], _full: bool) -> None:
        rows = [p for p in waiting if p["stream"] == stream.name]
        if plan.replayer is not None:
            plan.replayer(ctx, stream, rows)
            return
        runner = _batch_runner_of(plan, ctx)
        known = {r.column: runner.target.known_keys(by_name[r.dimension]) for r in stream.references}
        ready = [p for p in rows if missing_reference(stream, p["payload"], known) is None]
        still = [p for p in rows if p not in ready]
        if ready:
            runner.release(stream, ready)
        if still:
            first = missing_reference(stream, still[0]["payload"], known)
            assert first is not None
            ctx.tally(stream.name).parked += len(still)
            raise ReferenceMissingError(
                f"{len(still)} record(s) of {stream.name} still reference missing keys, e.g. {first[0]} "
                f"{first[2]!r}; load that {first[0]} in SYSPRO (or add the mapping), then replay again.",
                reference=first[0],
                key=first[2],
            )

    try:
        if not streams:
            raise ConfigError(f"Nothing is parked for {integration}.")
        return Runner(app.store, app.clock, app.progress).run(f"{plan.name}", streams, handle)
    finally:
        plan.close()


def _batch_runner_of(plan: IntegrationPlan, ctx: RunContext) -> BatchStreamRunner:
    if plan.batch_runner is None:
        raise ConfigError(f"Integration {plan.name} does not support replay of parked records yet.")
    return plan.batch_runner(ctx)  # type: ignore[no-any-return]


__all__ = ["build", "check_integration", "dry_run_integration", "replay_parked", "run_integration"]
