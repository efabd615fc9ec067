"""One line per cause in `ml-connector check`: failures of one system that share a cause (a wrong password
refuses every table read the same way) become one line naming each check, not one line per table."""

from __future__ import annotations

import re

from ml_connector.integrations.plan import CheckResult

# "on GET http://host/path?query: " names the request, not the cause; two reads refused alike differ only here.
_REQUEST = re.compile(r" on (?:GET|POST|PUT|PATCH|DELETE|HEAD) \S+?(?=[:.]? )")


def cause_of(result: CheckResult) -> str:
    """The failure's detail without the request it happened on."""
    return _REQUEST.sub("", result.detail)


def collapse_same_cause(results: list[CheckResult]) -> list[CheckResult]:
    """Merge failed results of one system whose detail differs only in the request into one result, at the
    place of the first; passed checks and failures with a cause of their own stay as they are."""
    groups: dict[tuple[str, str], list[CheckResult]] = {}
    for r in results:
        if not r.ok:
            groups.setdefault((r.system, cause_of(r)), []).append(r)
    merged: list[CheckResult] = []
    for r in results:
        group = [] if r.ok else groups[(r.system, cause_of(r))]
        if len(group) < 2:
            merged.append(r)
        elif r is group[0]:
            merged.append(CheckResult(r.system, _joined([g.what for g in group]), False, cause_of(r)))
    return merged


def _joined(whats: list[str]) -> str:
    """ "read GenMaster", "read ApInvoice" -> "read GenMaster, ApInvoice (2 checks, one cause)"."""
    verbs = {w.split(" ", 1)[0] for w in whats}
    if len(verbs) == 1 and all(" " in w for w in whats):
        text = f"{verbs.pop()} " + ", ".join(w.split(" ", 1)[1] for w in whats)
    else:
        text = ", ".join(whats)
    return f"{text} ({len(whats)} checks, one cause)"
