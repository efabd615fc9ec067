"""GENTJL (post GL journal, ``/Transaction/Post``) in the emulator: journal type, posting year and
period (open, not future, current or previous year), GenMaster ledger codes, signed amounts
(positive debit, negative credit) that must balance; writes GenJournalCtl / GenJournalDetail /
GenTransaction and answers ``postgljournal`` (lower-case root, docs/PROTOCOLS.md)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import Element

from ml_connector.emulators.syspro_enet import checks
from ml_connector.emulators.syspro_enet.checks import Checker
from ml_connector.emulators.syspro_enet.state import EnetState
from ml_connector.emulators.syspro_enet.xmlio import answer_root, counter, flag, number, sub, text_of

JOURNAL_TYPES = frozenset("NPUSLAIE")


def gentjl(state: EnetState, params: Element, document: Element, operator: str) -> Element:
    options = params.find("Parameters")
    validate_only = flag(text_of(options, "ValidateOnly"), "N") == "Y"
    all_or_nothing = flag(text_of(options, "ApplyIfEntireDocumentValid"), "Y") == "Y"
    action = flag(text_of(options, "ActionType"), "A")
    root = answer_root("postgljournal")
    items = document.findall("Item")
    checked = [_check(state, item, action) for item in items]
    any_invalid = any(c.problems for c, _ in checked)
    processed = postings = invalid = 0
    for (checker, journal), item_out in zip(checked, [sub(root, "Item") for _ in items], strict=True):
        if checker.problems:
            invalid += len(journal["lines"]) or 1
            checker.attach(item_out)
            continue
        if validate_only or (all_or_nothing and any_invalid):
            continue
        _post(state, journal, item_out, operator)
        processed += 1
        postings += len(journal["lines"])
    totals = sub(root, "StatusOfItems")
    sub(totals, "JournalsProcessed", counter(processed))
    sub(totals, "PostingsProcessed", counter(postings))
    sub(totals, "PostingsInvalid", counter(invalid))
    return root


def _check(state: EnetState, item: Element, action: str) -> tuple[Checker, dict[str, Any]]:
    checker = Checker(state.options.overlong)
    if action != "A":
        checker.fail(
            "ActionType",
            action,
            checks.E_UNSUPPORTED,
            f"Action type '{action}' is not supported by this emulator (only A)",
        )
    kind = text_of(item, "JournalType") or "N"
    if kind not in JOURNAL_TYPES:
        checker.fail("JournalType", kind, checks.E_UNSUPPORTED, f"Journal type '{kind}' is invalid")
    current_year, current_period = state.current_period()
    year = int(number(text_of(item, "PostingYear")) or current_year)
    period = int(number(text_of(item, "PostingPeriod")) or current_period)
    status = state.periods.get((year, period))
    if year not in (current_year, current_year - 1):
        checker.fail(
            "PostingYear",
            str(year),
            checks.E_PERIOD,
            f"Posting year {year} is not the current or previous financial year",
        )
    elif (year, period) > (current_year, current_period) and status != "open":
        checker.fail(
            "PostingPeriod", str(period), checks.E_PERIOD, f"Posting period {year}/{period:02d} is a future period"
        )
    elif status is None:
        checker.fail("PostingPeriod", str(period), checks.E_PERIOD, f"Posting period {period} is invalid")
    elif status == "closed":
        checker.fail("PostingPeriod", str(period), checks.E_PERIOD, f"Posting period {year}/{period:02d} is closed")
    journal: dict[str, Any] = {
        "year": year, "period": period, "type": kind,
        "date": checker.day(item, "JournalDate") or state.today(),
        "reference": checker.text(item, "JournalReference", "GenJournalCtl", "Reference") or "",
        "notation": checker.text(item, "Notation", "GenJournalCtl", "Notation") or "",
        "post": flag(text_of(item, "PostJournal"), "Y") == "Y", "lines": [],
    }  # fmt: skip
    total = Decimal(0)
    for detail in item.findall("JournalDetails"):
        code = checker.text(detail, "LedgerCode", "GenJournalDetail", "GlCode", required=True)
        account = state.get("GenMaster", code) if code else None
        if code and account is None:
            checker.fail("LedgerCode", code, checks.E_NOT_FOUND, f"Ledger code '{code}' not found")
        amount = checker.amount(detail, "EntryAmount", scale=2, precision=14, required=True)
        total += amount or 0
        journal["lines"].append({
            "GlCode": account["GlCode"] if account else code, "EntryValue": amount or Decimal(0),
            "Reference": checker.text(detail, "Reference", "GenJournalDetail", "Reference") or "",
            "Comment": checker.text(detail, "Comment", "GenJournalDetail", "Comment") or "",
            "EntryDate": checker.day(detail, "Date") or journal["date"],
        })  # fmt: skip
    if not journal["lines"]:
        checker.fail("JournalDetails", "", checks.E_REQUIRED, "The journal has no entries")
    elif total != 0:
        debits = sum((ln["EntryValue"] for ln in journal["lines"] if ln["EntryValue"] > 0), Decimal(0))
        checker.fail(
            "EntryAmount",
            f"{total:.2f}",
            checks.E_BALANCE,
            f"Journal does not balance: debits {debits:.2f}, credits {debits - total:.2f}",
        )
    return checker, journal


def _post(state: EnetState, journal: dict[str, Any], item_out: Element, operator: str) -> None:
    year, period = journal["year"], journal["period"]
    with state.lock:
        numbers = [
            int(r["Journal"]) for r in state.rows("GenJournalCtl") if r["GlYear"] == year and r["GlPeriod"] == period
        ]
        number_ = max(numbers, default=0) + 1
        debit = sum((ln["EntryValue"] for ln in journal["lines"] if ln["EntryValue"] > 0), Decimal(0))
        status = "P" if journal["post"] else "U"
        state.insert("GenJournalCtl", {
            "GlYear": year, "GlPeriod": period, "Journal": number_, "JournalDate": journal["date"],
            "JournalType": journal["type"], "Reference": journal["reference"], "Notation": journal["notation"],
            "JnlStatus": status, "NumOfEntries": len(journal["lines"]), "DebitAmount": debit,
            "CreditAmount": debit, "Operator": operator,
        })  # fmt: skip
        for entry, line in enumerate(journal["lines"], start=1):
            key = {"GlYear": year, "GlPeriod": period, "Journal": number_, "EntryNumber": entry}
            state.insert("GenJournalDetail", key | {
                "EntryType": "D" if line["EntryValue"] >= 0 else "C", "GlCode": line["GlCode"],
                "Reference": line["Reference"], "Comment": line["Comment"], "EntryValue": line["EntryValue"],
                "EntryDate": line["EntryDate"], "EntryPosted": "Y" if journal["post"] else "N",
            })  # fmt: skip
            if journal["post"]:
                state.insert("GenTransaction", key | {
                    "GlCode": line["GlCode"], "JnlDate": line["EntryDate"], "EntryValue": line["EntryValue"],
                    "Reference": line["Reference"], "Comment": line["Comment"], "Source": "GJ",
                })  # fmt: skip
    transaction = sub(item_out, "Transaction")
    key_out = sub(transaction, "Key")
    sub(key_out, "GlYear", str(year))
    sub(key_out, "GlPeriod", str(period))
    sub(key_out, "GlJournal", str(number_))
    sub(transaction, "JournalDate", journal["date"].isoformat())
    sub(transaction, "NumOfEntries", str(len(journal["lines"])))
    sub(transaction, "DebitAmount", f"{debit:.2f}")
    sub(transaction, "CreditAmount", f"{debit:.2f}")
    sub(transaction, "JnlPostingType", journal["type"])
    sub(transaction, "Jnlstatus", status)
    sub(transaction, "Currency")
    sub(transaction, "Authorised", "Y")
