"""The redactor masks a secret in the forms it travels in: as is, URL-encoded (query strings, form bodies),
base64, and inside an ``Authorization: Basic`` pair; a store teaches it every stored secret on open."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from urllib.parse import quote, quote_plus

from ml_connector.secrets.secret import Redactor
from ml_connector.store.connections import ConnectionStore


def test_a_registered_secret_is_masked_in_its_common_encodings() -> None:
    redactor = Redactor()
    secret = "p@ss w/rd+1:x"
    redactor.register(secret)
    redactor.register_basic("ODATA", secret)
    pair = base64.b64encode(f"ODATA:{secret}".encode()).decode()
    for form in (secret, quote(secret, safe=""), quote_plus(secret), base64.b64encode(secret.encode()).decode(), pair):
        assert redactor.scrub(f"before {form} after") == "before *** after", form
    assert redactor.scrub("nothing secret here") == "nothing secret here"


def test_opening_a_store_teaches_the_redactor_every_stored_secret(store, monkeypatch) -> None:
    from ml_connector.secrets import secret as secret_module

    now = datetime(2026, 12, 1, tzinfo=UTC)
    store.connections.put("looker", "looker", {"client_id": "lk-id"}, {"client_secret": "cs-9f8e7d6c5b"}, now)
    fresh = Redactor()  # what a new process starts with
    monkeypatch.setattr(secret_module, "REDACTOR", fresh)
    import ml_connector.store.connections as connections_module

    monkeypatch.setattr(connections_module, "REDACTOR", fresh)
    assert fresh.scrub("cs-9f8e7d6c5b") == "cs-9f8e7d6c5b"
    ConnectionStore(store.engine, store.connections._keys).register_secrets()
    basic = base64.b64encode(b"lk-id:cs-9f8e7d6c5b").decode()
    assert fresh.scrub(f"secret cs-9f8e7d6c5b basic {basic}") == "secret *** basic ***"
