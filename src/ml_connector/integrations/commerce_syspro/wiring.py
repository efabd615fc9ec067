"""Builds commerce-syspro from settings and stored connections: Commerce REST client (OAuth 1.0a,
integration Bearer or IMS), SYSPRO e.net client, the record streams the settings switch on (customers
both ways, sales orders, order or invoice journals, cancellations, refunds, returns to stock), checks
and replay.

Options (tests, benchmarks): ``commerce_http`` (HttpClient keyword arguments such as ``sleep`` or
``retry``) and ``enet_options`` (EnetSession / client keyword arguments).
"""

from __future__ import annotations

from typing import Any

from ml_connector.bootstrap import App
from ml_connector.connectors.commerce.client import CommerceClient
from ml_connector.connectors.syspro.enet.client import SysproEnetClient
from ml_connector.connectors.syspro.enet.session import EnetCredentials
from ml_connector.core.streams import StreamSpec
from ml_connector.engine.context import RunContext
from ml_connector.engine.record_runner import RecordStreamRunner
from ml_connector.errors import ConfigError, ReferenceMissingError
from ml_connector.integrations.commerce_syspro import settings as config
from ml_connector.integrations.commerce_syspro.cancellations import CancelJournalTarget, CancelSalesOrderTarget
from ml_connector.integrations.commerce_syspro.credit_notes import CreditNoteTarget
from ml_connector.integrations.commerce_syspro.invoicing import InvoiceJournalTarget
from ml_connector.integrations.commerce_syspro.mappings import ACCOUNT_KINDS, Mappings
from ml_connector.integrations.commerce_syspro.refunds import RefundJournalTarget, WarehouseFlagTarget
from ml_connector.integrations.commerce_syspro.sources import (
    CommerceSource,
    DryEchoFilter,
    EchoGuard,
    SysproCustomerSource,
)
from ml_connector.integrations.commerce_syspro.streams import (
    CANCEL_JOURNAL,
    CANCEL_SALES_ORDER,
    CUSTOMER_TO_COMMERCE,
    CUSTOMER_TO_SYSPRO,
    INVOICE_JOURNAL,
    JOURNAL,
    NAME,
    REFUND_JOURNAL,
    RETURN_TO_STOCK,
    SALES_ORDER,
    streams,
)
from ml_connector.integrations.commerce_syspro.targets import (
    CommerceCustomerTarget,
    JournalTarget,
    SalesOrderTarget,
    SysproCustomerTarget,
)
from ml_connector.integrations.plan import CheckResult, IntegrationPlan
from ml_connector.secrets.secret import REDACTOR, Secret


def commerce_client(app: App, name: str, auth: str, page_size: int = 300, **http: Any) -> CommerceClient:
    stored = app.connections.get(name)
    base_url = stored.settings["base_url"]
    declared = stored.settings.get("auth", auth)
    if declared != auth:
        raise ConfigError(
            f"Connection {name!r} is set up for auth={declared} but [commerce-syspro] commerce_auth = {auth!r}: "
            f"make them agree (`ml-connector connections edit {name} --set auth={auth}` and its secrets)."
        )
    options = {"page_size": page_size, **http}
    if auth == "bearer":
        return CommerceClient.with_integration_bearer(base_url, access_token=stored.secret("access_token"), **options)
    if auth == "ims":
        return CommerceClient.with_ims(
            base_url,
            client_id=stored.secret("ims_client_id"),
            client_secret=stored.secret("ims_client_secret"),
            org_id=stored.settings.get("ims_org_id"),
            **options,
        )
    return CommerceClient.with_oauth1(
        base_url,
        consumer_key=stored.secret("consumer_key"),
        consumer_secret=stored.secret("consumer_secret"),
        access_token=stored.secret("access_token"),
        access_token_secret=stored.secret("access_token_secret"),
        **options,
    )


def enet_client(app: App, name: str, **options: Any) -> SysproEnetClient:
    stored = app.connections.get(name)
    s = stored.settings
    company_password = stored.secrets.get("company_password") or Secret("")
    creds = EnetCredentials(
        operator=s["operator"],
        operator_password=stored.secret("operator_password"),
        company_id=s.get("company_id", "L"),
        company_password=company_password,
    )
    return SysproEnetClient.connect(s["base_url"], creds, **options)


def build_plan(
    app: App, *, commerce_http: dict[str, Any] | None = None, enet_options: dict[str, Any] | None = None
) -> IntegrationPlan:
    cfg = config.load(app.settings.section(NAME))
    key = app.instance_key(NAME)  # what this instance keys its store rows by (name or name@instance)
    commerce = commerce_client(app, cfg.commerce_connection, cfg.commerce_auth, cfg.page_size, **(commerce_http or {}))
    enet = enet_client(app, cfg.syspro_connection, **(enet_options or {}))
    enet.hold_session()  # one e.net session per run (logged off by plan.close)
    mappings = Mappings(app.store.mappings, key)
    commerce_source = CommerceSource(commerce, mappings, cfg.customer_code_prefix)
    syspro_source = SysproCustomerSource(enet)
    deliveries = app.store.deliveries
    targets: dict[str, Any] = {
        CUSTOMER_TO_SYSPRO: SysproCustomerTarget(enet, mappings, app.clock),
        SALES_ORDER: SalesOrderTarget(enet, mappings, cfg),
        JOURNAL: JournalTarget(enet, mappings, cfg, deliveries, app.clock, key),
        INVOICE_JOURNAL: InvoiceJournalTarget(enet, mappings, cfg, deliveries, app.clock, key),
        CANCEL_JOURNAL: CancelJournalTarget(enet, mappings, cfg, deliveries, app.clock, key),
        CANCEL_SALES_ORDER: CancelSalesOrderTarget(enet, mappings, cfg, deliveries, key),
        REFUND_JOURNAL: RefundJournalTarget(enet, mappings, cfg, deliveries, app.clock, key),
        RETURN_TO_STOCK: CreditNoteTarget(enet, mappings, cfg, deliveries, key)
        if cfg.restock == "credit_note"
        else WarehouseFlagTarget(deliveries, key),
        CUSTOMER_TO_COMMERCE: CommerceCustomerTarget(commerce, cfg.commerce_website_id),
    }
    declared = streams(
        lookback_s=cfg.lookback_s,
        lag_s=cfg.lag_s,
        customers_to_syspro=cfg.customers_to_syspro,
        customers_to_commerce=cfg.customers_to_commerce,
        posting_trigger=cfg.posting_trigger,
        refunds=cfg.refunds,
        restock=cfg.restock,
        cancel_after_post=cfg.cancel_after_post,
    )

    def runner(ctx: RunContext, stream: StreamSpec) -> RecordStreamRunner:
        source: Any = syspro_source if stream.name == CUSTOMER_TO_COMMERCE else commerce_source
        if stream.name in (CUSTOMER_TO_SYSPRO, CUSTOMER_TO_COMMERCE):
            source = EchoGuard(source, ctx)
        return RecordStreamRunner(ctx, source, targets[stream.name])

    def handle(ctx: RunContext, stream: StreamSpec, all_streams: dict[str, StreamSpec], full: bool) -> None:
        with enet:  # logs on at the first stream; held until the plan closes (one session per run)
            runner(ctx, stream).run_stream(stream, all_streams, full_refresh=full)

    def replay(ctx: RunContext, stream: StreamSpec, rows: list[dict[str, Any]]) -> None:
        with enet:
            runner(ctx, stream).replay(stream, rows)

    def checks() -> list[CheckResult]:
        results = [
            _probe(
                "Adobe Commerce",
                "search orders (searchCriteria)",
                lambda: f"order lookup answered ({commerce.get_order_by_increment_id('000000000') is None})",
            ),
        ]
        with enet:
            results.append(
                _probe(
                    "SYSPRO e.net",
                    "logon and query GenMaster (COMFND)",
                    lambda: f"GL lookup answered ({enet.gl_account_exists('0')})",
                )
            )
            today = app.clock.now()
            results.append(
                _probe(
                    "SYSPRO e.net",
                    f"posting period {today:%Y/%m} open (GENTJL validate only)",
                    lambda: _require(enet.period_open(today.year, today.month), "closed"),
                )
            )
            accounts = sorted(
                {
                    m["target_value"]
                    for m in app.store.mappings.all(key)
                    if m["kind"] in ("sku", "category", *ACCOUNT_KINDS)
                }
            )
            for gl in accounts:
                results.append(
                    _probe(
                        "SYSPRO e.net",
                        f"mapped GL account {gl} exists and takes postings (GENTJL validate only)",
                        lambda gl=gl: _account_open(enet, gl, today.year, today.month, key),
                    )
                )
        return results

    plan = IntegrationPlan(key, declared, handle, None, checks, replayer=replay)
    targets[JOURNAL].rendered_orders = targets[SALES_ORDER].rendered  # dry run: journals follow shown orders

    def dry_run_parts(stream: StreamSpec) -> tuple[Any, Any]:
        source: Any = syspro_source if stream.name == CUSTOMER_TO_COMMERCE else commerce_source
        if stream.name in (CUSTOMER_TO_SYSPRO, CUSTOMER_TO_COMMERCE):
            source = DryEchoFilter(source, app.store, key)
        return source, targets[stream.name]

    plan.dry_run_parts = dry_run_parts
    plan.connections = {"Adobe Commerce": cfg.commerce_connection, "SYSPRO e.net": cfg.syspro_connection}
    plan.logins = {"SYSPRO e.net": lambda: enet.session.logons > 0}
    plan.closers += [commerce.close, enet.close]
    return plan


def _account_open(enet: SysproEnetClient, gl: str, year: int, month: int, key: str) -> str:
    if not enet.gl_account_exists(gl):
        raise ValueError(f"not in GenMaster: fix the mapping (`ml-connector mappings list {key}`) or add the account")
    try:
        enet.period_open(year, month, ledger_code=gl)
    except ReferenceMissingError as exc:
        raise ValueError(f"refused for postings ({exc}): take it off hold in SYSPRO or map another account") from None
    return "yes"


def _require(ok: bool, otherwise: str) -> str:
    if not ok:
        raise ValueError(otherwise)
    return "yes"


def _probe(system: str, what: str, action: Any) -> CheckResult:
    try:
        return CheckResult(system, what, True, str(action()))
    except Exception as exc:  # a check reports every failure, it never stops at the first one
        return CheckResult(system, what, False, REDACTOR.scrub(str(exc)))
