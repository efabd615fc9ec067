"""Builds SYSPRO -> Sterling from settings, store mappings and stored connections: the OData source with
detail lines, the X12 document targets, the supplier <-> partner sync (Sterling -> SYSPRO through e.net when
that connection is stored), the 997 reader and the checks."""

from __future__ import annotations

from functools import partial
from typing import Any

from ml_connector.bootstrap import App
from ml_connector.connectors.schema import flag
from ml_connector.connectors.sterling import SterlingB2BClient
from ml_connector.connectors.syspro.enet.client import SysproEnetClient
from ml_connector.connectors.syspro.enet.session import EnetCredentials
from ml_connector.connectors.syspro.odata.source import SysproODataSource
from ml_connector.core.hashing import content_hash
from ml_connector.core.streams import StreamSpec
from ml_connector.engine.context import RunContext
from ml_connector.engine.record_runner import RecordStreamRunner
from ml_connector.integrations.clients import syspro_client
from ml_connector.integrations.plan import CheckResult, IntegrationPlan, probe
from ml_connector.integrations.syspro_sterling import settings
from ml_connector.integrations.syspro_sterling.acks import AckReader
from ml_connector.integrations.syspro_sterling.partners import PartnerDirectory, TradingPartnerTarget, pull_edi_ids
from ml_connector.integrations.syspro_sterling.sources import DocumentSource
from ml_connector.integrations.syspro_sterling.streams import ACK_STREAM, NAME, streams
from ml_connector.integrations.syspro_sterling.suppliers import SupplierEchoGuard, SupplierWriter
from ml_connector.integrations.syspro_sterling.targets import X12DocumentTarget
from ml_connector.secrets.secret import Secret
from ml_connector.store.ledger import RecordLedger


def sterling_client(app: App, connection: str, **http: Any) -> SterlingB2BClient:
    stored = app.connections.get(connection)
    s = stored.settings
    return SterlingB2BClient(
        s["base_url"], s["username"], stored.secret("password"), verify=flag(s, "verify_tls"),
        allow_insecure_http=str(s.get("allow_insecure_http", "false")).lower() in ("1", "true", "yes"), **http,
    )  # fmt: skip


def enet_client(app: App, connection: str | None, **options: Any) -> SysproEnetClient | None:
    """The e.net client for supplier writes, or None when that connection is not stored (record only)."""
    if not connection or not app.connections.exists(connection):
        return None
    stored = app.connections.get(connection)
    s = stored.settings
    creds = EnetCredentials(
        operator=s["operator"], operator_password=stored.secret("operator_password"),
        company_id=s.get("company_id", "L"), company_password=stored.secrets.get("company_password") or Secret(""),
    )  # fmt: skip
    return SysproEnetClient.connect(s["base_url"], creds, **options)


def build_plan(app: App, *, enet_options: dict[str, Any] | None = None, **http: Any) -> IntegrationPlan:
    cfg = settings.load(app.settings.section(NAME))
    key = app.instance_key(NAME)  # what this instance keys its store rows by (name or name@instance)
    directory = PartnerDirectory(app, cfg, key)
    odata = syspro_client(app, cfg.syspro_connection, **http)
    sterling = sterling_client(app, cfg.sterling_connection)
    enet = enet_client(app, cfg.syspro_enet_connection, **(enet_options or {}))
    if enet is not None:
        enet.hold_session()  # one e.net session per run (logged off by plan.close)
    writer = SupplierWriter(app, enet, key) if enet is not None else None
    source = DocumentSource(SysproODataSource(odata))
    declared = streams(directory.codes("supplier"), directory.codes("customer"), since=cfg.since,
                       lookback_days=cfg.lookback_days, shipment_statuses=cfg.shipment_statuses,
                       sync_suppliers=cfg.sync_suppliers)  # fmt: skip
    targets: dict[str, Any] = {
        "supplier_partner": TradingPartnerTarget(sterling, directory, cfg.community),
        "purchase_order": X12DocumentTarget(app, sterling, directory, cfg, app.clock, updates=True),
        "invoice": X12DocumentTarget(app, sterling, directory, cfg, app.clock, updates=False),
        "shipment": X12DocumentTarget(app, sterling, directory, cfg, app.clock, updates=False),
    }
    acks = AckReader(sterling, directory, cfg)
    pulled: list[str] = []  # run ids whose partner pull is done (once per run, before any document)

    def handle(ctx: RunContext, stream: StreamSpec, all_streams: dict[str, StreamSpec], full_refresh: bool) -> None:
        if stream.name == ACK_STREAM:
            acks.run(ctx)
            return
        if ctx.run_id not in pulled:
            _pull_partners(ctx, app, sterling, directory, writer, cfg.syspro_enet_connection)
            pulled.append(ctx.run_id)
        runner = RecordStreamRunner(ctx, SupplierEchoGuard(source, ctx), targets[stream.name])
        runner.run_stream(stream, all_streams, full_refresh=full_refresh)

    def replay(ctx: RunContext, stream: StreamSpec, rows: list[dict[str, Any]]) -> None:
        RecordStreamRunner(ctx, source, targets[stream.name]).replay(stream, rows)

    def readable(entity_set: str) -> str:
        return f"{odata.probe(entity_set)} row(s) readable"

    def logged_in() -> str:
        sterling.check()
        return "authenticated"

    def mailbox_exists(path: str) -> str:
        return "exists" if sterling.get_mailbox(path) else _missing(path)

    def checks() -> list[CheckResult]:
        results = [
            probe("SYSPRO OData", f"read {name}", partial(readable, name))
            for name in ("PorMasterHdr", "PorMasterDetail", "ArInvoice", "SorMaster", "SorDetail", "ApSupplier")
        ]
        results.append(probe("Sterling B2B", "log in", logged_in))
        for box in (cfg.outbox, cfg.inbox):
            results.append(probe("Sterling B2B", f"mailbox {box}", partial(mailbox_exists, box)))
        results.append(
            probe(
                "Sterling B2B", "list trading partners", lambda: f"{len(sterling.list_trading_partners())} partner(s)"
            )
        )
        for kind in ("supplier", "customer"):
            for code, name in sorted(directory.routes[kind].items()):
                results.append(probe("Sterling B2B", f"{kind} {code} -> trading partner {name} exists",
                                     partial(_partner_exists, sterling, name, kind, code, key)))  # fmt: skip
        if enet is not None:
            results.append(
                probe("SYSPRO e.net", "logon (supplier writes from Sterling partners)", partial(_logon, enet))
            )
        return results

    plan = IntegrationPlan(key, declared, handle, None, checks)
    plan.replayer = replay
    # Dry run: the documents and partners; 997s are not read (reading them would move the inbox cursor).
    plan.dry_run_parts = lambda stream: None if stream.name == ACK_STREAM else (source, targets[stream.name])
    plan.connections = {"SYSPRO OData": cfg.syspro_connection, "Sterling B2B Integrator": cfg.sterling_connection}
    plan.logins = {"SYSPRO OData": lambda: odata.http.auth_accepted}
    if enet is not None and cfg.syspro_enet_connection:
        plan.connections["SYSPRO e.net"] = cfg.syspro_enet_connection
        plan.logins["SYSPRO e.net"] = lambda: enet.session.logons > 0
    plan.closers += [odata.close, sterling.close, *([enet.close] if enet is not None else [])]
    return plan


def _partner_exists(sterling: SterlingB2BClient, name: str, kind: str, code: str, key: str) -> str:
    if sterling.get_trading_partner(name) is None:
        raise ValueError(
            f"no such partner in Sterling: create it, or fix the mapping "
            f"(`ml-connector mappings set {key} {kind} {code} <partner>`)"
        )
    return "exists"


def _logon(enet: SysproEnetClient) -> str:
    enet.session.logon()
    return "logged on"


def _pull_partners(
    ctx: RunContext,
    app: App,
    sterling: SterlingB2BClient,
    directory: PartnerDirectory,
    writer: SupplierWriter | None,
    enet_connection: str | None,
) -> None:
    """Sterling -> connector (EDI ids: Sterling owns them) and, with e.net, -> SYSPRO: EDI ids written to the
    mapped suppliers, unmapped community partners created as suppliers; what is left is noted once."""
    now = ctx.clock.now()
    pull = pull_edi_ids(app, sterling, directory, now)
    why: dict[str, str] = {}
    if writer is None:
        for partner in pull.unmapped:
            why[partner.partner_name] = (
                f"Sterling trading partner {partner.partner_name} has no SYSPRO supplier or customer mapped to it; "
                f"record only: the e.net connection {enet_connection!r} is not stored, so no supplier is created "
                f"in SYSPRO. Map one with `ml-connector mappings set {ctx.integration} supplier <code> "
                f"{partner.partner_name}`."
            )
    else:
        codes = {name: [c for c, n in directory.routes["supplier"].items() if n == name] for name, _ in pull.new_ids}
        writer.push_edi_ids([(code, edi_id) for name, edi_id in pull.new_ids for code in codes[name]])
        why = writer.create(ctx, pull.unmapped)
    noted = {
        r["source_id"]
        for r in app.store.ledger.search(
            integration=ctx.integration, stream="partner_from_sterling", status="needs_supplier", limit=10_000
        )
    }
    rows = [{"run_id": ctx.run_id, "integration": ctx.integration, "stream": "partner_from_sterling", "source_id": name,
             "source_ts": None, "extracted_at": now, "delivered_at": None, "target_ref": f"partner:{name}",
             "status": "needs_supplier", "attempts": 1, "content_hash": content_hash({"partner": name}),
             "error": reason, "replay_of": None}
            for name, reason in why.items() if name not in noted]  # fmt: skip
    if rows:
        with app.store.engine.begin() as db:
            RecordLedger.append(db, rows)


def _missing(path: str) -> str:
    raise LookupError(f"mailbox {path} does not exist; create it in Sterling or fix [syspro-sterling].company")
