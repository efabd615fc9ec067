"""The shape every setup business object (ARSSCS, APSSSP, ...) shares in the emulator: check each item,
apply the valid ones unless validating only or all-or-nothing, answer item errors and StatusOfItems."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from xml.etree.ElementTree import Element

from ml_connector.emulators.syspro_enet.checks import Checker
from ml_connector.emulators.syspro_enet.state import EnetState
from ml_connector.emulators.syspro_enet.xmlio import answer_root, counter, field_error, flag, sub, text_of

CheckItem = Callable[[EnetState, str, Element], tuple[Checker, str, dict[str, Any]]]
ApplyItem = Callable[[EnetState, str, str, dict[str, Any]], None]


def run_setup(
    state: EnetState,
    action: str,
    params: Element,
    document: Element,
    *,
    answer: str,
    key: str,
    check: CheckItem,
    apply: ApplyItem,
) -> Element:
    """Process a setup document; ``answer`` is the root element name, ``key`` the item key element."""
    options = params.find("Parameters")
    validate_only = flag(text_of(options, "ValidateOnly"), "N") == "Y"
    all_or_nothing = flag(text_of(options, "ApplyIfEntireDocumentValid"), "N") == "Y"
    root = answer_root(answer)
    items = document.findall("Item")
    results = [check(state, action, item) for item in items]
    any_invalid = any(checker.problems for checker, _, _ in results)
    for checker, code, changes in results:
        out = sub(root, "item")
        sub(sub(out, "key"), key, code)
        for problem in checker.problems:
            field_error(out, problem.tag.lower(), problem.value, problem.number, problem.description)
        if checker.problems or validate_only or (all_or_nothing and any_invalid):
            continue
        apply(state, action, code, changes)
    totals = sub(root, "StatusOfItems")
    sub(totals, "RecordsRead", counter(len(items)))
    sub(totals, "RecordsInvalid", counter(sum(1 for c, _, _ in results if c.problems)))
    return root
