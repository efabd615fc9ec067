"""An idle poll makes only the calls it needs: one SYSPRO e.net session per run (each logon holds a licence
seat), and no Looker datagroup reset when nothing was loaded (a reset drops every dashboard's cache)."""

from __future__ import annotations

import pytest
from commerce_syspro_fixtures import make_app, serve_pair

from ml_connector.bootstrap import bootstrap
from ml_connector.connectors.systems import store_connection
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.integrations.demo_connections import connect_syspro_odata
from ml_connector.runtime.service import run_integration
from ml_connector.settings import Settings


def test_commerce_syspro_logs_on_to_enet_once_per_run(tmp_path) -> None:
    served = serve_pair(orders=6)
    try:
        app = make_app(tmp_path, served)
        calls = served["syspro-enet"].app.state.emulator.calls
        busy = run_integration(app, "commerce-syspro")
        assert busy.status in ("succeeded", "partial"), busy.error
        assert (calls["Logon"], calls["Logoff"]) == (1, 1)
        idle = run_integration(app, "commerce-syspro")
        assert idle.status == "succeeded", idle.error
        assert (calls["Logon"], calls["Logoff"]) == (2, 2)
    finally:
        for s in served.values():
            s.stop()


@pytest.fixture
def looker_pair(tmp_path):
    settings = Settings.model_validate({"data_dir": str(tmp_path / "data")})
    syspro = serve_in_thread(create_emulator("syspro-odata", seed=3))
    looker = serve_in_thread(create_emulator("looker", seed=3))
    app = bootstrap(settings, create_keys=True)
    connect_syspro_odata(app, syspro)
    cred = looker.app.state.credentials
    store_connection(app.connections, "looker", "looker", {"base_url": looker.url, "client_id": cred["client_id"]},
                     {"client_secret": cred["client_secret"]}, app.clock.now())  # fmt: skip
    yield app, syspro, looker
    syspro.stop()
    looker.stop()


def test_no_datagroup_reset_when_nothing_was_loaded(looker_pair) -> None:
    app, syspro, looker = looker_pair
    updates = looker.app.state.emulator.datagroup_updates
    assert run_integration(app, "syspro-looker").status == "succeeded"
    assert len(updates) == 1
    idle = run_integration(app, "syspro-looker")
    assert idle.status == "succeeded", idle.error
    assert sum(t.loaded + t.released for t in idle.streams) == 0
    assert len(updates) == 1  # nothing loaded: the dashboards keep their cache
    syspro.app.state.emulator.update("ApInvoice", 2, date=True)
    assert run_integration(app, "syspro-looker").status == "succeeded"
    assert len(updates) == 2
