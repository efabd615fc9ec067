"""Celery against real brokers (the system RabbitMQ on 5672, a Redis server started here) and a throwaway
PostgreSQL store: a worker SIGKILLed mid-run has its run retried once by another worker, which takes the
lease over and posts nothing twice (counted in the SYSPRO e.net emulator); and (slow) two workers and
the scheduler on an accelerated clock serve every slot of every integration once, never two runs of an
instance at once, through a broker restart: a Redis server, or a private RabbitMQ node (started here on
free ports, so restarting it leaves the system broker alone)."""

from __future__ import annotations

import sys
import threading
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ml_connector.bootstrap import bootstrap
from ml_connector.emulators.faults import FaultPlan, FaultRule
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.integrations.commerce_syspro.demo import NAME, connect, seed_mappings
from ml_connector.runtime.celery_app import CeleryExecutor
from ml_connector.runtime.scheduler import Job
from ml_connector.settings import load_settings

sys.path.insert(0, str(Path(__file__).parent))
import itertools

from celery_harness import RABBIT, OwnRabbit, OwnRedis, Workers, runs_of, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.slow]  # ~40 s each: real workers and brokers


@pytest.fixture(params=["redis", "rabbitmq"])
def broker(request, tmp_path):
    if request.param == "redis":
        redis = OwnRedis(tmp_path / "redis")
        redis.start()
        yield redis.url, redis
        redis.stop()
    else:
        from kombu import Connection

        try:
            with Connection(RABBIT, connect_timeout=3) as conn:
                conn.ensure_connection(max_retries=1)
        except Exception as exc:  # pragma: no cover - depends on the machine
            pytest.fail(f"RabbitMQ at {RABBIT} is not reachable ({exc}); start rabbitmq-server.")
        yield RABBIT, None


@pytest.fixture(params=["redis", "rabbitmq"])
def restartable_broker(request, tmp_path):
    """A broker of the test's own, so the test may restart it: (url, server with start() and stop())."""
    if request.param == "redis":
        server: OwnRedis | OwnRabbit = OwnRedis(tmp_path / "redis")
    else:
        if OwnRabbit.scripts() is None:  # pragma: no cover - depends on the machine
            pytest.fail("rabbitmq-server is not installed (apt-get install rabbitmq-server); the test starts a node.")
        server = OwnRabbit(tmp_path / "rabbitmq")
    server.start()
    try:
        yield server.url, server
    finally:
        server.stop()


def configure(tmp_path: Path, store_url: str, broker_url: str, extra: str = "") -> Path:
    config = tmp_path / "ml-connector.toml"
    config.write_text(
        f'data_dir = "data"\n[store]\nurl = "{store_url}"\n'
        f'[runtime]\nbroker_url = "{broker_url}"\nqueue = "mlc-{uuid.uuid4().hex[:10]}"\n'
        'lease_expiry = "6s"\nvisibility_timeout = "6s"\n'
        f"[commerce-syspro]\nlag_s = 0\n{extra}"
    )
    return config


def test_worker_killed_mid_run_is_retried_once_and_posts_nothing_twice(tmp_path, pg_database, broker) -> None:
    url, _redis = broker
    commerce = serve_in_thread(
        create_emulator("commerce", seed=7, orders=0, customers=10, start=datetime.now(UTC) - timedelta(days=1))
    )
    slow = FaultPlan([FaultRule(kind="slow", delay_s=0.08)])  # ~15 s of posting: room to kill mid-run
    enet = serve_in_thread(create_emulator("syspro-enet", seed=7, faults=slow))
    workers = Workers(configure(tmp_path, pg_database, url), tmp_path)
    try:
        orders = commerce.app.state.emulator.store
        orders.generate_orders(40, spacing_s=30)
        app = bootstrap(load_settings(tmp_path / "ml-connector.toml"), create_keys=True)
        connect(app, {"commerce": commerce, "syspro-enet": enet})
        seed_mappings(app, late=True)
        workers.start("first")
        slot = datetime.now(UTC).replace(second=0, microsecond=0)
        CeleryExecutor(app).submit(Job(NAME, slot, "schedule"))
        state = enet.app.state.emulator
        wait_for(lambda: state.calls["SORTOI"] >= 5, 90, f"the first worker to post orders\n{workers.log('first')}")
        workers.start("second")  # the survivor, started before the kill so it is ready
        workers.kill("first")
        killed_at = datetime.now(UTC)
        posted_before = state.calls["SORTOI"]
        done = wait_for(
            lambda: [r for r in runs_of(app.store, NAME) if r["status"] in ("succeeded", "partial")],
            120,
            f"the retried run to finish\n{workers.log('second')}",
        )
        runs = runs_of(app.store, NAME)
        assert [r["status"] for r in runs] == ["crashed", done[0]["status"]], runs
        assert [r["trigger"] for r in runs] == ["schedule", "retry"]  # retried once
        assert {r["slot"] for r in runs} == {slot}
        # taken over within the configured expiry (plus the broker's redelivery delay, 6 s on Redis)
        assert runs[1]["started_at"] - killed_at < timedelta(seconds=6 + 6 + 10)
        assert posted_before < len(orders.orders)  # it really was killed mid-run
        postable = {o["increment_id"] for o in orders.orders.values() if o["state"] != "canceled"}
        pos = Counter(r["CustomerPoNumber"] for r in state.rows("SorMaster"))
        assert set(pos) == postable
        assert max(pos.values()) == 1  # nothing posted twice
        assert app.store.leases.holder(NAME, datetime.now(UTC)) is None
    finally:
        workers.stop_all()
        commerce.stop()
        enet.stop()


@pytest.mark.slow
def test_schedule_on_two_workers_every_slot_once(tmp_path, pg_database, restartable_broker) -> None:
    from celery_harness import AcceleratedClock, aligned

    from ml_connector.cli import demo as demo_cli
    from ml_connector.runtime.scheduler import Scheduler
    from ml_connector.runtime.schedules import load_schedules

    url, server = restartable_broker
    import importlib

    demos = [importlib.import_module(name) for name in demo_cli.DEMOS]
    schedule = "".join(f'[schedule."{d.NAME}"]\nevery = "5m"\n' for d in demos)
    config = configure(tmp_path, pg_database, url, schedule)
    settings = load_settings(config)
    app = bootstrap(settings, create_keys=True)
    options: dict[str, dict] = {}
    for demo in demos:
        demo.prepare(settings)
        for system, opts in demo.emulator_options(settings, 11, 1).items():
            options.setdefault(system, {}).update(opts)
    served = {name: serve_in_thread(create_emulator(name, **opts)) for name, opts in options.items()}
    workers = Workers(config, tmp_path)
    try:
        for demo in demos:
            demo.store_connections(app, served)
        workers.start("a")
        workers.start("b")
        start = aligned(datetime.now(UTC), 5) + timedelta(seconds=1)
        clock = AcceleratedClock(start, factor=20)  # 30 simulated minutes in 90 s
        app.clock = clock
        schedules = load_schedules(settings)
        scheduler = Scheduler(app, schedules, CeleryExecutor(app))
        stop = threading.Event()
        thread = threading.Thread(target=scheduler.run, args=(stop,), kwargs={"tick": 0.2}, daemon=True)
        thread.start()
        end = start + timedelta(minutes=30)
        # the broker restarted mid-schedule: down from minute 14 to past minute 16 (the slot of minute 15
        # is published once it is back; a RabbitMQ node takes a few more simulated minutes to boot)
        wait_for(lambda: clock.now() > start + timedelta(minutes=14), 120, "mid-schedule")
        server.stop()
        wait_for(lambda: clock.now() > start + timedelta(minutes=16), 60, "a slot while the broker is down")
        server.start()
        # past the last slot, short of the next: a slot held back by its instance's run still gets out
        wait_for(lambda: clock.now() > end + timedelta(minutes=2, seconds=30), 200, "30 simulated minutes")
        stop.set()
        thread.join(10)
        expected = [start - timedelta(seconds=1) + timedelta(minutes=5 * i) for i in range(1, 7)]
        settled: list[int] = []

        def quiet() -> bool:  # every run finished, and no new one for 5 s (nothing left in the queue)
            all_runs = runs_of(app.store)
            settled.append(len(all_runs))
            return all(r["status"] != "running" for r in all_runs) and len(set(settled[-25:])) == 1

        wait_for(quiet, 180, f"the runs to finish\n{workers.log('a')}\n{workers.log('b')}")
        for demo in demos:
            runs = runs_of(app.store, demo.NAME)
            served_slots = [r["slot"] for r in runs if r["status"] in ("succeeded", "partial")]
            assert sorted(served_slots) == expected, (demo.NAME, [(r["slot"], r["trigger"], r["status"]) for r in runs])
            for a, b in itertools.pairwise(runs):  # never two runs of one instance at once
                assert b["started_at"] >= a["finished_at"], (demo.NAME, a, b)
    finally:
        workers.stop_all()
        for emulator in served.values():
            emulator.stop()


def test_worker_holding_a_task_survives_a_redis_restart(tmp_path, pg_database) -> None:
    """A worker holding an unacknowledged task (here a retry waiting for its countdown) when Redis goes away
    reconnects once it is back, and the task comes back to it. Celery 5.7 crashed such a worker
    ("Unrecoverable error: AttributeError ... 'hostname'"), so no slot published after a restart ran."""
    from ml_connector.runtime.celery_app import TASK, make_celery
    from ml_connector.runtime.config import runtime_config

    redis = OwnRedis(tmp_path / "redis")
    redis.start()
    config = configure(tmp_path, pg_database, redis.url)
    settings = load_settings(config)
    bootstrap(settings, create_keys=True)
    workers = Workers(config, tmp_path)
    try:
        workers.start("w")
        wait_for(lambda: "Connected to" in workers.log("w"), 60, "the worker to connect")
        celery = make_celery(settings)
        queue = runtime_config(settings).queue
        celery.send_task(TASK, args=("not-scheduled", None, "retry", 2), queue=queue, countdown=120)
        wait_for(lambda: " received" in workers.log("w"), 30, f"the worker to hold the task\n{workers.log('w')}")
        redis.stop()
        redis.start()
        proc = workers.procs["w"]
        wait_for(
            lambda: workers.log("w").count("Connected to") >= 2 or proc.poll() is not None,
            60,
            f"the worker to reconnect\n{workers.log('w')}",
        )
        assert proc.poll() is None, workers.log("w")
        assert "Unrecoverable error" not in workers.log("w")
        # the held task is not lost: it comes back (the visibility sweep) and is held again
        wait_for(lambda: workers.log("w").count(" received") >= 2, 30, f"the task to come back\n{workers.log('w')}")
    finally:
        workers.stop_all()
        redis.stop()
