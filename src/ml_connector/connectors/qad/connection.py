"""What a stored `qad` connection holds (see connectors/schema.py): the tenant URL, the API user, the
workspace (domain and entity) and, where QAD's defaults differ on a site, the browse ids and paths."""

from __future__ import annotations

from dataclasses import fields

from ml_connector.connectors.qad.browses import QadPaths
from ml_connector.connectors.schema import ConnectionSchema, Field

_PATHS = tuple(
    Field(f.name, f"QAD {f.name.replace('_', ' ')} (not public; default {f.default})", required=False)
    for f in fields(QadPaths)
)

SCHEMA = ConnectionSchema(
    system="qad",
    title="QAD Adaptive ERP REST (OAuth2 password grant, or HTTP Basic)",
    fields=(
        Field("base_url", "Tenant URL with its path, e.g. https://acme.qadcloud.com/clouderp"),
        Field("username", "API user"),
        Field("domain", "QAD domain (workspace header)"),
        Field("entity", "QAD entity (workspace header)"),
        Field("auth", "oauth (password grant, default) or basic", required=False, choices=("oauth", "basic")),
        Field("client_id", "OAuth2 client id where the tenant needs one", required=False),
        Field("verify_tls", "Verify the TLS certificate (true/false)", required=False, choices=("true", "false")),
        Field("lockout_warn_after", "Refused logins in a row before the lockout alert (default 3)", required=False),
        *_PATHS,
        Field("password", "API user's password", secret=True),
    ),
    example="--set base_url=https://acme.qadcloud.com/clouderp --set username=api --set domain=US1 --set entity=US10",
)
