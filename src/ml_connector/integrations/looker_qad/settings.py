"""The ``[looker-qad]`` config table, validated: connections, the adjustment rule, the Looker limiter,
and the figures (a Look or an inline query, its column roles, daybook/entity and period rule).
Defaults make `make demo` work: one figure, GL spend by plant, cost centre and account.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from ml_connector.errors import ConfigError

PERIOD_TEXT = re.compile(r"^(\d{4})[-/](\d{1,2})$")


class FigureColumns(BaseModel):
    """Which result columns (Looker field names) give each QAD value."""

    account: str
    cost_centre: str
    amount: str
    period: str  # "YYYY-MM" / "YYYY/MM" / a date, or the period number when ``year`` is set
    year: str | None = None
    sub_account: str | None = None
    project: str | None = None


class InlineQuery(BaseModel):
    model: str
    explore: str
    fields: list[str]
    filters: dict[str, str] = Field(default_factory=dict)
    sorts: list[str] = Field(default_factory=list)


class FigureSettings(BaseModel):
    name: str = Field(min_length=1, max_length=30)
    look_id: str | None = None
    query: InlineQuery | None = None
    columns: FigureColumns
    daybook: str = "RECON"
    contra_account: str = "9990"  # the balancing line of each memo entry (a statistical account)
    periods: Literal["current_open", "last_closed"] | list[str] = "current_open"
    webhook_title: str | None = None  # the scheduled plan's title that pushes this figure (default: name)
    csv_labels: dict[str, str] = Field(default_factory=dict)  # role -> CSV header, for CSV webhook pushes

    @field_validator("name")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        if "|" in value:
            raise ValueError("a figure name may not contain '|'")
        return value

    @field_validator("periods")
    @classmethod
    def _period_list(cls, value: Any) -> Any:
        if isinstance(value, list):
            bad = [p for p in value if not PERIOD_TEXT.match(p)]
            if bad:
                raise ValueError(f"periods must look like 2026-11; got {bad}")
        return value

    @model_validator(mode="after")
    def _one_source(self) -> FigureSettings:
        if (self.look_id is None) == (self.query is None):
            raise ValueError(f"figure '{self.name}' needs exactly one of look_id or query")
        return self


DEMO_FIGURE = FigureSettings(
    name="GL spend by plant",
    query=InlineQuery(
        model="syspro",
        explore="fct_gl_posting",
        fields=[
            "dim_gl_account.account",
            "fct_gl_posting.cost_center",
            "fct_gl_posting.gl_year",
            "fct_gl_posting.gl_period",
            "fct_gl_posting.total_amount",
        ],
        filters={"fct_gl_posting.cost_center": "200,300,400"},
    ),
    columns=FigureColumns(
        account="dim_gl_account.account",
        cost_centre="fct_gl_posting.cost_center",
        year="fct_gl_posting.gl_year",
        period="fct_gl_posting.gl_period",
        amount="fct_gl_posting.total_amount",
    ),
    periods="current_open",
)


class LookerQadSettings(BaseModel):
    looker_connection: str = "looker"
    qad_connection: str = "qad"
    on_change: Literal["adjust", "review"] = "adjust"  # a changed figure: post the difference, or flag it
    reference_prefix: str = Field("LQ-", max_length=6)
    looker_requests_per_minute: int = Field(60, ge=1)
    looker_row_cap: int = Field(5000, ge=1)  # past it: an async query task with no limit
    task_poll_s: float = Field(2.0, gt=0)
    task_timeout_s: float = Field(600.0, gt=0)
    max_code_length: int = Field(20, ge=1)  # QAD codes longer than this are refused before posting [I]
    webhook_max_bytes: int = Field(1_048_576, ge=1024)  # the web guard reads the same key
    figures: list[FigureSettings] = Field(default_factory=lambda: [DEMO_FIGURE])

    @model_validator(mode="after")
    def _unique(self) -> LookerQadSettings:
        names = [f.name for f in self.figures]
        if len(set(names)) != len(names):
            raise ValueError(f"figure names must be unique; got {names}")
        return self


def load(raw: dict[str, object]) -> LookerQadSettings:
    try:
        return LookerQadSettings.model_validate(raw)
    except ValueError as exc:
        raise ConfigError(f"The looker-qad table in the config is invalid:\n{exc}") from None
