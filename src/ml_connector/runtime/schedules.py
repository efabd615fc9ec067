"""When an integration instance runs: rhythms (an interval or a cron expression), windows of the week with
a rhythm of their own (or none), in the schedule's timezone, daylight-saving changes included.

An interval is aligned to local midnight (``every = "15m"``: :00, :15, :30, :45 local time); a wall time
that does not exist (the spring-forward hour) has no slot, and one that happens twice (the autumn hour)
has two, an hour apart, so an hourly rhythm runs every real hour. A cron expression follows classic cron
(Vixie cron, cronie): one at fixed hours (neither its minute nor its hour field starts with ``*``) runs
once in the repeated autumn hour (its first occurrence) and, in the skipped spring hour, once right after
the jump; any other cron expression runs on real time, like an interval. A slot belongs to the first
window that contains its local time; a window with ``off = true`` has none; outside every window the
top-level ``every``/``cron`` applies (absent: nothing runs there).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from ml_connector.errors import ConfigError
from ml_connector.runtime.config import ScheduleConfig, WindowConfig, schedule_configs
from ml_connector.runtime.instances import parse_instance
from ml_connector.settings import Settings

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LOOKAHEAD = timedelta(days=8)


@dataclass(frozen=True)
class Rhythm:
    every: timedelta | None = None
    cron: str | None = None

    def next_after(self, after: datetime, tz: ZoneInfo) -> datetime:
        """The first slot of this rhythm strictly after ``after`` (UTC in, UTC out)."""
        if self.cron is not None:
            times = croniter(self.cron, after.astimezone(tz))
            while True:
                nxt: datetime = times.get_next(datetime)
                if not (self.fixed_time and _second_occurrence(nxt.astimezone(UTC), tz)):
                    return nxt.astimezone(UTC)
        return self._next_interval(after, tz)

    @property
    def fixed_time(self) -> bool:
        """A cron job at fixed hours of the day (as Vixie cron and cronie: neither the minute nor the hour
        field starts with ``*``; ``1-23/2`` names fixed hours, ``*/2`` does not): it runs once in the
        repeated autumn hour."""
        if self.cron is None:
            return False
        if self.cron.startswith("@"):  # @daily, @weekly, ... at midnight; @hourly every hour
            return self.cron.strip().lower() != "@hourly"
        fields = self.cron.split()
        minute, hour = fields[0], fields[1]
        return not minute.startswith("*") and not hour.startswith("*")

    def _next_interval(self, after: datetime, tz: ZoneInfo) -> datetime:
        assert self.every is not None
        step = int(self.every.total_seconds() // 60)
        t = after.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
        while True:
            local = t.astimezone(tz)
            miss = (local.hour * 60 + local.minute) % step
            if miss == 0:
                return t
            t += timedelta(minutes=step - miss)

    def describe(self) -> str:
        if self.cron is not None:
            return f"cron {self.cron}"
        assert self.every is not None
        minutes = int(self.every.total_seconds() // 60)
        return f"every {minutes // 60}h" if minutes % 60 == 0 else f"every {minutes}m"


@dataclass(frozen=True)
class Window:
    days: frozenset[int]
    start: time
    end: time | None  # None: midnight at the end of the day
    rhythm: Rhythm | None  # None: off

    def contains(self, local: datetime) -> bool:
        t = local.time().replace(tzinfo=None, fold=0)
        return local.weekday() in self.days and self.start <= t and (self.end is None or t < self.end)


@dataclass(frozen=True)
class Schedule:
    """One instance's schedule, compiled from its ``ScheduleConfig``."""

    name: str
    tz: ZoneInfo
    default: Rhythm | None
    windows: tuple[Window, ...]
    config: ScheduleConfig

    def rhythm_at(self, slot: datetime) -> Rhythm | None:
        local = slot.astimezone(self.tz)
        for window in self.windows:
            if window.contains(local):
                return window.rhythm
        return self.default

    def next_slot(self, after: datetime) -> datetime | None:
        """The first slot strictly after ``after``; None when nothing runs within the next 8 days."""
        best: datetime | None = None
        rhythms = {w.rhythm for w in self.windows if w.rhythm is not None} | ({self.default} - {None})
        for rhythm in rhythms:
            assert rhythm is not None
            t = after
            while best is None or t < best:
                t = rhythm.next_after(t, self.tz)
                if t > after + LOOKAHEAD:
                    break
                if self.rhythm_at(t) == rhythm:
                    best = t if best is None or t < best else best
                    break
        return best

    def slots_between(self, start: datetime, end: datetime) -> list[datetime]:
        """Every slot in (start, end]."""
        out, t = [], start
        while (t := self.next_slot(t)) is not None and t <= end:  # type: ignore[assignment]
            out.append(t)
        return out

    def jitter_for(self, slot: datetime) -> timedelta:
        """A fixed delay in [0, jitter) for this slot, the same on every scheduler (spreads load)."""
        seconds = int(self.config.jitter.total_seconds())
        if seconds <= 0:
            return timedelta(0)
        digest = hashlib.blake2b(f"{self.name}|{slot.isoformat()}".encode(), digest_size=4).digest()
        return timedelta(seconds=int.from_bytes(digest, "big") % seconds)

    def interval_at(self, slot: datetime) -> timedelta:
        """The gap to the following slot (what "overdue after N intervals" counts in)."""
        nxt = self.next_slot(slot)
        return (nxt - slot) if nxt is not None else LOOKAHEAD


def repeated_hour(instant: datetime, tz: ZoneInfo) -> bool:
    """Whether ``instant``'s local wall time happens twice (the autumn hour)."""
    local = instant.astimezone(tz)
    return local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset()


def _second_occurrence(instant: datetime, tz: ZoneInfo) -> bool:
    """Whether ``instant`` is the second time its local wall time happens (the autumn hour, fold=1)."""
    return instant.astimezone(tz).fold == 1 and repeated_hour(instant, tz)


def compile_schedule(name: str, config: ScheduleConfig) -> Schedule:
    try:
        tz = ZoneInfo(config.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f'[schedule."{name}"] timezone {config.timezone!r} is not an IANA zone; write e.g. "Europe/London".'
        ) from None
    default = _rhythm(name, config.every, config.cron, required=False)
    windows = tuple(_window(name, w) for w in config.windows)
    if default is None and not any(w.rhythm for w in windows):
        raise ConfigError(f'[schedule."{name}"] runs never: give it every = "15m" or cron = "*/15 * * * *".')
    return Schedule(name, tz, default, windows, config)


def _rhythm(name: str, every: timedelta | None, cron: str | None, *, required: bool) -> Rhythm | None:
    if every is not None and cron is not None:
        raise ConfigError(f'[schedule."{name}"] has both every and cron; keep one.')
    if cron is not None:
        if not croniter.is_valid(cron):
            raise ConfigError(f'[schedule."{name}"] cron {cron!r} is not a cron expression (m h dom mon dow).')
        return Rhythm(cron=cron)
    if every is not None:
        minutes = every.total_seconds() / 60
        if minutes < 1 or minutes > 1440 or minutes != int(minutes):
            raise ConfigError(
                f'[schedule."{name}"] every = {every} must be whole minutes from 1m to 24h; use cron for others.'
            )
        return Rhythm(every=every)
    if required:
        raise ConfigError(f'[schedule."{name}"] a window needs every, cron or off = true.')
    return None


def _window(name: str, w: WindowConfig) -> Window:
    rhythm = None if w.off else _rhythm(name, w.every, w.cron, required=True)
    return Window(_days(name, w.days), _time(name, w.start), None if w.end == "24:00" else _time(name, w.end), rhythm)


def _days(name: str, text: str) -> frozenset[int]:
    out: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        try:
            a, b = DAYS.index(first[:3]), DAYS.index((last or first)[:3])
        except ValueError:
            raise ConfigError(f'[schedule."{name}"] days {text!r}: write e.g. "Mon-Fri" or "Sat,Sun".') from None
        out.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(b + 1)])
    return frozenset(out)


def _time(name: str, text: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise ConfigError(f'[schedule."{name}"] time {text!r}: write HH:MM, e.g. "06:00".') from None


def load_schedules(settings: Settings, only: list[str] | None = None) -> dict[str, Schedule]:
    """Every configured schedule (instance name -> Schedule), or those of ``only``."""
    configs = schedule_configs(settings)
    out = {}
    for name, config in configs.items():
        key = parse_instance(name).key
        if only and key not in {parse_instance(o).key for o in only}:
            continue
        out[key] = compile_schedule(key, config)
    missing = [o for o in only or [] if parse_instance(o).key not in out]
    if missing:
        raise ConfigError(
            f'No schedule for {", ".join(missing)}: add a table [schedule."{missing[0]}"] with every = "15m".'
        )
    return out
