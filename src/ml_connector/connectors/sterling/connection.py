"""What a stored `sterling` connection holds (see connectors/schema.py)."""

from __future__ import annotations

from ml_connector.connectors.schema import ConnectionSchema, Field

SCHEMA = ConnectionSchema(
    system="sterling",
    title="IBM Sterling B2B Integrator REST APIs",
    fields=(
        Field("base_url", "B2B API root with its path, e.g. https://b2b.example.com:5074/B2BAPIs/svc/"),
        Field("username", "API user"),
        Field("verify_tls", "Verify the TLS certificate (true/false)", required=False, choices=("true", "false")),
        Field(
            "allow_insecure_http", "Allow http:// (tests, emulators only)", required=False, choices=("true", "false")
        ),
        Field("password", "Password of the API user", secret=True),
    ),
    example="--set base_url=https://b2b.example.com:5074/B2BAPIs/svc/ --set username=apiuser",
)
