"""A run's status and exit code are honest: a failed record makes it partial (exit 1, never "succeeded",
as after a syspro-sterling run whose 810 and 856 failed); a refused or unreachable remote is exit 3 and names
the system, the stored connection and the fix."""

from __future__ import annotations

from ml_connector.core.streams import StreamKind, StreamSpec
from ml_connector.engine.runner import Runner
from ml_connector.errors import RemoteAuthError, RemoteUnavailableError


def _stream(name: str) -> StreamSpec:
    return StreamSpec(name, "X", ("k",), name, ("k",), dict, kind=StreamKind.FACT)


def test_failed_records_make_the_run_partial(store, clock) -> None:
    def handler(ctx, stream, _all, _full):  # type: ignore[no-untyped-def]
        ctx.tally(stream.name).read += 2
        if stream.name in ("invoice", "shipment"):
            ctx.tally(stream.name).failed += 1  # the target refused it: parked as failed, replayable

    streams = [_stream(n) for n in ("purchase_order", "invoice", "shipment")]
    report = Runner(store, clock).run("syspro-sterling", streams, handler)
    assert report.status == "partial" and report.exit_code == 1
    assert "invoice, shipment: record(s) failed" in (report.error or "")
    assert store.runs.recent("syspro-sterling", limit=1)[0]["status"] == "partial"


def test_a_remote_failure_is_exit_3_and_names_the_connection(store, clock) -> None:
    def handler(ctx, stream, _all, _full):  # type: ignore[no-untyped-def]
        if stream.name == "a":
            raise RemoteUnavailableError("SYSPRO OData is not reachable: cannot connect.", system="SYSPRO OData")
        raise RemoteAuthError("Looker refused the credentials (HTTP 401).", system="Looker")

    report = Runner(store, clock).run("syspro-looker", [_stream("a"), _stream("b")], handler,
                                      connections={"SYSPRO OData": "erp-odata", "Looker": "looker"})  # fmt: skip
    assert report.status == "failed" and report.exit_code == 3
    assert "connection 'erp-odata'" in (report.error or "") and "connections show erp-odata" in (report.error or "")
    assert "connections edit looker --secret" in (report.error or "")
