"""`ml-connector demo`: every emulator on localhost, connections stored encrypted, each integration run
twice (a full load, then an incremental run after the emulators changed a few records), summaries printed.

Each integration contributes a ``demo`` module (see ``DEMOS``) with: ``NAME``, ``emulator_options``,
``prepare``, ``store_connections``, ``change_source`` and ``show_result``. A ``change_source`` that takes
``run`` gets a function that runs another integration now (integrations never import the runtime).
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from types import ModuleType
from typing import Any

from ml_connector.bootstrap import bootstrap
from ml_connector.cli.output import RichProgress, console, run_summary
from ml_connector.cli.users import show_first_admin
from ml_connector.core.private_files import make_private_dir, private_umask
from ml_connector.emulators.registry import create_emulators
from ml_connector.emulators.serving import ServedEmulator, serve_in_thread
from ml_connector.runtime.service import run_integration
from ml_connector.settings import load_settings

DEMO_SEED = 42
DEMOS = [
    "ml_connector.integrations.syspro_looker.demo",
    "ml_connector.integrations.commerce_syspro.demo",
    "ml_connector.integrations.syspro_sterling.demo",
    "ml_connector.integrations.looker_qad.demo",
    "ml_connector.integrations.syspro_pipedrive.demo",
]


def run_demo(data_dir: Path, *, scale: int = 1) -> int:
    data_dir = data_dir.resolve()
    private_umask()
    make_private_dir(data_dir)
    config = data_dir / "ml-connector.toml"
    if not config.exists():
        config.write_text('# Written by `ml-connector demo`; use it with -c to inspect the demo.\ndata_dir = "."\n')
    settings = load_settings(config)
    app = bootstrap(settings, create_keys=True)
    demos = [importlib.import_module(name) for name in DEMOS]
    options: dict[str, dict[str, Any]] = {}
    for demo in demos:
        demo.prepare(settings)
        for system, opts in demo.emulator_options(settings, DEMO_SEED, scale).items():
            options.setdefault(system, {}).update(opts)
    served = {name: serve_in_thread(app) for name, app in create_emulators(options).items()}
    try:
        for demo in demos:
            demo.store_connections(app, served)
        worst = 0
        for demo in demos:
            worst = max(worst, _run_twice(app, demo, served))
        console.rule("[bold]Where to look[/bold]")
        for demo in demos:
            console.print(demo.show_result(settings))
        console.print(
            f"Audit trail:  .venv/bin/ml-connector audit -c {config} --limit 5\n"
            f"Parked:       .venv/bin/ml-connector parked -c {config}\n"
            f"Web console:  .venv/bin/ml-connector serve -c {config}   (then open http://127.0.0.1:8080)"
        )
        show_first_admin(app)
        return worst
    finally:
        for emulator in served.values():
            emulator.stop()


def _run_twice(app: Any, demo: ModuleType, served: dict[str, ServedEmulator]) -> int:
    console.rule(f"[bold]{demo.NAME}[/bold]: first run")
    worst = _run(app, demo.NAME)
    if "run" in inspect.signature(demo.change_source).parameters:
        changed = demo.change_source(served, run=lambda name: str(run_integration(app, name).status))
    else:
        changed = demo.change_source(served)
    console.rule(f"[bold]{demo.NAME}[/bold]: after {changed}")
    return max(worst, _run(app, demo.NAME))


def _run(app: Any, integration: str) -> int:
    with RichProgress() as progress:
        app.progress = progress
        report = run_integration(app, integration)
    app.progress = None
    run_summary(report)
    return 0 if report.status == "succeeded" else 1
