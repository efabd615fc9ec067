"""`ml-connector audit`: search the per-record ledger (a table that fits 80 columns, `--wide`, `--json`), or
export every matching row with `--all` as NDJSON or CSV, streamed in constant memory."""

from __future__ import annotations

import csv
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import typer

from ml_connector.cli.common import ConfigOption, JsonOption, handle_errors, load_app
from ml_connector.cli.output import emit_json, table
from ml_connector.errors import ConfigError
from ml_connector.secrets.secret import REDACTOR
from ml_connector.store.ledger_search import STATUSES, LedgerFilter

EXPORT_FIELDS = ("id", "run_id", "integration", "stream", "source_id", "source_ts", "extracted_at", "delivered_at",
                 "target_ref", "status", "attempts", "error", "content_hash", "replay_of", "superseded_by")  # fmt: skip


def parse_time(value: str | None, option: str) -> datetime | None:
    """ISO date or date-time; without an offset it is UTC."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"{option} {value!r} is not a date or time; use e.g. 2026-11-23 or 2026-11-23T08:00."
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _short(value: Any) -> str:
    return f"{value:%m-%d %H:%M}" if isinstance(value, datetime) else str(value or "")


@handle_errors
def audit(
    source_id: str | None = typer.Option(None, "--source-id", help="A source record id, e.g. 0000042|INV123."),
    stream: str | None = typer.Option(None, "--stream"),
    status: str | None = typer.Option(None, "--status", help=", ".join(STATUSES)),
    run_id: str | None = typer.Option(None, "--run"),
    integration: str | None = typer.Option(None, "--integration"),
    since: str | None = typer.Option(None, "--since", help="Extracted at or after (ISO; UTC unless an offset)."),
    until: str | None = typer.Option(None, "--until", help="Extracted before (ISO)."),
    limit: int = typer.Option(50, "--limit"),
    all_rows: bool = typer.Option(False, "--all", help="Stream every matching row (no --limit) as NDJSON or CSV."),
    fmt: str = typer.Option("ndjson", "--format", help="With --all: ndjson | csv."),
    wide: bool = typer.Option(False, "--wide", help="Every column (run, source time, extracted, delivered)."),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Search the per-record audit ledger (newest first). The table fits 80 columns and wraps reasons, never
    cuts them.

    Examples:

        ml-connector audit --stream ap_invoice --status parked

        ml-connector audit --all --integration syspro-looker --since 2026-11-01 > ledger.ndjson

        ml-connector audit --all --format csv > ledger.csv
    """
    where = LedgerFilter(integration, stream, source_id, status, run_id,
                         parse_time(since, "--since"), parse_time(until, "--until"))  # fmt: skip
    ledger = load_app(config).store.ledger
    if all_rows:
        if fmt not in ("ndjson", "csv"):
            raise ConfigError(f"--format {fmt!r}: choose ndjson or csv.")
        export(ledger.iterate(where), fmt)
        return
    rows = ledger.iterate(where, limit=limit)
    if as_json:
        emit_json(list(rows))
        return
    shown = [dict(r) for r in rows]
    status_of = [r["status"] + (f" (by {r['superseded_by']})" if r.get("superseded_by") else "") for r in shown]
    data: list[tuple[Any, ...]]
    if wide:
        columns: tuple[str, ...] = ("id", "run", "stream", "source id", "source ts", "extracted", "delivered",
                                    "status", "target", "reason")  # fmt: skip
        data = [
            (r["id"], r["run_id"], r["stream"], r["source_id"], r["source_ts"], r["extracted_at"], r["delivered_at"],
             s, r["target_ref"], r["error"])
            for r, s in zip(shown, status_of, strict=True)
        ]  # fmt: skip
    else:
        columns = ("id", "stream", "source id", "status", "at (UTC)", "reason")
        data = [
            (r["id"], r["stream"], r["source_id"], s, _short(r["delivered_at"] or r["extracted_at"]), r["error"])
            for r, s in zip(shown, status_of, strict=True)
        ]
    table(f"audit ({len(shown)}{'' if len(shown) < limit else '+, --limit'})", columns, data)


def export(rows: Any, fmt: str) -> None:
    """Write each row as it comes (nothing is collected), secrets scrubbed."""
    out = sys.stdout
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv(v) for k, v in REDACTOR.scrub_any(row).items()})
        return
    for row in rows:
        out.write(orjson.dumps(REDACTOR.scrub_any(row), default=str, option=orjson.OPT_NON_STR_KEYS).decode() + "\n")


def _csv(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
