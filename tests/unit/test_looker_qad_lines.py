"""looker-qad's pure parts: Looker rows grouped into figure lines (sums, problems kept, periods
filtered), stable references that fit QAD's 40 characters, and the period rules."""

from __future__ import annotations

from datetime import date

import pytest

from ml_connector.connectors.qad.models import GlPeriod
from ml_connector.errors import ConfigError
from ml_connector.integrations.looker_qad.mappings import QadCatalog
from ml_connector.integrations.looker_qad.settings import DEMO_FIGURE, FigureSettings
from ml_connector.integrations.looker_qad.streams import figure_lines, line_id, reference, split_line_id

COLS = DEMO_FIGURE.columns


def row(account, centre, amount, year=2026, period=11):
    return {COLS.account: account, COLS.cost_centre: centre, COLS.year: year, COLS.period: period, COLS.amount: amount}


def lines(rows, periods=("2026/11",)):
    return {
        (x["account"], x["cost_centre"]): x
        for x in figure_lines(DEMO_FIGURE, rows, set(periods), max_code=20, prefix="LQ-")
    }


def test_rows_sum_per_key_and_other_periods_are_left_out() -> None:
    got = lines(
        [
            row("6100", "200", 10.1),
            row("6100", "200", "5.005"),
            row("6100", "300", -2),
            row("6100", "200", 9, period=10),
        ]
    )
    assert {k: v["amount"] for k, v in got.items()} == {("6100", "200"): "15.11", ("6100", "300"): "-2.00"}
    assert all(v["problem"] == "" and v["period"] == "2026/11" for v in got.values())


def test_bad_rows_are_kept_with_their_reason() -> None:
    got = lines([row(None, "200", 1), row("6200", "400", "n/a"), row("6300", "C" * 200, 9), row("6400", "200", "nan")])
    assert "no GL account" in got["", "200"]["problem"]
    assert "'n/a'" in got["6200", "400"]["problem"] and "not a number" in got["6200", "400"]["problem"]
    assert "200 characters" in got["6300", "C" * 200]["problem"]
    assert "not a number" in got["6400", "200"]["problem"]
    assert len(got["6300", "C" * 200]["line_id"]) <= 200  # over-long ids end in a hash


def test_reference_is_stable_distinct_and_short() -> None:
    keys = {"account": "6100", "cost_centre": "200", "sub_account": "", "project": ""}
    ident = line_id("GL spend", "2026/11", keys)
    assert split_line_id(ident) == ("GL spend", "2026/11", keys)
    ref = reference("LQ-", ident)
    assert ref == reference("LQ-", ident) and len(ref) == 15
    assert ref != reference("LQ-", line_id("GL spend", "2026/12", keys))


class FakeQad:
    def periods(self) -> list[GlPeriod]:
        out = []
        for year, month in [(2026, m) for m in range(1, 13)]:
            end = date(year, month, 28)
            out.append(GlPeriod(year=year, period=month, start=date(year, month, 1), end=end, closed=month == 8))
        return out


@pytest.mark.parametrize(
    ("rule", "expected"),
    [("current_open", ["2026/11"]), ("last_closed", ["2026/10"]), (["2026-9", "2026/03"], ["2026/03", "2026/09"])],
)
def test_period_rules(rule, expected) -> None:
    figure = FigureSettings.model_validate({**DEMO_FIGURE.model_dump(), "periods": rule})
    assert QadCatalog(FakeQad()).periods_for(figure, date(2026, 11, 15)) == expected  # type: ignore[arg-type]


def test_no_period_today_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no GL period containing"):
        QadCatalog(FakeQad()).periods_for(DEMO_FIGURE, date(2027, 1, 5))  # type: ignore[arg-type]


def test_figure_settings_refuse_both_or_neither_source() -> None:
    raw = DEMO_FIGURE.model_dump()
    with pytest.raises(ValueError, match="exactly one of look_id or query"):
        FigureSettings.model_validate({**raw, "look_id": "7"})
    with pytest.raises(ValueError, match="periods must look like"):
        FigureSettings.model_validate({**raw, "periods": ["Nov 2026"]})
