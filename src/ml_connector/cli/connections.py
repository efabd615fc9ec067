"""`ml-connector connections`: add, show, edit, list, remove, schema, rotate-key.

Settings come from ``--set KEY=VALUE``; secrets from ``ML_CONNECTOR_SECRET_<FIELD>`` (set but empty counts as a
value), ``--secret-file FIELD=PATH``, ``--secret-stdin FIELD`` or a hidden prompt. Every write goes through
``connectors.systems.store_connection``, which validates against the system's schema (connectors/*/connection.py).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from ml_connector.cli.common import ConfigOption, JsonOption, handle_errors, load_app, log_action
from ml_connector.cli.output import console, emit_json, table
from ml_connector.connectors.schema import ConnectionSchema, suggest
from ml_connector.connectors.systems import SYSTEMS, refuse_overwrite, schema_of, store_connection
from ml_connector.errors import ConfigError

app = typer.Typer(
    help="Manage stored connections. Secrets are encrypted at rest and never printed.", no_args_is_help=True
)

SetOption = typer.Option([], "--set", help="Setting KEY=VALUE (repeatable); `connections schema SYSTEM` lists them.")
SecretFileOption = typer.Option([], "--secret-file", help="FIELD=PATH: read that secret from a file (repeatable).")
SecretStdinOption = typer.Option(None, "--secret-stdin", help="FIELD: read that secret from standard input.")


def parse_settings(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set {item!r} needs KEY=VALUE, e.g. --set base_url=https://erp.example.com/...")
        out[key.strip()] = value
    return out


def read_secrets(
    schema: ConnectionSchema,
    name: str,
    settings: dict[str, str],
    files: list[str],
    stdin_field: str | None,
    *,
    only: set[str] | None = None,
    prompt_missing: bool = True,
) -> dict[str, str]:
    """Secrets from files, stdin, the environment, then a prompt for each still-missing needed one."""
    fields = {f.name: f for f in schema.secrets}
    secrets: dict[str, str] = {}

    def known(field: str, how: str) -> str:
        if field not in fields:
            raise ConfigError(
                f"{how}: {schema.system} has no secret {field!r}{suggest(field, fields)}. "
                f"Secrets: {', '.join(fields) or 'none'}."
            )
        return field

    for item in files:
        field, sep, path = item.partition("=")
        if not sep:
            raise ConfigError(f"--secret-file {item!r} needs FIELD=PATH.")
        try:
            secrets[known(field, "--secret-file")] = Path(path).read_text().rstrip("\r\n")
        except OSError as exc:
            raise ConfigError(f"Cannot read the secret file {path}: {exc.strerror}.") from None
    if stdin_field:
        secrets[known(stdin_field, "--secret-stdin")] = sys.stdin.read().rstrip("\r\n")
    for field in fields:
        env = os.environ.get(f"ML_CONNECTOR_SECRET_{field.upper()}")
        if env is not None and field not in secrets and (only is None or field in only):
            secrets[field] = env  # set but empty is a value (a SYSPRO company without a password)
    wanted = [f for f in schema.secrets if (only is None and f.needed(settings)) or (only and f.name in only)]
    for spec in wanted:
        if spec.name in secrets or not prompt_missing:
            continue
        label = f"{spec.name} for {name} ({spec.description}{'; Enter for none' if spec.empty_ok else ''})"
        if spec.empty_ok:
            secrets[spec.name] = typer.prompt(label, default="", show_default=False, hide_input=True)
        else:
            secrets[spec.name] = typer.prompt(label, hide_input=True)
    return secrets


@app.command("add")
@handle_errors
def add(
    name: str = typer.Argument(..., help="Connection name, e.g. syspro-odata."),
    system: str = typer.Option(..., "--system", help=f"One of: {', '.join(SYSTEMS)}."),
    setting: list[str] = SetOption,
    secret_file: list[str] = SecretFileOption,
    secret_stdin: str | None = SecretStdinOption,
    replace: bool = typer.Option(False, "--replace", help="Overwrite a connection of that name."),
    config: Path | None = ConfigOption,
) -> None:
    """Store a connection. Unknown keys are refused (with the nearest valid one); each secret the system needs
    is read from ML_CONNECTOR_SECRET_<FIELD> (an empty value counts where the system allows it),
    --secret-file, --secret-stdin or a hidden prompt.

    Example:

        ml-connector connections add syspro-odata --system syspro-odata \\
            --set base_url=https://erp.example.com/SYSPRO8OData/SYSPROOData --set company=A --set operator=ODATA

        printf '' | ml-connector connections add syspro-enet --system syspro-enet --secret-stdin company_password ...
    """
    schema = schema_of(system)
    given = parse_settings(setting)
    if sys.stdin.isatty():  # a person at a terminal: ask for each required setting not given
        for spec in schema.settings:
            if spec.needed(given) and spec.default is None and not given.get(spec.name):
                given[spec.name] = typer.prompt(f"{spec.name} for {name} ({spec.description})")
    settings = schema.validate_settings(given, connection=name)
    runtime = load_app(config, create_keys=True)
    if not replace:
        refuse_overwrite(runtime.connections, name)  # before asking for any secret
    secrets = read_secrets(schema, name, settings, secret_file, secret_stdin)
    store_connection(runtime.connections, name, system, settings, secrets, runtime.clock.now(), replace=replace)
    log_action(runtime, "connection_stored", name, f"system {system}" + (" (replaced)" if replace else ""))
    empty = [k for k, v in secrets.items() if v == ""]
    console.print(
        f"Stored connection [bold]{name}[/bold] ({system}); secrets encrypted: {', '.join(secrets) or 'none'}"
        + (f" (empty: {', '.join(empty)})" if empty else "")
        + f". Next: ml-connector check <integration>, or `ml-connector connections show {name}`."
    )


@app.command("edit")
@handle_errors
def edit(
    name: str = typer.Argument(..., help="A stored connection."),
    setting: list[str] = SetOption,
    unset: list[str] = typer.Option([], "--unset", help="Remove an optional setting (repeatable)."),
    secret: list[str] = typer.Option([], "--secret", help="Enter this secret again (repeatable; env/prompt)."),
    secret_file: list[str] = SecretFileOption,
    secret_stdin: str | None = SecretStdinOption,
    config: Path | None = ConfigOption,
) -> None:
    """Change settings or secrets of a stored connection; everything not named stays as it is.

    Example: ml-connector connections edit syspro-odata --set base_url=https://erp2.example.com/SYSPRO8OData/SYSPROOData
    """
    runtime = load_app(config)
    stored = runtime.connections.get(name)
    schema = schema_of(stored.system)
    settings = {k: str(v) for k, v in stored.settings.items() if k not in unset}
    settings.update(parse_settings(setting))
    named = set(secret) | {f.partition("=")[0] for f in secret_file} | ({secret_stdin} if secret_stdin else set())
    new = read_secrets(schema, name, settings, secret_file, secret_stdin, only=named)
    secrets = {k: v.reveal() for k, v in stored.secrets.items()} | new
    store_connection(runtime.connections, name, stored.system, settings, secrets, runtime.clock.now(), replace=True)
    changed = sorted(set(parse_settings(setting)) | set(unset) | set(new))
    log_action(runtime, "connection_edited", name, f"changed: {', '.join(changed) or 'nothing'}")
    console.print(f"Updated connection [bold]{name}[/bold]" + (f"; new secrets: {', '.join(new)}." if new else "."))


@app.command("show")
@handle_errors
def show(name: str, config: Path | None = ConfigOption, as_json: bool = JsonOption) -> None:
    """One connection: its settings, which secrets are set (never their values), when it was last changed and
    checked."""
    info = load_app(config).connections.describe(name)
    if info is None:
        raise ConfigError(f"No connection called {name!r}; `ml-connector connections list` shows them.")
    if as_json:
        emit_json(info)
        return
    schema = schema_of(info["system"]) if info["system"] in SYSTEMS else None
    rows = [(k, v) for k, v in sorted(info["settings"].items())]
    for field in schema.secrets if schema else []:
        state = "set" if field.name in info["secrets"] else "not set"
        rows.append((field.name, f"({'set, empty' if field.name in info['empty_secrets'] else state})"))
    rows += [
        ("changed", info["updated_at"]),
        ("checked", f"{info['checked_at']} {info['check_result'] or ''}" if info["checked_at"] else "never"),
    ]
    table(f"{name} ({info['system']})", ("field", "value"), rows)


@app.command("schema")
@handle_errors
def schema(system: str = typer.Argument(..., help=f"One of: {', '.join(SYSTEMS)}.")) -> None:
    """What a connection of SYSTEM holds: each setting and secret, required or not, empty allowed or not."""
    spec = schema_of(system)
    rows = []
    for f in spec.fields:
        need = f"if {f.required_if[0]} in {'/'.join(f.required_if[1])}" if f.required_if else str(f.required).lower()
        kind = "secret" + (" (may be empty)" if f.empty_ok else "") if f.secret else "setting"
        extra = f" [{'|'.join(f.choices)}]" if f.choices else ""
        rows.append((f.name, kind, need, f.description + extra + (f" (default {f.default})" if f.default else "")))
    table(f"{system}: {spec.title}", ("field", "kind", "required", "description"), rows)
    if spec.example:
        console.print(f"Example: ml-connector connections add {system} --system {system} {spec.example}")


@app.command("list")
@handle_errors
def list_(config: Path | None = ConfigOption, as_json: bool = JsonOption) -> None:
    """List connections: names, systems, settings and which secrets are set (never their values)."""
    rows = load_app(config).connections.list()
    if as_json:
        emit_json(rows)
        return
    table(
        "connections",
        ("name", "system", "settings", "secrets set"),
        [(r["name"], r["system"], r["settings"], ", ".join(r["secrets"])) for r in rows],
    )


@app.command("remove")
@handle_errors
def remove(name: str, config: Path | None = ConfigOption) -> None:
    """Delete a stored connection."""
    runtime = load_app(config)
    if not runtime.connections.remove(name):
        raise ConfigError(f"No connection called {name!r}; `ml-connector connections list` shows them.")
    log_action(runtime, "connection_removed", name)
    console.print(f"Removed connection {name}.")


@app.command("rotate-key")
@handle_errors
def rotate_key(config: Path | None = ConfigOption) -> None:
    """Create a new encryption key, re-encrypt every stored secret with it, then retire the old keys."""
    runtime = load_app(config)
    if runtime.keys.path is None:
        raise ConfigError("Keys come from ML_CONNECTOR_KEYS: put a new key first in that list, then run this again.")
    ring = runtime.keys.with_new_key()
    count = runtime.connections.rotate(ring)
    ring.drop_old_keys()
    log_action(runtime, "key_rotated", None, f"{count} connection(s) re-encrypted")
    console.print(f"Rotated the key; re-encrypted {count} connection(s).")
