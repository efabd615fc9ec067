"""Systems a connection can be stored for: one line per connector, pointing at its ``connection.py``.

A new connector adds ``connectors/<system>/connection.py`` with ``SCHEMA = ConnectionSchema(...)`` and one
line below; `connections add|edit|show|schema`, the demo and `check` pick it up.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from datetime import datetime

from ml_connector.connectors.schema import ConnectionSchema, suggest
from ml_connector.errors import ConfigError
from ml_connector.store.connections import ConnectionStore

SYSTEMS: dict[str, str] = {
    "syspro-odata": "ml_connector.connectors.syspro.odata.connection",
    "syspro-enet": "ml_connector.connectors.syspro.enet.connection",
    "looker": "ml_connector.connectors.looker.connection",
    "commerce": "ml_connector.connectors.commerce.connection",
    "sterling": "ml_connector.connectors.sterling.connection",
    "warehouse": "ml_connector.connectors.warehouse.connection",
    "qad": "ml_connector.connectors.qad.connection",
    "pipedrive": "ml_connector.connectors.pipedrive.connection",
    "oidc": "ml_connector.auth.oidc_connection",  # web console single sign-on, not a connector
    "alert-webhook": "ml_connector.runtime.alert_connections:WEBHOOK",  # alerts, not a connector
    "smtp": "ml_connector.runtime.alert_connections:SMTP",  # alert e-mail, not a connector
}


def schema_of(system: str) -> ConnectionSchema:
    try:
        path, _, attribute = SYSTEMS[system].partition(":")  # "module" (its SCHEMA) or "module:NAME"
    except KeyError:
        raise ConfigError(
            f"Unknown system {system!r}{suggest(system, SYSTEMS)}; choose one of {', '.join(SYSTEMS)}."
        ) from None
    schema: ConnectionSchema = getattr(importlib.import_module(path), attribute or "SCHEMA")
    return schema


def store_connection(
    store: ConnectionStore,
    name: str,
    system: str,
    settings: Mapping[str, str],
    secrets: Mapping[str, str],
    now: datetime,
    *,
    replace: bool = False,
) -> dict[str, str]:
    """Validate against the system's schema and store (encrypted). The one way connections are written:
    `connections add|edit`, the demo and the tests' helpers all come here. Returns the stored settings."""
    if not name.strip():
        raise ConfigError("A connection needs a name, e.g. syspro-odata.")
    schema = schema_of(system)
    if not replace:
        refuse_overwrite(store, name)
    clean = schema.validate_settings(settings, connection=name)
    schema.validate_secrets(secrets, clean, connection=name)
    store.put(name, system, clean, dict(secrets), now)
    return clean


def refuse_overwrite(store: ConnectionStore, name: str) -> None:
    if store.exists(name):
        raise ConfigError(
            f"Connection {name!r} exists. Change it with `ml-connector connections edit {name} --set KEY=VALUE`, "
            f"or pass --replace to overwrite it."
        )
