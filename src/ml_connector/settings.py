"""Configuration: a TOML file (``ml-connector init`` writes a commented one) plus environment overrides.

The only module that reads ``os.environ``. Secrets are never in this file: they live encrypted in the
store (``ml-connector connections add``); the encryption keys come from ``ML_CONNECTOR_KEYS`` or the key file.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from ml_connector.errors import ConfigError

DEFAULT_CONFIG = Path("ml-connector.toml")


class StoreSettings(BaseModel):
    url: str | None = None  # default: SQLite file in data_dir
    key_file: Path | None = None  # default: data_dir/keys


class WarehouseSettings(BaseModel):
    type: str = "duckdb"  # duckdb | postgres | snowflake | bigquery | redshift
    path: Path | None = None  # duckdb file; default data_dir/warehouse.duckdb
    dsn: str | None = None  # postgres / redshift
    dataset: str = "syspro"
    credentials: dict[str, Any] = Field(default_factory=dict)  # snowflake / bigquery (prefer env, see README)
    # How a full read replaces a table: "truncate-and-insert" (fastest; readers see the table empty, then
    # filling, while it loads) or "insert-from-staging" (loads beside it, then swaps in one transaction).
    replace_strategy: Literal["truncate-and-insert", "insert-from-staging"] = "truncate-and-insert"
    # Integration instances (name@instance) into this warehouse: a "dataset" each (<dataset>_<instance>),
    # or one dataset with a "column" (``company``, the instance name) leading every table's key.
    instances: Literal["dataset", "column"] = "dataset"
    company: str | None = None  # set per instance by the runtime in "column" layout


class SysproLookerSettings(BaseModel):
    syspro_connection: str = "syspro-odata"
    looker_connection: str | None = "looker"  # None: no Looker calls (warehouse only)
    looker_db_connection: str = "ml_warehouse"  # the Looker connection that reads the warehouse
    datagroup: str | None = "syspro::syspro_etl"  # "model::name" (or the datagroup id) reset after each load
    batch_rows: int = 20_000
    lookback_days: int = 3
    cursors: dict[str, str] = Field(default_factory=dict)  # stream -> "date" | "rowversion" | "full"
    cost_centre_category: str = "CC"


class Settings(BaseModel):
    data_dir: Path = Path(".ml-connector")
    store: StoreSettings = Field(default_factory=StoreSettings)
    warehouse: WarehouseSettings = Field(default_factory=WarehouseSettings)
    syspro_looker: SysproLookerSettings = Field(default_factory=SysproLookerSettings, alias="syspro-looker")
    keys_env: str | None = Field(default=None, exclude=True)
    config_path: Path | None = Field(default=None, exclude=True)

    # Sections of other integrations ([commerce-syspro], [syspro-sterling], ...) are kept as plain tables;
    # each integration validates its own with its own pydantic model (see ``section``).
    model_config = {"populate_by_name": True, "extra": "allow"}

    def section(self, name: str) -> dict[str, Any]:
        """The raw ``[name]`` table of the config file ({} when absent)."""
        extra = self.model_extra or {}
        value = extra.get(name, {})
        if not isinstance(value, dict):
            raise ConfigError(f"[{name}] in the config must be a table, not {type(value).__name__}.")
        return value

    @property
    def store_url(self) -> str:
        return self.store.url or f"sqlite:///{(self.data_dir / 'store.db').resolve()}"

    @property
    def key_file(self) -> Path:
        return self.store.key_file or self.data_dir / "keys"

    @property
    def warehouse_path(self) -> Path:
        return self.warehouse.path or self.data_dir / "warehouse.duckdb"


def load_settings(path: Path | None = None) -> Settings:
    """Read the config file (``--config``, ``ML_CONNECTOR_CONFIG`` or ./ml-connector.toml, if present)."""
    candidate = path or (Path(os.environ["ML_CONNECTOR_CONFIG"]) if os.environ.get("ML_CONNECTOR_CONFIG") else None)
    data: dict[str, Any] = {}
    chosen = candidate or (DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None)
    if chosen is not None:
        if not chosen.exists():
            raise ConfigError(f"Config file {chosen} does not exist. Create one with `ml-connector init`.")
        try:
            data = tomllib.loads(chosen.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"Config file {chosen} is not valid TOML: {exc}. Fix that line.") from None
    if os.environ.get("ML_CONNECTOR_DATA_DIR"):
        data["data_dir"] = os.environ["ML_CONNECTOR_DATA_DIR"]
    if os.environ.get("ML_CONNECTOR_STORE_URL"):
        data.setdefault("store", {})["url"] = os.environ["ML_CONNECTOR_STORE_URL"]
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        where = chosen or "the defaults"
        raise ConfigError(f"Config in {where} is invalid:\n{exc}") from None
    settings.keys_env = os.environ.get("ML_CONNECTOR_KEYS")
    settings.config_path = chosen
    if chosen is not None and not settings.data_dir.is_absolute():
        settings.data_dir = (chosen.parent / settings.data_dir).resolve()
    return settings
