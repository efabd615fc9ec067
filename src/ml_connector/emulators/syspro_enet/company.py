"""Both faces of one emulated SYSPRO company behind one port: the OData service (``/SYSPRO8OData/...``,
``/__emulator/...``) and e.net Solutions (``/SYSPROWCFService/Rest/...``) over one company database.

``ml-connector emulate syspro --port N`` serves this; the demo serves the two faces on two ports over one
database instead (see ``ml_connector.emulators.registry.create_emulators``). Either way a SORTOI sales order
or an ARSSCS customer posted through e.net is in the OData tables at once, with the same keys.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from ml_connector.emulators.faults import FaultPlan
from ml_connector.emulators.syspro_enet import app as enet_app
from ml_connector.emulators.syspro_odata import app as odata_app

ENET_PREFIX = "/sysprowcfservice/"


class SysproCompany:
    """An ASGI app routing each request to the face its path belongs to.

    ``state.emulator`` is the shared database (the OData emulator's state, with its mutation API and
    ``simulate_activity``); ``state.enet`` the e.net state; ``state.credentials`` both faces' credentials.
    """

    def __init__(self, odata: Any, enet: Any, faults: FaultPlan) -> None:
        self.odata, self.enet = odata, enet
        self.state = SimpleNamespace(
            emulator=odata.state.emulator,
            enet=enet.state.emulator,
            faults=faults,
            credentials={"odata": dict(odata.state.credentials), "enet": dict(enet.state.credentials)},
        )

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = str(scope.get("path", "")).lower()
        target = self.enet if path.startswith(ENET_PREFIX) else self.odata
        await target(scope, receive, send)


def create_app(
    seed: int = 0,
    faults: FaultPlan | None = None,
    *,
    scale: dict[str, int] | None = None,
    odata: dict[str, Any] | None = None,
    enet: dict[str, Any] | None = None,
) -> SysproCompany:
    """``odata`` / ``enet``: options of each face's ``create_app``; ``scale`` sizes the shared database."""
    plan = faults if faults is not None else FaultPlan()
    odata_options: dict[str, Any] = dict(odata or {})
    if scale:
        odata_options["scale"] = scale
    served_odata = odata_app.create_app(seed, plan, **odata_options)
    served_enet = enet_app.create_app(seed, plan, database=served_odata.state.emulator, **(enet or {}))
    return SysproCompany(served_odata, served_enet, plan)
