"""What `ml-connector runs`, `ml-connector status`, the web UI and /metrics show about runs and schedules:
recent runs with their trigger and counts, and per instance its schedule, next run, last success, open
parked records, whether it is overdue (no success for ``overdue_after`` of its slots) or paused (its
connection's login refused ``lockout_warn_after`` times: runtime/pause.py), and one ``state`` word."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from ml_connector.bootstrap import App
from ml_connector.runtime.instances import configured_instances, parse_instance
from ml_connector.runtime.pause import Pause, login_pause, refused_counts
from ml_connector.runtime.schedules import Schedule, load_schedules
from ml_connector.store.parking import OPEN
from ml_connector.store.schema import parked, runs

SUCCESS = ("succeeded", "partial")
COUNTS = ("read", "loaded", "unchanged", "parked", "released", "failed")


def recent_runs(app: App, integration: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """Newest first: id, instance, trigger, status, start, duration and summed counts."""
    key = parse_instance(integration).key if integration else None
    out = []
    for r in app.store.runs.recent(key, limit):
        streams = (r.get("summary") or {}).get("streams", [])
        finished = r.get("finished_at")
        out.append(
            {
                "run_id": r["run_id"],
                "integration": r["integration"],
                "trigger": r.get("trigger") or "manual",
                "status": r["status"],
                "slot": r["slot"].isoformat() if r.get("slot") else None,
                "started_at": r["started_at"].isoformat(),
                "duration_s": round((finished - r["started_at"]).total_seconds(), 3) if finished else None,
                **{c: sum(int(s.get(c, 0)) for s in streams) for c in COUNTS},
                "error": r.get("error"),
            }
        )
    return out


def last_success(app: App, integration: str) -> datetime | None:
    with app.store.engine.connect() as db:
        value: datetime | None = db.execute(
            select(func.max(runs.c.finished_at)).where(runs.c.integration == integration, runs.c.status.in_(SUCCESS))
        ).scalar()
    return value


def first_run(app: App, integration: str) -> datetime | None:
    with app.store.engine.connect() as db:
        value: datetime | None = db.execute(
            select(func.min(runs.c.started_at)).where(runs.c.integration == integration)
        ).scalar()
    return value


def open_parked(app: App) -> dict[str, int]:
    with app.store.engine.connect() as db:
        rows = db.execute(
            select(parked.c.integration, func.count()).where(parked.c.status.in_(OPEN)).group_by(parked.c.integration)
        ).all()
    return {r[0]: int(r[1]) for r in rows}


def is_overdue(schedule: Schedule, since: datetime | None, now: datetime) -> bool:
    """True when ``overdue_after`` slots have passed since the last success (or since ``since`` = None)."""
    if since is None:
        return False
    t, missed = since, 0
    while (t := schedule.next_slot(t)) is not None and t <= now:  # type: ignore[assignment]
        missed += 1
        if missed >= schedule.config.overdue_after:
            return True
    return False


def instance_status(app: App) -> list[dict[str, Any]]:
    """One row per scheduled or configured instance and per integration that has run."""
    schedules = load_schedules(app.settings)
    now = app.clock.now()
    with app.store.engine.connect() as db:
        ran = [r[0] for r in db.execute(select(runs.c.integration).distinct())]
    names = list(dict.fromkeys([*schedules, *(i.key for i in configured_instances(app.settings)), *ran]))
    parked_counts = open_parked(app)
    states = app.store.schedule.all()
    counts = refused_counts(app)
    out = []
    for name in sorted(n for n in names if not n.startswith("*")):
        schedule = schedules.get(name)
        success = last_success(app, name)
        since = success or first_run(app, name)  # never succeeded: overdue counts from its first run
        state = states.get(name) or {}
        nxt = schedule.next_slot(state.get("last_slot") or now) if schedule else None
        running = app.store.leases.holder(name, now) is not None
        overdue = bool(schedule and is_overdue(schedule, since, now))
        pause = login_pause(app, name, counts) if counts else None
        out.append(
            {
                "integration": name,
                "schedule": describe(schedule) if schedule else None,
                "next_run": nxt.isoformat() if nxt else None,
                "next_run_local": _local(nxt, schedule),
                "last_success": success.isoformat() if success else None,
                "open_parked": parked_counts.get(name, 0),
                "running": running,
                "overdue": overdue,
                "paused": _paused(app, pause) if pause else None,
                "state": "running" if running else "paused" if pause else "overdue" if overdue else "ok",
            }
        )
    return out


def _paused(app: App, pause: Pause) -> dict[str, Any]:
    described = app.connections.describe(pause.connection) or {}
    secret = next((f for f in described.get("secrets", []) if "password" in f), "password")
    return {
        "reason": pause.reason,
        "connection": pause.connection,
        "refusals": pause.refusals,
        "warn_after": pause.warn_after,
        "fix": pause.fix(secret),
        "resume_command": f"ml-connector check {pause.instance}",
    }


def describe(schedule: Schedule) -> str:
    parts = []
    for w in schedule.windows:
        days = _days(w.days)
        span = f"{w.start:%H:%M}-{w.end:%H:%M}" if w.end else f"{w.start:%H:%M}-24:00"
        parts.append(f"{days} {span}: {w.rhythm.describe() if w.rhythm else 'off'}")
    parts.append(f"otherwise: {schedule.default.describe() if schedule.default else 'off'}")
    return f"{'; '.join(parts)} ({schedule.tz.key})"


def _local(at: datetime | None, schedule: Schedule | None) -> str | None:
    if at is None or schedule is None:
        return None
    return at.astimezone(schedule.tz).strftime("%a %Y-%m-%d %H:%M %Z")


def _days(days: frozenset[int]) -> str:
    """{0, 1, 2, 3, 4} -> "Mon-Fri"; {5, 6} -> "Sat-Sun"; {0, 2} -> "Mon,Wed"."""
    names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    runs: list[list[int]] = []
    for d in sorted(days):
        if runs and d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    return ",".join(names[r[0]] if len(r) == 1 else f"{names[r[0]]}-{names[r[-1]]}" for r in runs)
