"""`check` shows one line per cause: failures of one system refused alike collapse; others stay apart."""

from __future__ import annotations

from ml_connector.integrations.check_results import collapse_same_cause
from ml_connector.integrations.plan import CheckResult


def _refused(table: str) -> CheckResult:
    detail = f"SYSPRO OData refused the credentials (HTTP 401) on GET http://h/A/{table}?%24top=1: denied."
    return CheckResult("SYSPRO OData", f"read {table}", False, detail)


def test_same_cause_collapses_at_the_first_failure_and_keeps_order() -> None:
    results = [
        CheckResult("SYSPRO OData", "reach h:1", True, "reachable"),
        _refused("GenMaster"),
        CheckResult("warehouse", "write", True, "ok"),
        _refused("ApInvoice"),
    ]
    assert collapse_same_cause(results) == [
        results[0],
        CheckResult(
            "SYSPRO OData",
            "read GenMaster, ApInvoice (2 checks, one cause)",
            False,
            "SYSPRO OData refused the credentials (HTTP 401): denied.",
        ),
        results[2],
    ]


def test_different_causes_or_systems_stay_apart() -> None:
    missing = CheckResult("SYSPRO OData", "read ArInvoice", False, "SYSPRO OData: table ArInvoice not published (404).")
    other = CheckResult("Looker", "read GenMaster", False, _refused("GenMaster").detail)
    results = [_refused("GenMaster"), missing, other]
    assert collapse_same_cause(results) == results
