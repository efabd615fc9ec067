"""A freshly started `ml-connector serve` process, as users meet it:

- Secrets: process A stores connections and leaves text quoting their secrets (and Basic-auth and URL-encoded
  forms) in the ledger, runs, parked records and action log; process B (`serve`, never having used those
  connections) renders every page and API answer, sign-in pages and failed sign-ins, OIDC settings, users and
  API tokens, and logs access lines: no secret anywhere. The store keeps only hashes of tokens.
- Webhook bodies: four 50 MB bodies at once (declared, and streamed without a length) get 413 and the
  server's memory grows by less than 5 MB.
- `serve` refuses a non-loopback address while nobody can sign in.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import pytest
from cryptography.fernet import Fernet

from cold_writer import write_leaky_store
from ml_connector.bootstrap import bootstrap
from ml_connector.emulators.serving import free_port
from ml_connector.settings import load_settings
from ml_connector.web.config import web_config

REPO = Path(__file__).resolve().parents[2]
CLI = Path(sys.executable).parent / "ml-connector"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def forms(value: str) -> set[str]:
    """A secret and the encodings that must not leak either."""
    b64 = base64.b64encode(value.encode()).decode()
    return {value, quote(value, safe=""), quote_plus(value), b64, b64.rstrip("=")}


@pytest.fixture
def configured(tmp_path) -> tuple[Path, dict[str, str]]:
    config = tmp_path / "ml-connector.toml"
    config.write_text('data_dir = "data"\n[web]\noidc_connection = "oidc"\n')
    values = {
        name: f"{name[:3]}-{secrets.token_urlsafe(9)}+/:@!"
        for name in ("syspro", "looker", "commerce", "commerce_token", "oidc")
    }
    values["ada_password"] = f"ada-{secrets.token_urlsafe(12)}"
    return config, values


def start_serve(config: Path, port: int, log: Path, host: str = "127.0.0.1") -> subprocess.Popen[bytes]:
    command = [str(CLI), "serve", "--host", host, "--port", str(port), "-c", str(config)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited: {log.read_text()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError(f"serve did not start: {log.read_text()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def sign_in(client: httpx.Client, name: str, password: str) -> httpx.Response:
    token = CSRF_FIELD.search(client.get("/signin").text)
    assert token
    return client.post(
        "/signin",
        data={"username": name, "password": password, "csrf_token": token.group(1), "next": "/"},
        headers={"origin": str(client.base_url).rstrip("/")},
    )


def test_a_fresh_serve_process_shows_no_stored_secret_anywhere(configured, tmp_path) -> None:
    config, values = configured
    token = write_leaky_store(config, values)  # this process is "process A"; serve below is a fresh one
    forbidden = {f for name, v in values.items() if name != "ada_password" for f in forms(v)}
    forbidden |= forms(f"ODATA:{values['syspro']}") | {token, values["ada_password"]}
    port = free_port()
    log = tmp_path / "serve.log"
    server = start_serve(config, port, log)
    answers: dict[str, str] = {}
    try:
        base = f"http://localhost:{port}"
        with httpx.Client(base_url=base, timeout=30) as anonymous:
            answers["/signin"] = anonymous.get("/signin").text
            failed = sign_in(anonymous, values["syspro"], values["looker"])  # a secret typed as user name
            answers["failed sign-in"] = failed.text
            assert failed.status_code == 401
        with httpx.Client(base_url=base, timeout=30) as client:
            assert sign_in(client, "ada", values["ada_password"]).status_code == 303
            secret_query = quote(values["syspro"], safe="")
            for path in (
                "/", "/audit", "/audit?source_id=RAW-LEAK", "/audit?status=failed", f"/audit?source_id={secret_query}",
                "/parked", "/connections", "/admin/users", "/admin/actions", "/account/password",
                "/api/runs", "/api/audit", "/api/audit?source_id=RAW-LEAK", "/api/parked", "/api/actions",
                "/api/users", "/metrics", "/healthz",
            ):  # fmt: skip
                answer = client.get(path)
                assert answer.status_code == 200, (path, answer.text[:300])
                answers[path] = answer.text + json.dumps(dict(answer.headers))
            assert "RAW-LEAK" in answers["/audit?source_id=RAW-LEAK"]
            assert "refused: password=***" in answers["/audit?source_id=RAW-LEAK"]
            assert "P-LEAK" in answers["/parked"]
            assert "http://127.0.0.1:9/idp" in answers["/admin/users"]  # OIDC settings shown, its secret not
            assert "prometheus" in answers["/admin/users"]
        bearer = httpx.get(f"{base}/api/users", headers={"authorization": f"Bearer {token}"}, timeout=30)
        answers["bearer /api/users"] = bearer.text
        assert bearer.status_code == 200
    finally:
        stop(server)
    answers["serve log"] = log.read_text()
    leaks = {(where, f) for where, text in answers.items() for f in forbidden if f in text}
    assert leaks == set()
    store = (config.parent / "data" / "store.db").read_bytes()
    wal = config.parent / "data" / "store.db-wal"
    stored = store + (wal.read_bytes() if wal.exists() else b"")
    assert token.encode() not in stored  # API tokens: only their SHA-256
    assert values["ada_password"].encode() not in stored  # passwords: only Argon2 hashes
    with sqlite3.connect(config.parent / "data" / "store.db") as db:
        [(scrubbed,)] = db.execute("SELECT error FROM record_ledger WHERE source_id = 'SCRUBBED-LEAK'").fetchall()
    assert scrubbed.startswith("refused: password=*** Basic *** url ?pw=***")
    assert {f for f in forbidden if f in scrubbed} == set()  # the ledger scrubbed it before writing


def send_large(port: int, size: int, chunked: bool) -> int:
    """POST ``size`` bytes to the Commerce webhook without holding them; return the HTTP status."""
    head = f"POST /hooks/commerce-syspro HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
    head += "Transfer-Encoding: chunked\r\n\r\n" if chunked else f"Content-Length: {size}\r\n\r\n"
    chunk = b"x" * 65536
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head.encode())
        sent = 0
        try:
            while sent < size:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
                sent += len(chunk)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError:  # the server answered and closed while we were still sending: expected
            pass
        reply = b""
        try:
            while b"\r\n" not in reply:
                data = sock.recv(4096)
                if not data:
                    break
                reply += data
        except OSError:
            pass
    return int(reply.split()[1]) if reply.startswith(b"HTTP/1.1") else 0


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_four_50_mb_webhook_bodies_get_413_and_memory_stays_flat(tmp_path) -> None:
    config = tmp_path / "ml-connector.toml"
    config.write_text('data_dir = "data"\n')
    app = bootstrap(load_settings(config), create_keys=True)
    settings = {"base_url": "http://127.0.0.1:9", "webhook_public_key": "-----BEGIN PUBLIC KEY-----"}
    app.connections.put("commerce", "commerce", settings, {"access_token": "tok-123456"}, app.clock.now())
    port = free_port()
    server = start_serve(config, port, tmp_path / "serve.log")
    try:
        assert send_large(port, 1000, chunked=False) == 401  # verification configured: a wrong delivery
        for _ in range(3):  # warm up the code paths before measuring
            assert send_large(port, 2_000_000, chunked=True) == 413
        baseline = rss_kib(server.pid)
        peak = baseline
        statuses: list[int] = []
        threads = [
            threading.Thread(target=lambda c=chunked: statuses.append(send_large(port, 50 * 1024 * 1024, c)))
            for chunked in (False, False, True, True)
        ]
        for thread in threads:
            thread.start()
        while any(t.is_alive() for t in threads):
            peak = max(peak, rss_kib(server.pid))
            time.sleep(0.01)
        peak = max(peak, rss_kib(server.pid))
    finally:
        stop(server)
    assert statuses == [413, 413, 413, 413]
    assert (peak - baseline) < 5 * 1024, f"grew {peak - baseline} KiB"


def test_serve_refuses_a_non_loopback_address_until_someone_can_sign_in(tmp_path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from ml_connector.auth.accounts import add_user
    from ml_connector.cli.main import app as cli
    from ml_connector.cli.serve import refuse_open_bind

    config = tmp_path / "ml-connector.toml"
    config.write_text('data_dir = "data"\n')
    monkeypatch.setenv("ML_CONNECTOR_KEYS", Fernet.generate_key().decode())
    refused = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--port", str(free_port()), "-c", str(config)])
    assert refused.exit_code == 2, refused.output
    assert "Refusing to serve on 0.0.0.0" in refused.output
    assert "ml-connector users add" in refused.output
    app = bootstrap(load_settings(config))
    for loopback in ("127.0.0.1", "localhost", "::1"):
        refuse_open_bind(app, loopback)  # no error
    add_user(app.store, "ada", "admin", app.clock.now())
    refuse_open_bind(app, "0.0.0.0")
    assert web_config(app.settings).oidc_connection is None
