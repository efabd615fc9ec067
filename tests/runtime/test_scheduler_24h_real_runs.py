"""The embedded scheduler with its real executor (``ThreadExecutor`` -> ``runtime.service.run_integration``)
runs the five real integrations against their emulators for 24 simulated hours on an accelerated clock:
Saturday 24 October 2026 20:00 UTC to Sunday 20:00 UTC, through the Europe/London fall-back (Sunday 01:00
UTC, 02:00 BST -> 01:00 GMT), with windows (a Sunday-morning 15-minute window, a nightly 02:00-05:00 London
window with nothing), a 3-hour outage (the scheduler process gone, a new one started after it) and the
catch-up that follows. Between slots new records appear at the sources (GL postings and purchase orders
and a customer in SYSPRO, orders in Commerce); each must reach its destination exactly once.

One ``FixedClock`` drives the app (cursors, leases, the runs table) and every emulator, so "now" agrees
everywhere. The test moves it minute by minute; while runs are going it lets simulated seconds pass (up to
50 a minute), so a run's start and finish differ and "never two runs of an instance at once" means
something. Runs of different instances go at the same time, in threads, against one SQLite store: the
embedded default. See docs/RUNTIME.md "Tested on an accelerated clock".
"""

from __future__ import annotations

import importlib
import itertools
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pytest

from ml_connector.bootstrap import App, bootstrap
from ml_connector.cli import demo as demo_cli
from ml_connector.core.clock import FixedClock
from ml_connector.emulators.registry import create_emulators
from ml_connector.emulators.serving import ServedEmulator, serve_in_thread
from ml_connector.integrations.commerce_syspro.demo import LATE_MAPPING
from ml_connector.integrations.looker_qad.reconcile import reconcile
from ml_connector.integrations.looker_qad.streams import line_id, reference
from ml_connector.integrations.syspro_sterling.demo import SUPPLIERS
from ml_connector.runtime.config import ScheduleConfig
from ml_connector.runtime.executors import ThreadExecutor
from ml_connector.runtime.scheduler import Scheduler
from ml_connector.runtime.schedules import compile_schedule
from ml_connector.settings import Settings

pytestmark = pytest.mark.slow  # ~60 s: about 120 real runs, 1440 scheduler ticks

LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 10, 24, 20, 0, tzinfo=UTC)  # Saturday 21:00 BST
END = START + timedelta(hours=24)
FALL_BACK = datetime(2026, 10, 25, 1, 0, tzinfo=UTC)  # 02:00 BST -> 01:00 GMT
OUTAGE = (datetime(2026, 10, 25, 8, 10, tzinfo=UTC), datetime(2026, 10, 25, 11, 10, tzinfo=UTC))
MINUTE = timedelta(minutes=1)

CONFIGS: dict[str, dict[str, Any]] = {
    # hourly; every 15 minutes on Sunday mornings 09:00-12:00 London; nothing 02:00-05:00 London (backups)
    "syspro-looker": {
        "every": "1h",
        "timezone": "Europe/London",
        "windows": [
            {"days": "Sun", "start": "09:00", "end": "12:00", "every": "15m"},
            {"days": "Mon-Sun", "start": "02:00", "end": "05:00", "off": True},
        ],
    },
    "commerce-syspro": {"every": "30m", "timezone": "Europe/London"},  # twice through the repeated hour
    "syspro-sterling": {"cron": "15 */2 * * *", "timezone": "Europe/London"},
    "looker-qad": {"cron": "50 */4 * * *", "timezone": "Europe/London"},  # after syspro-looker has loaded
    "syspro-pipedrive": {"every": "1h", "timezone": "UTC"},
}


def _london(t: datetime) -> datetime:
    return t.astimezone(LONDON)


# The same schedules written independently of runtime.schedules: a slot is a UTC minute whose wall time
# matches (a wall time that happens twice, in the repeated hour, is a slot both times).
RULES: dict[str, Callable[[datetime], bool]] = {
    "syspro-looker": lambda t: (
        (_london(t).weekday() == 6 and 9 <= _london(t).hour < 12 and _london(t).minute % 15 == 0)
        or (not 2 <= _london(t).hour < 5 and _london(t).minute == 0)
    ),
    "commerce-syspro": lambda t: _london(t).minute % 30 == 0,
    "syspro-sterling": lambda t: _london(t).minute == 15 and _london(t).hour % 2 == 0,
    "looker-qad": lambda t: _london(t).minute == 50 and _london(t).hour % 4 == 0,
    "syspro-pipedrive": lambda t: t.minute == 0,
}

# New source records, by the simulated minute they appear (before that minute's tick).
GL_LINES = ("10-1200-200", "10-1220-400")  # cost-centre accounts QAD knows, on two plants
EVENTS: dict[datetime, tuple[str, ...]] = {
    datetime(2026, 10, 24, 20, 40, tzinfo=UTC): ("gl", "order", "po", "customer"),
    datetime(2026, 10, 25, 0, 40, tzinfo=UTC): ("gl", "order"),  # 01:40 BST, the first pass of the hour
    datetime(2026, 10, 25, 1, 20, tzinfo=UTC): ("order", "po"),  # 01:20 GMT, the second pass
    datetime(2026, 10, 25, 9, 0, tzinfo=UTC): ("gl", "order", "po", "customer"),  # while the scheduler is down
    datetime(2026, 10, 25, 14, 5, tzinfo=UTC): ("gl", "order", "po", "customer"),
}


def expected_slots(name: str) -> list[datetime]:
    out, t = [], START + MINUTE
    while t <= END:
        if RULES[name](t):
            out.append(t)
        t += MINUTE
    return out


class Sources:
    """Adds the records of EVENTS at the sources and remembers what each one must become."""

    def __init__(self, served: dict[str, ServedEmulator]) -> None:
        self.syspro = served["syspro-odata"].app.state.emulator
        self.commerce = served["commerce"].app.state.emulator.store
        self.gl: dict[str, tuple[str, Decimal]] = {}  # Reference -> (GlCode, amount)
        self.orders: list[str] = []  # Commerce increment ids
        self.pos: list[str] = []  # SYSPRO purchase orders
        self.customers: list[str] = []  # SYSPRO customer codes
        self.customer_names: list[str] = []

    def add(self, kind: str, n: int) -> None:
        if kind == "gl":
            ref, code, amount = f"H4-GL-{n}", GL_LINES[n % 2], Decimal(f"{1000 + 37 * n}.{n:02d}")
            self.syspro.insert("GenTransaction", [{"GlCode": code, "EntryValue": float(amount), "Reference": ref}])
            self.gl[ref] = (code, amount)
        elif kind == "order":
            order = self.commerce.place_order(store_code=("default", "b2b", "marketplace")[n % 3])
            self.orders.append(order["increment_id"])
        elif kind == "po":
            stock = self.syspro.rows("InvMaster")[:2]
            header = self.syspro.insert("PorMasterHdr", [{"Supplier": next(iter(SUPPLIERS)), "Warehouse": "AK"}])[0]
            self.syspro.insert("PorMasterDetail", [
                {"PurchaseOrder": header["PurchaseOrder"], "Line": i + 1, "LineType": "1",
                 "MStockCode": s["StockCode"], "MWarehouse": "AK", "MOrderQty": 3.0 + n, "MReceivedQty": 0.0,
                 "MPrice": 19.5, "MOrderUom": "EA", "MCompleteFlag": " "}
                for i, s in enumerate(stock)
            ])  # fmt: skip
            self.pos.append(header["PurchaseOrder"])
        else:
            name = f"H4 SCHEDULED CUSTOMER {n}"
            row = self.syspro.insert("ArCustomer", [{"Name": name}])[0]
            self.customers.append(row["Customer"])
            self.customer_names.append(name)


def start_emulators(settings: Settings, clock: FixedClock) -> dict[str, ServedEmulator]:
    """The demo's emulators (SYSPRO's OData and e.net faces over one company), all on the test's clock."""
    options: dict[str, dict[str, Any]] = {}
    for demo in [importlib.import_module(name) for name in demo_cli.DEMOS]:
        demo.prepare(settings)
        for system, opts in demo.emulator_options(settings, 42, 1).items():
            options.setdefault(system, {}).update(opts)
    seconds = lambda: clock.now().timestamp()  # noqa: E731 - Looker's and QAD's clocks are epoch seconds
    options["syspro-odata"].update(as_of=START.date(), clock=clock.now)
    options["looker"]["clock"] = options["qad"]["clock"] = seconds
    for system in ("syspro-enet", "commerce", "sterling", "pipedrive"):
        options[system]["clock"] = clock
    return {name: serve_in_thread(app) for name, app in create_emulators(options).items()}


def connect(app: App, served: dict[str, ServedEmulator]) -> None:
    """Each demo stores its connections with ``store_connection`` (schema-checked, secrets encrypted)."""
    for demo in [importlib.import_module(name) for name in demo_cli.DEMOS]:
        demo.store_connections(app, served)
    app.store.mappings.set("commerce-syspro", *LATE_MAPPING, app.clock.now())  # nothing parks


def test_24_simulated_hours_of_real_runs(tmp_path: Path) -> None:
    clock = FixedClock(START)
    settings = Settings.model_validate({"data_dir": str(tmp_path / "data")})
    app = bootstrap(settings, clock=clock, create_keys=True)
    schedules = {n: compile_schedule(n, ScheduleConfig.model_validate(c)) for n, c in CONFIGS.items()}
    served = start_emulators(settings, clock)
    sources = Sources(served)
    try:
        connect(app, served)
        executor = ThreadExecutor(app, schedules)
        scheduler: Scheduler | None = Scheduler(app, schedules, executor)
        added = itertools.count(1)
        while clock.now() < END:
            minute = clock.now().replace(second=0) + MINUTE
            clock.set(minute)
            for kind in EVENTS.get(minute, ()):
                sources.add(kind, next(added))
            if OUTAGE[0] <= minute < OUTAGE[1]:
                scheduler = None  # the machine is down: no scheduler, no runs (its leases expire)
                continue
            if scheduler is None:  # back: a new process, its state from the store
                executor = ThreadExecutor(app, schedules)
                scheduler = Scheduler(app, schedules, executor)
            scheduler.tick()
            work_through(executor, minute)
        assert scheduler is not None
        scheduler.tick()  # collect the last outcomes
        assert not executor.running()

        runs = {name: sorted(app.store.runs.recent(name, 10_000), key=lambda r: r["started_at"]) for name in CONFIGS}
        for name, rows in runs.items():
            check_runs(name, rows)
        check_daylight_saving(runs)
        check_deliveries(app, served, sources, settings)
    finally:
        for emulator in served.values():
            emulator.stop()


def work_through(executor: ThreadExecutor, minute: datetime) -> None:
    """Wait for the runs started this minute; simulated seconds pass while they work (at most 50)."""
    deadline = time.monotonic() + 120
    while executor.running():
        if clock_of(executor).now() < minute + timedelta(seconds=50):
            clock_of(executor).advance(timedelta(seconds=1))
        assert time.monotonic() < deadline, f"runs still going at {minute}: {executor.running()}"
        time.sleep(0.01)


def clock_of(executor: ThreadExecutor) -> FixedClock:
    clock = executor.app.clock
    assert isinstance(clock, FixedClock)
    return clock


def check_runs(name: str, rows: list[dict[str, Any]]) -> None:
    table = [(r["trigger"], r["slot"], r["status"], r["started_at"], r["finished_at"]) for r in rows]
    assert all(r["status"] == "succeeded" for r in rows), (name, [t for t in table if t[2] != "succeeded"])
    assert {r["trigger"] for r in rows} <= {"schedule", "catch-up"}, (name, table)  # no retry: nothing failed
    for a, b in itertools.pairwise(rows):  # never two runs of one instance at once
        assert a["finished_at"] is not None and b["started_at"] >= a["finished_at"], (name, a, b)
    expected = expected_slots(name)
    down = [s for s in expected if OUTAGE[0] <= s <= OUTAGE[1]]  # due while down (or at the restart)
    wanted = sorted([s for s in expected if s not in down] + down[-1:])  # the missed ones: one run, the newest
    assert [r["slot"] for r in rows] == wanted, (name, table)  # each slot exactly once, in order
    for r in rows:
        if r["slot"] in down:  # the first thing the new scheduler does, in its first minute
            assert OUTAGE[1] <= r["started_at"] < OUTAGE[1] + MINUTE, (name, r)
            assert r["trigger"] == ("catch-up" if len(down) > 1 else "schedule"), (name, r)
        else:  # on time: in its own minute (the timezone and the daylight-saving change were honoured)
            assert r["slot"] <= r["started_at"] < r["slot"] + MINUTE, (name, r)
            assert r["trigger"] == "schedule", (name, r)
    assert r["finished_at"] <= END + MINUTE


def check_daylight_saving(runs: dict[str, list[dict[str, Any]]]) -> None:
    """The fall-back spelt out, so a reader sees what the oracle above decided."""

    def local(name: str, since: datetime, until: datetime) -> list[str]:
        return [_london(r["slot"]).strftime("%a %H:%M %Z") for r in runs[name] if since <= r["slot"] < until]

    night = (datetime(2026, 10, 24, 23, 0, tzinfo=UTC), datetime(2026, 10, 25, 6, 0, tzinfo=UTC))
    # every 30 minutes: 01:00 and 01:30 come twice, an hour apart
    assert local("commerce-syspro", FALL_BACK - timedelta(hours=1), FALL_BACK + timedelta(hours=1)) == [
        "Sun 01:00 BST", "Sun 01:30 BST", "Sun 01:00 GMT", "Sun 01:30 GMT",
    ]  # fmt: skip
    # hourly with nothing 02:00-05:00 London: that is 02:00-05:00 UTC once GMT (01:00-04:00 UTC in BST)
    assert local("syspro-looker", *night) == [
        "Sun 00:00 BST", "Sun 01:00 BST", "Sun 01:00 GMT", "Sun 05:00 GMT",
    ]  # fmt: skip
    # cron at :15 of even London hours: 00:15 BST is Saturday 23:15 UTC, then 02:15 GMT three real hours on
    assert local("syspro-sterling", *night) == ["Sun 00:15 BST", "Sun 02:15 GMT", "Sun 04:15 GMT"]
    # the Sunday-morning window: every 15 minutes from 09:00 to 11:45, except what the outage swallowed
    morning = local("syspro-looker", datetime(2026, 10, 25, 8, tzinfo=UTC), datetime(2026, 10, 25, 13, tzinfo=UTC))
    assert morning == ["Sun 08:00 GMT", "Sun 11:00 GMT", "Sun 11:15 GMT", "Sun 11:30 GMT", "Sun 11:45 GMT",
                       "Sun 12:00 GMT"]  # fmt: skip


def check_deliveries(app: App, served: dict[str, ServedEmulator], sources: Sources, settings: Settings) -> None:
    syspro = served["syspro-odata"].app.state.emulator
    # Commerce -> SYSPRO: every order a SYSPRO sales order, once (the new ones included)
    commerce = served["commerce"].app.state.emulator.store
    postable = {o["increment_id"] for o in commerce.orders.values() if o["state"] != "canceled"}
    sales = Counter(r["CustomerPoNumber"] for r in syspro.rows("SorMaster") if r["CustomerPoNumber"])
    assert set(sources.orders) <= postable
    assert {po: n for po, n in sales.items() if po in postable} == dict.fromkeys(postable, 1)

    # SYSPRO -> Sterling: each new purchase order one message in the outbox; no document sent twice
    outbox = served["sterling"].app.state.emulator.mailbox_messages("/MLCONNECT/Outbox")
    documents = Counter(m.name.split("-", 2)[2].rsplit("-", 1)[0] for m, _ in outbox)
    assert [documents[po] for po in sources.pos] == [1] * len(sources.pos), (sources.pos, documents)
    assert max(documents.values()) == 1

    # SYSPRO -> Pipedrive: one organization per customer (the new ones by name), one deal per recent sales
    # order (the orders Commerce put into SYSPRO during the day among them)
    store = served["pipedrive"].app.state.emulator.store
    key = {
        kind: next(c for c, f in store.fields[kind].items() if f["field_name"] == label)
        for kind, label in (("organization", "SYSPRO customer code"), ("deal", "SYSPRO order number"))
    }
    orgs = Counter(r["custom_fields"][key["organization"]] for r in store.listing("organization"))
    assert orgs == Counter({c["Customer"]: 1 for c in syspro.rows("ArCustomer")})
    names = {r["custom_fields"][key["organization"]]: r["name"] for r in store.listing("organization")}
    assert [names[c] for c in sources.customers] == sources.customer_names
    deals = Counter(r["custom_fields"][key["deal"]] for r in store.listing("deal"))
    assert max(deals.values()) == 1  # (open orders and those of the last 30 days become deals)
    new_orders = [r["SalesOrder"] for r in syspro.rows("SorMaster") if r["CustomerPoNumber"] in sources.orders]
    assert len(new_orders) == len(sources.orders)
    assert [deals[o] for o in new_orders] == [1] * len(new_orders)

    # Looker -> QAD: QAD holds exactly Looker's current figures (a posting doubled or lost would differ)
    rows = reconcile(app)
    assert rows and [r for r in rows if r.differs] == []
    qad_entries = Counter(
        line["postingLineText"]
        for entry in served["qad"].app.state.emulator.tenant.journals
        for line in entry.lines
        if line["glCode"] != "9990"
    )
    changed = Counter(code for code, _ in sources.gl.values())
    for code, n in changed.items():  # a line is posted once, plus once per later change of its figure
        account, centre = code.split("-")[1:]
        [row] = [r for r in rows if (r.account, r.cost_centre, r.period) == (account, centre, "2026/10")]
        keys = {"account": account, "cost_centre": centre, "sub_account": row.sub_account, "project": row.project}
        ref = reference("LQ-", line_id(row.figure, row.period, keys))
        assert 1 <= qad_entries[ref] <= 1 + n, (code, qad_entries[ref])

    # SYSPRO -> warehouse: each new GL posting one row, with its amount
    for emulator in served.values():
        emulator.stop()  # the Looker emulator lets go of the warehouse
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as db:
        loaded = db.execute(
            f"select reference, gl_code, amount from {settings.warehouse.dataset}.fct_gl_posting "
            "where reference like 'H4-GL-%'"
        ).fetchall()
    assert sorted((ref, code, Decimal(str(amount))) for ref, code, amount in loaded) == sorted(
        (ref, code, amount) for ref, (code, amount) in sources.gl.items()
    )
