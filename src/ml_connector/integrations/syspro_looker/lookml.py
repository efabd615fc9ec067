"""LookML for the SYSPRO -> Looker tables: the warehouse declarations turned into generator input."""

from __future__ import annotations

from pathlib import Path

from ml_connector.connectors.looker.lookml import Column, TableSchema, write_lookml
from ml_connector.connectors.warehouse.tables import WarehouseTable
from ml_connector.integrations.syspro_looker.tables import TABLES

_LOOKML_TYPES = {
    "text": "string",
    "date": "date",
    "timestamp": "timestamp",
    "money": "number",
    "quantity": "number",
    "int": "number",
    "bool": "boolean",
}
MODEL = "syspro"


def table_schema(table: WarehouseTable) -> TableSchema:
    return TableSchema(
        name=table.name,
        columns=tuple(Column(c.name, _LOOKML_TYPES[c.type]) for c in table.all_columns()),  # type: ignore[arg-type]
        primary_key=table.primary_key,
        joins={column: (dim, key) for column, dim, key in table.joins},
        kind="fact" if table.name.startswith("fct_") else "dimension",
    )


def write_views(out_dir: Path, *, connection: str, schema: str, datagroup: str | None = None) -> list[Path]:
    """Write the views and the model; ``datagroup`` may be "model::name" as in the config."""
    if datagroup and "::" in datagroup:
        datagroup = datagroup.split("::", 1)[1]
    return write_lookml(
        [table_schema(t) for t in TABLES.values()],
        connection=connection,
        model=MODEL,
        out_dir=out_dir,
        schema=schema,
        datagroup=datagroup,
    )
