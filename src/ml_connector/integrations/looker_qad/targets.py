"""QAD as the record target of looker-qad: one balanced memo journal entry per figure line (the line on
its account and cost centre, the opposite side on the figure's contra account), the line's reference
in ``PostingLineText`` and ``PostingSecondText``, figure and period in ``PostingText``.

Exactly once: the engine's delivery ledger, and ``lookup`` before any resend whose outcome is
unknown, which sums what QAD holds under the line's reference. A changed figure (ChangePolicy.UPDATE)
posts the difference between the figure and what QAD holds, naming the original entry; with
``on_change = "review"`` it is flagged instead (ChangePolicy.REVIEW).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ml_connector.connectors.qad.client import QadClient, QadSubmitError
from ml_connector.connectors.qad.models import JournalEntry, JournalEntryLine, PostedLine
from ml_connector.engine.targets import ChangePolicy, Delivery
from ml_connector.errors import ReferenceMissingError
from ml_connector.integrations.looker_qad.mappings import QadCatalog

NOTHING_POSTED = "nothing to post (zero)"
_MISSING = {"glCode": "qad_gl_account", "costCentreCode": "qad_cost_centre", "daybookCode": "qad_daybook"}


class QadFigureTarget:
    def __init__(self, qad: QadClient, catalog: QadCatalog, *, on_change: str = "adjust") -> None:
        self.qad, self.catalog = qad, catalog
        self.change_policy = ChangePolicy.REVIEW if on_change == "review" else ChangePolicy.UPDATE
        self.posted = 0

    def check_references(self, d: Delivery) -> None:
        self.catalog.check_line(dict(d.row))

    def held(self, row: dict[str, Any]) -> list[PostedLine]:
        """The lines QAD holds under this line's reference (the contra lines carry another text)."""
        return [
            line
            for line in self.qad.lines_with_text(row["reference"])
            if line.gl_code == row["account"] and line.cost_centre == row["cost_centre"]
        ]

    def lookup(self, d: Delivery) -> str | None:
        row = dict(d.row)
        held = self.held(row)
        total = sum((line.net for line in held), Decimal(0))
        if total != Decimal(row["amount"]):
            return None  # QAD does not (yet) sum to this version: send the difference
        if not held:
            return NOTHING_POSTED
        return max(held, key=lambda line: line.voucher).entry_key

    def send(self, d: Delivery) -> str:
        row = dict(d.row)
        amount, original = Decimal(row["amount"]), None
        if d.previous_target_ref is not None:  # an adjustment: post what QAD lacks for the current figure
            held = self.held(row)
            amount -= sum((line.net for line in held), Decimal(0))
            first = min(held, key=lambda line: line.voucher) if held else None
            original = f"{first.daybook}/{first.voucher}" if first else None
        if amount == 0:
            return d.previous_target_ref or NOTHING_POSTED
        entry = self.entry(row, amount, original)
        try:
            saved = self.qad.create_journal_entry(entry)
        except QadSubmitError as exc:
            raise (_as_missing_reference(exc, row) or exc) from None
        self.posted += 1
        return saved.key

    def entry(self, row: dict[str, Any], amount: Decimal, original: str | None) -> JournalEntry:
        period = self.catalog.periods[row["period"]]
        debit, credit = (amount, Decimal(0)) if amount > 0 else (Decimal(0), -amount)
        second = row["reference"] + (f" ADJ of {original}" if original else "")
        return JournalEntry(
            daybookCode=row["daybook"],
            postingYear=period.year,
            postingPeriod=period.period,
            postingDate=period.end.isoformat(),
            postingText=f"{row['figure']} {row['period']}"[:40],
            postingSecondText=second[:40],
            journalEntryLines=[
                JournalEntryLine(
                    glCode=row["account"],
                    costCentreCode=row["cost_centre"],
                    divisionCode=row["sub_account"],
                    projectCode=row["project"],
                    postingLineDebitTC=debit,
                    postingLineCreditTC=credit,
                    postingLineText=row["reference"],
                ),
                JournalEntryLine(
                    glCode=row["contra_account"],
                    postingLineDebitTC=credit,
                    postingLineCreditTC=debit,
                    postingLineText=f"{row['reference']} offset",
                ),
            ],
        )


def _as_missing_reference(exc: QadSubmitError, row: dict[str, Any]) -> ReferenceMissingError | None:
    """QAD's own refusals that a person fixes in QAD (closed period, unknown code): park, not fail."""
    for error in exc.errors:
        if error.fieldName == "postingPeriod" and "closed" in error.message:
            return ReferenceMissingError(
                f"QAD refused {row['figure']} line {row['account']}: GL period {row['period']} is closed; open it "
                "and the next run posts the line",
                reference="qad_gl_period",
                key=row["period"],
            )
        if error.fieldName in _MISSING and error.value:
            return ReferenceMissingError(
                f"QAD refused {row['figure']} line {row['account']}: {error.describe()}; create or activate "
                f"'{error.value}' in QAD and the next run posts the line",
                reference=_MISSING[error.fieldName],
                key=error.value,
            )
    return None
