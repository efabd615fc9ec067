"""The counters behind the two conditions: consecutive refused logins per connection (in the store, across
runs and processes, reset by an accepted login, reported at lockout_warn_after) and the Pipedrive token
budget's alert share; and the OData operator's 401 tried once per client."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from ml_connector.bootstrap import bootstrap
from ml_connector.connectors.pipedrive.models import TokenBudgetExhaustedError
from ml_connector.connectors.pipedrive.ratelimit import TokenBudget
from ml_connector.connectors.syspro.odata.client import SysproODataClient, SysproODataSettings
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.engine.logins import LoginWatch
from ml_connector.errors import LoginRefusedError
from ml_connector.integrations.demo_connections import connect_syspro_odata
from ml_connector.integrations.syspro_pipedrive.budget import budget_message
from ml_connector.runtime.service import check_integration
from ml_connector.secrets.secret import Secret
from ml_connector.settings import Settings
from ml_connector.store import Store

PASSWORD = "odata-Pa55-never-shown"


def refusal(locked: bool = False) -> LoginRefusedError:
    return LoginRefusedError("refused", account="api-user", locked=locked, system="QAD", status=400)


def watch(store: Store, accepted: bool = False, warn_after: int = 3) -> LoginWatch:
    return LoginWatch(store, "looker-qad", {"QAD": "qad-prod"}, {"qad-prod": warn_after}, {"QAD": lambda: accepted})


def test_refusals_count_once_per_run_across_processes_and_reset_when_a_login_works(tmp_path, keys) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    first, second = Store.open(url, keys), Store.open(url, keys)  # two processes on one store
    run = watch(first)
    assert run.refused(refusal()) is None
    assert run.refused(refusal()) is None  # the same run's client repeating its refusal: still one
    run.settle()
    assert watch(second).refused(refusal()) is None  # 2
    message = watch(first).refused(refusal())  # 3: the alert
    assert message is not None
    assert "refused the login of user 'api-user' of connection 'qad-prod' 3 time(s) in a row" in message
    assert "`ml-connector connections edit qad-prod --secret password`" in message
    assert "`ml-connector check looker-qad`" in message
    refused_again = watch(second, accepted=True)
    assert refused_again.refused(refusal()) is not None  # 4: still reported
    refused_again.settle()  # refused in this run: not reset even if the fact says otherwise
    assert first.sequences.current("login-refused:qad-prod") == 4
    watch(first, accepted=False).settle()  # no login tried (e.g. the source failed first): kept
    assert first.sequences.current("login-refused:qad-prod") == 4
    watch(second, accepted=True).settle()
    assert first.sequences.current("login-refused:qad-prod") is None
    assert watch(first).refused(refusal()) is None  # counting from 1 again


def test_threshold_is_the_connections_setting_and_a_locked_account_is_reported_at_once(store) -> None:
    assert watch(store, warn_after=1).refused(refusal()) is not None
    store.sequences.reset("login-refused:qad-prod")
    locked = watch(store, warn_after=5).refused(refusal(locked=True))
    assert locked is not None and "QAD says user 'api-user' of connection 'qad-prod' is locked" in locked


def test_odata_401_is_a_refused_login_sent_once_per_client() -> None:
    seen: list[str] = []

    def server(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Authorization", ""))
        return httpx.Response(401, json={"error": {"code": "401", "message": "Unauthorized"}})

    client = SysproODataClient(
        SysproODataSettings(base_url="http://erp.test/SYSPRO8OData/SYSPROOData"),
        "ODATA",
        Secret(PASSWORD),
        transport=httpx.MockTransport(server),
    )
    errors = []
    for _ in range(3):
        with pytest.raises(LoginRefusedError) as caught:
            client.probe("ArCustomer")
        errors.append(caught.value)
    assert len(seen) == 1 and errors[0].account == "ODATA" and errors[0].system == "SYSPRO OData"
    assert PASSWORD not in str(errors[0]) and not client.http.auth_accepted


class Day:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 6, 18, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_budget_alert_share_used_up_and_the_next_day() -> None:
    day, spent = Day(), {}
    budget = TokenBudget(
        daily_tokens=1000,
        reserve_share=0.2,  # 800 this integration may spend
        now=day,
        load=lambda d: spent.get(d, 0),
        save=lambda d, t: spent.__setitem__(d, spent.get(d, 0) + t),
    )
    budget.charge(599, "GET /deals")
    assert budget_message(budget, 0.75, day.now) is None  # 74.9 %
    budget.charge(1, "GET /deals")
    text = budget_message(budget, 0.75, day.now)
    assert text is not None
    assert text.startswith("Pipedrive token budget: 600 of the 800 tokens this integration may spend on 2026-12-06")
    assert "(75%; alert at 75%)" in text and "in 5 h 30 min" in text and "used up" not in text
    assert "raise plan, seats, top_ups or daily_tokens, or lower reserve_share" in text
    assert budget_message(budget, 0.9, day.now) is None  # the setting decides
    assert not budget.can_afford(201)  # a record the budget cannot pay for: reported below the share too
    used_up = budget_message(budget, 0.9, day.now)
    assert used_up is not None and "It is used up" in used_up
    with pytest.raises(TokenBudgetExhaustedError):
        budget.charge(300, "POST /deals")
    day.now = datetime(2026, 12, 7, 0, 5, tzinfo=UTC)  # after the reset: nothing reported
    assert budget_message(budget, 0.75, day.now) is None
    assert budget_message(budget, 0.75, day.now, exhausted=True) is not None  # Pipedrive's own 429 says so


def test_a_check_that_logs_in_resets_the_count(tmp_path) -> None:
    """The fix the alert names is `connections edit`, then `check`: a check that got through starts the
    count again (it is the next refusal, not the old ones, that brings the account near its lock)."""
    odata = serve_in_thread(create_emulator("syspro-odata", seed=3, scale={"GenTransaction": 10}))
    try:
        settings = Settings.model_validate({"data_dir": str(tmp_path), "syspro-looker": {"looker_connection": None}})
        app = bootstrap(settings, create_keys=True)
        connect_syspro_odata(app, odata)
        app.store.sequences.next("login-refused:syspro-odata")
        app.store.sequences.next("login-refused:syspro-odata")
        check_integration(app, "syspro-looker")
        assert app.store.sequences.current("login-refused:syspro-odata") is None
    finally:
        odata.stop()
