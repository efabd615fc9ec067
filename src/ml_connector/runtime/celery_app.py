"""Scale-out on Celery: the ``ml_connector.run`` task, the Celery app built from ``[runtime]``, and the
executor `ml-connector schedule --celery` publishes slots through.

The store's lease decides who runs, never the broker: a task whose instance is running elsewhere waits
(retries shortly) and then runs after it. Tasks are acknowledged late and rejected when their worker
dies, so a worker killed mid-run leads to the task's redelivery; the new worker takes the dead holder's
lease over (at once on the same host, after the expiry from another one) and resumes from the ledger.
A slot that already has a finished run is not run again (a redelivery after the run ended, before the ack).
The scheduler publishes nothing for an instance paused by refused logins (runtime/pause.py); a task
published before the pause began (a queued slot, a retry's countdown) is dropped by the worker too, and
a run whose login was refused is not retried.
"""

from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path
from typing import Any

import structlog
from celery import Celery, Task
from sqlalchemy import select

from ml_connector.bootstrap import App, bootstrap
from ml_connector.errors import LeaseHeldError, SlotServedError
from ml_connector.runtime.config import runtime_config
from ml_connector.runtime.pause import login_pause
from ml_connector.runtime.scheduler import Job
from ml_connector.runtime.service import run_integration
from ml_connector.settings import Settings, load_settings
from ml_connector.store.schema import runs

log = structlog.get_logger("ml_connector.runtime.celery")
TASK = "ml_connector.run"
LEASE_WAIT_S = 2.0
_config: dict[str, Path | None] = {"path": None}  # set by `ml-connector worker -c`; inherited by the pool


def use_config(path: Path | None) -> None:
    _config["path"] = path


def make_celery(settings: Settings) -> Celery:
    cfg = runtime_config(settings)
    if not cfg.broker_url:
        from ml_connector.errors import ConfigError

        raise ConfigError(
            'No broker: set [runtime] broker_url = "redis://127.0.0.1:6379/0" (or amqp://guest@host:5672//) '
            "for `ml-connector worker` and `schedule --celery`."
        )
    if cfg.broker_url.startswith(("redis://", "rediss://")):
        _survive_redis_loss()
    celery = Celery("ml_connector", broker=cfg.broker_url, set_as_current=False)
    celery.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=cfg.queue,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        # Redis: kombu 5.7 sweeps unacknowledged tasks back only every interval x throttle (10 x 10 s by
        # default), so a task of a killed worker came back ~100 s late; sweep every interval (at most 10 s).
        broker_transport_options={
            "visibility_timeout": cfg.visibility_timeout.total_seconds(),
            "unacked_restore_interval": max(1, min(10, int(cfg.visibility_timeout.total_seconds()))),
            "unacked_restore_throttle": 1,
        },
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    celery.task(name=TASK, bind=True, max_retries=None)(run_task)
    return celery


@functools.cache
def _survive_redis_loss() -> None:
    """Keep a worker alive when the Redis broker goes away while it holds unacknowledged tasks.

    On a lost connection Celery 5.7 closes the broken connection after dropping its transport's client; the
    Redis channel's close then tries to put the tasks it holds (a running task, acknowledged late; a retry
    waiting for its countdown) back on the queue, builds a new connection pool from that missing client and
    raises AttributeError, which the worker treats as unrecoverable: it exits and the queue is consumed by
    nobody once Redis is back (every later slot was lost). Those tasks are still in Redis' unacked set, and
    the visibility sweep brings them back after ``visibility_timeout``; so when there is no client to reach
    Redis with, the restore is left to that sweep.
    """
    from kombu.transport import redis as kombu_redis

    restore = kombu_redis.QoS.restore_unacked

    def restore_unacked(self: Any, client: Any = None) -> None:
        channel = self.channel
        if client is None and channel._pool is None and getattr(channel.connection, "client", None) is None:
            log.warning("broker.restore_left_to_sweep", tasks=len(self._delivered))
            self._delivered.clear()
            return
        restore(self, client)  # type: ignore[no-untyped-call]

    kombu_redis.QoS.restore_unacked = restore_unacked  # type: ignore[method-assign]


@functools.cache
def worker_app() -> App:
    """One App per worker process, built at its first task and kept warm for the next ones."""
    return bootstrap(load_settings(_config["path"]))


def run_task(task: Task, instance: str, slot: str | None, trigger: str, attempt: int = 1) -> str:
    app = worker_app()
    at = datetime.fromisoformat(slot) if slot else None
    if at is not None and app.store.runs.slot_served(instance, at, attempt):
        log.info("task.slot_already_served", instance=instance, slot=slot)
        return "already served"
    if trigger != "manual" and (pause := login_pause(app, instance)) is not None:
        log.warning("task.paused", instance=instance, trigger=trigger, reason=pause.reason)
        return "paused"
    if at is not None and _interrupted(app, instance, at):
        trigger = "retry"  # redelivered after its worker died mid-run: this is the one retry
    try:
        report = run_integration(app, instance, trigger=trigger, slot=at, attempt=attempt)
    except LeaseHeldError:
        raise task.retry(countdown=LEASE_WAIT_S) from None
    except SlotServedError:  # the first run ended between the check above and taking the lease
        log.info("task.slot_already_served", instance=instance, slot=slot)
        return "already served"
    _after_run(app, Job(instance, at, trigger, attempt), report.status)
    stream_failed = report.status == "failed" or (report.status == "partial" and bool(report.error))
    if stream_failed and at is not None and not report.login_refused:  # each retry would be one more failure
        countdown = _retry_in(app, instance, at, attempt)
        if countdown is not None:
            task.apply_async(args=(instance, slot, "retry", attempt + 1), countdown=countdown)
    return str(report.status)


def _interrupted(app: App, instance: str, slot: datetime) -> bool:
    with app.store.engine.connect() as db:
        found = db.execute(
            select(runs.c.run_id).where(
                runs.c.integration == instance, runs.c.slot == slot, runs.c.status.in_(("running", "crashed"))
            )
        ).first()
    return found is not None


def _retry_in(app: App, instance: str, slot: datetime, attempt: int) -> float | None:
    from ml_connector.runtime.schedules import load_schedules

    schedule = load_schedules(app.settings).get(instance)
    if schedule is None or attempt > schedule.config.retries:
        return None
    backoff = schedule.config.retry_backoff * (2 ** (attempt - 1))
    nxt = schedule.next_slot(slot)
    if nxt is not None and app.clock.now() + backoff >= nxt:
        return None
    return float(backoff.total_seconds())


def _after_run(app: App, job: Job, status: str) -> None:
    from ml_connector.runtime.alerts import Alerter

    Alerter(app).after_run(job, status)


class CeleryExecutor:
    """What `schedule --celery` hands slots to: a published task per slot; the workers retry and alert."""

    def __init__(self, app: App, celery: Celery | None = None) -> None:
        from ml_connector.runtime.schedules import load_schedules

        self.app = app
        self.celery = celery or make_celery(app.settings)
        self.queue = runtime_config(app.settings).queue
        self.timeouts = {name: s.config.timeout.total_seconds() for name, s in load_schedules(app.settings).items()}

    def submit(self, job: Job) -> None:
        timeout = self.timeouts.get(job.instance)
        limits = {"soft_time_limit": timeout, "time_limit": timeout + 60} if timeout else {}
        self.celery.send_task(  # a run past its schedule's timeout is interrupted in the worker (soft limit)
            TASK,
            args=(job.instance, job.slot.isoformat() if job.slot else None, job.trigger, job.attempt),
            queue=self.queue,
            **limits,
            retry=True,
            retry_policy={"max_retries": 3, "interval_start": 0.5, "interval_step": 1, "interval_max": 3},
        )

    def busy(self, instance: str) -> bool:
        return self.app.store.leases.holder(instance, self.app.clock.now()) is not None

    def finished(self) -> list[tuple[Job, str]]:
        return []

    def stop(self, grace: float) -> list[str]:
        return []


def worker_argv(concurrency: int, queue: str, name: str | None) -> list[str]:
    argv = ["worker", "--loglevel=INFO", f"--concurrency={concurrency}", "-Q", queue, "--without-gossip"]
    argv += ["--without-mingle", "--without-heartbeat"]
    return [*argv, f"--hostname={name}"] if name else argv


def preload() -> dict[str, Any]:
    """Import every integration before the worker forks, so no run pays the import start-up."""
    import importlib

    from ml_connector.integrations.registry import INTEGRATIONS

    return {name: importlib.import_module(module) for name, module in INTEGRATIONS.items()}
