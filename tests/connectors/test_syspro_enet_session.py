"""e.net session life against the emulator on a real socket: logon/logoff, secrets, expiry and renewal,
one session per operator, HTTP 200 + ERROR texts, no retry of posts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
import structlog

from ml_connector.connectors.syspro.enet.client import SysproEnetClient
from ml_connector.connectors.syspro.enet.errors import (
    EnetLogonRefusedError,
    EnetNotLicensedError,
    EnetSessionBusyError,
    EnetSessionExpiredError,
)
from ml_connector.connectors.syspro.enet.models import SalesOrder, SalesOrderLine
from ml_connector.core.clock import FixedClock
from ml_connector.emulators.faults import FaultPlan, FaultRule
from ml_connector.errors import RemoteAuthError, RemoteRejectedError, RemoteUnavailableError

EnetPair = tuple[Any, SysproEnetClient]


def _order(po: str) -> SalesOrder:
    return SalesOrder("000001", po, date(2026, 11, 20), (SalesOrderLine("FG-1002", 3, "4.10", warehouse="TU"),))


def test_logon_and_logoff_around_a_batch(enet_pair: EnetPair) -> None:
    app, enet = enet_pair
    state = app.state.emulator
    with enet:
        assert len(state.sessions) == 1
        assert enet.gl_account_exists("10-4000-200")
    assert len(state.sessions) == 0
    assert (state.calls["Logon"], state.calls["COMFND"], state.calls["Logoff"]) == (1, 1, 1)


def test_logoff_runs_when_the_batch_fails(enet_pair: EnetPair) -> None:
    app, enet = enet_pair

    def failing_batch() -> None:
        with enet:
            enet.gl_account_exists("10-4000-200")
            raise RuntimeError("mapping bug")

    with pytest.raises(RuntimeError, match="mapping bug"):
        failing_batch()
    assert len(app.state.emulator.sessions) == 0
    assert app.state.emulator.calls["Logoff"] == 1


def test_wrong_password_is_an_auth_error_that_never_shows_a_secret(
    make_enet: Callable[..., EnetPair], serve_asgi: Callable[[object], str], enet_credentials: Callable[..., Any]
) -> None:
    app, _ = make_enet()
    url = serve_asgi(app) + "/SYSPROWCFService/Rest"
    wrong = enet_credentials(app, operator_password="not-the-Pa55word")
    client = SysproEnetClient.connect(url, wrong, lease_timeout_s=0)
    with structlog.testing.capture_logs() as logs, pytest.raises(RemoteAuthError) as caught:
        client.get_customer("000001")
    client.close()
    error = caught.value
    shown = " ".join([str(error), repr(error), error.request, error.body, repr(logs), repr(wrong)])
    assert "Invalid operator password" in str(error)
    assert "operator 'ADMIN'" in str(error)
    assert "not-the-Pa55word" not in shown
    assert app.state.emulator.sessions.logons == 0


def test_a_refused_logon_is_not_sent_again_by_the_same_session(
    make_enet: Callable[..., EnetPair], serve_asgi: Callable[[object], str], enet_credentials: Callable[..., Any]
) -> None:
    app, _ = make_enet()
    url = serve_asgi(app) + "/SYSPROWCFService/Rest"
    client = SysproEnetClient.connect(
        url, enet_credentials(app, operator_password="not-the-Pa55word"), lease_timeout_s=0
    )
    for _ in range(3):
        with pytest.raises(EnetLogonRefusedError) as caught:
            client.get_customer("000001")
    client.close()
    assert caught.value.account == "ADMIN"
    assert app.state.emulator.calls["Logon"] == 1  # SYSPRO saw one failed logon, not three


def test_a_failing_logon_url_is_scrubbed_of_passwords(
    make_enet: Callable[..., EnetPair], serve_asgi: Callable[[object], str], enet_credentials: Callable[..., Any]
) -> None:
    from urllib.parse import quote

    password = "p@ss word&/ü"
    app, _ = make_enet(faults=FaultPlan([FaultRule("status", path="(?i)/logon", status=500)]), password=password)
    url = serve_asgi(app) + "/SYSPROWCFService/Rest"
    client = SysproEnetClient.connect(url, enet_credentials(app), lease_timeout_s=0, sleep=lambda _s: None)
    with pytest.raises(RemoteUnavailableError) as caught:
        client.gl_account_exists("10-4000-200")
    client.close()
    shown = " ".join([str(caught.value), caught.value.request, caught.value.body])
    assert "/Logon?" in caught.value.request
    assert password not in shown
    assert quote(password, safe="") not in shown


def test_session_ids_and_passwords_stay_out_of_logs(enet_pair: EnetPair) -> None:
    app, enet = enet_pair
    with structlog.testing.capture_logs() as logs, enet:
        enet.get_customer("000001")
        session_id = enet.session._user_id.reveal()  # type: ignore[union-attr]
    assert len(session_id) == 34
    assert session_id == session_id.strip()
    dumped = repr(logs)
    assert {"syspro.enet.logon", "syspro.enet.logoff"} <= {entry["event"] for entry in logs}
    assert session_id not in dumped
    assert app.state.credentials["operator_password"] not in dumped


def test_session_expiry_mid_batch_renews_once_and_posts_every_order_once(
    make_enet: Callable[..., EnetPair],
) -> None:
    plan = FaultPlan([FaultRule("session_expiry", path=r"Transaction/Post", start=3, count=1)])
    app, enet = make_enet(faults=plan)
    with enet:
        numbers = [enet.post_sales_order(_order(f"WEB-{n}")) for n in range(5)]
    state = app.state.emulator
    orders = state.rows("SorMaster")
    assert sorted(r["CustomerPoNumber"] for r in orders) == [f"WEB-{n}" for n in range(5)]
    assert sorted(r["SalesOrder"] for r in orders) == sorted(numbers)
    assert state.sessions.logons == 2
    assert enet.session.renewals == 1
    assert state.calls["SORTOI"] == 6  # five orders + the one refused by the expired session
    assert plan.fired == [("session_expiry", "/SYSPROWCFService/Rest/Transaction/Post?BusinessObject=SORTOI")]


def test_idle_timeout_from_the_emulator_clock_is_renewed(make_enet: Callable[..., EnetPair], clock: FixedClock) -> None:
    app, enet = make_enet(session_ttl_s=60)
    with enet:
        enet.post_sales_order(_order("WEB-1"))
        clock.advance(timedelta(seconds=61))
        enet.post_sales_order(_order("WEB-2"))
    assert enet.session.renewals == 1
    assert len(app.state.emulator.rows("SorMaster")) == 2


def test_renewal_happens_once_per_call_then_the_expiry_is_raised(make_enet: Callable[..., EnetPair]) -> None:
    app, enet = make_enet(faults=FaultPlan([FaultRule("session_expiry", path=r"Transaction/Post")]))
    with enet, pytest.raises(EnetSessionExpiredError, match=r"session expired while sending sales order"):
        enet.post_sales_order(_order("WEB-1"))
    assert app.state.emulator.calls["SORTOI"] == 2
    assert app.state.emulator.sessions.logons == 2
    assert app.state.emulator.rows("SorMaster") == []


def test_one_session_per_operator_in_a_process(make_enet: Callable[..., EnetPair]) -> None:
    app, first = make_enet()
    second = SysproEnetClient(type(first.session)(
        base_url=first.session.base_url, credentials=first.session.credentials, lease_timeout_s=0
    ))  # fmt: skip
    with first:
        first.get_customer("000001")
        with pytest.raises(EnetSessionBusyError, match="operator 'ADMIN'"):
            second.get_customer("000001")
    assert second.get_customer("000001") is not None  # the lease is free after logoff
    second.close()
    assert app.state.emulator.sessions.logons == 2


def test_http_200_error_text_is_raised_naming_the_document(make_enet: Callable[..., EnetPair]) -> None:
    text = "ERROR: Unable to read the SYSPRO base directory registry string BaseDir8"
    _, enet = make_enet(faults=FaultPlan([FaultRule("error_text", path="Transaction/Post", body=text)]))
    with enet, pytest.raises(RemoteRejectedError) as caught:
        enet.post_sales_order(_order("WEB-7"))
    assert str(caught.value).startswith("SYSPRO rejected sales order for customer PO 'WEB-7' (SORTOI): ERROR: Unable")
    assert caught.value.status == 200
    assert not caught.value.retriable


def test_business_object_not_licensed(make_enet: Callable[..., EnetPair]) -> None:
    _, enet = make_enet()
    with enet, pytest.raises(EnetNotLicensedError, match="not licensed"):
        enet.session.call(
            "/Transaction/Post",
            {"BusinessObject": "ARSTPY", "XmlParameters": "<PostArPayment/>", "XmlIn": "<PostArPayment/>"},
            doing="AR payment (ARSTPY)",
            idempotent=False,
        )


def test_a_post_is_never_retried_after_a_5xx_but_a_query_is(make_enet: Callable[..., EnetPair]) -> None:
    plan = FaultPlan([
        FaultRule("status", path="Transaction/Post", status=503, count=1),
        FaultRule("status", path="Query/Query", status=503, count=1),
    ])  # fmt: skip
    app, enet = make_enet(faults=plan)
    with enet:
        with pytest.raises(RemoteUnavailableError):
            enet.post_sales_order(_order("WEB-9"))
        assert enet.find_order_by_customer_po("WEB-9") is None  # the 503'd query was retried
    assert [kind for kind, _ in plan.fired] == ["status", "status"]
    assert app.state.emulator.calls["SORTOI"] == 0
