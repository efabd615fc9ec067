"""Builds syspro-pipedrive from settings and stored connections: the SYSPRO OData client, the Pipedrive
client (API token or OAuth with rotation persisted encrypted), budget and burst limits, the three record
streams, `check syspro-pipedrive` and replay.

Options (tests, benchmarks): ``pipedrive_options`` (PipedriveClient keyword arguments such as ``sleep``)
and ``syspro_http`` (HTTP client keyword arguments for OData).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import structlog

from ml_connector.bootstrap import App
from ml_connector.connectors.pipedrive.auth import ApiTokenAuth, OAuthRefreshAuth, token_poster
from ml_connector.connectors.pipedrive.client import PipedriveClient
from ml_connector.connectors.pipedrive.models import TokenBudgetExhaustedError
from ml_connector.connectors.pipedrive.ratelimit import API_TOKEN_BURST, BurstLimiter, TokenBudget
from ml_connector.core.streams import StreamSpec
from ml_connector.engine.context import RunContext
from ml_connector.engine.record_runner import RecordStreamRunner
from ml_connector.http.auth import AuthFlow
from ml_connector.integrations.clients import syspro_client
from ml_connector.integrations.plan import CheckResult, IntegrationPlan, probe
from ml_connector.integrations.syspro_pipedrive import settings as config
from ml_connector.integrations.syspro_pipedrive.budget import budget_message
from ml_connector.integrations.syspro_pipedrive.deals import DealTarget
from ml_connector.integrations.syspro_pipedrive.mappings import FieldKeys
from ml_connector.integrations.syspro_pipedrive.sources import SnapshotSource, SysproSnapshot
from ml_connector.integrations.syspro_pipedrive.streams import DEAL, NAME, ORGANIZATION, PRODUCT, streams
from ml_connector.integrations.syspro_pipedrive.targets import OrganizationTarget, ProductTarget
from ml_connector.secrets.secret import Secret
from ml_connector.store.snapshots import SnapshotStore

log = structlog.get_logger("ml_connector.syspro_pipedrive")

OAUTH_TOKEN_URL = "https://oauth.pipedrive.com/oauth/token"  # noqa: S105 - a URL
TABLES = ("ArCustomer", "SorMaster", "SorDetail", "InvMaster", "InvWarehouse", "ArInvoice")


def pipedrive_client(app: App, name: str, cfg: config.SysproPipedriveSettings, **options: Any) -> PipedriveClient:
    stored = app.connections.get(name)
    s = stored.settings
    snapshots = SnapshotStore(app.store.engine)
    system = f"pipedrive:{name}"
    budget = TokenBudget(
        plan=cfg.plan,
        seats=cfg.seats,
        top_ups=cfg.top_ups,
        reserve_share=cfg.reserve_share,
        daily_tokens=cfg.daily_tokens,
        now=app.clock.now,
        load=lambda day: snapshots.spent(system, day),
        save=lambda day, tokens: snapshots.add_spent(system, day, tokens, app.clock.now()),
    )
    auth: AuthFlow
    if s.get("auth", "api_token") == "oauth":
        secrets = dict(stored.secrets)

        def persist(new_refresh: Secret) -> None:
            secrets["refresh_token"] = new_refresh
            plain = {k: v.reveal() for k, v in secrets.items()}
            app.connections.put(name, stored.system, s, plain, app.clock.now())

        auth = OAuthRefreshAuth(
            client_id=s["client_id"],
            client_secret=stored.secret("client_secret"),
            refresh_token=stored.secret("refresh_token"),
            post_token=token_poster(s.get("oauth_token_url", OAUTH_TOKEN_URL), verify=bool(s.get("verify_tls", True))),
            persist=persist,
        )
        burst = cfg.burst_limit or API_TOKEN_BURST[cfg.plan] * 4
    else:
        auth = ApiTokenAuth(stored.secret("api_token"))
        burst = cfg.burst_limit or API_TOKEN_BURST[cfg.plan]
    options.setdefault("cloudflare_wait_s", cfg.cloudflare_wait_s)
    sleep = options.get("sleep")
    limiter = BurstLimiter(burst, **({"sleep": sleep} if sleep else {}))
    return PipedriveClient(
        s["base_url"], auth, budget=budget, burst=limiter, verify=bool(s.get("verify_tls", True)), **options
    )


def build_plan(
    app: App, *, pipedrive_options: dict[str, Any] | None = None, syspro_http: dict[str, Any] | None = None
) -> IntegrationPlan:
    cfg = config.load(app.settings.section(NAME))
    key = app.instance_key(NAME)  # what this instance keys its store rows by (name or name@instance)
    odata = syspro_client(app, cfg.syspro_connection, **(syspro_http or {}))
    client = pipedrive_client(app, cfg.pipedrive_connection, cfg, **(pipedrive_options or {}))
    snapshots = SnapshotStore(app.store.engine)
    fields = FieldKeys(client, app.store.mappings, cfg, app.clock, key)
    common = (client, fields, snapshots, app.store.deliveries, app.store.mappings, cfg, app.clock, key)
    targets: dict[str, Any] = {
        PRODUCT: ProductTarget(*common),
        ORGANIZATION: OrganizationTarget(*common),
        DEAL: DealTarget(*common),
    }
    state: dict[str, SnapshotSource] = {}

    def sweep(stream: str) -> dict[str, int]:
        wanted = cfg.sweep_deleted if stream == ORGANIZATION else cfg.sweep_deleted_deals
        delivered = snapshots.ids(key, stream) if wanted else {}
        if not delivered:
            return {}
        live = client.live_ids(stream)
        return {key: rid for key, rid in delivered.items() if rid not in live}

    def source(ctx: RunContext) -> SnapshotSource:
        if state.get("run") is None or getattr(state["run"], "run_id", None) != ctx.run_id:
            snap = SnapshotSource(
                SysproSnapshot(odata, cfg, app.clock.now().date()), sweep, lambda: snapshots.ids(key, ORGANIZATION)
            )
            snap.run_id = ctx.run_id  # type: ignore[attr-defined]
            state["run"] = snap
        return state["run"]

    def handle(ctx: RunContext, stream: StreamSpec, all_streams: dict[str, StreamSpec], full: bool) -> None:
        exhausted = False
        try:
            RecordStreamRunner(ctx, source(ctx), targets[stream.name]).run_stream(
                stream, all_streams, full_refresh=full
            )
        except TokenBudgetExhaustedError:
            exhausted = True  # the run stops here; the condition still goes into its summary
            raise
        finally:
            client.budget.flush()
            report_budget(ctx, exhausted)

    def report_budget(ctx: RunContext, exhausted: bool) -> None:
        message = budget_message(client.budget, cfg.budget_alert_at, app.clock.now(), exhausted=exhausted)
        if message is not None:
            ctx.condition("budget", message)

    def replay(ctx: RunContext, stream: StreamSpec, rows: list[dict[str, Any]]) -> None:
        RecordStreamRunner(ctx, source(ctx), targets[stream.name]).replay(stream, rows)

    def checks() -> list[CheckResult]:
        results = [probe("SYSPRO OData", f"read {table}", partial(_read_one, odata, table)) for table in TABLES]
        results.append(probe("Pipedrive", "API user (users/me)", lambda: _describe_user(client)))
        for kind in ("organization", "deal", "product"):
            results.append(probe("Pipedrive", f"{kind} custom fields", partial(_fields_status, fields, kind)))
        return results

    def report_tokens() -> None:
        usage = client.usage
        searches = sum(t for op, t in usage.by_operation.items() if op.endswith("/search"))
        log.info(
            "pipedrive.tokens",
            tokens=usage.tokens,
            calls=usage.calls,
            lookups=searches,
            by_operation=usage.by_operation,
            rate_limited=usage.rate_limited,
            cloudflare_blocks=usage.cloudflare_blocks,
            budget_left=client.budget.left(),
        )

    plan = IntegrationPlan(key, streams(), handle, None, checks, replayer=replay)
    plan.connections = {"SYSPRO OData": cfg.syspro_connection, "Pipedrive": cfg.pipedrive_connection}
    plan.logins = {"SYSPRO OData": lambda: odata.http.auth_accepted}
    dry_source = SnapshotSource(
        SysproSnapshot(odata, cfg, app.clock.now().date()), None, lambda: snapshots.ids(key, ORGANIZATION)
    )
    plan.dry_run_parts = lambda stream: (dry_source, targets[stream.name])
    plan.closers += [client.close, odata.close, report_tokens]
    return plan


def _read_one(odata: Any, table: str) -> str:
    rows: list[Any] = next(iter(odata.pages(table)), [])
    return f"{table} answered ({len(rows)} row(s) on the first page)"


def _describe_user(client: PipedriveClient) -> str:
    me = client.me()
    if not me.is_admin:
        raise ValueError(
            f"{me.name} ({me.email}) is not an admin of {me.company_name}; give the user a permission set that may "
            "add organizations, deals, products and custom fields"
        )
    return f"{me.name} ({me.email}) at {me.company_name}: admin, may add organizations, deals, products and fields"


def _fields_status(fields: FieldKeys, kind: str) -> str:
    names = {f.name.casefold(): f for f in fields.client.fields(kind) if f.custom}
    wanted = fields.wanted(kind)
    missing = [name for name, _ in wanted.values() if name.casefold() not in names]
    if missing and not fields.cfg.create_fields:
        raise ValueError(f"missing {missing}; create them in Pipedrive or set create_fields = true")
    if missing:
        return f"{len(wanted) - len(missing)} found; the first run creates {missing}"
    return f"all {len(wanted)} found"
