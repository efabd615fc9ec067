"""The ``budget`` condition of syspro-pipedrive: reported by a run when the day's token spend has crossed
``budget_alert_at`` of what this integration may spend (default 75 %, Pipedrive's own first e-mail to
admins), or when the budget could not pay for a call or a record. Pipedrive has no header for what is
left, so the numbers are ml-connector's own count (``x-token-cost`` per call, persisted per UTC day).
The runtime alerts once per incident and sends the recovery when a run no longer reports it (the next
day, after the reset).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ml_connector.connectors.pipedrive.ratelimit import TokenBudget


def budget_message(budget: TokenBudget, alert_at: float, now: datetime, *, exhausted: bool = False) -> str | None:
    """The condition's text, or None while the day's spend is below ``alert_at`` and nothing was refused."""
    day, spent = budget.spent()
    allowed = max(budget.allowed, 1)
    used_up = exhausted or budget.short > 0
    if not used_up and spent < alert_at * allowed:
        return None
    now = now.astimezone(UTC)
    reset = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
    hours, minutes = divmod(int((reset - now).total_seconds()) // 60, 60)
    text = (
        f"Pipedrive token budget: {spent:,} of the {budget.allowed:,} tokens this integration may spend on {day} "
        f"are used ({spent / allowed:.0%}; alert at {alert_at:.0%})."
    )
    if used_up:
        text += (
            " It is used up: what could not be paid for stays pending (parked with the reason 'token budget') "
            "and goes out on the first run after the reset."
        )
    return text + (
        f" ml-connector's count starts again at 00:00 UTC (in {hours} h {minutes:02d} min; Pipedrive resets at "
        "midnight in its server's time zone). To send more today raise plan, seats, top_ups or daily_tokens, or "
        "lower reserve_share, in [syspro-pipedrive] of the config; `ml-connector parked --integration "
        "syspro-pipedrive` lists what waits."
    )
