"""The ``[syspro-pipedrive]`` config table, validated. Defaults make `make demo` work.

The stage table maps SYSPRO ``OrderStatus`` (char(1), syspro-qad.md §6.14) to a Pipedrive stage id; won and
lost statuses close the deal instead. Field names are what the custom fields are called in Pipedrive
(found by name, created when ``create_fields`` allows; once found, their 40-hex key is remembered, so
a rename in Pipedrive does not lose them).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ml_connector.errors import ConfigError

ORG_FIELDS = {
    "customer_code": ("SYSPRO customer code", "varchar"),
    "branch": ("SYSPRO branch", "varchar"),
    "salesperson": ("SYSPRO salesperson", "varchar"),
    "credit_limit": ("SYSPRO credit limit", "double"),
    "balance": ("SYSPRO balance", "double"),  # sum of the customer's open ArInvoice.InvoiceBal1
    "on_hold": ("SYSPRO on hold", "varchar"),
    "stock_status": ("SYSPRO stock status", "varchar"),
}
DEAL_FIELDS = {
    "order_number": ("SYSPRO order number", "varchar"),
    "backlog_value": ("SYSPRO backlog value", "monetary"),
    "stock_status": ("SYSPRO stock status", "varchar"),
}
PRODUCT_FIELDS = {"stock": ("SYSPRO stock by warehouse", "text")}


class SysproPipedriveSettings(BaseModel):
    syspro_connection: str = "syspro-odata"
    pipedrive_connection: str = "pipedrive"
    # Pipedrive plan: the daily token budget is 30,000 x multiplier(plan) x seats + top_ups.
    plan: Literal["lite", "growth", "premium", "ultimate"] = "growth"
    seats: int = Field(1, ge=1)
    top_ups: int = Field(0, ge=0)
    reserve_share: float = Field(0.2, ge=0.0, lt=1.0)  # left for other tools using the same account
    daily_tokens: int | None = Field(None, ge=1)  # overrides the plan arithmetic
    burst_limit: int | None = Field(None, ge=2)  # requests per 2 s before the first reply says it
    cloudflare_wait_s: float = Field(60.0, ge=0.0)
    # A run reports the `budget` condition (one alert) once the day's spend reaches this share of what the
    # integration may spend (after reserve_share), or when the budget could not pay for something.
    budget_alert_at: float = Field(0.75, gt=0.0, le=1.0)
    # Which SYSPRO orders become deals.
    orders: Literal["open", "open_and_recent"] = "open"
    recent_days: int = Field(30, ge=0)
    won_statuses: list[str] = ["9"]
    lost_statuses: list[str] = ["\\", "*"]
    stage_table: dict[str, int] = {"0": 1, "1": 1, "2": 2, "3": 2, "4": 3, "8": 4, "S": 1, "F": 1}
    default_stage: int = 1
    default_currency: str = "USD"
    # Custom fields.
    create_fields: bool = True
    sweep_deleted: bool = True  # each run lists live organizations (10 tokens per 500) to catch deletes/merges
    sweep_deleted_deals: bool = False  # the same for deals (a deal deleted by hand is then created again)
    org_fields: list[str] = list(ORG_FIELDS)  # which of ORG_FIELDS are written (customer_code always)
    field_names: dict[str, str] = {}  # "<kind>.<field>" -> name in Pipedrive, e.g. "organization.branch"


def load(raw: dict[str, object]) -> SysproPipedriveSettings:
    try:
        cfg = SysproPipedriveSettings.model_validate(raw)
    except ValueError as exc:
        raise ConfigError(f"[syspro-pipedrive] in the config is invalid:\n{exc}") from None
    unknown = set(cfg.org_fields) - set(ORG_FIELDS)
    if unknown:
        raise ConfigError(
            f"[syspro-pipedrive] org_fields names unknown fields {sorted(unknown)}; choose from {sorted(ORG_FIELDS)}."
        )
    return cfg


MODEL = SysproPipedriveSettings  # the [syspro-pipedrive] table's model (strict config refuses unknown keys)
