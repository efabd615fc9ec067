"""Serve an emulator with uvicorn on 127.0.0.1, in a background thread (tests, demo) or in the foreground."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import uvicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ServedEmulator:
    app: Any
    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve_in_thread(app: Any, port: int | None = None, host: str = "127.0.0.1") -> ServedEmulator:
    port = port or free_port()
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"emulator:{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"Emulator did not start on {host}:{port}.")
        time.sleep(0.02)
    return ServedEmulator(app, f"http://{host}:{port}", server, thread)


def serve_forever(app: Any, port: int, host: str = "127.0.0.1") -> None:
    uvicorn.run(app, host=host, port=port, log_level="info", lifespan="off")
