"""`ml-connector init` creates the first admin (one-time password printed once, or from the environment);
`users`, `tokens` and `actions` manage and show who may use the web console and what they did."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from ml_connector.auth.passwords import verify_password
from ml_connector.bootstrap import bootstrap
from ml_connector.cli.main import app as cli
from ml_connector.settings import load_settings


@pytest.fixture
def config(tmp_path, monkeypatch):
    path = tmp_path / "ml-connector.toml"
    monkeypatch.setenv("ML_CONNECTOR_CONFIG", str(path))
    monkeypatch.delenv("ML_CONNECTOR_ADMIN_PASSWORD", raising=False)
    monkeypatch.delenv("ML_CONNECTOR_PASSWORD", raising=False)
    return path


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == code, result.output
    return result.output


def store(config):
    return bootstrap(load_settings(config)).store


def test_init_prints_the_first_admins_one_time_password_once(config) -> None:
    out = run("init", "--path", str(config))
    assert "Web console user admin (admin); one-time password" in out
    password = out.strip().splitlines()[-3]
    admin = store(config).users.get("admin")
    assert admin["must_change"] is True
    assert verify_password(admin["password_hash"], password)
    again = run("init", "--path", str(config), "--force")
    assert "one-time password" not in again  # only when there is no user yet


def test_init_takes_the_admin_password_from_the_environment(config, monkeypatch) -> None:
    monkeypatch.setenv("ML_CONNECTOR_ADMIN_PASSWORD", "from-the-vault-123")
    out = run("init", "--path", str(config))
    assert "from-the-vault-123" not in out
    admin = store(config).users.get("admin")
    assert admin["must_change"] is False
    assert verify_password(admin["password_hash"], "from-the-vault-123")


def test_users_tokens_and_actions(config, monkeypatch) -> None:
    run("init", "--path", str(config))
    out = run("users", "add", "maria", "--role", "operator")
    assert "One-time password for maria" in out
    assert "Unknown role 'boss'" in run("users", "add", "bob", "--role", "boss", code=2)
    assert "exists" in run("users", "add", "maria", code=2)
    run("users", "set-role", "maria", "admin")
    monkeypatch.setenv("ML_CONNECTOR_PASSWORD", "short")
    assert "at least 10 characters" in run("users", "reset-password", "maria", code=2)
    monkeypatch.setenv("ML_CONNECTOR_PASSWORD", "a long enough password")
    run("users", "reset-password", "maria")
    listed = {u["username"]: u for u in json.loads(run("users", "list", "--json"))}
    assert listed["maria"]["role"] == "admin"
    assert "password_hash" not in listed["maria"]
    created = json.loads(run("tokens", "create", "--role", "viewer", "--name", "prometheus", "--json"))
    assert re.fullmatch(r"mlc_[A-Za-z0-9_-]{43}", created["token"])
    tokens = json.loads(run("tokens", "list", "--json"))
    assert [(t["name"], t["role"], t["prefix"]) for t in tokens] == [("prometheus", "viewer", created["token"][:8])]
    assert created["token"] not in run("tokens", "list")
    run("tokens", "revoke", str(created["id"]))
    assert "No active token" in run("tokens", "revoke", str(created["id"]), code=2)
    run("users", "remove", "maria")
    assert "No user called 'maria'" in run("users", "remove", "maria", code=2)
    actions = [a["action"] for a in json.loads(run("actions", "--json"))]
    assert actions == [
        "user_removed", "token_revoked", "token_created", "password_reset", "user_role_set", "user_added", "user_added"
    ]  # fmt: skip
    table = run("actions", "--action", "user_removed")
    assert "maria" in table
    assert "user_added" not in table
