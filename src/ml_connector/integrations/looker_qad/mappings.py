"""How figure lines map onto QAD: the QAD master data read first (accounts, cost centres, daybooks,
periods; once per run), the period rules, and the reference checks that park a line naming its key.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property
from typing import Any

from ml_connector.connectors.qad.client import QadClient
from ml_connector.connectors.qad.models import CostCentre, Daybook, GlAccount, GlPeriod
from ml_connector.errors import ConfigError, ReferenceMissingError
from ml_connector.integrations.looker_qad.settings import FigureSettings
from ml_connector.integrations.looker_qad.streams import parse_period, period_label


class QadCatalog:
    """QAD's master data as this run sees it (read lazily, at most once per run)."""

    def __init__(self, qad: QadClient) -> None:
        self.qad = qad

    @cached_property
    def accounts(self) -> dict[str, GlAccount]:
        return self.qad.gl_accounts()

    @cached_property
    def cost_centres(self) -> dict[str, CostCentre]:
        return self.qad.cost_centres()

    @cached_property
    def daybooks(self) -> dict[str, Daybook]:
        return self.qad.daybooks()

    @cached_property
    def periods(self) -> dict[str, GlPeriod]:
        return {p.label: p for p in self.qad.periods()}

    def periods_for(self, figure: FigureSettings, today: date) -> list[str]:
        """The figure's period rule as QAD period labels (``YYYY/PP``)."""
        if isinstance(figure.periods, list):
            return sorted({period_label(*parse_period(p)) for p in figure.periods})
        ordered = sorted(self.periods.values(), key=lambda p: (p.year, p.period))
        current = next((p for p in ordered if p.start <= today <= p.end), None)
        if current is None:
            raise ConfigError(
                f"QAD has no GL period containing {today} for figure '{figure.name}'. Create the fiscal "
                "year's periods in QAD, or give the figure a fixed list of periods."
            )
        if figure.periods == "current_open":
            return [current.label]
        # last_closed: the last period that has ended (closed at month end in the source)
        index = ordered.index(current)
        if index == 0:
            raise ConfigError(f"QAD has no period before {current.label} for figure '{figure.name}'.")
        return [ordered[index - 1].label]

    def check_line(self, row: dict[str, Any]) -> None:
        """Raise ReferenceMissingError (the line is parked) naming what is missing or wrong."""
        what = f"{row['figure']} {row['period']} line {row['account'] or '?'}/{row['cost_centre'] or '-'}"
        if row.get("problem"):
            raise ReferenceMissingError(
                f"{what}: Looker row refused: {row['problem']}. Fix the Look/query or the data behind it; "
                "the next run reads the figure again",
                reference="looker_row",
                key=row["line_id"][:100],
            )
        self._require(self.daybooks.get(row["daybook"]), "qad_daybook", row["daybook"], f"{what}: QAD daybook")
        for account in (row["account"], row["contra_account"]):
            self._require(self.accounts.get(account), "qad_gl_account", account, f"{what}: QAD GL account")
        if row["cost_centre"]:
            centre = self.cost_centres.get(row["cost_centre"])
            self._require(centre, "qad_cost_centre", row["cost_centre"], f"{what}: QAD cost centre")
        period = self.periods.get(row["period"])
        if period is None or period.closed:
            state = "does not exist" if period is None else "is closed"
            raise ReferenceMissingError(
                f"{what}: QAD GL period {row['period']} {state}; open it in QAD and the next run posts the line",
                reference="qad_gl_period",
                key=row["period"],
            )

    @staticmethod
    def _require(found: Any, reference: str, key: str, what: str) -> None:
        if found is None or not found.active:
            state = "does not exist" if found is None else "is inactive"
            raise ReferenceMissingError(
                f"{what} '{key}' {state}; create or activate it in QAD and the parked line posts on the next run",
                reference=reference,
                key=key,
            )
