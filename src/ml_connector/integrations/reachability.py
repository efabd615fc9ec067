"""Fail-fast reachability: one TCP connect per remote system before `check` (and a CLI run) does anything else.

A refused port or an unknown host is then one line per system in a second or two, instead of every table's
request retried with backoff behind a wall of warnings.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from ml_connector.bootstrap import App
from ml_connector.errors import MlConnectorError, RemoteUnavailableError
from ml_connector.integrations.plan import CheckResult, IntegrationPlan

TIMEOUT_S = 3.0


@dataclass(frozen=True)
class Endpoint:
    system: str
    connection: str
    host: str
    port: int


def endpoints(app: App, plan: IntegrationPlan) -> list[Endpoint]:
    """Host and port of every stored connection the plan uses (connections without a base_url are skipped)."""
    out = []
    for system, name in plan.connections.items():
        try:
            url = str(app.connections.get(name).settings.get("base_url") or "")
        except MlConnectorError:
            continue
        parts = urlsplit(url)
        if parts.hostname:
            port = parts.port or (443 if parts.scheme == "https" else 80)
            out.append(Endpoint(system, name, parts.hostname, port))
    return out


def probe_endpoint(endpoint: Endpoint, timeout_s: float = TIMEOUT_S) -> str | None:
    """None when a TCP connection opens; else why not, in words."""
    where = f"{endpoint.host}:{endpoint.port}"
    try:
        with socket.create_connection((endpoint.host, endpoint.port), timeout=timeout_s):
            return None
    except socket.gaierror:
        return f"the host name {endpoint.host} cannot be resolved (DNS)"
    except ConnectionRefusedError:
        return f"connection refused on {where}: nothing listens there"
    except TimeoutError:
        return f"no answer from {where} within {timeout_s:g} s (firewall, VPN or a wrong address)"
    except OSError as exc:
        return f"cannot connect to {where}: {exc.strerror or exc}"


def reachability(app: App, plan: IntegrationPlan) -> list[CheckResult]:
    """One result per remote system: reachable or not, with the connection to fix."""
    results = []
    for endpoint in endpoints(app, plan):
        problem = probe_endpoint(endpoint)
        what = f"reach {endpoint.host}:{endpoint.port} (connection {endpoint.connection})"
        detail = "reachable" if problem is None else f"{problem}. {fix(endpoint)}"
        results.append(CheckResult(endpoint.system, what, problem is None, detail))
    return results


def fix(endpoint: Endpoint) -> str:
    return (
        f"Start the service or correct base_url: `ml-connector connections show {endpoint.connection}`, "
        f"`ml-connector connections edit {endpoint.connection} --set base_url=...`"
    )


def require_reachable(app: App, plan: IntegrationPlan) -> None:
    """Raise (exit 3) naming the first unreachable system, its connection and the fix."""
    for endpoint in endpoints(app, plan):
        problem = probe_endpoint(endpoint)
        if problem is not None:
            raise RemoteUnavailableError(
                f"{endpoint.system} (connection {endpoint.connection!r}) is not reachable: {problem}. {fix(endpoint)}; "
                "nothing was read or written.",
                system=endpoint.system,
            )
