"""What a stored `oidc` connection holds (single sign-on for the web console; see web/oidc.py and
connectors/schema.py)."""

from __future__ import annotations

from ml_connector.connectors.schema import ConnectionSchema, Field

SCHEMA = ConnectionSchema(
    system="oidc",
    title="OpenID Connect provider for the web console's single sign-on ([web] oidc_connection)",
    fields=(
        Field("issuer", "Issuer URL, e.g. https://login.example.com/realms/erp"),
        Field("client_id", "Client id registered for ml-connector"),
        Field("role_claim", "Claim holding the role", required=False),
        Field("roles", 'JSON object claim value -> role, e.g. {"erp-admins": "admin"}', required=False),
        Field("username_claim", "Claim holding the user name", required=False),
        Field("client_secret", "Client secret", secret=True),
    ),
    example="--set issuer=https://login.example.com/realms/erp --set client_id=ml-connector",
)
