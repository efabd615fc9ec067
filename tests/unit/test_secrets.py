"""Secrets: encrypted at rest, rotation keeps them readable, redaction scrubs them everywhere."""

from __future__ import annotations

import os
import stat

import pytest
from cryptography.fernet import Fernet

from ml_connector.errors import SecretError
from ml_connector.secrets.keys import KeyRing
from ml_connector.secrets.secret import REDACTOR, Secret


def test_secret_never_prints_itself() -> None:
    s = Secret("s3cr3t-value-xyz")
    assert "s3cr3t" not in repr(s) and "s3cr3t" not in str(s) and "s3cr3t" not in f"{s}"
    assert s.reveal() == "s3cr3t-value-xyz"


def test_redactor_scrubs_registered_values_and_credential_patterns() -> None:
    Secret("pa55word-abc")
    text = "failed for pa55word-abc with Authorization: Basic dXNlcjpwYXNz and client_secret=zzz&x=1"
    out = REDACTOR.scrub(text)
    assert "pa55word-abc" not in out and "dXNlcjpwYXNz" not in out and "zzz" not in out
    assert "x=1" in out


def test_redactor_scrubs_the_encoded_forms_of_a_secret() -> None:
    from base64 import b64encode
    from urllib.parse import quote, quote_plus

    from ml_connector.http.auth import BasicAuth

    secret = "Pw&d/e+f g%1!"
    BasicAuth("ODATA", Secret(secret))
    basic = b64encode(f"ODATA:{secret}".encode()).decode()
    forms = [secret, quote(secret, safe=""), quote_plus(secret), b64encode(secret.encode()).decode(), basic]
    out = REDACTOR.scrub(" | ".join(f"seen {form} here" for form in forms))
    assert not [form for form in forms if form in out], out
    assert out.count("seen *** here") == len(forms)


def test_key_file_is_created_private_and_refused_when_readable(tmp_path) -> None:
    path = tmp_path / "keys"
    ring = KeyRing.load(path, create=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    token = ring.encrypt("hello")
    assert b"hello" not in token and KeyRing.load(path).decrypt(token) == "hello"
    os.chmod(path, 0o644)
    with pytest.raises(SecretError, match="chmod 600"):
        KeyRing.load(path)


def test_rotation_re_encrypts_and_old_key_can_be_dropped(tmp_path) -> None:
    path = tmp_path / "keys"
    ring = KeyRing.load(path, create=True)
    token = ring.encrypt("v")
    rotated = ring.with_new_key()
    new_token = rotated.rotate(token)
    only_new = rotated.drop_old_keys()
    assert only_new.decrypt(new_token) == "v"
    with pytest.raises(SecretError, match="none of the configured keys"):
        only_new.decrypt(token)


def test_connection_store_keeps_only_ciphertext(store) -> None:
    from sqlalchemy import select

    from ml_connector.store.schema import connections

    store.connections.put(
        "erp",
        "syspro-odata",
        {"operator": "ADMIN"},
        {"password": "very-secret-pw"},
        __import__("datetime").datetime.now(__import__("datetime").UTC),
    )
    with store.engine.connect() as db:
        blob = db.execute(select(connections.c.secret_blob)).scalar()
    assert b"very-secret-pw" not in blob
    got = store.connections.get("erp")
    assert got.secret("password").reveal() == "very-secret-pw"
    assert store.connections.list()[0]["secrets"] == ["password"]
    assert "very-secret-pw" not in repr(store.connections.list())


def test_env_keys_take_precedence(tmp_path) -> None:
    key = Fernet.generate_key().decode()
    ring = KeyRing.load(tmp_path / "absent", env_value=key)
    assert ring.decrypt(ring.encrypt("x")) == "x"
