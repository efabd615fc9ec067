"""`ml-connector edi show | trace`: a sent X12 document, readably, and its path from SYSPRO to the 997."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from sqlalchemy import or_, select

from ml_connector.cli.common import ConfigOption, JsonOption, handle_errors, load_app
from ml_connector.cli.output import console, emit_json, table
from ml_connector.edi import read_interchange
from ml_connector.errors import ConfigError
from ml_connector.runtime.instances import Instance, parse_instance
from ml_connector.store.schema import record_ledger

app = typer.Typer(help="X12 documents sent to IBM Sterling B2B (syspro-sterling).", no_args_is_help=True)
INTEGRATION = "syspro-sterling"
SEGMENT_NAMES = {
    "ISA": "Interchange Control Header", "GS": "Functional Group Header", "ST": "Transaction Set Header",
    "BEG": "Beginning Segment for Purchase Order", "BIG": "Beginning Segment for Invoice",
    "BSN": "Beginning Segment for Ship Notice", "CUR": "Currency", "REF": "Reference Identification",
    "PER": "Administrative Communications Contact", "DTM": "Date/Time Reference", "N1": "Name", "N3": "Address",
    "N4": "Geographic Location", "PO1": "Baseline Item Data", "PID": "Product/Item Description",
    "CTT": "Transaction Totals", "AMT": "Monetary Amount", "IT1": "Baseline Item Data (Invoice)",
    "TDS": "Total Monetary Value Summary", "TXI": "Tax Information", "ITD": "Terms of Sale",
    "CAD": "Carrier Detail", "SAC": "Service, Promotion, Allowance, or Charge", "ISS": "Invoice Shipment Summary",
    "HL": "Hierarchical Level", "TD1": "Carrier Details (Quantity and Weight)", "TD5": "Carrier Details (Routing)",
    "PRF": "Purchase Order Reference", "MAN": "Marks and Numbers", "LIN": "Item Identification",
    "SN1": "Item Detail (Shipment)", "SE": "Transaction Set Trailer", "GE": "Functional Group Trailer",
    "IEA": "Interchange Control Trailer",
}  # fmt: skip
DOCUMENT_STREAMS = ("purchase_order", "invoice", "shipment")


def _instance(integration: str) -> Instance:
    inst = parse_instance(integration)
    if inst.integration != INTEGRATION:
        raise ConfigError(f"`ml-connector edi` shows the documents of {INTEGRATION} instances, not {integration!r}.")
    return inst


IntegrationOption = typer.Option(
    INTEGRATION, "--integration", help="The instance that sent it, e.g. syspro-sterling@plant-b."
)


def _rows(document: str, key: str = INTEGRATION) -> list[dict[str, Any]]:
    """Ledger rows of the syspro-sterling instance ``key`` whose id is ``document`` or whose source id
    contains it."""
    runtime = load_app(_config.get("path"))
    query = select(record_ledger).where(record_ledger.c.integration == key)
    match = record_ledger.c.source_id.contains(document, autoescape=True)
    query = query.where(or_(record_ledger.c.id == int(document), match) if document.isdigit() else match)
    with runtime.store.engine.connect() as db:
        rows = [dict(r._mapping) for r in db.execute(query.order_by(record_ledger.c.id))]
    if document.isdigit() and any(r["id"] == int(document) for r in rows):
        picked = next(r for r in rows if r["id"] == int(document))
        rows = [r for r in rows if r["source_id"] == picked["source_id"]]
    if not rows:
        raise ConfigError(f"No {key} ledger row has id or document id {document!r}; "
                          f"`ml-connector audit --integration {key}` lists them.")  # fmt: skip
    return rows


_config: dict[str, Path | None] = {}


def _ref(row: dict[str, Any]) -> dict[str, str]:
    from ml_connector.integrations.syspro_sterling.targets import parse_ref

    return parse_ref(row.get("target_ref"))


@app.command("show")
@handle_errors
def show(
    document: str = typer.Argument(..., help="SYSPRO document id (PO number, invoice, sales order) or ledger id."),
    integration: str = IntegrationOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Print the X12 interchange sent for a document, one segment per line with its name (read back from
    the Sterling mailbox message), and its 997 status."""
    from ml_connector.integrations.syspro_sterling import settings as sterling_config
    from ml_connector.integrations.syspro_sterling.targets import archive_path
    from ml_connector.integrations.syspro_sterling.wiring import sterling_client
    from ml_connector.runtime.instances import instance_app

    _config["path"] = config
    inst = _instance(integration)
    rows = _rows(document, inst.key)
    sent = [r for r in rows if r["stream"] in DOCUMENT_STREAMS and "msg" in _ref(r)]
    if not sent:
        raise ConfigError(f"Document {document!r} has no sent X12 yet (statuses: "
                          f"{', '.join(sorted({r['status'] for r in rows}))}).")  # fmt: skip
    row = sent[-1]
    runtime = instance_app(load_app(config), inst)  # its settings and data directory (the X12 archive)
    ref = _ref(row)
    archived = archive_path(runtime, ref["partner"], int(ref["isa"]))
    if archived.exists():
        content = archived.read_bytes()
    else:  # not built on this machine: read it back from the Sterling mailbox
        cfg = sterling_config.load(runtime.settings.section(INTEGRATION))
        with sterling_client(runtime, cfg.sterling_connection) as client:
            content = client.extract_message(int(ref["msg"]))
    interchange = read_interchange(content, strict=False)
    segments = [interchange.header, *(s for g in interchange.groups for s in _group_segments(g))]
    segments += [interchange.trailer] if interchange.trailer else []
    acks = [r for r in rows if r["stream"] == "ack_997" and _ref(r).get("isa") == _ref(row).get("isa")]
    if as_json:
        emit_json(
            {
                "ledger_id": row["id"],
                "source_id": row["source_id"],
                "target_ref": row["target_ref"],
                "x12": content.decode("ascii"),
                "acks": [{"status": a["status"], "error": a["error"]} for a in acks],
            }
        )
        return  # fmt: skip
    console.print(f"[bold]{row['stream']} {row['source_id']}[/bold]  ledger #{row['id']}  {row['target_ref']}")
    separator = interchange.delimiters.element
    for segment in segments:
        text = separator.join([segment.tag, *segment.elements])
        console.print(f"{segment.tag:<4} {SEGMENT_NAMES.get(segment.tag, ''):<42} {text}", markup=False)
    status = ", ".join(f"{a['status']}" + (f" ({a['error']})" if a["error"] else "") for a in acks) or "no 997 yet"
    console.print(f"997: {status}", markup=False)


def _group_segments(group: Any) -> list[Any]:
    found = [group.header]
    for tset in group.transaction_sets:
        found += [tset.header, *tset.body, *([tset.trailer] if tset.trailer else [])]
    return found + ([group.trailer] if group.trailer else [])


@app.command("trace")
@handle_errors
def trace(
    document: str = typer.Argument(..., help="SYSPRO document id (e.g. a PO number) or ledger id."),
    integration: str = IntegrationOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """SYSPRO document -> X12 set -> control number -> Sterling message id -> 997, from the audit ledger."""
    _config["path"] = config
    rows = _rows(document, _instance(integration).key)
    out = [{"id": r["id"], "at": str(r["delivered_at"] or r["extracted_at"])[:19], "stream": r["stream"],
            "source_id": r["source_id"], "status": r["status"], "set": _ref(r).get("set", ""),
            "control": _ref(r).get("isa", ""), "message": _ref(r).get("msg") or _ref(r).get("ack", ""),
            "partner": _ref(r).get("partner", ""), "error": r["error"] or ""} for r in rows]  # fmt: skip
    if as_json:
        emit_json(out)
        return
    columns = ("id", "at", "stream", "source_id", "status", "set", "control", "message", "partner", "error")
    table(f"trace {document}", columns, [[str(o[c]) for c in columns] for o in out])
