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

    def instance_section(self, key: str) -> dict[str, Any]:
        """The table an integration instance reads: ``[name@x]`` laid over ``[name]`` (``key`` = ``name@x``),
        or ``[name]`` alone for the default instance (``key`` = ``name``)."""
        name = key.partition("@")[0]
        return {**self.section(name), **self.section(key)} if key != name else dict(self.section(name))

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
    check_keys(data, Settings, str(chosen or "the environment"))
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


_INTERNAL = {"keys_env", "config_path"}
# Top-level tables read with ``Settings.section`` that are neither a field of Settings nor an integration
# (e.g. a scheduler's): name -> "module:Model" whose fields are the valid keys, or None (any keys). One line each.
OTHER_SECTIONS: dict[str, str | None] = {
    "web": "ml_connector.web.config:WebConfig",
    "runtime": "ml_connector.runtime.config:RuntimeConfig",
    "alerts": "ml_connector.runtime.config:AlertsConfig",
    "schedule": None,  # [schedule."<instance>"] tables: checked by ml_connector.runtime.config
}
# Keys every [<integration>] section may hold besides its own model's (read by shared code).
INTEGRATION_KEYS = frozenset({"webhook_max_bytes", "warehouse_dataset"})


def check_keys(data: dict[str, Any], model: type[BaseModel], where: str, section: str = "") -> None:
    """Refuse an unknown section or key, naming it and the nearest valid one (a typo would otherwise be
    ignored and the default silently used). Integration sections are checked against their own model."""
    from ml_connector.connectors.schema import suggest

    known: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name not in _INTERNAL:
            known[info.alias or name] = info.annotation
    if model is Settings:
        known = {**_other_sections(), **_integration_models(), **known}
    integration_section = bool(section) and "." not in section and section in _integration_models()
    for key, value in data.items():
        if integration_section and key in INTEGRATION_KEYS:
            continue
        base = key.partition("@")[0]
        if model is Settings and not section and "@" in key and base in _integration_models():
            # ["syspro-looker@plant-a"]: an instance, checked like its integration's section
            sub_model = known.get(base)
            if isinstance(value, dict) and isinstance(sub_model, type) and issubclass(sub_model, BaseModel):
                check_keys(value, sub_model, where, base)
            continue
        if key not in known:
            what = f"section [{key}]" if isinstance(value, dict) and not section else f"key {key!r}"
            inside = f" in [{section}]" if section else ""
            raise ConfigError(
                f"Config file {where}: unknown {what}{inside}{suggest(key, known)}. Valid: {', '.join(sorted(known))}."
            )
        sub = known[key]
        where_in = f"{section}.{key}" if section else key
        if isinstance(value, dict) and isinstance(sub, type) and issubclass(sub, BaseModel):
            check_keys(value, sub, where, where_in)
        elif isinstance(value, dict) and _dict_of_models(sub) is not None:
            for name, item in value.items():
                if isinstance(item, dict):
                    check_keys(item, _dict_of_models(sub), where, f"{where_in}.{name}")  # type: ignore[arg-type]


def _other_sections() -> dict[str, type[BaseModel] | None]:
    import importlib

    out: dict[str, type[BaseModel] | None] = {}
    for name, where in OTHER_SECTIONS.items():
        if where is None:
            out[name] = None
            continue
        module, _, attribute = where.partition(":")
        found = getattr(importlib.import_module(module), attribute)
        out[name] = found if isinstance(found, type) and issubclass(found, BaseModel) else None
    return out


def _dict_of_models(annotation: Any) -> type[BaseModel] | None:
    from typing import get_args, get_origin

    if get_origin(annotation) is dict:
        args = get_args(annotation)
        if len(args) == 2 and isinstance(args[1], type) and issubclass(args[1], BaseModel):
            return args[1]
    return None


def _integration_models() -> dict[str, type[BaseModel] | None]:
    """[<integration>] -> its settings model: ``MODEL`` in the integration's settings.py, else the return type
    of its ``load``; None when it declares neither (then its keys are not checked here)."""
    import importlib
    import typing

    from ml_connector.integrations.registry import INTEGRATIONS

    out: dict[str, type[BaseModel] | None] = {}
    for name, wiring in INTEGRATIONS.items():
        try:
            module = importlib.import_module(wiring.rsplit(".", 1)[0] + ".settings")
        except ImportError:
            out[name] = None
            continue
        found = getattr(module, "MODEL", None)
        if found is None and hasattr(module, "load"):
            found = typing.get_type_hints(module.load).get("return")
        out[name] = found if isinstance(found, type) and issubclass(found, BaseModel) else None
    return out
