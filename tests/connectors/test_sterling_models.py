"""Sterling connector pieces that need no emulator: JSON readers, the supplier <-> partner mapping,
options, and the client's handling of odd answers (through an httpx.MockTransport written here)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from ml_connector.connectors.sterling.client import SterlingB2BClient
from ml_connector.connectors.sterling.models import (
    MailboxItem,
    MailboxMessage,
    RoutingChannel,
    as_bool,
    parse_timestamp,
    safe_partner_name,
)
from ml_connector.connectors.sterling.options import SterlingOptions
from ml_connector.connectors.sterling.partners import SupplierContact, TradingPartner
from ml_connector.errors import RemoteProtocolError, RemoteRejectedError
from ml_connector.http.client import RetryPolicy
from ml_connector.secrets.secret import Secret

# The IBM sample response (reference 2.5, from satyapaul/b2bi-rest-api-samples README).
IBM_SAMPLE = {
    "_id": "78", "_title": "MailboxMessage(78)",
    "$ref": "http://h:45164/B2BAPIs/svc/mailboxmessages/78", "href": "http://h:45164/B2BAPIs/svc/mailboxmessages/78",
    "actions": {"href": "http://h:45164/B2BAPIs/svc/mailboxmessages/78/actions", "$ref": "x"},
    "mailboxPath": "/test123", "mailboxId": 333, "name": "image001.PNG", "id": 78,
    "creationDate": "2020-03-14T17:19:20.000+0000",
    "extractableAlways": {"code": True, "display": "Yes"},
    "size": 17966, "documentId": "restclient1:node1:170d8cdabf4:17",
}  # fmt: skip


def test_reads_the_ibm_sample_message() -> None:
    message = MailboxMessage.from_json(IBM_SAMPLE)
    assert message == MailboxMessage(
        id=78, name="image001.PNG", mailbox_path="/test123", mailbox_id=333,
        document_id="restclient1:node1:170d8cdabf4:17", size=17966,
        created=datetime(2020, 3, 14, 17, 19, 20, tzinfo=UTC), extractable_always=True,
    )  # fmt: skip


def test_timestamps_and_flags_in_both_wire_forms() -> None:
    assert parse_timestamp("2020-03-14T17:19:20.000+0130") == datetime(2020, 3, 14, 15, 49, 20, tzinfo=UTC)
    assert parse_timestamp("") is None
    assert as_bool({"code": False, "display": "No"}) is False
    assert as_bool("Yes") is True
    assert as_bool(None) is None


def test_mailbox_item_extractability() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    row = {"id": 5, "name": "a", "type": "message", "extractableAlways": False, "extractableCount": 0}
    assert not MailboxItem.from_json(row).extractable(now)
    assert MailboxItem.from_json({**row, "extractableCount": 2}).extractable(now)
    until = {**row, "extractableUntil": "2026-01-01T00:00:01.000+0000"}
    assert MailboxItem.from_json(until).extractable(now)
    assert not MailboxItem.from_json(until).extractable(now + timedelta(seconds=1))
    assert MailboxItem.from_json({"id": 9, "name": "Inbox", "type": "mailbox"}).is_mailbox


def test_routing_channel_reader_ignores_malformed_facts() -> None:
    row = {"routingChannelKey": "K1", "templateName": "T", "producer": "P",
           "provisioningFacts": [{"provFactName": "ReceiverId", "provFactValue": "R"}, "junk"]}  # fmt: skip
    assert RoutingChannel.from_json(row) == RoutingChannel("K1", "T", "P", "", "", {"ReceiverId": "R"})


@pytest.mark.parametrize(
    ("contact", "given", "surname"),
    [("Jane Q Buyer", "Jane Q", "Buyer"), ("Jane", "Jane", "Acme Wholesale"), ("", "EDI", "Acme Wholesale")],
)
def test_supplier_contact_becomes_partner_names(contact: str, given: str, surname: str) -> None:
    supplier = SupplierContact(code="ACME", name="Acme Wholesale", contact=contact, email="e@x", phone="1")
    partner = TradingPartner.from_supplier(supplier, community="Suppliers")
    assert (partner.given_name, partner.surname) == (given, surname)
    assert (partner.partner_name, partner.code, partner.username) == ("ACME", "ACME", "acme")


def test_partner_names_are_made_safe_and_payload_carries_password_only_on_create() -> None:
    assert safe_partner_name(" V 100/02 ") == "V_100_02"
    with pytest.raises(ValueError, match="partner name"):
        safe_partner_name("///")
    partner = TradingPartner.from_supplier(SupplierContact(code="V1", name="N"), community="C", partner_name="Vee")
    assert partner.partner_name == "Vee"
    assert "password" not in partner.payload()
    assert "countryOrRegion" not in partner.payload()
    assert partner.payload(password="pw")["password"] == "pw"


def test_partner_reader_unwraps_codes_and_keeps_other_fields() -> None:
    row = {"_id": "P", "partnerName": "P", "code": "PC", "community": "C", "username": "p", "givenName": "G",
           "surname": "S", "emailAddress": "e", "phone": "1", "countryOrRegion": {"code": "US", "display": "US"},
           "authenticationType": {"code": "External", "display": "External"}, "pollingInterval": 5,
           "password": "never"}  # fmt: skip
    partner = TradingPartner.from_json(row)
    assert (partner.country_or_region, partner.authentication_type) == ("US", "External")
    assert partner.extra == {"pollingInterval": 5}


def test_options_validate() -> None:
    with pytest.raises(ValueError, match="page_size"):
        SterlingOptions(page_size=0)
    with pytest.raises(ValueError, match="mailboxPath"):
        SterlingOptions(message_mailbox_field="path")


def mock_client(handler: Callable[[httpx.Request], httpx.Response], **options: object) -> SterlingB2BClient:
    return SterlingB2BClient(
        "https://sb2bi.test:10084", "apiuser", Secret("pw-for-mock"), transport=httpx.MockTransport(handler),
        options=SterlingOptions(**options), retry=RetryPolicy(max_attempts=1), sleep=lambda _s: None,  # type: ignore[arg-type]
    )  # fmt: skip


def test_a_page_served_twice_stops_instead_of_looping() -> None:
    rows = [{"_id": "1", "path": "/A"}, {"_id": "2", "path": "/B"}]
    client = mock_client(lambda _r: httpx.Response(200, json=rows), page_size=2)
    with pytest.raises(RemoteProtocolError, match="same page twice"):
        client.list_mailboxes()


def test_api_404_on_a_list_is_an_empty_list_but_a_container_404_is_a_config_error() -> None:
    api_404 = mock_client(lambda _r: httpx.Response(404, json={"errorCode": 404, "errorDescription": "none"}))
    assert api_404.list_trading_partners() == []
    page_404 = mock_client(lambda _r: httpx.Response(404, text="Error 404: SRVE0190E: File not found"))
    with pytest.raises(RemoteRejectedError, match="base URL"):
        page_404.list_trading_partners()


def test_a_create_without_location_has_an_unknown_outcome() -> None:
    client = mock_client(lambda _r: httpx.Response(201, json={"status": "ok"}))
    with pytest.raises(RemoteProtocolError, match="without a Location"):
        client.create_document(b"x", "n")


def test_requests_carry_basic_auth_and_json_headers() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"Location": "https://sb2bi.test:10084/B2BAPIs/svc/documents/n1:node1:a:9"})

    assert mock_client(handler).create_document(b"payload", "doc.x12") == "n1:node1:a:9"
    [request] = seen
    assert request.url.path == "/B2BAPIs/svc/documents/"
    assert request.headers["Authorization"].startswith("Basic ")
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Content-Type"] == "application/json"
