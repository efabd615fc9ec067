"""`ml-connector reconcile looker-qad`: per figure, period, account and cost centre, the value Looker
computes now, what QAD holds under the line's reference, and the difference."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ml_connector.bootstrap import App
from ml_connector.integrations.looker_qad import settings as config
from ml_connector.integrations.looker_qad.mappings import QadCatalog
from ml_connector.integrations.looker_qad.sources import FigureSource, LookerFigures
from ml_connector.integrations.looker_qad.streams import (
    FIGURE_LINES,
    NAME,
    figure_lines,
    new_line,
    parse_period,
    period_label,
    split_line_id,
)
from ml_connector.integrations.looker_qad.wiring import looker_client, qad_client


@dataclass(frozen=True)
class ReconciliationRow:
    figure: str
    period: str
    account: str
    cost_centre: str
    sub_account: str
    project: str
    looker: Decimal | None  # None: Looker's row could not be read (see note)
    qad: Decimal
    note: str = ""

    @property
    def difference(self) -> Decimal | None:
        return None if self.looker is None else self.looker - self.qad

    @property
    def differs(self) -> bool:
        return self.difference != 0

    def as_json(self) -> dict[str, Any]:
        out = {k: str(v) if isinstance(v, Decimal) else v for k, v in vars(self).items()}
        out["difference"] = None if self.difference is None else str(self.difference)
        return out


def reconcile(app: App, period: str | None = None, **http: Any) -> list[ReconciliationRow]:
    cfg = config.load(app.settings.section(NAME))
    looker = looker_client(app, cfg.looker_connection, cfg.looker_requests_per_minute, **http.get("looker", {}))
    qad = qad_client(app, cfg.qad_connection, **http.get("qad", {}))
    try:
        catalog = QadCatalog(qad)
        key = app.instance_key(NAME)  # the instance whose delivered lines are compared
        source = FigureSource(LookerFigures(looker, cfg), catalog, cfg, app.store, app.clock, key)
        held: dict[str, Decimal] = defaultdict(Decimal)
        for line in qad.lines_with_text(cfg.reference_prefix, begins=True):
            held[line.line_text] += line.net
        out: list[ReconciliationRow] = []
        for figure in cfg.figures:
            if period is not None:
                figure = figure.model_copy(update={"periods": [period]})
            periods, lines = source.lines(figure)
            known = {line["line_id"] for line in lines}
            for sid in source.delivered(FIGURE_LINES, figure.name):  # lines QAD got that Looker no longer has
                parts = split_line_id(sid)
                if sid not in known and parts is not None and parts[1] in periods:
                    lines.append(new_line(figure, parts[1], parts[2], cfg.reference_prefix) | {"amount": "0"})
                    known.add(sid)
            out += [_row(line, held[line["reference"]]) for line in lines]
        return sorted(out, key=lambda r: (r.figure, r.period, r.account, r.cost_centre))
    finally:
        looker.close()
        qad.close()


def _row(line: dict[str, Any], held: Decimal) -> ReconciliationRow:
    problem = line.get("problem") or ""
    return ReconciliationRow(
        figure=line["figure"],
        period=line["period"],
        account=line["account"],
        cost_centre=line["cost_centre"],
        sub_account=line["sub_account"],
        project=line["project"],
        looker=None if problem else Decimal(line["amount"]),
        qad=held,
        note=problem,
    )


def normalise_period(text: str) -> str:
    return period_label(*parse_period(text))


__all__ = ["ReconciliationRow", "figure_lines", "normalise_period", "reconcile"]
