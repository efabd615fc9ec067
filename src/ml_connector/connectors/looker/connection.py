"""What a stored `looker` connection holds (see connectors/schema.py)."""

from __future__ import annotations

from ml_connector.connectors.schema import ConnectionSchema, Field

SCHEMA = ConnectionSchema(
    system="looker",
    title="Looker API 4.0 (API3 client id and secret)",
    fields=(
        Field("base_url", "API host, e.g. https://company.cloud.looker.com"),
        Field("client_id", "API3 client id"),
        Field("verify_tls", "Verify the TLS certificate (true/false)", required=False, choices=("true", "false")),
        Field("client_secret", "API3 client secret", secret=True),
    ),
    example="--set base_url=https://company.cloud.looker.com --set client_id=...",
)
