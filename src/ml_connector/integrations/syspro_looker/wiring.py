"""Builds SYSPRO -> Looker from settings and stored connections: OData source, warehouse target,
Looker datagroup reset after the load, and the checks `ml-connector check syspro-looker` runs."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from ml_connector.bootstrap import App
from ml_connector.connectors.looker.client import LookerClient
from ml_connector.connectors.syspro.odata.source import SysproODataSource
from ml_connector.connectors.warehouse.loader import WarehouseTarget, make_destination
from ml_connector.core.streams import StreamSpec
from ml_connector.engine.batch_runner import BatchStreamRunner
from ml_connector.engine.context import RunContext
from ml_connector.integrations.clients import looker_client, syspro_client
from ml_connector.integrations.plan import CheckResult, IntegrationPlan, probe
from ml_connector.integrations.syspro_looker.streams import NAME, streams
from ml_connector.integrations.syspro_looker.tables import TABLES


def warehouse_target(app: App, pipeline_name: str) -> WarehouseTarget:
    wh = app.settings.warehouse
    settings: dict[str, Any] = {
        "path": app.settings.warehouse_path,
        "dsn": wh.dsn,
        "replace_strategy": wh.replace_strategy,
        **wh.credentials,
    }
    return WarehouseTarget(
        destination=make_destination(wh.type, settings),
        dataset=wh.dataset,
        tables=TABLES,
        pipelines_dir=app.settings.data_dir / "pipelines",
        pipeline_name=pipeline_name,
        company=wh.company,
    )


def build_plan(app: App, **http: Any) -> IntegrationPlan:
    cfg = app.settings.syspro_looker
    key = app.instance_key(NAME)  # what this instance keys its store rows by (name or name@instance)
    client = syspro_client(app, cfg.syspro_connection, **http)
    source = SysproODataSource(client)
    target = warehouse_target(app, "syspro_looker")
    declared = streams(cfg.cursors, lookback_days=cfg.lookback_days, cost_centre_category=cfg.cost_centre_category)
    looker = looker_client(app, cfg.looker_connection) if cfg.looker_connection else None

    def handle(ctx: RunContext, stream: StreamSpec, all_streams: dict[str, StreamSpec], full_refresh: bool) -> None:
        BatchStreamRunner(ctx, source, target, batch_rows=cfg.batch_rows).run_stream(
            stream, all_streams, full_refresh=full_refresh
        )

    def after_run(ctx: RunContext) -> None:
        # Reset only when rows changed: a reset throws away every dashboard's cached results.
        changed = sum(t.loaded + t.released for t in ctx.tallies.values())
        if looker is not None and cfg.datagroup and changed:
            group: Any = tuple(cfg.datagroup.split("::", 1)) if "::" in cfg.datagroup else cfg.datagroup
            looker.reset_datagroup(group)

    def readable(entity_set: str) -> str:
        return f"{client.probe(entity_set)} row(s) readable"

    def writable() -> str:
        target.check_write()
        return "scratch table written"

    def checks() -> list[CheckResult]:
        joined = {s.options["join"][0] for s in declared if s.options.get("join")}
        sources = [s.source for s in declared] + sorted(joined)
        results = [probe("SYSPRO OData", f"read {name}", partial(readable, name)) for name in sources]
        results.append(probe("warehouse", f"create/write in dataset {app.settings.warehouse.dataset}", writable))
        if looker is not None:
            results.append(probe("Looker", "API login and user", lambda: f"logged in as user {looker.me().id}"))
            results.append(
                probe(
                    "Looker",
                    f"connection {cfg.looker_db_connection} reaches the warehouse",
                    lambda: _connection_ok(looker, cfg.looker_db_connection),
                )
            )
        return results

    plan = IntegrationPlan(key, declared, handle, after_run, checks)
    plan.batch_runner = lambda ctx: BatchStreamRunner(ctx, source, target, batch_rows=cfg.batch_rows)
    plan.group_handler = lambda ctx, group, all_streams, full: BatchStreamRunner(
        ctx, source, target, batch_rows=cfg.batch_rows
    ).run_group(group, all_streams, full_refresh=full)
    duckdb_file = app.settings.warehouse_path if app.settings.warehouse.type == "duckdb" else None
    plan.dry_run_parts = lambda stream: (source, ReadOnlyWarehouse(target, duckdb_file))
    plan.connections = {"SYSPRO OData": cfg.syspro_connection}
    plan.logins = {"SYSPRO OData": lambda: client.http.auth_accepted}
    if cfg.looker_connection:
        plan.connections["Looker"] = cfg.looker_connection
    plan.closers.append(client.close)
    if looker is not None:
        plan.closers.append(looker.close)
    return plan


class ReadOnlyWarehouse:
    """The warehouse as a dry run sees it: the keys already loaded (for reference checks), nothing created
    (a DuckDB file that does not exist yet stays that way)."""

    def __init__(self, target: WarehouseTarget, duckdb_file: Path | None) -> None:
        self.target, self.duckdb_file = target, duckdb_file

    def known_keys(self, stream: StreamSpec) -> set[str]:
        if self.duckdb_file is not None and not self.duckdb_file.exists():
            return set()
        return self.target.known_keys(stream)


def _connection_ok(looker: LookerClient, name: str) -> str:
    results = looker.require_connection_ok(name)
    return f"{len(results)} connection test(s) passed"
