"""`ml-connector mappings list|set|remove|import|export`: the user's mappings (customer, GL account,
branch, ...) kept in the store, with CSV in and out (columns integration,kind,source_key,target_value).
Mappings belong to an integration instance (``commerce-syspro`` or ``commerce-syspro@store-us``); an
instance never reads another instance's (docs/RUNTIME.md, Instances)."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import typer

from ml_connector.cli.common import ConfigOption, JsonOption, handle_errors, load_app, log_action
from ml_connector.cli.output import console, emit_json, table
from ml_connector.errors import ConfigError
from ml_connector.runtime.instances import parse_instance

app = typer.Typer(
    help="""Manage mappings (source key -> target value) per integration instance and kind.

Each instance has its own mappings: commerce-syspro@store-us never reads those of commerce-syspro (the
default instance); a record missing one waits (parked) until it is set for that instance.

Kinds used by commerce-syspro: customer (Commerce customer id or email -> SYSPRO customer), customer_group
(Commerce group id -> SYSPRO customer), sku / category (SKU or its first dash-separated segment -> revenue GL),
tax_gl / shipping_gl / discount_gl / receivable_gl (key 'default' or a store id -> GL), store (store id -> branch).

Examples:

  ml-connector mappings set commerce-syspro sku PMP-SUB-05 10-4010-200

  ml-connector mappings set commerce-syspro receivable_gl default 10-1100-100

  ml-connector mappings set commerce-syspro@store-us receivable_gl default 20-1100-100

  ml-connector mappings list commerce-syspro --kind sku --json

  ml-connector mappings export commerce-syspro > mappings.csv

  ml-connector mappings import mappings.csv

  ml-connector mappings export commerce-syspro | sed 's/^commerce-syspro,/commerce-syspro@store-us,/' \
    | ml-connector mappings import -   (start an instance from the default's mappings)
""",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@app.command("list")
@handle_errors
def list_(
    integration: str | None = typer.Argument(
        None, help="e.g. commerce-syspro or commerce-syspro@store-us (default: all)."
    ),
    kind: str | None = typer.Option(None, "--kind", help="Only this kind, e.g. sku."),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """List mappings. Example: ml-connector mappings list commerce-syspro --kind customer_group"""
    rows = load_app(config).store.mappings.all(_key(integration) if integration else None, kind)
    if as_json:
        emit_json(rows)
        return
    table(
        f"mappings ({len(rows)})",
        ("integration", "kind", "source key", "target value"),
        [(r["integration"], r["kind"], r["source_key"], r["target_value"]) for r in rows],
    )


@app.command("set")
@handle_errors
def set_(
    integration: str = typer.Argument(..., help="e.g. commerce-syspro or commerce-syspro@store-us"),
    kind: str = typer.Argument(..., help="e.g. sku, category, customer_group, tax_gl"),
    source_key: str = typer.Argument(..., help="e.g. PMP-SUB-05, or 'default' for account kinds"),
    target_value: str = typer.Argument(..., help="e.g. 10-4010-200 or a SYSPRO customer code"),
    config: Path | None = ConfigOption,
) -> None:
    """Add or change one mapping; parked records that waited for it post on the next run.

    Example: ml-connector mappings set commerce-syspro@store-us category WTY 10-4000-400
    """
    integration = _key(integration)
    runtime = load_app(config)
    runtime.store.mappings.set(integration, kind, source_key, target_value, runtime.clock.now())
    log_action(runtime, "mapping_set", f"{integration} {kind} {source_key}", f"-> {target_value}")
    console.print(f"{integration} {kind} {source_key!r} -> {target_value!r}")


@app.command("remove")
@handle_errors
def remove(
    integration: str = typer.Argument(...),
    kind: str = typer.Argument(...),
    source_key: str = typer.Argument(...),
    config: Path | None = ConfigOption,
) -> None:
    """Delete one mapping. Example: ml-connector mappings remove commerce-syspro sku OLD-SKU"""
    integration = _key(integration)
    runtime = load_app(config)
    if not runtime.store.mappings.remove(integration, kind, source_key):
        raise ConfigError(
            f"No {kind} mapping {source_key!r} for {integration}; "
            f"`ml-connector mappings list {integration}` shows them."
        )
    log_action(runtime, "mapping_removed", f"{integration} {kind} {source_key}")
    console.print(f"Removed {integration} {kind} {source_key!r}.")


CsvPathArgument = typer.Argument(..., help="CSV with header integration,kind,source_key,target_value ('-' = stdin).")


@app.command("import")
@handle_errors
def import_(
    path: Path = CsvPathArgument,
    config: Path | None = ConfigOption,
) -> None:
    """Add or change every mapping in a CSV file. Example: ml-connector mappings import mappings.csv"""
    if str(path) == "-":
        text = sys.stdin.read()
    elif not path.exists():
        raise ConfigError(f"Mapping file {path} does not exist.")
    else:
        text = path.read_text(encoding="utf-8-sig")
    for line, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):  # nothing is written if one is wrong
        try:
            _key(row.get("integration") or "")
        except ConfigError as exc:
            raise ConfigError(f"{path} line {line}: {exc}") from None
    runtime = load_app(config)
    count = runtime.store.mappings.import_csv(text, runtime.clock.now())
    log_action(runtime, "mappings_imported", str(path), f"{count} mapping(s)")
    console.print(f"Imported {count} mapping(s) from {path}.")


@app.command("export")
@handle_errors
def export(
    integration: str | None = typer.Argument(None, help="Only this integration (default: all)."),
    config: Path | None = ConfigOption,
) -> None:
    """Print mappings as CSV (the import format). Example: ml-connector mappings export commerce-syspro > m.csv"""
    sys.stdout.write(load_app(config).store.mappings.export_csv(_key(integration) if integration else None))


def _key(integration: str) -> str:
    """``commerce-syspro`` or ``commerce-syspro@store-us``, checked: an unknown integration or a malformed
    instance name is an error here, not a mapping no run ever reads."""
    return parse_instance(integration).key
