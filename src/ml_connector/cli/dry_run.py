"""How `ml-connector run --dry-run` shows what would be delivered: each document in full as it is found,
then the counts; with --json, one report whose ``would`` list holds every item."""

from __future__ import annotations

from typing import Any

from rich.markup import escape

from ml_connector.bootstrap import App
from ml_connector.cli.output import console, emit_json, run_summary
from ml_connector.engine.context import RunReport
from ml_connector.engine.dry_run import DryRunItem
from ml_connector.engine.service import dry_run_integration


def show_dry_run(app: App, integration: str, *, full_refresh: bool, as_json: bool) -> RunReport:
    items: list[dict[str, Any]] = []

    def out(item: DryRunItem) -> None:
        if as_json:
            items.append(item.as_dict())
            return
        head = f"[bold]{item.outcome}[/bold] {escape(item.stream)} {escape(item.source_id)}"
        if item.rendering is not None:
            head += f"  ({escape(item.rendering.format)})"
        console.print(head)
        if item.reason:
            console.print(f"  {escape(item.reason)}", soft_wrap=True)
        if item.rendering is not None:
            console.print(escape(item.rendering.text), soft_wrap=True, highlight=False)

    report = dry_run_integration(app, integration, out, full_refresh=full_refresh)
    if as_json:
        emit_json({**report.as_dict(), "would": items})
    else:
        run_summary(report)
        console.print("Dry run: nothing was sent, no cursor moved, no control number used.")
    return report
