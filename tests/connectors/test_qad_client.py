"""QadClient against the QAD emulator in-process (Starlette's test transport): login, refresh and
re-login, Basic, the workspace header, browse paging, journal entries with submitResult errors,
403, concurrencyHash, and the secret never appearing in an error."""

from __future__ import annotations

import warnings
from decimal import Decimal
from typing import Any

import pytest

from ml_connector.connectors.qad.auth import QadLoginError
from ml_connector.connectors.qad.client import QadClient, QadPermissionError, QadSubmitError
from ml_connector.connectors.qad.models import JournalEntry, JournalEntryLine
from ml_connector.emulators.faults import FaultPlan, FaultRule
from ml_connector.emulators.qad.app import create_app
from ml_connector.errors import RemoteUnavailableError
from ml_connector.http.client import RetryPolicy
from ml_connector.secrets.secret import Secret

with warnings.catch_warnings():  # starlette 1.x warns at import that it would prefer `httpx2`
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

BASE = "http://qad.test/clouderp"


class Clock:
    def __init__(self) -> None:
        self.now = 1_796_000_000.0  # 2026-11-30

    def __call__(self) -> float:
        return self.now


def make(app: Any, *, password: str | None = None, **options: Any) -> QadClient:
    cred = app.state.credentials
    return QadClient(
        BASE,
        cred["username"],
        Secret(password or cred["password"]),
        domain=cred["domain"],
        entity=cred["entity"],
        transport=TestClient(app)._transport,
        retry=RetryPolicy(max_attempts=4, base_delay_s=0.0),
        sleep=lambda s: None,
        **options,
    )


def entry(amount: str, *, text: str = "GL spend 2026/11", second: str = "LQ1", credit_gl: str = "9990") -> JournalEntry:
    value = Decimal(amount)
    return JournalEntry(
        daybook="RECON",
        year=2026,
        period=11,
        posting_date="2026-11-30",
        text=text,
        second_text=second,
        lines=[
            JournalEntryLine(glCode="6100", costCentreCode="200", postingLineDebitTC=value, postingLineText=second),
            JournalEntryLine(glCode=credit_gl, postingLineCreditTC=value),
        ],
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_reads_master_data_through_browses_with_page_rules(clock: Clock) -> None:
    app = create_app(clock=clock)
    client = make(app, page_size=7)
    accounts = client.gl_accounts()
    assert "6100" in accounts and accounts["6950"].active is False
    assert len(accounts) == len(app.state.emulator.tenant.accounts)  # every page read (7 rows a page)
    assert {c for c, v in client.cost_centres().items() if v.active} == {"200", "300", "400"}
    assert client.daybooks()["RECON"].active
    closed = [p.label for p in client.periods() if p.closed]
    assert closed == ["2026/08"]
    assert client.workspaces() == [("10USA", "10USACO")]
    browse_calls = app.state.emulator.calls["/clouderp/api/qracore/browses"]
    assert browse_calls >= 5 + len(accounts) // 7


def test_journal_entry_create_read_update_with_concurrency_hash(clock: Clock) -> None:
    app = create_app(clock=clock)
    client = make(app)
    saved = client.create_journal_entry(entry("125.50"))
    assert saved.voucher == 1 and saved.key == "10USACO/2026/RECON/1"
    again = client.read_journal_entry(2026, "RECON", 1)
    assert again is not None and again.lines[0].debit == Decimal("125.5")
    found = client.lines_with_text("LQ1")
    assert [(line.gl_code, line.net) for line in found] == [("6100", Decimal("125.5"))]
    stale = again.model_copy()
    again.text = "renamed"
    updated = client.update_journal_entry(again)
    assert updated.text == "renamed" and updated.concurrency_hash != stale.concurrency_hash
    with pytest.raises(QadSubmitError, match="changed by another user"):
        client.update_journal_entry(stale)
    assert client.create_journal_entry(entry("1")).voucher == 2


def test_submit_result_errors_become_clear_messages(clock: Clock) -> None:
    client = make(create_app(clock=clock))
    with pytest.raises(QadSubmitError) as err:
        client.create_journal_entry(entry("10", text="x" * 41, credit_gl="6950"))
    message = str(err.value)
    assert "maximum length of 40" in message and "glCode=6950" in message and "replay" in message
    unbalanced = entry("10")
    unbalanced.lines[1].credit = Decimal("9")
    with pytest.raises(QadSubmitError, match="not balanced"):
        client.create_journal_entry(unbalanced)
    closed = entry("10")
    closed.period, closed.posting_date = 8, "2026-08-31"
    with pytest.raises(QadSubmitError, match="2026/08 is closed") as err:
        client.create_journal_entry(closed)
    assert err.value.errors[0].fieldName == "postingPeriod"


def test_refresh_on_expiry_and_relogin_once_on_401(clock: Clock) -> None:
    faults = FaultPlan([FaultRule("token_expiry", path="browses", start=2, count=1)])
    app = create_app(clock=clock, faults=faults, token_ttl_s=600)
    client = make(app)
    client.daybooks()
    client.cost_centres()  # its token dies on this call: 401, refresh, retried
    tokens = app.state.emulator.tokens
    assert (tokens.logins, tokens.refreshes) == (1, 1)
    clock.now += 3600  # past expires_in: renewed before the call, no 401 needed
    client.daybooks()
    assert tokens.refreshes == 2


def test_wrong_password_names_user_not_secret_and_locks_after_ten(clock: Clock) -> None:
    app = create_app(clock=clock)
    for _ in range(10):
        with pytest.raises(QadLoginError) as err:
            make(app, password="wrong-secret-123").daybooks()
        assert "wrong-secret-123" not in str(err.value) and "mlconnect@" in str(err.value)
    with pytest.raises(QadLoginError, match="locked"):
        make(app).daybooks()  # even the right password: the account is locked


def test_basic_auth_option_and_workspace_header(clock: Clock) -> None:
    app = create_app(clock=clock)
    assert "RECON" in make(app, auth="basic").daybooks()
    cred = app.state.credentials
    other = QadClient(
        BASE, cred["username"], Secret(cred["password"]), domain="20EU", entity="20EUCO",
        transport=TestClient(app)._transport,
    )  # fmt: skip
    with pytest.raises(QadPermissionError, match="workspace"):
        other.daybooks()


def test_403_and_5xx_burst(clock: Clock) -> None:
    app = create_app(clock=clock, journal_permission=False)
    client = make(app)
    assert client.can_create_journal_entries() is False
    with pytest.raises(QadPermissionError, match="Give the API user a role"):
        client.create_journal_entry(entry("5"))
    faults = FaultPlan([FaultRule("status", path="browses", status=503, count=2)])
    client = make(create_app(clock=clock, faults=faults))
    assert client.can_create_journal_entries() is True
    assert "RECON" in client.daybooks()  # two 503s retried (GET is safe)
    faults = FaultPlan([FaultRule("status", path="journalEntries", method="POST", status=502, count=1)])
    client = make(create_app(clock=clock, faults=faults))
    with pytest.raises(RemoteUnavailableError):
        client.create_journal_entry(entry("5"))  # a POST is never retried blindly


def test_refused_refresh_falls_back_to_one_password_login(clock: Clock) -> None:
    app = create_app(clock=clock, token_ttl_s=600)
    client = make(app)
    client.daybooks()
    tokens = app.state.emulator.tokens
    tokens.refresh.clear()  # QAD forgot the refresh token (restart, revoked session)
    clock.now += 3600
    assert "RECON" in client.daybooks()
    assert (tokens.logins, tokens.refreshes) == (2, 0)


def test_a_refused_login_is_not_sent_again_by_the_same_client(clock: Clock) -> None:
    """Each refused grant counts toward QAD's lock: a client that was refused once raises the same error
    for every further call without asking QAD (ml-connector's per-connection count relies on one per run)."""
    app = create_app(clock=clock)
    client = make(app, password="wrong-secret-123")
    errors = []
    for _ in range(3):
        with pytest.raises(QadLoginError) as err:
            client.daybooks()
        errors.append(err.value)
    assert app.state.emulator.tokens.failures == 1
    assert errors[0] is errors[1] is errors[2]
    assert errors[0].account == "mlconnect@acme.example.com" and not errors[0].locked
    for _ in range(9):  # nine more clients: QAD's tenth failure locks the account
        with pytest.raises(QadLoginError):
            make(app, password="wrong-secret-123").daybooks()
    with pytest.raises(QadLoginError) as locked:
        make(app).daybooks()
    assert locked.value.locked  # QAD said so: the lockout alert goes out at once


def test_basic_auth_401_is_a_refused_login_sent_once(clock: Clock) -> None:
    app = create_app(clock=clock)
    client = make(app, password="wrong-secret-123", auth="basic")
    for _ in range(3):
        with pytest.raises(QadLoginError) as err:
            client.daybooks()
    assert app.state.emulator.tokens.failures == 1 and err.value.account == "mlconnect@acme.example.com"
    assert "wrong-secret-123" not in str(err.value)
