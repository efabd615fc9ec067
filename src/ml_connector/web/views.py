"""What the pages and the JSON API show, read from the store: runs with their per-stream counts, audit rows,
parked records and stored connections (secret field names only). Values are scrubbed here once more."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fastapi.encoders import jsonable_encoder

from ml_connector.bootstrap import App
from ml_connector.integrations.registry import INTEGRATIONS
from ml_connector.secrets.secret import REDACTOR
from ml_connector.web.rendering import COUNT_KINDS, as_utc


def plain(value: Any) -> Any:
    """JSON-native and scrubbed: what may leave the process."""
    return REDACTOR.scrub_any(jsonable_encoder(value))


def run_view(row: dict[str, Any]) -> dict[str, Any]:
    """One run row with its summary turned into per-stream counts and a duration."""
    summary = row.get("summary") or {}
    started, finished = as_utc(row.get("started_at")), as_utc(row.get("finished_at"))
    duration_s = summary.get("duration_s")
    if duration_s is None and started and finished:
        duration_s = (finished - started).total_seconds()
    streams = []
    for tally in summary.get("streams") or []:
        counts = {kind: int(tally.get(kind) or 0) for kind in COUNT_KINDS}
        streams.append(
            {
                "stream": tally.get("stream", "?"),
                "read": int(tally.get("read") or 0),
                "counts": counts,
                "total": sum(counts.values()),
                "errors": list(tally.get("errors") or []),
            }
        )
    largest = max((s["total"] for s in streams), default=0)
    for s in streams:  # bar length relative to the busiest stream of the run: magnitudes at a glance
        s["share"] = round(100 * s["total"] / largest, 1) if largest else 0
    return {
        "run_id": row["run_id"],
        "integration": row["integration"],
        "status": row["status"],
        "started_at": started,
        "finished_at": finished,
        "duration_s": duration_s,
        "error": row.get("error"),
        "streams": streams,
        "totals": {kind: sum(s["counts"][kind] for s in streams) for kind in COUNT_KINDS},
    }


def integration_names(app: App) -> list[str]:
    """Registered integrations first, then any other name found in the run history."""
    seen = dict.fromkeys(INTEGRATIONS)
    for row in app.store.runs.recent(limit=200):
        seen.setdefault(row["integration"])
    return list(seen)


def runs_overview(app: App, per_integration: int = 10) -> list[dict[str, Any]]:
    out = []
    for name in integration_names(app):
        runs = [run_view(r) for r in app.store.runs.recent(name, limit=per_integration)]
        opened = app.store.parked.open(name)
        out.append(
            {
                "name": name,
                "registered": name in INTEGRATIONS,
                "runs": runs,
                "last": runs[0] if runs else None,
                "parked_open": sum(1 for p in opened if p["status"] != "failed"),
                "failed_open": sum(1 for p in opened if p["status"] == "failed"),
            }
        )
    return out


AUDIT_FILTERS = ("integration", "stream", "source_id", "status", "run_id")


def audit_rows(
    app: App,
    filters: Mapping[str, str | None],
    limit: int = 100,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
) -> list[dict[str, Any]]:
    """One page of the ledger, newest first; ``before_id`` pages on to older rows."""
    wanted = {k: (filters.get(k) or None) for k in AUDIT_FILTERS}
    return app.store.ledger.search(
        integration=wanted["integration"],
        stream=wanted["stream"],
        source_id=wanted["source_id"],
        status=wanted["status"],
        run_id=wanted["run_id"],
        limit=limit,
        since=since,
        until=until,
        before_id=before_id,
    )


def parked_rows(app: App, integration: str | None = None) -> list[dict[str, Any]]:
    return app.store.parked.open(integration or None)


def connection_rows(app: App) -> list[dict[str, Any]]:
    """Names, systems, settings and which secret fields are set; loading them registers the values with
    the redactor, so a secret that reached some other text by accident is still masked."""
    rows: list[dict[str, Any]] = app.connections.list()
    for row in rows:
        app.connections.get(row["name"])
    return rows
