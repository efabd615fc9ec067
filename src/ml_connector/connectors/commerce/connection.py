"""What a stored `commerce` connection holds (see connectors/schema.py). Which secrets are needed
depends on ``auth`` (the integration's ``commerce_auth`` must agree)."""

from __future__ import annotations

from ml_connector.connectors.schema import ConnectionSchema, Field

_OAUTH1 = ("auth", ("oauth1",))

SCHEMA = ConnectionSchema(
    system="commerce",
    title="Adobe Commerce REST API",
    fields=(
        Field("base_url", "REST root with the store code, e.g. https://shop.example.com/rest/default"),
        Field("auth", "How to authenticate", required=False, default="oauth1", choices=("oauth1", "bearer", "ims")),
        Field("ims_org_id", "Adobe IMS organisation (auth=ims)", required=False),
        Field("webhook_public_key", "Public key Commerce signs webhooks with (PEM)", required=False),
        Field("consumer_key", "Integration consumer key", secret=True, required_if=_OAUTH1),
        Field("consumer_secret", "Integration consumer secret", secret=True, required_if=_OAUTH1),
        Field("access_token", "Integration access token", secret=True, required_if=("auth", ("oauth1", "bearer"))),
        Field("access_token_secret", "Integration access token secret", secret=True, required_if=_OAUTH1),
        Field("ims_client_id", "Adobe IMS client id (auth=ims)", secret=True, required_if=("auth", ("ims",))),
        Field("ims_client_secret", "Adobe IMS client secret (auth=ims)", secret=True, required_if=("auth", ("ims",))),
        Field("webhook_secret", "Shared secret of signed webhooks", secret=True, required=False),
    ),
    example="--set base_url=https://shop.example.com/rest/default --set auth=oauth1",
)
