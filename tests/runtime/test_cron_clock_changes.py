"""Cron through the Europe/London clock changes, as classic cron (Vixie cron, cronie) does it: a job at
fixed hours runs once in the repeated autumn hour (the first time) and once right after the skipped spring
hour; a job with a wildcard or stepped hour keeps running on real time. Pure schedule computation."""

from __future__ import annotations

from datetime import UTC, datetime

from ml_connector.cli.schedule import explain_rows
from ml_connector.runtime.config import ScheduleConfig
from ml_connector.runtime.schedules import compile_schedule

LONDON = "Europe/London"
# Sunday 25 October 2026: 02:00 BST -> 01:00 GMT at 01:00 UTC, so 01:00-02:00 local happens twice
AUTUMN = (datetime(2026, 10, 24, 12, tzinfo=UTC), datetime(2026, 10, 26, 12, tzinfo=UTC))
# Sunday 29 March 2026: 01:00 GMT -> 02:00 BST at 01:00 UTC, so 01:00-02:00 local does not exist
SPRING = (datetime(2026, 3, 28, 12, tzinfo=UTC), datetime(2026, 3, 30, 12, tzinfo=UTC))


def slots(cron: str, span: tuple[datetime, datetime]) -> list[str]:
    schedule = compile_schedule("x", ScheduleConfig(cron=cron, timezone=LONDON))
    return [s.strftime("%d %H:%M") for s in schedule.slots_between(*span)]


def test_daily_fixed_time_runs_once_on_the_fall_back_day() -> None:
    # 01:30 BST = 00:30 UTC; 01:30 GMT (01:30 UTC) is the same wall time again and is skipped
    assert slots("30 1 * * *", AUTUMN) == ["25 00:30", "26 01:30"]


def test_daily_fixed_time_runs_right_after_the_spring_jump() -> None:
    # 01:30 GMT does not exist on the 29th: it runs at the jump, 02:00 BST = 01:00 UTC; the next day 00:30 UTC
    assert slots("30 1 * * *", SPRING) == ["29 01:00", "30 00:30"]
    assert slots("0 9 * * *", SPRING) == ["29 08:00", "30 08:00"]


def test_a_fixed_list_of_hours_runs_each_hour_once() -> None:
    # 01:00 BST (00:00 UTC), not 01:00 GMT again; 13:00 GMT; Monday 01:00 GMT
    assert slots("0 1,13 * * *", AUTUMN) == ["25 00:00", "25 13:00", "26 01:00"]
    # 01:00 GMT does not exist on the 29th: at the jump (02:00 BST = 01:00 UTC); 13:00 BST = 12:00 UTC
    assert slots("0 1,13 * * *", SPRING) == ["28 13:00", "29 01:00", "29 12:00", "30 00:00", "30 12:00"]
    # a step over a range still names fixed hours (1, 3, 5): once
    assert [s for s in slots("0 1-5/2 * * *", AUTUMN) if s.startswith("25")] == ["25 00:00", "25 03:00", "25 05:00"]


def test_hourly_cron_runs_every_real_hour_through_the_fall_back() -> None:
    got = slots("0 * * * *", AUTUMN)
    assert got == [f"{d} {h:02d}:00" for d, hours in (("24", range(13, 24)), ("25", range(24)), ("26", range(13)))
                   for h in hours]  # fmt: skip
    assert [s for s in got if s[:5] in ("25 00", "25 01", "25 02")] == ["25 00:00", "25 01:00", "25 02:00"]


def test_every_15_minutes_runs_on_real_time_through_the_fall_back() -> None:
    got = slots("*/15 * * * *", AUTUMN)
    assert len(got) == 48 * 4  # 48 real hours between the two noons, 4 slots each
    assert [s for s in got if s.startswith(("25 00", "25 01"))] == [
        "25 00:00", "25 00:15", "25 00:30", "25 00:45", "25 01:00", "25 01:15", "25 01:30", "25 01:45",
    ]  # fmt: skip


def test_a_wildcard_minute_in_a_fixed_hour_runs_on_real_time() -> None:
    # runs more often than hourly: scheduled normally (cronie), so both 01:00-02:00 hours
    assert [s for s in slots("*/30 1 * * *", AUTUMN) if s.startswith("25")] == [
        "25 00:00", "25 00:30", "25 01:00", "25 01:30",
    ]  # fmt: skip


def test_explain_marks_the_once_in_the_repeated_hour() -> None:
    schedule = compile_schedule("x", ScheduleConfig(cron="30 1 * * *", timezone=LONDON))
    rows = explain_rows({"x": schedule}, datetime(2026, 10, 24, 12, tzinfo=UTC), 2)
    assert [(r["local"], r["utc"], r["note"]) for r in rows] == [
        ("Sun 2026-10-25 01:30 BST", "2026-10-25 00:30 UTC", "repeated hour: runs once, not again an hour later"),
        ("Mon 2026-10-26 01:30 GMT", "2026-10-26 01:30 UTC", "clock change: UTC+01:00 -> UTC+00:00"),
    ]
