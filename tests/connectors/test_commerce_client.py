"""CommerceClient against the Adobe Commerce emulator served by uvicorn on 127.0.0.1: OAuth 1.0a,
integration Bearer and Adobe IMS auth, searchCriteria paging and windows, 429 storms, customer writes.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import uvicorn

from ml_connector.connectors.commerce.auth import HMAC_SHA1, HMAC_SHA256, CommerceOAuth1Auth
from ml_connector.connectors.commerce.client import CommerceClient, render_commerce_message
from ml_connector.connectors.commerce.models import CustomerAddress, CustomerDraft, CustomerRegion, Order
from ml_connector.connectors.commerce.search import parse_commerce_time
from ml_connector.core.clock import FixedClock
from ml_connector.emulators.commerce.app import create_app
from ml_connector.emulators.faults import FaultPlan, FaultRule
from ml_connector.errors import (
    ConfigError,
    IntegrityError,
    RemoteAuthError,
    RemoteProtocolError,
    RemoteRejectedError,
)
from ml_connector.http.client import RetryPolicy
from ml_connector.secrets.secret import Secret

EVERYTHING = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


@dataclass
class Served:
    app: Any
    base: str  # http://127.0.0.1:<port>
    clock: FixedClock
    sleeps: list[float] = field(default_factory=list)

    @property
    def emulator(self) -> Any:
        return self.app.state.emulator

    @property
    def credentials(self) -> dict[str, str]:
        return self.app.state.credentials

    def options(self) -> dict[str, Any]:
        return {"sleep": self.sleeps.append, "retry": RetryPolicy(max_attempts=6)}

    def oauth1(self, *, store: str = "default", **override: Any) -> CommerceClient:
        c = self.credentials
        settings: dict[str, Any] = {
            "consumer_key": Secret(c["consumer_key"]),
            "consumer_secret": Secret(c["consumer_secret"]),
            "access_token": Secret(c["access_token"]),
            "access_token_secret": Secret(c["access_token_secret"]),
            **self.options(),
        }
        settings.update(override)
        return CommerceClient.with_oauth1(f"{self.base}/rest/{store}", **settings)


ServeFn = Callable[..., Served]


def _serve(app: Any) -> tuple[uvicorn.Server, threading.Thread, socket.socket, str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)  # listening before uvicorn starts: early connections wait in the backlog
    config = uvicorn.Config(app, log_level="warning", lifespan="off", http="h11", ws="none", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    return server, thread, sock, f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture(scope="module")
def serve_commerce() -> Iterator[ServeFn]:
    """``serve_commerce(**emulator_options) -> Served``: an emulator on a real socket, its clock at now."""
    running: list[tuple[uvicorn.Server, threading.Thread, socket.socket, str]] = []

    def serve(**options: Any) -> Served:
        clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
        app = create_app(seed=options.pop("seed", 11), clock=clock, **options)
        running.append(_serve(app))
        return Served(app, running[-1][3], clock)

    yield serve
    for server, *_ in running:
        server.should_exit = True
    for _, thread, sock, _ in running:
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="module")
def shop(serve_commerce: ServeFn) -> Served:
    """Shared by the tests that only read: 700 orders, Commerce <= 2.3 paging (last page repeats)."""
    return serve_commerce(orders=700, repeat_last_page=True)


def _all(pages: Iterator[Any]) -> list[Any]:
    return [record for page in pages for record in page.items]


# ---- OAuth 1.0a -------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", [HMAC_SHA256, HMAC_SHA1])
def test_oauth1_signed_search_reads_every_order_once(shop: Served, method: str) -> None:
    with shop.oauth1(signature_method=method) as client:
        orders = _all(client.iter_orders(*EVERYTHING))
        assert client.http.stats.by_status == {200: 3}  # 700 orders: pages of 300, 300, 100
    ids = [o.entity_id for o in orders]
    assert len(ids) == len(set(ids)) == 700
    assert set(ids) == set(shop.emulator.store.orders)
    assert [(o.updated_at, o.entity_id) for o in orders] == sorted((o.updated_at, o.entity_id) for o in orders)


def test_paging_stops_on_total_count_although_the_last_page_repeats(shop: Served) -> None:
    with shop.oauth1(page_size=250) as client:
        pages = list(client.iter_orders(*EVERYTHING))
        assert client.http.stats.calls == 3  # never asks past the end
        # This emulator mimics Commerce <= 2.3: past the end it answers the last page again, never [].
        last, beyond = (
            client.http.request(
                "GET", "V1/orders", params={"searchCriteria[pageSize]": "250", "searchCriteria[currentPage]": n}
            ).json()
            for n in ("3", "9")
        )
    assert beyond["items"]
    assert beyond["items"] == last["items"]
    assert [(p.current_page, len(p.items), p.total_count) for p in pages] == [
        (1, 250, 700),
        (2, 250, 700),
        (3, 200, 700),
    ]
    ids = [o.entity_id for p in pages for o in p.items]
    assert len(ids) == len(set(ids)) == 700


def test_tampered_signature_gets_the_commerce_error(shop: Served) -> None:
    class Tampering(CommerceOAuth1Auth):
        def apply(self, method: str, url: str, headers: dict[str, str], body: bytes) -> str:
            url = super().apply(method, url, headers, body)
            headers["Authorization"] = headers["Authorization"].replace('oauth_signature="', 'oauth_signature="x')
            return url

    c = shop.credentials
    auth = Tampering(
        Secret(c["consumer_key"]),
        Secret(c["consumer_secret"]),
        Secret(c["access_token"]),
        Secret(c["access_token_secret"]),
    )
    client = CommerceClient(shop.oauth1().http)
    client.http.auth = auth
    with pytest.raises(RemoteAuthError) as caught:
        client.get_order(1)
    assert caught.value.status == 401
    assert '{"message":"The signature is invalid. Verify and try again."}' in caught.value.body
    assert c["access_token"] not in str(caught.value)
    assert c["consumer_secret"] not in str(caught.value)


def test_wrong_consumer_secret_is_refused(shop: Served) -> None:
    with shop.oauth1(consumer_secret=Secret("0" * 32)) as client, pytest.raises(RemoteAuthError) as caught:
        client.get_order(1)
    assert "The signature is invalid" in caught.value.body


def test_oauth1_refuses_plain_http_to_a_remote_host() -> None:
    auth = CommerceOAuth1Auth(Secret("k" * 32), Secret("s" * 32), Secret("t" * 32), Secret("u" * 32))
    with pytest.raises(ConfigError, match="https"):
        auth.apply("GET", "http://shop.example.com/rest/V1/orders", {}, b"")


# ---- Bearer and IMS ---------------------------------------------------------------------------------
def test_integration_token_as_bearer(serve_commerce: ServeFn) -> None:
    allowed = serve_commerce(orders=5, allow_integration_bearer=True)
    token = Secret(allowed.credentials["access_token"])
    with CommerceClient.with_integration_bearer(f"{allowed.base}/rest", access_token=token) as client:
        assert client.get_order(1) is not None
    refused = serve_commerce(orders=5)  # the 2.4.4+ default: standalone Bearer use is off
    token = Secret(refused.credentials["access_token"])
    client = CommerceClient.with_integration_bearer(f"{refused.base}/rest", access_token=token)
    with client, pytest.raises(RemoteAuthError) as caught:
        client.get_order(1)
    assert "The consumer isn't authorized to access %resources." in caught.value.body


def test_ims_token_is_renewed_after_expiry(serve_commerce: ServeFn) -> None:
    saas = serve_commerce(orders=20)
    c = saas.credentials
    monotonic = [0.0]
    client = CommerceClient.with_ims(
        f"{saas.base}/{c['tenant_id']}",
        client_id=Secret(c["ims_client_id"]),
        client_secret=Secret(c["ims_client_secret"]),
        org_id=c["ims_org_id"],
        token_url=f"{saas.base}/ims/token/v3",
        monotonic=lambda: monotonic[0],
        **saas.options(),
    )
    auth = client.http.auth
    assert client.get_order(1) is not None
    assert auth.logins == 1
    assert saas.emulator.auth.ims_tokens_issued == 1
    # Server side: 24 h later the token is dead; the client still believes it valid, gets 401, logs in again.
    saas.clock.advance(timedelta(hours=24, seconds=1))
    assert client.get_order(2) is not None
    assert auth.logins == 2
    assert client.http.stats.by_status[401] == 1
    # Client side: near the end of the lifetime the client renews before calling, no 401 this time.
    monotonic[0] += 86399 - 200
    assert client.get_order(3) is not None
    assert auth.logins == 3
    assert client.http.stats.by_status[401] == 1
    client.close()


def test_ims_token_dying_mid_scan_is_survived(serve_commerce: ServeFn) -> None:
    plan = FaultPlan([FaultRule("token_expiry", path="/V1/orders", start=2, count=1)])
    saas = serve_commerce(orders=320, faults=plan)
    c = saas.credentials
    with CommerceClient.with_ims(
        f"{saas.base}/{c['tenant_id']}",
        client_id=Secret(c["ims_client_id"]),
        client_secret=Secret(c["ims_client_secret"]),
        token_url=f"{saas.base}/ims/token/v3",
        page_size=100,
        **saas.options(),
    ) as client:
        orders = _all(client.iter_orders(*EVERYTHING))
        assert client.http.auth.logins == 2
    assert len({o.entity_id for o in orders}) == 320


def test_ims_bad_client_secret_is_a_clear_auth_error(serve_commerce: ServeFn) -> None:
    saas = serve_commerce(orders=1)
    c = saas.credentials
    client = CommerceClient.with_ims(
        f"{saas.base}/{c['tenant_id']}",
        client_id=Secret(c["ims_client_id"]),
        client_secret=Secret("p8e-wrong"),
        token_url=f"{saas.base}/ims/token/v3",
    )
    with pytest.raises(RemoteAuthError, match="Adobe IMS refused the client credentials"):
        client.get_order(1)


# ---- windows, restarts, faults ----------------------------------------------------------------------
def test_updated_at_window_is_half_open_and_exact(shop: Served) -> None:
    stamps = sorted({o["updated_at"] for o in shop.emulator.store.orders.values()})
    since, until = stamps[100], stamps[400]  # both are the updated_at of real orders (hourly batches tie)
    expected = {i for i, o in shop.emulator.store.orders.items() if since <= o["updated_at"] < until}
    with shop.oauth1(page_size=100) as client:
        got = _all(client.iter_orders(parse_commerce_time(since), parse_commerce_time(until)))
    assert {o.entity_id for o in got} == expected
    assert any(o.updated_at == parse_commerce_time(since) for o in got)
    assert all(o.updated_at < parse_commerce_time(until) for o in got)
    with pytest.raises(ConfigError, match="naive"):
        list(client.iter_orders(datetime(2025, 1, 1), datetime(2025, 2, 1)))


def test_a_record_leaving_the_window_mid_scan_loses_nothing(serve_commerce: ServeFn) -> None:
    shop = serve_commerce(orders=450)
    window = EVERYTHING[0], datetime.now(UTC) - timedelta(minutes=5)
    before = set(shop.emulator.store.orders)
    seen: list[int] = []
    with shop.oauth1(page_size=200) as client:
        for page in client.iter_orders(*window):
            if page.current_page == 1 and not seen:
                # An order already read is updated now: it leaves the window and every offset shifts.
                shop.emulator.store.update_order(page.items[0].entity_id, status="holded", state="holded")
            seen.extend(o.entity_id for o in page.items)
        calls = client.http.stats.calls
    assert calls == 5  # pages 1, 2 (total changed: start over), 1, 2, 3
    assert len(seen) == len(set(seen))
    assert set(seen) == before


def test_429_storm_is_survived_honouring_retry_after(serve_commerce: ServeFn) -> None:
    too_many = {"message": "Too Many Requests"}
    plan = FaultPlan(
        [
            FaultRule("rate_limit", path="/V1/orders", start=2, count=4, retry_after=7, body=too_many),  # a storm
            FaultRule("rate_limit", path="/V1/orders", every=3, retry_after=2, body=too_many),  # then now and then
        ]
    )
    stormy = serve_commerce(orders=320, faults=plan)
    with stormy.oauth1(page_size=100) as client:
        orders = _all(client.iter_orders(*EVERYTHING))
        limited = client.http.stats.by_status[429]
    assert len({o.entity_id for o in orders}) == len(orders) == 320
    assert limited >= 5
    assert stormy.sleeps[:4] == [7.0, 7.0, 7.0, 7.0]
    assert len(stormy.sleeps) == limited
    assert set(stormy.sleeps[4:]) == {2.0}


def test_a_repeated_page_is_detected_not_swallowed(serve_commerce: ServeFn) -> None:
    plan = FaultPlan([FaultRule("repeat_page", path="/V1/invoices", start=2, count=1)])
    looping = serve_commerce(orders=400, faults=plan)
    with looping.oauth1(page_size=100) as client, pytest.raises(RemoteProtocolError, match="repeated records"):
        _all(client.iter_invoices(*EVERYTHING))


# ---- lookups and the other streams ------------------------------------------------------------------
def test_invoices_and_customers_stream_with_typed_models(shop: Served) -> None:
    with shop.oauth1(store="b2b") as client:
        invoices = _all(client.iter_invoices(*EVERYTHING))
        customers = _all(client.iter_customers(*EVERYTHING))
    assert {i.entity_id for i in invoices} == set(shop.emulator.store.invoices)
    assert all(i.order_id in shop.emulator.store.orders and i.items for i in invoices)
    assert {c.id for c in customers} == set(shop.emulator.store.customers)
    linked = [c for c in customers if client.syspro_code_of(c)]
    assert linked
    assert all(client.syspro_code_of(c).startswith(("RET", "B2B")) for c in linked)


def test_order_lookups(serve_commerce: ServeFn) -> None:
    shop = serve_commerce(orders=60)
    stored = shop.emulator.store.orders[42]
    with shop.oauth1() as client:
        order = client.get_order_by_increment_id(stored["increment_id"], store_id=stored["store_id"])
        assert isinstance(order, Order)
        assert order.entity_id == 42
        assert float(order.grand_total) == pytest.approx(stored["grand_total"])
        assert order.shipping_address is not None
        assert order.shipping_address.address_type == "shipping"
        assert all(line.parent_item_id is None for line in order.lines)
        assert client.get_order(999_999) is None
        assert client.get_order_by_increment_id("999999999") is None
        shop.emulator.store.update_order(1, increment_id=stored["increment_id"])  # same number, two orders
        with pytest.raises(IntegrityError, match="pass store_id"):
            client.get_order_by_increment_id(stored["increment_id"])


def test_customer_create_update_and_lookup_by_syspro_code(serve_commerce: ServeFn) -> None:
    shop = serve_commerce(orders=10)
    address = CustomerAddress(
        firstname="Ada", lastname="Ng", company="Keystone Water Works LLC", street=["12 Depot St"], city="Denver",
        region=CustomerRegion(region_code="CO", region="Colorado", region_id=13), region_id=13, postcode="80202",
        country_id="US", telephone="303-555-0101", default_billing=True, default_shipping=True,
    )  # fmt: skip
    draft = CustomerDraft(
        email="ada.ng@keystone.example", firstname="Ada", lastname="Ng", website_id=2, group_id=2,
        addresses=[address], syspro_customer_code="0004711",
    )  # fmt: skip
    with shop.oauth1(store="b2b") as client:
        created = client.create_customer(draft)
        assert client.syspro_code_of(created) == "0004711"
        assert created.website_id == 2
        found = client.find_customer_by_syspro_code("0004711")
        assert found is not None
        assert found.id == created.id
        renamed = client.update_customer(
            created.id, draft.model_copy(update={"lastname": "Ng-Okafor", "website_id": None})
        )
        assert renamed.lastname == "Ng-Okafor"
        assert renamed.website_id == 2
        assert client.syspro_code_of(renamed) == "0004711"
        with pytest.raises(RemoteRejectedError) as caught:
            client.create_customer(draft.model_copy(update={"syspro_customer_code": "0004712"}))
    message = str(caught.value)
    assert "A customer with the same email address already exists in an associated website." in message
    assert "customer ada.ng@keystone.example" in message
    assert caught.value.status == 400


def test_commerce_messages_are_rendered_with_their_parameters() -> None:
    assert render_commerce_message(
        '{"message":"Maximum SearchCriteria pageSize is %max","parameters":{"max":300}}'
    ) == ("Maximum SearchCriteria pageSize is 300")
    assert (
        render_commerce_message('{"message":"Nonce used by consumer %1","parameters":[7]}')
        == "Nonce used by consumer 7"
    )
    assert render_commerce_message("<html>503</html>") == "<html>503</html>"
