"""Which emulators exist, and how to build one by name (used by `ml-connector emulate` and the demo)."""

from __future__ import annotations

import importlib
from typing import Any

# system name -> module that exposes ``create_app(seed=0, faults=None, **options)``
EMULATORS: dict[str, str] = {
    "syspro-odata": "ml_connector.emulators.syspro_odata.app",
    "looker": "ml_connector.emulators.looker.app",
    "syspro-enet": "ml_connector.emulators.syspro_enet.app",
    "commerce": "ml_connector.emulators.commerce.app",
    "pipedrive": "ml_connector.emulators.pipedrive.app",
    "sterling": "ml_connector.emulators.sterling.app",
}


def create_emulator(system: str, **options: Any) -> Any:
    """Build the ASGI app of one emulator. Its ``app.state.credentials`` holds what it accepts."""
    try:
        module = importlib.import_module(EMULATORS[system])
    except KeyError:
        known = ", ".join(sorted(EMULATORS))
        raise ValueError(f"No emulator called {system!r}. Known emulators: {known}.") from None
    return module.create_app(**options)
