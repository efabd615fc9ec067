"""The Jinja environment of the admin UI: every rendered value passes the secret redactor (``finalize``),
plus the filters that make pages readable at a glance (relative times, durations, status colours)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from ml_connector.secrets.secret import REDACTOR

TEMPLATES = Path(__file__).parent / "templates"

STATUS_TONES: Mapping[str, str] = {
    "succeeded": "ok",
    "loaded": "ok",
    "delivered": "ok",
    "released": "ok",
    "recovered": "ok",
    "running": "info",
    "partial": "warn",
    "parked": "warn",
    "changed_after_post": "warn",
    "superseded": "muted",
    "unchanged": "muted",
    "failed": "bad",
    "crashed": "bad",
}

# Order and colour of the per-stream count segments (see static/style.css .seg-*).
COUNT_KINDS = ("loaded", "released", "recovered", "unchanged", "parked", "changed_after_post", "failed")


def redact_output(value: Any) -> Any:
    """Jinja ``finalize``: runs on every ``{{ ... }}`` before escaping, so no template can leak a secret."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return Markup(REDACTOR.scrub(str(value)))  # noqa: S704 - already-escaped markup, only masked
    return REDACTOR.scrub(str(value))


def as_utc(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def relative_time(value: Any, now: datetime) -> str:
    """'just now', '4 min ago', '3 h ago', '2 days ago' (or 'in ...' for future instants)."""
    at = as_utc(value)
    if at is None:
        return ""
    seconds = int((now - at).total_seconds())
    suffix, seconds = ("ago", seconds) if seconds >= 0 else ("from now", -seconds)
    if seconds < 10:
        return "just now"
    for unit, size in (("day", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            n = seconds // size
            label = f"{n} {unit}{'s' if unit == 'day' and n != 1 else ''}"
            return f"{label} {suffix}"
    return f"{seconds} s {suffix}"


def duration(seconds: Any) -> str:
    if seconds is None or seconds == "":
        return ""
    total = float(seconds)
    if total < 60:
        return f"{total:.1f} s"
    minutes, rest = divmod(int(total), 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def iso(value: Any) -> str:
    at = as_utc(value)
    return at.isoformat(timespec="seconds") if at else ""


def absolute(value: Any) -> str:
    """'2026-11-23 12:00:05 UTC': the same form everywhere (relative time on hover)."""
    at = as_utc(value)
    return at.strftime("%Y-%m-%d %H:%M:%S UTC") if at else ""


def build_environment(now: Callable[[], datetime]) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        finalize=redact_output,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["ago"] = lambda value: relative_time(value, now())
    env.filters["duration"] = duration
    env.filters["iso"] = iso
    env.filters["absolute"] = absolute
    env.filters["tone"] = lambda status: STATUS_TONES.get(str(status), "muted")
    env.globals["COUNT_KINDS"] = COUNT_KINDS
    return env
