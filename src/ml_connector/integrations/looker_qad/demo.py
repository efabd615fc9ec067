"""How `ml-connector demo` runs Looker -> QAD, closing the chain SYSPRO -> warehouse (syspro-looker) ->
Looker emulator over that warehouse -> QAD emulator. Between the two runs a few late GL postings land
in SYSPRO, syspro-looker loads them (through the ``run`` function the caller hands in: an integration
never imports the runtime), and the second run posts the differences as adjustments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ml_connector.connectors.systems import store_connection
from ml_connector.emulators.serving import ServedEmulator
from ml_connector.settings import Settings

NAME = "looker-qad"
LATE_POSTINGS = ((200, 1250.00), (300, -310.40), (400, 89.99))
_state: dict[str, Any] = {}


def emulator_options(settings: Settings, seed: int, scale: int) -> dict[str, dict[str, Any]]:
    # SYSPRO's postings run up to today, so the current QAD period has a figure to post.
    return {"qad": {"seed": seed}, "syspro-odata": {"as_of": datetime.now(UTC).date()}}


def prepare(settings: Settings) -> None:
    pass


def store_connections(app: Any, served: dict[str, ServedEmulator]) -> None:
    qad = served["qad"]
    cred = qad.app.state.credentials
    store_connection(
        app.connections,
        "qad",
        "qad",
        {
            "base_url": qad.url + cred["base_url_path"],
            "username": cred["username"],
            "domain": cred["domain"],
            "entity": cred["entity"],
        },
        {"password": cred["password"]},
        app.clock.now(),
    )
    _state.update(app=app, served=served, first_entries=None)


def change_source(served: dict[str, ServedEmulator], *, run: Callable[[str], str]) -> str:
    """Late postings in SYSPRO on plant cost centres, then syspro-looker loads them (and resets Looker's cache).
    ``run(integration)`` runs an integration now and returns its status (the CLI hands in runtime's)."""
    tenant = served["qad"].app.state.emulator.tenant
    _state["first_entries"] = len(tenant.journals)
    posted = sorted(
        {(x["glCode"], x["costCentreCode"]) for e in tenant.journals for x in e.lines if x["costCentreCode"]}
    )
    rows = []
    for centre, amount in LATE_POSTINGS:  # on lines already in QAD, so their figures change
        account = next((a for a, c in posted if c == str(centre)), None)  # contra lines have no centre
        if account is not None:
            rows.append({"GlCode": f"10-{account}-{centre}", "EntryValue": amount})
    syspro = served["syspro-odata"].app.state.emulator
    syspro.insert("GenTransaction", rows)
    status = run("syspro-looker")
    return f"{len(rows)} late GL postings in SYSPRO, loaded into the warehouse by syspro-looker ({status})"


def show_result(settings: Settings) -> str:
    served = _state.get("served")
    if not served:
        return ""
    tenant = served["qad"].app.state.emulator.tenant
    later = tenant.journals[_state.get("first_entries") or 0 :]
    lines = [f"QAD (entity {tenant.entity}): {len(tenant.journals)} journal entries in daybook RECON"]
    for entry in later:
        kind = "adjustment" if " ADJ of " in entry.second_text else "entry"
        lines.append(f"  {kind} {entry.daybook}/{entry.voucher} {entry.text!r} {entry.second_text!r}:")
        for line in entry.lines:
            amount = line["postingLineDebitTC"] - line["postingLineCreditTC"]
            where = f"{line['glCode']}/{line['costCentreCode'] or '-'}"
            lines.append(f"    {where:<10} {amount:>+12.2f}  {line['postingLineText']}")
    lines.append(
        "Looker vs QAD: `ml-connector reconcile looker-qad` (against live systems; the demo's emulators stop "
        "here), `ml-connector audit --integration looker-qad --limit 10`"
    )
    return "\n".join(lines)
