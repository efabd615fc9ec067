"""The `ml-connector` command: Typer app and its sub-commands."""

from __future__ import annotations

from pathlib import Path

import typer

from ml_connector.cli import (
    actions,
    audit,
    connections,
    edi,
    emulate,
    looker_qad,
    mappings,
    records,
    serve,
    tokens,
    users,
)
from ml_connector.cli.common import EXIT_CODES, VERBOSE, ConfigOption, handle_errors, load_app
from ml_connector.cli.output import configure_logging, console
from ml_connector.errors import ConfigError

app = typer.Typer(
    name="ml-connector",
    help=f"""Keeps SYSPRO and the systems around it in sync: warehouse + Looker, QAD, Adobe Commerce,
Pipedrive, IBM Sterling B2B.

Start here:  make demo   (or: ml-connector demo)   runs every integration against local emulators.

Real systems:  ml-connector init  ->  ml-connector connections add ...  ->  ml-connector check syspro-looker
->  ml-connector run syspro-looker

{EXIT_CODES}""",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(connections.app, name="connections")
app.add_typer(mappings.app, name="mappings")
app.add_typer(edi.app, name="edi")
app.add_typer(users.app, name="users")
app.add_typer(tokens.app, name="tokens")


@app.callback()
def _global(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log each step (stderr).")) -> None:
    configure_logging(verbose)
    VERBOSE["on"] = verbose


app.command("run")(records.run)
app.command("check")(records.check)
app.command("audit")(audit.audit)
app.command("parked")(records.parked)
app.command("replay")(records.replay)
app.command("serve")(serve.serve)
app.command("emulate")(emulate.emulate)
app.command("actions")(actions.actions)
app.command("reconcile")(looker_qad.reconcile)
app.command("webhook-secret")(looker_qad.webhook_secret)

CONFIG_TEMPLATE = """\
# ml-connector configuration. Secrets are NOT kept here: store them with
#   ml-connector connections add <name> --system <system> --set key=value ...
# and they are encrypted with the key in [store].key_file (or ML_CONNECTOR_KEYS).

# Where the store, key file and default DuckDB warehouse live (relative to this file).
data_dir = ".ml-connector"

[store]
# SQLite file by default; PostgreSQL for several workers:
# url = "postgresql+psycopg://user@127.0.0.1:5432/mlconnector"

[warehouse]
type = "duckdb"            # duckdb | postgres | snowflake | bigquery | redshift
# path = "warehouse.duckdb"  # duckdb only (default: data_dir/warehouse.duckdb)
# dsn = "postgresql://loader@warehouse-host:5432/analytics"   # postgres / redshift
dataset = "syspro"          # schema the tables land in
# replace_strategy = "insert-from-staging"  # full reads swap the table in one transaction (default
#                                           # "truncate-and-insert": faster, but readers see it refill)

[syspro-looker]
syspro_connection = "syspro-odata"   # name given to `connections add`
looker_connection = "looker"         # remove to load the warehouse without Looker calls
looker_db_connection = "ml_warehouse"  # the Looker connection that reads this warehouse
datagroup = "syspro::syspro_etl"     # reset after each load ("model::name" or the datagroup id)
batch_rows = 50000
lookback_days = 3                    # re-read this many days before the date cursor (late postings)
# cursors = { ap_invoice = "rowversion", inventory_balance = "full" }   # date | rowversion | full

[commerce-syspro]
commerce_connection = "commerce"     # connections add commerce --system commerce --set base_url=...
syspro_connection = "syspro-enet"    # connections add syspro-enet --system syspro-enet --set ...
commerce_auth = "oauth1"             # oauth1 | bearer | ims
posting_period = "order_date"        # order_date | run_date: which GL period the journal goes to
journal_prefix = "WEB"               # GENTJL JournalReference = prefix + Commerce order number
# Mappings live in the store: ml-connector mappings set commerce-syspro sku PMP-SUB-05 10-4010-200

[syspro-sterling]
syspro_connection = "syspro-odata"
sterling_connection = "sterling"     # connections add sterling --system sterling --set base_url=...
company = "MLCONNECT"                # our partner in Sterling: /MLCONNECT/Outbox and /MLCONNECT/Inbox
sender_id = "MLCONNECT"              # ISA06
# [syspro-sterling.partners.ACMEWHOLESALE]
# receiver_id = "ACMEWHOLESALE"      # ISA08
# usage = "P"                        # P production, T test
# documents = ["850", "810", "856"]
# ack_window_minutes = 1440          # flag a document with no 997 after this long
# po_changes = "change"              # change: 850 with BEG01=04 | review: park for a person

[looker-qad]
looker_connection = "looker"
qad_connection = "qad"               # connections add qad --system qad --set base_url=https://<tenant>/clouderp ...
on_change = "adjust"                 # adjust: post the difference | review: flag a changed figure
# [[looker-qad.figures]]             # see README "looker-qad" for a full figure
# name = "GL spend by plant"
# look_id = "42"                     # or query = { model = "...", explore = "...", fields = [...], filters = {...} }
# columns = { account = "...", cost_centre = "...", period = "...", amount = "..." }
# daybook = "RECON"
# periods = "current_open"           # current_open | last_closed | ["2026-10", "2026-11"]
"""


@app.command()
@handle_errors
def init(
    path: Path = typer.Option(Path("ml-connector.toml"), "--path", help="Where to write the config."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write a commented config file, create the encryption key file (mode 0600) and the first web console
    user, "admin": its one-time password is printed once (or taken from ML_CONNECTOR_ADMIN_PASSWORD)."""
    if path.exists() and not force:
        raise ConfigError(f"{path} exists; pass --force to overwrite it.")
    path.write_text(CONFIG_TEMPLATE)
    runtime = load_app(path, create_keys=True)
    console.print(f"Wrote {path}; key file {runtime.settings.key_file} (keep it safe, mode 0600).")
    users.show_first_admin(runtime)
    console.print(
        "Next: ml-connector connections add syspro-odata --system syspro-odata --set base_url=... --set operator=..."
    )


@app.command()
@handle_errors
def lookml(
    out: Path = typer.Option(Path("lookml"), "--out", help="Folder for the .lkml files."),
    connection: str = typer.Option("ml_warehouse", "--connection", help="Looker connection name."),
    config: Path | None = ConfigOption,
) -> None:
    """Write LookML views (dimensions, sum measures, joins on keys) and a model for the loaded tables."""
    from ml_connector.integrations.syspro_looker.lookml import write_views
    from ml_connector.settings import load_settings

    settings = load_settings(config)
    files = write_views(
        out, connection=connection, schema=settings.warehouse.dataset, datagroup=settings.syspro_looker.datagroup
    )
    for f in files:
        console.print(str(f))


@app.command()
@handle_errors
def demo(
    data_dir: Path = typer.Option(Path(".ml-connector-demo"), "--data-dir", help="Where the demo keeps its files."),
    scale: int = typer.Option(1, "--scale", help="Multiply the seeded data volume."),
) -> None:
    """Start every emulator on localhost, run the integrations twice (the second run moves only what the
    emulators changed in between), print summaries and show how to query the warehouse."""
    from ml_connector.cli.demo import run_demo

    raise typer.Exit(run_demo(data_dir, scale=scale))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
