"""What a stored `syspro-odata` connection holds (see connectors/schema.py)."""

from __future__ import annotations

from ml_connector.connectors.schema import ConnectionSchema, Field

SCHEMA = ConnectionSchema(
    system="syspro-odata",
    title="SYSPRO 8 OData service (read-only tables)",
    fields=(
        Field("base_url", "Service root with its path, e.g. https://erp.example.com/SYSPRO8OData/SYSPROOData"),
        Field("operator", "SYSPRO operator the OData service logs in as"),
        Field("company", "SYSPRO company id", required=False, default="A"),
        Field("company_style", "How the company is addressed in URLs", required=False, choices=("path", "database")),
        Field("page_cap", "Largest page the service returns ($top)", required=False),
        Field("date_literal", "How dates are written in $filter", required=False, choices=("datetimeoffset", "date")),
        Field("verify_tls", "Verify the TLS certificate (true/false)", required=False, choices=("true", "false")),
        Field(
            "lockout_warn_after",
            "Refused logins in a row before the lockout alert (default 3)",
            required=False,
        ),
        Field("password", "Password of the operator", secret=True),
    ),
    example="--set base_url=https://erp.example.com/SYSPRO8OData/SYSPROOData --set operator=ODATA --set company=A",
)
