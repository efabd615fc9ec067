"""Integration instances: ``syspro-looker@plant-a`` is the integration ``syspro-looker`` run with the
settings of config section ``["syspro-looker@plant-a"]`` laid over ``[syspro-looker]``.

The instance's full name keys everything it owns in the store (cursors, ledger, deliveries, parked
records, runs, its lease and schedule), so two instances never share state; a name without ``@`` is the
default instance, exactly today's behaviour. In the warehouse each instance loads a dataset of its own
(``warehouse_dataset`` in its section, default ``<dataset>_<instance>``), and its loader keeps its own
pipeline state under ``<data_dir>/instances/<instance>``. With ``[warehouse] instances = "column"`` they
share the dataset instead and every table gets a ``company`` column (the instance name) leading its key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ml_connector.bootstrap import App
from ml_connector.errors import ConfigError
from ml_connector.integrations.registry import INTEGRATIONS
from ml_connector.settings import Settings

_INSTANCE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,40}$")
# Keys of an instance section the runtime reads itself (the integration's model never sees them).
RUNTIME_KEYS = ("warehouse_dataset",)


@dataclass(frozen=True)
class Instance:
    """One integration instance: ``integration`` (registered name) and ``instance`` (None: the default)."""

    integration: str
    instance: str | None = None

    @property
    def key(self) -> str:
        """The name the store keys this instance's rows by (``name`` or ``name@instance``)."""
        return self.integration if self.instance is None else f"{self.integration}@{self.instance}"

    def __str__(self) -> str:
        return self.key


def parse_instance(text: str) -> Instance:
    """``"syspro-looker@plant-a"`` -> Instance; a clear ConfigError for an unknown integration or bad name."""
    integration, _, instance = text.strip().partition("@")
    if integration not in INTEGRATIONS:
        raise ConfigError(
            f"No integration called {integration!r} (in {text!r}). Known: {', '.join(INTEGRATIONS)}; "
            "an instance is written name@instance, e.g. syspro-looker@plant-a."
        )
    if not instance:
        return Instance(integration)
    if not _INSTANCE.match(instance):
        raise ConfigError(
            f"Instance name {instance!r} in {text!r} is not valid: use lowercase letters, digits, '-' or '_' "
            "(at most 41), starting with a letter or digit."
        )
    return Instance(integration, instance)


def instance_settings(settings: Settings, inst: Instance) -> Settings:
    """The settings ``inst`` runs with: its section over the integration's, its own warehouse dataset."""
    if inst.instance is None:
        if settings.warehouse.instances != "column":
            return settings  # exactly today's behaviour
        copy = settings.model_copy(deep=True)
        copy.warehouse.company = "default"
        return copy
    own = dict(settings.section(inst.key))
    column = settings.warehouse.instances == "column"
    default = (
        settings.warehouse.dataset if column else f"{settings.warehouse.dataset}_{inst.instance.replace('-', '_')}"
    )
    dataset = str(own.pop("warehouse_dataset", default))
    data = settings.model_dump(by_alias=True)
    data.update(settings.model_extra or {})
    base = data.get(inst.integration) or {}  # a typed section (syspro-looker) or a raw table
    merged: dict[str, Any] = {**base, **own}
    data[inst.integration] = merged
    data["warehouse"] = {
        **data["warehouse"],
        "dataset": dataset,
        "path": settings.warehouse_path,
        "company": inst.instance if column else None,
    }
    data["data_dir"] = settings.data_dir / "instances" / inst.instance
    copy = Settings.model_validate(data)
    copy.keys_env, copy.config_path = settings.keys_env, settings.config_path
    return copy


def instance_app(app: App, inst: Instance) -> App:
    """``app`` as ``inst`` sees it: same store, keys and clock; the instance's settings; ``app.instance_key(name)``
    gives the instance's key, which the integration's wiring keys its own store rows by."""
    if inst.instance is None:
        return app
    return App(
        settings=instance_settings(app.settings, inst),
        store=app.store,
        keys=app.keys,
        clock=app.clock,
        progress=app.progress,
        instance=inst.instance,
    )


def configured_instances(settings: Settings) -> list[Instance]:
    """Every instance the config names: ``["name@x"]`` sections and ``[schedule."name@x"]`` tables."""
    names = [k for k in (settings.model_extra or {}) if "@" in k]
    names += list(settings.section("schedule"))
    found: dict[str, Instance] = {}
    for name in names:
        inst = parse_instance(name)
        found.setdefault(inst.key, inst)
    return list(found.values())
