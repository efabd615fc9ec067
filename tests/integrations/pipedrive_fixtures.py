"""Shared set-up for the syspro-pipedrive tests: the SYSPRO OData and Pipedrive emulators on 127.0.0.1,
an app with both connections stored, and helpers that read what the Pipedrive emulator holds."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ml_connector.bootstrap import bootstrap
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import ServedEmulator, serve_in_thread
from ml_connector.integrations.demo_connections import connect_syspro_odata
from ml_connector.integrations.syspro_pipedrive.demo import connect_pipedrive
from ml_connector.settings import Settings

NAME = "syspro-pipedrive"
SEED = 11


SMALL = {"ArCustomer": 20, "SorMaster": 30, "InvMaster": 60, "InvWarehouse": 200, "GenTransaction": 100}


def serve_syspro(**options: Any) -> ServedEmulator:
    return serve_in_thread(create_emulator("syspro-odata", seed=SEED, scale=SMALL, **options))


def serve_pipedrive(**options: Any) -> ServedEmulator:
    return serve_in_thread(create_emulator("pipedrive", seed=SEED, **options))


class OffsetClock:
    """Real UTC time plus an offset a test moves (the next budget day), like the emulator's clock."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


def make_app(
    tmp_path: Path,
    syspro: ServedEmulator,
    pipedrive: ServedEmulator,
    *,
    section: dict[str, Any] | None = None,
    clock: Any = None,
):
    data: dict[str, Any] = {"data_dir": str(tmp_path / "data"), NAME: {"cloudflare_wait_s": 0.2, **(section or {})}}
    app = bootstrap(Settings.model_validate(data), create_keys=True, clock=clock)
    connect_syspro_odata(app, syspro)
    connect_pipedrive(app, pipedrive)
    return app


def account(pipedrive: ServedEmulator) -> Any:
    return pipedrive.app.state.emulator.store


def field_key(pipedrive: ServedEmulator, kind: str, name: str) -> str:
    return next(c for c, f in account(pipedrive).fields[kind].items() if f["field_name"] == name)


def live(pipedrive: ServedEmulator, kind: str) -> list[dict[str, Any]]:
    return account(pipedrive).listing(kind)


def by_custom(pipedrive: ServedEmulator, kind: str, key: str) -> Counter[str]:
    return Counter(str(r["custom_fields"].get(key)) for r in live(pipedrive, kind))


def expected_orders(syspro: ServedEmulator) -> set[str]:
    state = syspro.app.state.emulator
    return {
        o["SalesOrder"]
        for o in state.rows("SorMaster")
        if o["OrderStatus"].strip() not in ("9", "\\", "*") and o["CancelledFlag"].strip() != "Y"
    }


def tokens_spent(pipedrive: ServedEmulator) -> int:
    return int(pipedrive.app.state.emulator.limits.spent)
