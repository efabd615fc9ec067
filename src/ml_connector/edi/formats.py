"""Turn Python values into X12 element text: R decimals, N0/N2 implied-decimal numbers, DT dates
and TM times. Formatting never rounds silently: values that do not fit raise ValueError."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation


def format_r(value: Decimal | int) -> str:
    """R (explicit decimal point): no exponent, no '+', no trailing zeros (`12.50` -> `12.5`)."""
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number and cannot be written as an X12 R value")
    if number == 0:
        return "0"
    text = format(number, "f")  # not normalize(): it rounds to the context precision (28 digits)
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_implied(value: Decimal | int, decimals: int) -> str:
    """N0/N2 (implied decimals): `Decimal('285.00')`, 2 -> `28500`. Refuses values with more
    decimal places than the element holds, rather than rounding money."""
    number = Decimal(value)
    try:
        scaled = number.scaleb(decimals)
        integral = scaled.to_integral_exact()
    except InvalidOperation as exc:  # pragma: no cover - non-finite input
        raise ValueError(f"{value!r} is not a finite number") from exc
    if scaled != integral:
        raise ValueError(
            f"{value} has more than {decimals} decimal place(s); an N{decimals} element cannot hold it. "
            "Round it in the source (e.g. to cents) before building the document."
        )
    return str(int(integral))


def format_n0(value: int | Decimal) -> str:
    """N0 integer."""
    return format_implied(value, 0)


def format_n2(value: Decimal | int) -> str:
    """N2 money in cents."""
    return format_implied(value, 2)


def format_date(value: date) -> str:
    """DT CCYYMMDD."""
    if isinstance(value, datetime):
        value = value.date()
    return value.strftime("%Y%m%d")


def format_time(value: time | datetime) -> str:
    """TM HHMM (seconds are not sent)."""
    return value.strftime("%H%M")


def format_optional_r(value: Decimal | int | None) -> str:
    """R, or '' when absent."""
    return "" if value is None else format_r(value)


def format_optional_date(value: date | None) -> str:
    """DT, or '' when absent."""
    return "" if value is None else format_date(value)
