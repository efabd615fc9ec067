"""Integrations by name. Adding one means one package here and one line below."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from ml_connector.errors import ConfigError

INTEGRATIONS: dict[str, str] = {
    "syspro-looker": "ml_connector.integrations.syspro_looker.wiring",
    "commerce-syspro": "ml_connector.integrations.commerce_syspro.wiring",
    "syspro-sterling": "ml_connector.integrations.syspro_sterling.wiring",
    "looker-qad": "ml_connector.integrations.looker_qad.wiring",
    "syspro-pipedrive": "ml_connector.integrations.syspro_pipedrive.wiring",
}


def builder(name: str) -> Callable[..., Any]:
    try:
        module = importlib.import_module(INTEGRATIONS[name])
    except KeyError:
        raise ConfigError(f"No integration called {name!r}. Known: {', '.join(INTEGRATIONS)}.") from None
    return module.build_plan  # type: ignore[no-any-return]
