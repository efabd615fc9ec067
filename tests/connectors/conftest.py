"""Connector-test fixtures: serve any ASGI app with uvicorn on 127.0.0.1 (a thread, a free port), and
the SYSPRO e.net emulator + client pair built on it."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import uvicorn

from ml_connector.connectors.syspro.enet.client import SysproEnetClient
from ml_connector.connectors.syspro.enet.session import EnetCredentials
from ml_connector.core.clock import FixedClock
from ml_connector.emulators.syspro_enet.app import create_app
from ml_connector.secrets.secret import Secret

ServeAsgi = Callable[[Any], str]


@pytest.fixture
def serve_asgi() -> Iterator[ServeAsgi]:
    """``serve_asgi(app) -> "http://127.0.0.1:<port>"``. The socket listens before uvicorn starts, so
    clients can connect at once (the kernel queues them); servers stop when the test ends."""
    running: list[tuple[uvicorn.Server, threading.Thread, socket.socket]] = []

    def serve(app: Any) -> str:
        # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say so, and without it
        # Nagle + delayed ACK cost ~40 ms per request.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        config = uvicorn.Config(
            app,
            log_level="warning",
            lifespan="off",
            http="h11",
            ws="none",
            access_log=False,
            server_header=False,  # emulators set their own Server header
            date_header=False,
            h11_max_incomplete_event_size=4 * 1024 * 1024,  # e.net sends whole documents in the URL
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        running.append((server, thread, sock))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"

    yield serve
    for server, thread, sock in running:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


EnetPair = tuple[Any, SysproEnetClient]


def _credentials(app: Any, **override: str) -> EnetCredentials:
    accepted = dict(app.state.credentials, **override)
    return EnetCredentials(
        operator=accepted["operator"],
        operator_password=Secret(accepted["operator_password"]),
        company_id=accepted["company_id"],
        company_password=Secret(accepted["company_password"]),
    )


@pytest.fixture
def enet_credentials() -> Callable[..., EnetCredentials]:
    """``enet_credentials(app, **override)``: the credentials an e.net emulator accepts, as Secrets."""
    return _credentials


@pytest.fixture
def make_enet(serve_asgi: ServeAsgi, clock: FixedClock) -> Iterator[Callable[..., EnetPair]]:
    """``make_enet(faults=..., client_options={...}, **emulator_options) -> (app, client)``: the e.net
    emulator served on a real socket and a client for it (no backoff sleeping, no lease waiting)."""
    clients: list[SysproEnetClient] = []

    def make(*, faults: Any = None, client_options: dict[str, Any] | None = None, **options: Any) -> EnetPair:
        app = create_app(seed=7, faults=faults, clock=clock, **options)
        base_url = serve_asgi(app) + "/SYSPROWCFService/Rest"
        settings: dict[str, Any] = {"sleep": lambda _s: None, "lease_timeout_s": 0} | (client_options or {})
        client = SysproEnetClient.connect(base_url, _credentials(app), **settings)
        clients.append(client)
        return app, client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def enet_pair(make_enet: Callable[..., EnetPair]) -> EnetPair:
    return make_enet()
