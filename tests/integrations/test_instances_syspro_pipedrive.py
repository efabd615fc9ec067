"""Two instances of syspro-pipedrive side by side in one store: today's ``syspro-pipedrive`` and a new
``syspro-pipedrive@emea``, each with its own SYSPRO company (other seeds: other customers and orders) and
its own Pipedrive account. Each account gets exactly its own company's organizations and deals, each deal
linked to its own customer's organization, and the deliveries, snapshots (Pipedrive ids) and field keys
are each instance's own; a merge remembered for one instance is not followed by the other."""

from __future__ import annotations

from typing import Any

import pytest
from pipedrive_fixtures import SMALL, account, by_custom, expected_orders, field_key, live, serve_pipedrive

from ml_connector.bootstrap import bootstrap
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.integrations.demo_connections import connect_syspro_odata
from ml_connector.integrations.syspro_pipedrive.demo import connect_pipedrive
from ml_connector.integrations.syspro_pipedrive.mappings import FIELD_KIND, merged_into, remember_merge
from ml_connector.runtime.service import run_integration
from ml_connector.settings import Settings
from ml_connector.store.snapshots import SnapshotStore

DEFAULT, EMEA = "syspro-pipedrive", "syspro-pipedrive@emea"
FAST = {"burst_limit": 1000, "cloudflare_wait_s": 0.2}


@pytest.fixture
def companies():
    served = {
        DEFAULT: {
            "syspro": serve_in_thread(create_emulator("syspro-odata", seed=11, scale=SMALL)),
            "pipedrive": serve_pipedrive(burst_limit=1000),
        },
        EMEA: {
            "syspro": serve_in_thread(create_emulator("syspro-odata", seed=12, company="EMEA", scale=SMALL)),
            "pipedrive": serve_pipedrive(burst_limit=1000),
        },
    }
    yield served
    for pair in served.values():
        for s in pair.values():
            s.stop()


def store_odata(app: Any, name: str, syspro: Any) -> None:
    connect_syspro_odata(app, syspro)  # stored as `syspro-odata`; copied under another name for EMEA
    if name != "syspro-odata":
        stored = app.connections.get("syspro-odata")
        app.connections.put(name, "syspro-odata", dict(stored.settings),
                            {k: v.reveal() for k, v in stored.secrets.items()}, app.clock.now())  # fmt: skip


def test_two_companies_into_two_pipedrive_accounts(tmp_path, companies) -> None:
    settings = Settings.model_validate(
        {
            "data_dir": str(tmp_path / "data"),
            "syspro-pipedrive": FAST,
            "syspro-pipedrive@emea": {"syspro_connection": "syspro-emea", "pipedrive_connection": "pipedrive-emea"},
        }
    )
    app = bootstrap(settings, create_keys=True)
    store_odata(app, "syspro-emea", companies[EMEA]["syspro"])
    store_odata(app, "syspro-odata", companies[DEFAULT]["syspro"])
    connect_pipedrive(app, companies[DEFAULT]["pipedrive"])
    connect_pipedrive(app, companies[EMEA]["pipedrive"], "pipedrive-emea")
    for n in range(3):  # organizations EMEA's reps keyed in themselves: the two accounts' ids differ
        account(companies[EMEA]["pipedrive"]).create("organization", {"name": f"Prospect {n}"})
    for key in (DEFAULT, EMEA):
        report = run_integration(app, key)
        assert report.integration == key and report.status == "succeeded", report.error

    snapshots = SnapshotStore(app.store.engine)
    names: dict[str, dict[str, str]] = {}
    for key, pair in companies.items():
        syspro, pipedrive = pair["syspro"], pair["pipedrive"]
        state = syspro.app.state.emulator
        names[key] = {c["Customer"]: c["Name"] for c in state.rows("ArCustomer")}
        code_key = field_key(pipedrive, "organization", "SYSPRO customer code")
        orgs = {
            r["custom_fields"][code_key]: r for r in live(pipedrive, "organization") if r["custom_fields"].get(code_key)
        }
        assert {code: r["name"] for code, r in orgs.items()} == names[key]  # its own company's customers
        counted = by_custom(pipedrive, "organization", code_key)
        assert all(n == 1 for code, n in counted.items() if code != "None")  # each customer once
        order_key = field_key(pipedrive, "deal", "SYSPRO order number")
        orders = {o["SalesOrder"]: o["Customer"] for o in state.rows("SorMaster")}
        deals = live(pipedrive, "deal")
        assert {d["custom_fields"][order_key] for d in deals} == expected_orders(syspro)
        for deal in deals:  # linked to its own customer's organization in its own account
            assert deal["org_id"] == orgs[orders[deal["custom_fields"][order_key]]]["id"]
        # the Pipedrive ids the instance remembers are those of its own account
        assert snapshots.ids(key, "organization") == {code: r["id"] for code, r in orgs.items()}
        assert app.store.mappings.get(key, FIELD_KIND, "organization.customer_code") == code_key
        for code, org in orgs.items():
            delivered = app.store.deliveries.last_delivered(key, "organization", code)
            assert delivered is not None and delivered.target_ref == str(org["id"])
    assert names[DEFAULT] != names[EMEA]  # two companies: a crossing would show

    # A merge remembered for one instance is that instance's only.
    remember_merge(app.store.mappings, EMEA, 7, 9, app.clock.now())
    assert merged_into(app.store.mappings, EMEA, 7) == 9 and merged_into(app.store.mappings, DEFAULT, 7) is None
