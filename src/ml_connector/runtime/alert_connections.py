"""What the stored connections of alert channels hold (see runtime/alerts.py and connectors/schema.py):
``alert-webhook`` (a Slack or Teams incoming-webhook URL, itself the secret) and ``smtp`` (a mail relay)."""

from __future__ import annotations

from ml_connector.connectors.schema import ConnectionSchema, Field

WEBHOOK = ConnectionSchema(
    system="alert-webhook",
    title="Incoming webhook for alerts (Slack or Microsoft Teams; [alerts] webhook_connection)",
    fields=(Field("url", "The incoming-webhook URL (it carries its own token: kept encrypted)", secret=True),),
    example="(the URL is prompted, or ML_CONNECTOR_SECRET_URL)",
)

SMTP = ConnectionSchema(
    system="smtp",
    title="SMTP relay for alert e-mails ([alerts] smtp_connection, email_to)",
    fields=(
        Field("host", "SMTP host, e.g. smtp.example.com"),
        Field("port", "SMTP port", required=False, default="25"),
        Field("sender", "From address, e.g. ml-connector@example.com", required=False),
        Field("starttls", "Upgrade with STARTTLS", required=False, choices=("true", "false")),
        Field("user", "Login user (none: no login)", required=False),
        Field("password", "Login password", secret=True, required=False),
    ),
    example="--set host=smtp.example.com --set port=587 --set starttls=true --set user=alerts",
)
