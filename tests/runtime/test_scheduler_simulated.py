"""The embedded scheduler on an accelerated clock: 24 simulated hours across every registered integration
(plus a second instance), through a daylight-saving change, with a 3-hour outage, a run that outlasts its
interval, a failed run retried, and a second scheduler started beside the first. Runs take simulated time
in a fake executor; the schedule, the store state and the scheduler lease are the real ones."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta

from ml_connector.bootstrap import App
from ml_connector.core.clock import FixedClock
from ml_connector.integrations.registry import INTEGRATIONS
from ml_connector.runtime.config import ScheduleConfig
from ml_connector.runtime.scheduler import Job, Scheduler
from ml_connector.runtime.schedules import compile_schedule
from ml_connector.settings import Settings

START = datetime(2026, 10, 24, 20, 0, tzinfo=UTC)  # Sat 21:00 BST; London falls back Sun 01:00 UTC
END = START + timedelta(hours=24)
OUTAGE = (datetime(2026, 10, 25, 8, 10, tzinfo=UTC), datetime(2026, 10, 25, 11, 10, tzinfo=UTC))
LONG_RUN = ("commerce-syspro", datetime(2026, 10, 25, 3, 0, tzinfo=UTC))  # takes 20 min of a 15-min rhythm
FAILS = ("syspro-looker@plant-b", datetime(2026, 10, 25, 14, 0, tzinfo=UTC))  # first attempt fails

CONFIGS = {
    # every 15 min Mon-Fri 06:00-19:00 London, hourly otherwise, nothing on Sundays
    "syspro-looker": {
        "every": "1h",
        "timezone": "Europe/London",
        "windows": [
            {"days": "Mon-Fri", "start": "06:00", "end": "19:00", "every": "15m"},
            {"days": "Sun", "off": True},
        ],
    },
    "syspro-looker@plant-b": {"every": "30m", "timezone": "Europe/London", "retry_backoff": "1m"},
    "commerce-syspro": {"every": "15m"},
    "syspro-sterling": {"cron": "0 6,18 * * *", "timezone": "Europe/London"},
}


class SimulatedRuns:
    """Runs that take simulated time; records every start, end and trigger."""

    def __init__(self, clock: FixedClock, log: list[dict]) -> None:
        self.clock, self.log = clock, log

    def submit(self, job: Job) -> None:
        long = (job.instance, job.slot) == LONG_RUN
        fail = (job.instance, job.slot) == FAILS and job.trigger != "retry"
        start = self.clock.now()
        self.log.append(
            {
                "job": job,
                "start": start,
                "end": start + timedelta(minutes=20 if long else 2),
                "fail": fail,
                "told": False,
            }
        )

    def busy(self, instance: str) -> bool:
        return any(r["job"].instance == instance and r["end"] > self.clock.now() for r in self.log)

    def finished(self) -> list[tuple[Job, str]]:
        out = []
        for r in self.log:
            if not r["told"] and r["end"] <= self.clock.now():
                r["told"] = True
                out.append((r["job"], "failed" if r["fail"] else "succeeded"))
        return out


def _expected(name: str) -> list[datetime]:
    """The slots each schedule must serve in (START, END], worked out by hand from CONFIGS."""
    step = {"commerce-syspro": 15, "syspro-looker@plant-b": 30}.get(name, 10)
    if name == "syspro-looker":  # Saturday 22:00 and 23:00 BST, then Sunday: off
        return [START + timedelta(hours=1), START + timedelta(hours=2)]
    if name == "syspro-sterling":  # 06:00 and 18:00 London on Sunday, both GMT by then
        return [datetime(2026, 10, 25, 6, tzinfo=UTC), datetime(2026, 10, 25, 18, tzinfo=UTC)]
    return [START + timedelta(minutes=step * i) for i in range(1, 24 * 60 // step + 1)]


def test_24_simulated_hours(store, keys) -> None:
    configs = dict(CONFIGS)
    for name in INTEGRATIONS:  # integrations added later get a plain 10-minute rhythm here
        configs.setdefault(name, {"every": "10m"})
    schedules = {n: compile_schedule(n, ScheduleConfig.model_validate(c)) for n, c in configs.items()}
    clock = FixedClock(START)
    app = App(settings=Settings(), store=store, keys=keys, clock=clock)
    log: list[dict] = []
    executor = SimulatedRuns(clock, log)

    def schedulers() -> list[Scheduler]:  # two started at once: the second must stay a standby
        return [Scheduler(app, schedules, executor) for _ in range(2)]

    pair = schedulers()
    while clock.now() < END:
        clock.advance(timedelta(minutes=1))
        if OUTAGE[0] <= clock.now() < OUTAGE[1]:
            pair = []
            continue
        if not pair:
            pair = schedulers()  # the machine is back: new processes, state from the store
        for scheduler in pair:
            scheduler.tick()
        assert sum(s.active for s in pair) == 1
    for scheduler in pair:
        scheduler.run(_set_event())  # releases the scheduler lease
    assert store.leases.holder("*scheduler*", clock.now()) is None

    for name in configs:
        runs = [r for r in log if r["job"].instance == name]
        # never two runs of one instance at once
        for a, b in itertools.pairwise(runs):
            assert b["start"] >= a["end"], (name, a["job"], b["job"])
        expected = _expected(name)
        collapsed = [s for s in expected if OUTAGE[0] <= s <= OUTAGE[1]]  # due while down, or at the restart
        served = [r["job"].slot for r in runs if r["job"].trigger in ("schedule", "catch-up")]
        wanted = [s for s in expected if s not in collapsed] + collapsed[-1:]
        catch = [r for r in runs if r["job"].trigger == "catch-up"]
        if len(collapsed) > 1:  # after the outage: one catch-up run, for the newest slot (not one per slot)
            [catch_up] = catch
            assert catch_up["start"] == OUTAGE[1] and catch_up["job"].slot == collapsed[-1], name
        else:
            assert catch == [], name
        assert served == sorted(wanted), name  # each slot exactly once, in order
        retries = [r for r in runs if r["job"].trigger == "retry"]
        if name == FAILS[0]:
            [retry] = retries
            assert retry["job"].slot == FAILS[1] and retry["job"].attempt == 2
            assert retry["start"] == FAILS[1] + timedelta(minutes=2 + 1)  # failed after 2 min, backoff 1 min
        else:
            assert retries == [], name

    # the long run: the next slot was not started beside it, but right after it ended
    long_runs = [r for r in log if r["job"].instance == LONG_RUN[0]]
    after = next(r for r in long_runs if r["job"].slot == LONG_RUN[1] + timedelta(minutes=15))
    assert after["start"] == LONG_RUN[1] + timedelta(minutes=20)
    # daylight saving: plant-b ran every 30 real minutes through the repeated 01:00-02:00 hour (London)
    b_slots = {r["job"].slot for r in log if r["job"].instance == "syspro-looker@plant-b"}
    fallback = [datetime(2026, 10, 25, h, m, tzinfo=UTC) for h in (0, 1) for m in (0, 30)]
    assert all(s in b_slots for s in fallback)
    assert [s.astimezone(schedules["syspro-looker@plant-b"].tz).strftime("%H:%M") for s in fallback] == [
        "01:00",
        "01:30",
        "01:00",
        "01:30",
    ]


def _set_event() -> threading.Event:
    event = threading.Event()
    event.set()
    return event
