"""QAD as the record target of looker-qad. Each run posts one balanced memo journal entry per figure
and period: a line per account and cost centre (the line's reference in ``PostingLineText``), the
net on the figure's contra account, figure and period in ``PostingText``, the figure's reference
(and ``ADJ of <daybook>/<voucher>`` when it carries differences) in ``PostingSecondText``.

Exactly once per line: the delivery ledger, and ``lookup`` before any resend whose outcome is unknown,
which sums what QAD holds under the line's reference. A changed figure (ChangePolicy.UPDATE) posts the
difference between the figure and what QAD holds; ``on_change = "review"`` flags it (REVIEW).
``run --dry-run`` shows, per figure and period, the exact request ``send_group`` would POST.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from ml_connector.connectors.qad.client import QadClient, QadSubmitError
from ml_connector.connectors.qad.models import JournalEntry, JournalEntryLine, PostedLine
from ml_connector.engine.dry_run import GroupRendering, Rendering, json_rendering
from ml_connector.engine.targets import ChangePolicy, Delivery
from ml_connector.errors import MlConnectorError, ReferenceMissingError, RemoteError
from ml_connector.integrations.looker_qad.mappings import QadCatalog

NOTHING_POSTED = "nothing to post (zero)"
_MISSING = {"glCode": ("qad_gl_account", "account"), "costCentreCode": ("qad_cost_centre", "cost_centre")}
Result = str | MlConnectorError
_Lines = list[tuple[int, dict[str, Any], Decimal]]


class QadFigureTarget:
    def __init__(
        self,
        qad: QadClient,
        catalog: QadCatalog,
        *,
        on_change: str = "adjust",
        older_in_doubt: Callable[[Delivery], bool] | None = None,
    ) -> None:
        self.qad, self.catalog = qad, catalog
        # whether an older version of a line was posted with an unknown outcome (a crash, a lost answer)
        self.older_in_doubt = older_in_doubt or (lambda d: False)
        self.change_policy = ChangePolicy.REVIEW if on_change == "review" else ChangePolicy.UPDATE
        self.posted = 0

    def check_references(self, d: Delivery) -> None:
        self.catalog.check_line(dict(d.row))

    def held(self, row: dict[str, Any]) -> list[PostedLine]:
        """The lines QAD holds under this line's reference (contra lines carry another text)."""
        return [
            line
            for line in self.qad.lines_with_text(row["reference"])
            if line.gl_code == row["account"] and line.cost_centre == row["cost_centre"]
        ]

    def lookup(self, d: Delivery) -> str | None:
        row = dict(d.row)
        held = self.held(row)
        if sum((line.net for line in held), Decimal(0)) != Decimal(row["amount"]):
            return None  # QAD does not (yet) sum to this version: send the difference
        if not held:
            return NOTHING_POSTED
        return max(held, key=lambda line: line.voucher).entry_key

    def send(self, d: Delivery) -> str:
        [result] = self.send_group([d])
        if isinstance(result, MlConnectorError):
            raise result
        return result

    def send_group(self, deliveries: Sequence[Delivery]) -> list[Result]:
        """One entry per (figure, period, daybook) of these lines; a result per line, in order."""
        results: dict[int, Result] = {}
        for members in _groups(deliveries).values():
            try:
                results.update(self._post_group([(n, deliveries[n]) for n in members]))
            except RemoteError as exc:
                if not exc.retriable:  # refused (403, 4xx): this group's lines fail, the others go on
                    results.update({n: exc for n in members})
                    continue
                # Unknown outcome (QAD down, answer lost): this group and the ones not tried stay
                # "sending"; the groups already posted are settled by the runner.
                results.update({n: exc for n in range(len(deliveries)) if n not in results})
                break
        return [results[n] for n in range(len(deliveries))]

    def render_group(self, deliveries: Sequence[Delivery]) -> list[GroupRendering]:
        """`run --dry-run`: per figure and period, the exact request ``send_group`` would POST (reads only)."""
        shown = []
        for (figure, period, daybook), members in _groups(deliveries).items():
            _settled, lines, original = self._plan([(n, deliveries[n]) for n in members])
            sids = [deliveries[n].source_id for n in members]
            label = f"{figure} {period} (daybook {daybook}, {len(members)} line(s))"
            if not lines:
                text = "QAD already holds the current figure for these lines: no entry would be posted"
                shown.append(GroupRendering(label, sids, Rendering("nothing to post", text)))
                continue
            path, params, body = self.qad.create_request(self.entry([(r, a) for _, r, a in lines], original))
            kind = f"QAD JSON POST {path}?{urlencode(params)}"
            if original is not None:
                kind += f" (adjustment of {original.daybook}/{original.voucher})"
            shown.append(GroupRendering(label, sids, json_rendering(body, kind)))
        return shown

    def _post_group(self, members: list[tuple[int, Delivery]]) -> dict[int, Result]:
        out, lines, original = self._plan(members)
        for _attempt in range(2):  # a second try without lines QAD refused by their code
            if not lines:
                break
            try:
                saved = self.qad.create_journal_entry(self.entry([(r, a) for _, r, a in lines], original))
            except QadSubmitError as exc:
                refused = _refusals(exc, [r for _, r, _ in lines])
                if refused is None:
                    out.update({n: exc for n, _, _ in lines})
                    break
                out.update({n: refused[i] for i, (n, _, _) in enumerate(lines) if i in refused})
                lines = [line for i, line in enumerate(lines) if i not in refused]
                continue
            self.posted += 1
            out.update({n: saved.key for n, _, _ in lines})
            break
        else:
            out.update({n: QadSubmitError("QAD refused the entry twice", errors=[]) for n, _, _ in lines})
        return out

    def _plan(self, members: list[tuple[int, Delivery]]) -> tuple[dict[int, Result], _Lines, PostedLine | None]:
        """What QAD lacks per line (the difference for an adjustment), the lines settled without a post,
        and the original entry an adjustment references."""
        out: dict[int, Result] = {}
        lines: _Lines = []
        originals: list[PostedLine] = []
        for n, d in members:
            row, amount = dict(d.row), Decimal(d.row["amount"])
            if d.previous_target_ref is not None or self.older_in_doubt(d):
                # an adjustment, or the figure changed after a post of it whose outcome is unknown (QAD may
                # hold that older figure): post what QAD lacks for the current figure
                held = self.held(row)
                amount -= sum((line.net for line in held), Decimal(0))
                originals += held
            if amount == 0:
                out[n] = d.previous_target_ref or NOTHING_POSTED
            else:
                lines.append((n, row, amount))
        original = min(originals, key=lambda line: (line.year, line.voucher)) if originals else None
        return out, lines, original

    def entry(self, lines: list[tuple[dict[str, Any], Decimal]], original: PostedLine | None) -> JournalEntry:
        first = lines[0][0]
        period = self.catalog.periods[first["period"]]
        figure_ref = figure_reference(first["reference"][:3], first["figure"], first["period"])
        second = figure_ref + (f" ADJ of {original.daybook}/{original.voucher}" if original else "")
        wire = [_line(row, amount) for row, amount in lines]
        net = sum((amount for _, amount in lines), Decimal(0))
        if net:
            contra = {**first, "account": first["contra_account"], "cost_centre": "", "sub_account": "", "project": ""}
            wire.append(_line(contra, -net, text=f"{figure_ref} offset"))
        return JournalEntry(
            daybookCode=first["daybook"],
            postingYear=period.year,
            postingPeriod=period.period,
            postingDate=period.end.isoformat(),
            postingText=f"{first['figure']} {first['period']}"[:40],
            postingSecondText=second[:40],
            journalEntryLines=wire,
        )


def _groups(deliveries: Sequence[Delivery]) -> dict[tuple[str, str, str], list[int]]:
    """Positions of the lines per (figure, period, daybook): one journal entry each."""
    groups: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for n, d in enumerate(deliveries):
        groups[d.row["figure"], d.row["period"], d.row["daybook"]].append(n)
    return groups


def figure_reference(prefix: str, figure: str, period: str) -> str:
    return prefix + hashlib.sha256(f"{figure}|{period}".encode()).hexdigest()[:12].upper()


def _line(row: dict[str, Any], amount: Decimal, *, text: str | None = None) -> JournalEntryLine:
    debit, credit = (amount, Decimal(0)) if amount > 0 else (Decimal(0), -amount)
    return JournalEntryLine(
        glCode=row["account"],
        costCentreCode=row["cost_centre"],
        divisionCode=row["sub_account"],
        projectCode=row["project"],
        postingLineDebitTC=debit,
        postingLineCreditTC=credit,
        postingLineText=text or row["reference"],
    )


def _refusals(exc: QadSubmitError, rows: list[dict[str, Any]]) -> dict[int, MlConnectorError] | None:
    """QAD's refusals a person fixes in QAD (closed period, unknown or inactive code) as parking reasons
    per line; None when the refusal is not about particular lines (the whole entry fails)."""
    found: dict[int, MlConnectorError] = {}
    for error in exc.errors:
        if error.fieldName == "postingPeriod" and "closed" in error.message:
            period = rows[0]["period"]
            reason = f"QAD refused the entry: GL period {period} is closed; open it and the next run posts the line"
            return {i: ReferenceMissingError(reason, reference="qad_gl_period", key=period) for i in range(len(rows))}
        if error.fieldName in _MISSING and error.value:
            reference, role = _MISSING[error.fieldName]
            for i, row in enumerate(rows):
                if row[role] == error.value or (role == "account" and row["contra_account"] == error.value):
                    found[i] = ReferenceMissingError(
                        f"QAD refused {row['figure']} line {row['account']}/{row['cost_centre']}: {error.describe()}; "
                        f"create or activate '{error.value}' in QAD and the next run posts the line",
                        reference=reference,
                        key=error.value,
                    )
    return found or None
