"""The whole chain for looker-qad tests: SYSPRO OData emulator -> syspro-looker -> DuckDB warehouse ->
Looker emulator (generated LookML over that file) -> looker-qad -> QAD emulator, plus the plain SQL
over the warehouse that the independent check compares QAD with."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from ml_connector.bootstrap import App, bootstrap
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import ServedEmulator, serve_in_thread
from ml_connector.integrations.demo_connections import connect_syspro_odata
from ml_connector.integrations.looker_qad.settings import DEMO_FIGURE
from ml_connector.integrations.syspro_looker.lookml import write_views
from ml_connector.runtime.service import run_integration
from ml_connector.settings import Settings

CONTRA = "9990"


def months_back(n: int, today: date | None = None) -> str:
    day = today or datetime.now(UTC).date()
    year, month = day.year, day.month - n
    while month < 1:
        year, month = year - 1, month + 12
    return f"{year}-{month:02d}"


def figure(name: str = "GL spend by plant", **changes: Any) -> dict[str, Any]:
    return {**DEMO_FIGURE.model_dump(exclude_none=True), "name": name, **changes}


TEMPLATE_POSTINGS = 6500


@functools.cache
def template_warehouse() -> Path:
    """One SYSPRO load (syspro-looker into DuckDB) per test process, copied by each chain that does not
    change SYSPRO: the load is the slow part of a chain."""
    root = Path(tempfile.mkdtemp(prefix="looker-qad-template-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    settings = Settings.model_validate({"data_dir": str(root), "syspro-looker": {"looker_connection": None}})
    syspro = _syspro(TEMPLATE_POSTINGS, {})
    try:
        app = bootstrap(settings, create_keys=True)
        connect_syspro_odata(app, syspro)
        assert run_integration(app, "syspro-looker").status == "succeeded"
    finally:
        syspro.stop()
    return settings.warehouse_path


def _syspro(postings: int, options: dict[str, Any]) -> ServedEmulator:
    return serve_in_thread(
        create_emulator(
            "syspro-odata",
            seed=7,
            scale={"GenTransaction": postings},
            as_of=datetime.now(UTC).date(),  # postings up to today, so the current period has a figure
            **options,
        )
    )


@dataclass
class Chain:
    app: App
    syspro: ServedEmulator | None  # None: the warehouse was copied from the template (SYSPRO not served)
    looker: ServedEmulator
    qad: ServedEmulator

    @property
    def tenant(self) -> Any:
        return self.qad.app.state.emulator.tenant

    def stop(self) -> None:
        for served in (self.syspro, self.looker, self.qad):
            if served is not None:
                served.stop()


def add_qad(app: App, qad: ServedEmulator, name: str = "qad", **settings: Any) -> None:
    cred = qad.app.state.credentials
    app.connections.put(
        name,
        "qad",
        {
            "base_url": qad.url + cred["base_url_path"],
            "username": cred["username"],
            "domain": cred["domain"],
            "entity": cred["entity"],
            **settings,
        },
        {"password": cred["password"]},
        app.clock.now(),
    )


def add_looker(app: App, looker: ServedEmulator) -> None:
    cred = looker.app.state.credentials
    app.connections.put(
        "looker",
        "looker",
        {"base_url": looker.url, "client_id": cred["client_id"]},
        {"client_secret": cred["client_secret"]},
        app.clock.now(),
    )


def build_chain(
    tmp_path: Path,
    *,
    figures: list[dict[str, Any]] | None = None,
    syspro: bool = False,
    postings: int = 3000,
    qad_options: dict[str, Any] | None = None,
    looker_options: dict[str, Any] | None = None,
    syspro_options: dict[str, Any] | None = None,
    **looker_qad: Any,
) -> Chain:
    settings = Settings.model_validate(
        {
            "data_dir": str(tmp_path / "data"),
            "syspro-looker": {"looker_connection": "looker"},
            "looker-qad": {"figures": figures or [figure(periods=[months_back(1), months_back(0)])], **looker_qad},
        }
    )
    write_views(
        settings.data_dir / "lookml", connection="ml_warehouse", schema="syspro", datagroup="syspro::syspro_etl"
    )
    served = _syspro(postings, syspro_options or {}) if syspro else None
    if served is None:
        settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(template_warehouse(), settings.warehouse_path)
    looker = serve_in_thread(
        create_emulator(
            "looker",
            lookml_dir=str(settings.data_dir / "lookml"),
            connection_name="ml_warehouse",
            warehouse={"type": "duckdb", "path": str(settings.warehouse_path), "schema": "syspro"},
            **(looker_options or {}),
        )
    )
    qad = serve_in_thread(create_emulator("qad", **(qad_options or {})))
    app = bootstrap(settings, create_keys=True)
    if served is not None:
        connect_syspro_odata(app, served)
    add_looker(app, looker)
    add_qad(app, qad)
    return Chain(app, served, looker, qad)


def warehouse_sums(app: App, periods: list[str], centres: tuple[str, ...] = ("200", "300", "400")) -> dict:
    """Plain SQL over the warehouse syspro-looker loaded (not through Looker): net amount per
    (account, cost centre, "YYYY/PP")."""
    wanted = {(int(p[:4]), int(p[5:7])) for p in periods}
    sql = """
        select a.account, p.cost_center, p.gl_year, p.gl_period, sum(p.amount)
        from syspro.fct_gl_posting p join syspro.dim_gl_account a on a.gl_code = p.gl_code
        where p.cost_center in ({})
        group by 1, 2, 3, 4
    """.format(",".join(f"'{c}'" for c in centres))
    with duckdb.connect(str(app.settings.warehouse_path), read_only=True) as db:
        rows = db.sql(sql).fetchall()
    out = {}
    for account, centre, year, period, total in rows:
        if (year, period) in wanted:
            value = Decimal(str(total)).quantize(Decimal("0.01"))
            if value:
                out[account, centre, f"{year}/{period:02d}"] = value
    return out


def qad_sums(chain: Chain) -> dict:
    """What QAD holds per (account, cost centre, period), the contra lines left out, zeros dropped."""
    return {k: v.quantize(Decimal("0.01")) for k, v in chain.tenant.sums(exclude_accounts=(CONTRA,)).items() if v}


def posted_lines(chain: Chain) -> list[tuple[str, Decimal, Any]]:
    """(line reference, debit - credit, entry) of every figure line in QAD (contra lines left out)."""
    return [
        (
            line["postingLineText"],
            Decimal(str(line["postingLineDebitTC"])) - Decimal(str(line["postingLineCreditTC"])),
            e,
        )
        for e in chain.tenant.journals
        for line in e.lines
        if line["glCode"] != CONTRA
    ]


def _net(line: dict[str, Any]) -> Decimal:
    return Decimal(str(line["postingLineDebitTC"])) - Decimal(str(line["postingLineCreditTC"]))
