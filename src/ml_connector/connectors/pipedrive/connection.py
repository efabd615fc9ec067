"""What a stored `pipedrive` connection holds (see connectors/schema.py). Which secrets are needed depends
on ``auth``: an API token, or an OAuth app's client secret and refresh token (rotated ones are stored
back, encrypted, by the connector)."""

from __future__ import annotations

from ml_connector.connectors.schema import ConnectionSchema, Field

_OAUTH = ("auth", ("oauth",))

SCHEMA = ConnectionSchema(
    system="pipedrive",
    title="Pipedrive API (v2, v1 where v2 has no equivalent)",
    fields=(
        Field("base_url", "Company domain, e.g. https://acme.pipedrive.com (OAuth: the token answer's api_domain)"),
        Field("auth", "How to authenticate", required=False, default="api_token", choices=("api_token", "oauth")),
        Field("client_id", "OAuth app client id (auth=oauth)", required_if=_OAUTH),
        Field(
            "oauth_token_url", "OAuth token endpoint", required=False, default="https://oauth.pipedrive.com/oauth/token"
        ),
        Field("webhook_user", "HTTP Basic user Pipedrive webhooks send (optional)", required=False),
        Field(
            "api_token",
            "Personal API token (sent only in the x-api-token header)",
            secret=True,
            required_if=("auth", ("api_token",)),
        ),
        Field("client_secret", "OAuth app client secret", secret=True, required_if=_OAUTH),
        Field("refresh_token", "OAuth refresh token (rotations are stored back)", secret=True, required_if=_OAUTH),
        Field(
            "webhook_password", "HTTP Basic password Pipedrive webhooks send (optional)", secret=True, required=False
        ),
    ),
    example="--set base_url=https://acme.pipedrive.com --set auth=api_token",
)
