"""Builds looker-qad from settings and stored connections: the Looker client behind a 60-a-minute
limiter, the QAD client for the tenant and workspace, the figure source, the QAD target, the checks
`ml-connector check looker-qad` runs, and replay.

Options (tests, benchmarks): ``looker_http`` / ``qad_http`` (client keyword arguments such as
``transport``, ``sleep`` or ``retry``). Rows a scheduled plan pushed come from the store's webhook inbox.
"""

from __future__ import annotations

import time
from dataclasses import fields
from functools import partial
from typing import Any

from ml_connector.bootstrap import App
from ml_connector.connectors.looker.client import LookerClient
from ml_connector.connectors.qad.client import QadClient, QadPaths
from ml_connector.connectors.schema import flag
from ml_connector.core.streams import StreamSpec
from ml_connector.engine.context import RunContext
from ml_connector.engine.grouped_runner import GroupedRecordRunner
from ml_connector.http.ratelimit import SlidingWindowBudget
from ml_connector.integrations.looker_qad import settings as config
from ml_connector.integrations.looker_qad.mappings import QadCatalog
from ml_connector.integrations.looker_qad.sources import FigureSource, LookerFigures
from ml_connector.integrations.looker_qad.streams import NAME, streams
from ml_connector.integrations.looker_qad.targets import QadFigureTarget
from ml_connector.integrations.plan import CheckResult, IntegrationPlan, probe


def qad_client(app: App, name: str, **http: Any) -> QadClient:
    stored = app.connections.get(name)
    s = stored.settings
    paths = QadPaths(**{f.name: s[f.name] for f in fields(QadPaths) if s.get(f.name)})
    return QadClient(
        s["base_url"],
        s["username"],
        stored.secret("password"),
        domain=s["domain"],
        entity=s["entity"],
        client_id=s.get("client_id") or None,
        auth=s.get("auth", "oauth"),
        paths=paths,
        verify=flag(s, "verify_tls"),
        **http,
    )


def looker_client(app: App, name: str, per_minute: int, **http: Any) -> LookerClient:
    stored = app.connections.get(name)
    # Looker's ~60 requests a minute per key, spent before each call (login included).
    budget = SlidingWindowBudget(
        per_minute, 60.0, clock=http.get("monotonic", time.monotonic), sleep=http.get("sleep", time.sleep)
    )
    return LookerClient(
        stored.settings["base_url"],
        stored.settings["client_id"],
        stored.secret("client_secret"),
        verify=flag(stored.settings, "verify_tls"),
        clock=app.clock,
        budget=budget,
        **http,
    )


def build_plan(
    app: App,
    *,
    looker_http: dict[str, Any] | None = None,
    qad_http: dict[str, Any] | None = None,
) -> IntegrationPlan:
    cfg = config.load(app.settings.section(NAME))
    key = app.instance_key(NAME)  # what this instance keys its store rows by (name or name@instance)
    looker = looker_client(app, cfg.looker_connection, cfg.looker_requests_per_minute, **(looker_http or {}))
    qad = qad_client(app, cfg.qad_connection, **(qad_http or {}))
    catalog = QadCatalog(qad)
    figures = LookerFigures(looker, cfg)
    source = FigureSource(figures, catalog, cfg, app.store, app.clock, key)
    dry_source = FigureSource(figures, catalog, cfg, app.store, app.clock, key, consume=False)
    ledger = app.store.deliveries
    target = QadFigureTarget(
        qad,
        catalog,
        on_change=cfg.on_change,
        older_in_doubt=lambda d: ledger.sending_other_version(d.integration, d.stream, d.source_id, d.content_hash),
    )

    def handle(ctx: RunContext, stream: StreamSpec, all_streams: dict[str, StreamSpec], full: bool) -> None:
        source.bind(ctx.integration, ctx.run_id)
        GroupedRecordRunner(ctx, source, target).run_stream(stream, all_streams, full_refresh=full)
        _report(ctx, stream, source)

    def replay(ctx: RunContext, stream: StreamSpec, rows: list[dict[str, Any]]) -> None:
        source.bind(ctx.integration, ctx.run_id)
        GroupedRecordRunner(ctx, source, target).replay(stream, rows)
        _report(ctx, stream, source)

    def checks() -> list[CheckResult]:
        results = [probe("Looker", "API login and user", lambda: f"logged in as user {looker.me().id}")]
        results += [
            probe("Looker", f"figure '{f.name}' runs (one row)", partial(_one_row, looker, f)) for f in cfg.figures
        ]
        results.append(
            probe("QAD", "login (OAuth2 password grant)", lambda: f"{len(catalog.daybooks)} daybook(s) read")
        )
        results.append(probe("QAD", f"workspace {qad.domain}_{qad.entity} answers", lambda: _workspace(qad)))
        for book in sorted({f.daybook for f in cfg.figures}):
            results.append(probe("QAD", f"daybook {book} exists and is active", partial(_daybook, catalog, book)))
        for figure in cfg.figures:
            results.append(probe("QAD", f"periods of '{figure.name}' open", partial(_periods, catalog, figure, app)))
        results.append(probe("QAD", "API user may create journal entries", lambda: _may_create(qad)))
        return results

    plan = IntegrationPlan(key, streams(), handle, None, checks, replayer=replay)
    # Reads Looker, QAD, the ledger and the inbox; posts and marks nothing.
    plan.dry_run_parts = lambda stream: (dry_source.bind(plan.name, None), target)
    plan.connections = {"Looker": cfg.looker_connection, "QAD": cfg.qad_connection}
    plan.logins = {"QAD": lambda: qad.http.auth_accepted}
    plan.closers += [looker.close, qad.close]
    return plan


def _report(ctx: RunContext, stream: StreamSpec, source: FigureSource) -> None:
    tally = ctx.tally(stream.name)
    tally.errors.extend(source.errors)
    source.errors.clear()
    if tally.failed:
        tally.errors.append(
            f"{tally.failed} figure line(s) failed in QAD; `ml-connector parked --integration {ctx.integration}` "
            "says why, `ml-connector replay` sends them again"
        )


def _one_row(looker: LookerClient, figure: config.FigureSettings) -> str:
    if figure.look_id is not None:
        rows = looker.run_look(figure.look_id, "json", limit=1)
    else:
        assert figure.query is not None
        q = figure.query
        body = {"model": q.model, "view": q.explore, "fields": q.fields, "filters": q.filters, "limit": "1"}
        rows = looker.run_inline_query(body, "json", limit=1)
    missing = [c for c in figure.columns.model_dump(exclude_none=True).values() if rows and c not in rows[0]]
    if missing:
        raise ValueError(f"the result has no column(s) {missing}; fix the figure's columns in the looker-qad config")
    return f"{len(rows)} row(s)"


def _workspace(qad: QadClient) -> str:
    seen = qad.workspaces()
    if (qad.domain, qad.entity) not in seen:
        raise ValueError(f"QAD lists {seen}, not {qad.domain}/{qad.entity}")
    return "yes"


def _daybook(catalog: QadCatalog, code: str) -> str:
    found = catalog.daybooks.get(code)
    if found is None or not found.active:
        raise ValueError(f"daybook {code} {'is inactive' if found else 'does not exist'} in QAD")
    return found.description or "yes"


def _periods(catalog: QadCatalog, figure: config.FigureSettings, app: App) -> str:
    wanted = catalog.periods_for(figure, app.clock.now().date())
    closed = [p for p in wanted if p not in catalog.periods or catalog.periods[p].closed]
    if closed:
        raise ValueError(f"closed or missing in QAD: {', '.join(closed)} (lines would park until opened)")
    return ", ".join(wanted)


def _may_create(qad: QadClient) -> str:
    if not qad.can_create_journal_entries():
        raise ValueError("QAD answered 403 Access is denied: give the API user the journal entry role")
    return "yes"
