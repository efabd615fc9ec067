"""What a stored `warehouse` connection holds (see connectors/schema.py); the [warehouse] config table
says which warehouse is used, this only keeps its password out of the config file."""

from __future__ import annotations

from ml_connector.connectors.schema import ConnectionSchema, Field

SCHEMA = ConnectionSchema(
    system="warehouse",
    title="Warehouse login (password kept out of the config file)",
    fields=(
        Field("user", "Database user", required=False),
        Field("password", "Database password", secret=True, required=False),
    ),
)
