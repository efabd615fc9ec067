"""SYSPRO e.net failures turned into our error tree: the HTTP 200 + ``ERROR:`` text layer, and the
``ErrorDescription`` layer inside business-object XML, split into park (a missing reference) and reject.

Exact SYSPRO wording is only partly public (docs/PROTOCOLS.md, SYSPRO e.net), so the patterns live in
:class:`EnetErrorRules` and can be replaced per site.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from ml_connector.errors import (
    LoginRefusedError,
    ReferenceMissingError,
    RemoteAuthError,
    RemoteRejectedError,
    RemoteUnavailableError,
)

SYSTEM = "SYSPRO e.net"


class EnetDocumentInvalidError(RemoteRejectedError):
    """Refused before sending: SYSPRO would reject the document (unbalanced journal, key too long)."""


class EnetSessionExpiredError(RemoteAuthError):
    """``ERROR: The supplied UserID is invalid...``: the session expired or was evicted."""


class EnetLogonRefusedError(LoginRefusedError):
    """``/Logon`` answered ``ERROR: Invalid operator password`` (or company): the operator's credentials
    were refused. Not tried again by the session: SYSPRO may lock an operator after repeated failures."""


class EnetSessionBusyError(RemoteUnavailableError):
    """Another session of the same operator is open in this process (e.net allows one per operator)."""


class EnetNotLicensedError(RemoteRejectedError):
    """The operator or company is not licensed for the business object (``e.net exception 100000``)."""


class EnetDuplicateError(RemoteRejectedError):
    """SYSPRO says the object already exists (customer code, customer PO number)."""


@dataclass(frozen=True)
class BusinessError:
    """One ``ErrorDescription`` found in a business-object answer, with the field it was attached to."""

    field: str  # tag of the element holding ErrorDescription ("" when at item/root level)
    value: str
    number: str
    description: str

    def __str__(self) -> str:
        where = f" [{self.field}={self.value}]" if self.field and self.value else ""
        number = f" (error {self.number})" if self.number else ""
        return f"{self.description}{number}{where}"


@dataclass(frozen=True)
class ParkRule:
    """A business refusal that means "a reference is missing": the record is parked, not failed.

    ``fields``: lower-case tags of the element the error is attached to; ``pattern`` must match its
    description. ``text``: fallback pattern for errors not attached to a known field.
    """

    reference: str
    fields: frozenset[str]
    pattern: re.Pattern[str]
    text: re.Pattern[str]
    advice: str


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_MISSING = r"not (?:found|on file)|does not exist|unknown|invalid"
DEFAULT_PARK_RULES: tuple[ParkRule, ...] = (
    ParkRule(
        "posting_period",
        frozenset({"postingperiod", "postingyear", "glperiod", "glyear"}),
        _rx(r"clos|not open|future|not allowed|invalid"),
        _rx(r"period\b.*\b(?:is closed|closed|not open|future)"),
        "Open the posting period in SYSPRO (GL period end), then replay the record.",
    ),
    ParkRule(
        "customer",
        frozenset({"customer"}),
        _rx(_MISSING),
        _rx(r"customer\b.*\b(?:not found|not on file|does not exist)"),
        "Create the customer in SYSPRO or map it, then replay the record.",
    ),
    ParkRule(
        "gl_account",
        frozenset({"ledgercode", "glcode", "ledger"}),
        _rx(_MISSING),
        _rx(r"(?:ledger|gl)\s*(?:code|account)\b.*\b(?:not found|not on file|does not exist)"),
        "Create the GL account in SYSPRO (GenMaster) or fix the GL mapping, then replay the record.",
    ),
    ParkRule(
        "stock_code",
        frozenset({"stockcode", "nstockcode"}),
        _rx(_MISSING),
        _rx(r"stock\s*code\b.*\b(?:not found|not on file|does not exist)"),
        "Create the stock code in SYSPRO (InvMaster) or fix the product mapping, then replay.",
    ),
    ParkRule(
        "warehouse",
        frozenset({"warehouse"}),
        _rx(_MISSING + r"|not stocked"),
        _rx(r"warehouse\b.*\b(?:not found|not on file|does not exist)"),
        "Create the warehouse (or stock it for this item) in SYSPRO or fix the mapping, then replay.",
    ),
)


_SESSION_EXPIRED = _rx(r"supplied UserID is invalid")
_AUTH = _rx(r"invalid operator|invalid company|password")
_NOT_LICENSED = _rx(r"e\.net exception 100000|not licen[cs]ed")
_TRANSIENT = _rx(r"licen[cs]e.*(?:exhausted|exceeded|maximum|in use)|deadlock|timed? ?out|try again")
_DUPLICATE = _rx(r"already exists|duplicate")


@dataclass(frozen=True)
class EnetErrorRules:
    """How e.net texts are classified. Defaults follow the recorded texts and common SYSPRO wording."""

    session_expired: re.Pattern[str] = _SESSION_EXPIRED
    auth: re.Pattern[str] = _AUTH
    not_licensed: re.Pattern[str] = _NOT_LICENSED
    transient: re.Pattern[str] = _TRANSIENT
    duplicate: re.Pattern[str] = _DUPLICATE
    park: tuple[ParkRule, ...] = DEFAULT_PARK_RULES


DEFAULT_RULES = EnetErrorRules()


def raise_for_error_text(
    text: str, *, doing: str, request: str = "", rules: EnetErrorRules = DEFAULT_RULES
) -> NoReturn:
    """Raise the error an ``ERROR: ...`` body means. ``doing`` names the document ("journal 'X' (GENTJL)")."""
    detail = text.strip()
    common: dict[str, Any] = {"system": SYSTEM, "status": 200, "request": request, "body": detail[:500]}
    if rules.session_expired.search(detail):
        raise EnetSessionExpiredError(f"SYSPRO e.net session expired while sending {doing}: {detail}", **common)
    if rules.not_licensed.search(detail):
        raise EnetNotLicensedError(
            f"SYSPRO refused {doing}: {detail}. The e.net operator or company is not licensed for this "
            "business object; ask the SYSPRO administrator to licence it.",
            **common,
        )
    if rules.auth.search(detail):
        raise RemoteAuthError(
            f"SYSPRO refused the logon for {doing}: {detail}. Check the operator and company credentials "
            "with `ml-connector connections add`.",
            **common,
        )
    if rules.transient.search(detail):
        raise RemoteUnavailableError(
            f"SYSPRO could not process {doing} right now: {detail}. The run can be retried.", **common
        )
    raise RemoteRejectedError(f"SYSPRO rejected {doing}: {detail}", **common)


def classify(error: BusinessError, rules: EnetErrorRules = DEFAULT_RULES) -> ParkRule | None:
    """The park rule an error matches, or None for a hard rejection."""
    tag = error.field.lower()
    for rule in rules.park:
        if tag in rule.fields and rule.pattern.search(error.description):
            return rule
    known = {f for rule in rules.park for f in rule.fields}
    if tag not in known:
        for rule in rules.park:
            if rule.text.search(error.description):
                return rule
    return None


_QUOTED = re.compile(r"'([^']+)'")


def raise_for_business_errors(
    errors: Sequence[BusinessError],
    *,
    doing: str,
    keys: Mapping[str, str] | None = None,
    warnings: Sequence[str] = (),
    rules: EnetErrorRules = DEFAULT_RULES,
) -> None:
    """Raise for ``ErrorDescription`` entries: ReferenceMissingError when every one is a missing
    reference, otherwise RemoteRejectedError (EnetDuplicateError for "already exists")."""
    if not errors:
        return
    listed = "; ".join(str(e) for e in errors)
    if warnings:
        listed += "; warnings: " + "; ".join(warnings)
    body = listed[:500]
    matched = [classify(e, rules) for e in errors]
    if all(rule is not None for rule in matched):
        rule, first = matched[0], errors[0]
        assert rule is not None
        key = (keys or {}).get(rule.reference) or first.value or _quoted(first.description)
        raise ReferenceMissingError(
            f"SYSPRO cannot accept {doing}: {listed}. Missing {rule.reference} {key!r}. {rule.advice}",
            reference=rule.reference,
            key=key,
        )
    cls = EnetDuplicateError if any(rules.duplicate.search(e.description) for e in errors) else None
    raise (cls or RemoteRejectedError)(
        f"SYSPRO rejected {doing}: {listed}. Correct the record (or its mapping) and replay it.",
        system=SYSTEM,
        status=200,
        body=body,
    )


def _quoted(description: str) -> str:
    found = _QUOTED.search(description)
    return found.group(1) if found else ""
