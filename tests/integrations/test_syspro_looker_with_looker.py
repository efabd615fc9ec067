"""SYSPRO -> warehouse -> Looker, all real: the LookML that `ml-connector lookml` writes is served by the
Looker emulator over the loaded DuckDB file, our Looker client runs a query through it, the datagroup is
reset after the load; and the OData fault plan (5xx burst, 429, malformed page) is survived."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest

from ml_connector.bootstrap import bootstrap
from ml_connector.emulators.faults import FaultPlan, FaultRule
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.integrations.clients import looker_client
from ml_connector.integrations.demo_connections import connect_syspro_odata
from ml_connector.integrations.syspro_looker.lookml import write_views
from ml_connector.runtime.service import run_integration
from ml_connector.settings import Settings


@pytest.fixture
def systems(tmp_path):
    settings = Settings.model_validate({"data_dir": str(tmp_path / "data")})
    write_views(
        settings.data_dir / "lookml",
        connection="ml_warehouse",
        schema="syspro",
        datagroup=settings.syspro_looker.datagroup,
    )
    faults = FaultPlan(
        [
            FaultRule("status", path="GenTransaction", start=2, count=2, status=503),
            FaultRule("rate_limit", path="ApInvoice", start=1, count=1, retry_after=0),
            FaultRule("malformed", path="ArInvoice", start=1, count=1),
        ]
    )
    syspro = serve_in_thread(create_emulator("syspro-odata", seed=3, faults=faults, scale={"GenTransaction": 12_000}))
    looker = serve_in_thread(
        create_emulator(
            "looker",
            lookml_dir=str(settings.data_dir / "lookml"),
            connection_name="ml_warehouse",
            warehouse={"type": "duckdb", "path": str(settings.warehouse_path), "schema": "syspro"},
        )
    )
    app = bootstrap(settings, create_keys=True)
    lcred = looker.app.state.credentials
    connect_syspro_odata(app, syspro)
    app.connections.put(
        "looker",
        "looker",
        {"base_url": looker.url, "client_id": lcred["client_id"]},
        {"client_secret": lcred["client_secret"]},
        app.clock.now(),
    )
    yield app, syspro, looker, faults
    syspro.stop()
    looker.stop()


def test_load_survives_faults_resets_datagroup_and_looker_queries_the_loaded_rows(systems) -> None:
    app, syspro, looker, faults = systems
    report = run_integration(app, "syspro-looker")
    assert report.status == "succeeded", report.error
    fired = {kind for kind, _ in faults.fired}
    assert {"status", "rate_limit", "malformed"} <= fired  # every fault was hit, and survived
    loaded = {t.stream: t.loaded for t in report.streams}
    assert loaded["gl_posting"] == len(syspro.app.state.emulator.rows("GenTransaction")) == 12_000

    group = looker.app.state.emulator.datagroup_by_name("syspro", "syspro_etl")
    assert group is not None and group.stale_before is not None  # reset after the load

    # expected sums from the SYSPRO emulator's own rows, not from the warehouse Looker reads
    expected: dict[str, Decimal] = defaultdict(Decimal)
    for row in syspro.app.state.emulator.rows("GenTransaction"):
        expected[row["GlCode"]] += Decimal(str(row["EntryValue"]))
    client = looker_client(app, "looker")
    try:
        rows = client.run_inline_query(
            {
                "model": "syspro",
                "view": "fct_gl_posting",
                "fields": ["fct_gl_posting.gl_code", "fct_gl_posting.total_amount"],
                "limit": "-1",
            },
            "json",
        )
    finally:
        client.close()
    got = {r["fct_gl_posting.gl_code"]: Decimal(str(r["fct_gl_posting.total_amount"])) for r in rows}
    assert got.keys() == expected.keys()
    assert all(abs(got[k] - expected[k]) < Decimal("0.01") for k in expected), {
        k: (got[k], expected[k]) for k in expected if abs(got[k] - expected[k]) >= Decimal("0.01")
    }
