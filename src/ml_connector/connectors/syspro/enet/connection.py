"""What a stored `syspro-enet` connection holds (see connectors/schema.py)."""

from __future__ import annotations

from ml_connector.connectors.schema import ConnectionSchema, Field

SCHEMA = ConnectionSchema(
    system="syspro-enet",
    title="SYSPRO e.net Solutions (WCF REST: logon, query, transaction posting)",
    fields=(
        Field("base_url", "WCF REST root, e.g. https://erp.example.com/SYSPROWCFService/Rest"),
        Field("operator", "SYSPRO operator that logs on"),
        Field("company_id", "SYSPRO company id", required=False, default="L"),
        Field(
            "lockout_warn_after",
            "Refused logins in a row before the lockout alert (default 3)",
            required=False,
        ),
        Field("operator_password", "Password of the operator", secret=True),
        # Many SYSPRO companies have no company password: an empty value is a value.
        Field("company_password", "Company password (empty when the company has none)", secret=True, empty_ok=True),
    ),
    example="--set base_url=https://erp.example.com/SYSPROWCFService/Rest --set operator=ADMIN --set company_id=L",
    notes="Each logon takes a SYSPRO licence seat while it lasts; a run logs on once.",
)
