"""Cursor rules as properties: no row is ever outside every window it should be in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ml_connector.core.cursors import CursorSpec, Precision, next_cursor, plan_window

BASE = datetime(2026, 1, 1, tzinfo=UTC)


def _in_window(window, value) -> bool:
    if window.precision is Precision.ROWVERSION:
        return window.lower is None or value > window.lower
    if window.lower is not None and value < window.lower:
        return False
    return window.upper is None or value < window.upper


@settings(max_examples=200, deadline=None)
@given(
    arrivals=st.lists(st.tuples(st.integers(0, 20), st.integers(0, 3)), min_size=1, max_size=60),
    polls=st.lists(st.integers(0, 25), min_size=1, max_size=12),
    lookback=st.integers(0, 3),
)
def test_date_cursor_never_loses_a_row_dated_within_lookback(arrivals, polls, lookback) -> None:
    """Rows arrive on day A carrying date A - delay (late postings, delay <= lookback is covered)."""
    spec = CursorSpec("JnlDate", Precision.DATE, lookback=timedelta(days=lookback))
    rows = [
        (BASE.date() + timedelta(days=day - delay), BASE.date() + timedelta(days=day), i)
        for i, (day, delay) in enumerate(arrivals)
        if delay <= lookback
    ]
    seen: set[int] = set()
    stored = None
    for poll_day in [*sorted(polls), 30]:
        now = BASE + timedelta(days=poll_day, hours=12)
        window = plan_window(spec, stored, now)
        visible = [(d, i) for d, arrived, i in rows if arrived <= now.date()]
        got = [(d, i) for d, i in visible if _in_window(window, d)]
        seen.update(i for _, i in got)
        stored = next_cursor(spec, stored, window, max((d for d, _ in got), default=None), now)
        assert stored is None or date.fromisoformat(stored) <= now.date()  # never past today
    assert seen == {i for _, _, i in rows}


@settings(max_examples=200, deadline=None)
@given(
    offsets=st.lists(st.integers(0, 10_000), min_size=1, max_size=80),
    polls=st.lists(st.integers(0, 12_000), min_size=1, max_size=10),
)
def test_instant_cursor_reads_every_row_once_visible_with_lag(offsets, polls) -> None:
    """A row with timestamp t becomes visible at t + delay (delay < lag): every row is read."""
    lag = timedelta(seconds=120)
    spec = CursorSpec("Changed", Precision.INSTANT, lookback=timedelta(0), lag=lag)
    rows = [(BASE + timedelta(seconds=o), i) for i, o in enumerate(offsets)]
    seen: set[int] = set()
    stored = None
    for poll in [*sorted(polls), 20000]:
        now = BASE + timedelta(seconds=poll)
        window = plan_window(spec, stored, now)
        visible = [(t, i) for t, i in rows if t + timedelta(seconds=60) <= now]
        seen.update(i for t, i in visible if _in_window(window, t))
        stored = next_cursor(spec, stored, window, None, now)
    assert seen == {i for _, i in rows}


@given(versions=st.lists(st.integers(1, 10**12), min_size=1, max_size=50, unique=True), cut=st.integers(0, 49))
def test_rowversion_cursor_reads_exactly_newer_versions(versions, cut) -> None:
    spec = CursorSpec("TimeStamp", Precision.ROWVERSION)
    ordered = sorted(versions)
    first = ordered[: cut % len(ordered) + 1]
    now = BASE
    window = plan_window(spec, None, now)
    stored = next_cursor(spec, None, window, max(first), now)
    window2 = plan_window(spec, stored, now)
    assert [v for v in ordered if _in_window(window2, v)] == ordered[len(first) :]


def test_naive_datetimes_are_refused() -> None:
    spec = CursorSpec("JnlDate", Precision.DATE)
    with pytest.raises(ValueError, match="Naive"):
        plan_window(spec, None, datetime(2026, 1, 1))


def test_date_cursor_rereads_today_and_never_passes_it() -> None:
    spec = CursorSpec("JnlDate", Precision.DATE, lookback=timedelta(0))
    now = datetime(2026, 3, 31, 15, tzinfo=UTC)
    window = plan_window(spec, "2026-03-31", now)
    assert window.lower == date(2026, 3, 31)
    assert next_cursor(spec, "2026-03-31", window, date(2026, 4, 2), now) == "2026-03-31"
