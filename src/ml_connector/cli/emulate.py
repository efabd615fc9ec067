"""`ml-connector emulate SYSTEM`: serve one emulator on 127.0.0.1, or print what `connections add` needs for it."""

from __future__ import annotations

import shlex
import socket
import sys
from typing import Any

import orjson
import typer

from ml_connector.cli.common import handle_errors
from ml_connector.cli.output import console
from ml_connector.connectors.systems import SYSTEMS, schema_of
from ml_connector.errors import ConfigError

# The service path each emulator serves under: base_url = http://127.0.0.1:PORT + this.
SERVICE_PATHS = {
    "syspro-odata": "/SYSPRO8OData/SYSPROOData",
    "looker": "",
    "syspro-enet": "/SYSPROWCFService/Rest",
    "commerce": "/rest/default",
    "sterling": "/B2BAPIs/svc/",
    "qad": "/clouderp",
}
EXTRA_SETTINGS = {"sterling": {"allow_insecure_http": "true"}}  # the emulator speaks plain http


def port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def connection_for(system: str, port: int, credentials: dict[str, Any]) -> dict[str, Any]:
    """Everything `connections add` needs for the emulator: base URL with its service path, settings, secrets
    (split by the system's connection schema), and the command line itself."""
    base_url = f"http://127.0.0.1:{port}{SERVICE_PATHS.get(system, '')}"
    settings: dict[str, str] = {"base_url": base_url, **EXTRA_SETTINGS.get(system, {})}
    secrets: dict[str, str] = {}
    if system in SYSTEMS:
        schema = schema_of(system)
        names = {f.name: f.secret for f in schema.fields}
        for key, value in credentials.items():
            if key in names and value is not None:
                (secrets if names[key] else settings)[key] = str(value)
    sets = " ".join(f"--set {shlex.quote(f'{k}={v}')}" for k, v in settings.items())
    env = " ".join(f"ML_CONNECTOR_SECRET_{k.upper()}={shlex.quote(v)}" for k, v in secrets.items())
    return {
        **credentials,
        "system": system,
        "port": port,
        "base_url": base_url,
        "settings": settings,
        "secrets": secrets,
        "connections_add": f"{env} ml-connector connections add {system} --system {system} {sets}".strip(),
    }


@handle_errors
def emulate(
    system: str = typer.Argument(
        ...,
        help="syspro (OData + e.net on one database), syspro-odata, syspro-enet, looker, commerce, sterling, qad, "
        "pipedrive",
    ),
    port: int = typer.Option(8800, "--port"),
    seed: int = typer.Option(0, "--seed"),
    print_credentials: bool = typer.Option(
        False,
        "--print-credentials",
        help="Print as JSON what `connections add` needs (base URL with its service path, settings, secrets) and exit; "
        "works while the emulator of that --port and --seed is running.",
    ),
    scale: list[str] = typer.Option([], "--scale", help="syspro, syspro-odata: TABLE=ROWS, e.g. ArCustomer=2000"),
) -> None:
    """Serve one emulator on 127.0.0.1:PORT (for trying clients, the official SDKs, or a demo).

    Example: ml-connector emulate syspro-odata --port 8801 --scale GenTransaction=100000
    """
    from ml_connector.emulators.registry import create_emulator
    from ml_connector.emulators.serving import serve_forever

    if not print_credentials and not port_free(port):  # printing works beside a running emulator (same seed)
        raise ConfigError(f"Port {port} on 127.0.0.1 is in use; choose another with --port.")
    options: dict[str, object] = {"seed": seed}
    if scale:
        try:
            options["scale"] = {k: int(v) for k, _, v in (item.partition("=") for item in scale)}
        except ValueError:
            raise ConfigError("--scale takes TABLE=ROWS with a whole number, e.g. GenTransaction=100000.") from None
    try:
        emulator = create_emulator(system, **options)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    credentials = dict(emulator.state.credentials)
    if print_credentials:
        if system == "syspro":  # both faces on one port: one connection each
            printed = {face: connection_for(f"syspro-{face}", port, credentials[face]) for face in ("odata", "enet")}
        else:
            printed = connection_for(system, port, credentials)
        # The emulator's own test credentials, printed on purpose: not through the secret redactor, which would
        # mask a value some other code in this process registered (an embedding caller, a test run).
        sys.stdout.write(orjson.dumps(printed, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    paths = (
        [SERVICE_PATHS[f"syspro-{f}"] for f in ("odata", "enet")]
        if system == "syspro"
        else [SERVICE_PATHS.get(system, "")]
    )
    urls = " and ".join(f"http://127.0.0.1:{port}{p}" for p in paths)
    console.print(f"{system} emulator on {urls} (Ctrl-C to stop)")
    serve_forever(emulator, port)
