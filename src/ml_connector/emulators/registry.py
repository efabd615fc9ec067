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
    "syspro": "ml_connector.emulators.syspro_enet.company",  # both SYSPRO faces on one port, one database
    "qad": "ml_connector.emulators.qad.app",
}
# A face built over another's database when both are started together: (face, database owner).
SHARED_DATABASES = (("syspro-enet", "syspro-odata"),)


def create_emulator(system: str, **options: Any) -> Any:
    """Build the ASGI app of one emulator. Its ``app.state.credentials`` holds what it accepts."""
    try:
        module = importlib.import_module(EMULATORS[system])
    except KeyError:
        known = ", ".join(sorted(EMULATORS))
        raise ValueError(f"No emulator called {system!r}. Known emulators: {known}.") from None
    return module.create_app(**options)


def create_emulators(options: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Build several emulators; the SYSPRO e.net face shares the OData face's company database when
    both are asked for (one SYSPRO company behind both, as in a real install)."""
    apps: dict[str, Any] = {}
    for owner in {owner for _, owner in SHARED_DATABASES} & set(options):
        apps[owner] = create_emulator(owner, **options[owner])
    for name, opts in options.items():
        if name not in apps:
            shared = next((o for face, o in SHARED_DATABASES if face == name and o in apps), None)
            extra = {"database": apps[shared].state.emulator} if shared else {}
            apps[name] = create_emulator(name, **opts, **extra)
    return {name: apps[name] for name in options}
