"""looker-qad under SIGKILL: 40 figures x 3 plants x 12 periods (1,440 figure lines) posted into the QAD
emulator by the real CLI, killed 20 times and restarted, each time once QAD has received a random 1-12 new
journal entries in that attempt (so every kill lands mid-run, whatever the machine's speed); half-way the
figures of some lines change (late postings). Afterwards QAD holds, per figure line, entries that sum to
exactly the current figure, a line never has two originals, and the ledger says delivered for every line."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ml_connector.bootstrap import bootstrap
from ml_connector.connectors.looker.lookml import Column, TableSchema, write_lookml
from ml_connector.emulators.registry import create_emulator
from ml_connector.emulators.serving import serve_in_thread
from ml_connector.integrations.looker_qad.streams import line_id, reference
from ml_connector.settings import load_settings

EXE = [sys.executable, "-m", "ml_connector.cli.main"]
FIGURES, PLANTS, PERIODS = 40, ("200", "300", "400"), 12
ACCOUNTS = ("5000", "5100", "5200", "6000", "6100", "6200", "6300", "6400")
KILLS = 20
CHANGED = ("F01", "F07", "F22", "F39")


def months(today: time.struct_time) -> list[tuple[int, int]]:
    out, year, month = [], today.tm_year, today.tm_mon
    for _ in range(PERIODS):
        out.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


def make_warehouse(path: Path, lookml: Path, periods: list[tuple[int, int]]) -> dict[tuple, Decimal]:
    rng = random.Random(12)
    rows = [
        (f"F{f:02d}", ACCOUNTS[f % len(ACCOUNTS)], plant, y, p, round(rng.uniform(-5000, 90000), 2))
        for f in range(FIGURES) for plant in PLANTS for y, p in periods
    ]  # fmt: skip
    with duckdb.connect(str(path)) as db:
        db.execute("create schema chaos")
        db.execute(
            "create table chaos.fct_figure (figure varchar, account varchar, cost_center varchar, "
            "gl_year integer, gl_period integer, amount decimal(18,2))"
        )
        db.executemany("insert into chaos.fct_figure values (?, ?, ?, ?, ?, ?)", rows)
    columns = (("figure", "string"), ("account", "string"), ("cost_center", "string"),
               ("gl_year", "number"), ("gl_period", "number"), ("amount", "number"))  # fmt: skip
    table = TableSchema("fct_figure", tuple(Column(n, t) for n, t in columns), (), kind="fact")  # type: ignore[arg-type]
    write_lookml([table], connection="chaos_wh", model="chaos", out_dir=lookml, schema="chaos")
    return current(path)


def current(path: Path) -> dict[tuple, Decimal]:
    with duckdb.connect(str(path), read_only=True) as db:
        rows = db.sql(
            "select figure, account, cost_center, gl_year, gl_period, amount from chaos.fct_figure"
        ).fetchall()
    return {(f, a, c, f"{y}/{p:02d}"): Decimal(str(v)) for f, a, c, y, p, v in rows}


def figures_toml(periods: list[tuple[int, int]]) -> str:
    listed = ", ".join(f'"{y}-{p:02d}"' for y, p in periods)
    out = []
    for f in range(FIGURES):
        out.append(
            f'[[looker-qad.figures]]\nname = "F{f:02d}"\nperiods = [{listed}]\n'
            'query = { model = "chaos", explore = "fct_figure", fields = ["fct_figure.account", '
            '"fct_figure.cost_center", "fct_figure.gl_year", "fct_figure.gl_period", "fct_figure.total_amount"], '
            f'filters = {{ "fct_figure.figure" = "F{f:02d}" }} }}\n'
            'columns = { account = "fct_figure.account", cost_centre = "fct_figure.cost_center", '
            'year = "fct_figure.gl_year", period = "fct_figure.gl_period", amount = "fct_figure.total_amount" }\n'
        )
    return "\n".join(out)


@pytest.mark.slow
def test_sigkill_20_times_then_qad_sums_to_every_current_figure(tmp_path) -> None:
    periods = months(time.gmtime())
    wh, lookml = tmp_path / "wh.duckdb", tmp_path / "lookml"
    make_warehouse(wh, lookml, periods)
    looker = serve_in_thread(create_emulator(
        "looker", lookml_dir=str(lookml), connection_name="chaos_wh", result_cache=False,
        warehouse={"type": "duckdb", "path": str(wh), "schema": "chaos"},
    ))  # fmt: skip
    qad = serve_in_thread(create_emulator("qad", closed_periods=[]))
    try:
        config = tmp_path / "ml-connector.toml"
        config.write_text(f'data_dir = ".ml-connector"\n[looker-qad]\nlooker_requests_per_minute = 600\n\n'
                          f"{figures_toml(periods)}")  # fmt: skip
        app = bootstrap(load_settings(config), create_keys=True)
        sys.path.insert(0, str(Path(__file__).parents[1] / "integrations"))
        from looker_qad_fixtures import add_looker, add_qad

        add_looker(app, looker)
        add_qad(app, qad)
        env = {**os.environ, "ML_CONNECTOR_CONFIG": str(config)}
        journals = qad.app.state.emulator.tenant.journals
        total = FIGURES * PERIODS  # a full run posts one journal entry per figure and period
        rng = random.Random(20)
        killed_running = 0
        for kill in range(KILLS):
            if kill == KILLS // 2:  # late postings: some lines change while runs keep being killed
                with duckdb.connect(str(wh)) as db:
                    listed = ", ".join(f"'{f}'" for f in CHANGED)
                    db.execute(f"update chaos.fct_figure set amount = amount + 111.11 where gl_period % 3 = 0 "
                               f"and figure in ({listed})")  # fmt: skip
            # kill after measured progress: once QAD received `target` new entries in this attempt, so every
            # kill lands mid-run (a kill at a random time after start mostly hit a run that had finished)
            before = len(journals)
            target = before + rng.randint(1, total // (KILLS * 2))
            log = (tmp_path / f"run{kill}.log").open("wb")
            proc = subprocess.Popen([*EXE, "run", "looker-qad"], env=env, cwd=tmp_path,
                                    stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
            deadline = time.monotonic() + 120
            while proc.poll() is None and len(journals) < target and time.monotonic() < deadline:
                time.sleep(0.005)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                killed_running += 1
            proc.wait()
            log.close()
        assert killed_running == KILLS, (tmp_path / f"run{kill}.log").read_text()[-3000:]  # every kill mid-run
        assert len(journals) < total, "the killed runs posted everything; raise FIGURES or PERIODS"
        print(f"\n{killed_running} SIGKILLs mid-run; {len(journals)} of {total} entries posted by killed runs")
        final = subprocess.run([*EXE, "run", "looker-qad", "--json"], env=env, cwd=tmp_path,
                               capture_output=True, timeout=600)  # fmt: skip
        assert final.returncode == 0, final.stderr.decode()[-2000:]

        figures = current(wh)
        assert len(figures) == FIGURES * len(PLANTS) * PERIODS
        held: dict[str, Decimal] = defaultdict(Decimal)
        entries: dict[str, int] = defaultdict(int)
        for entry in qad.app.state.emulator.tenant.journals:
            assert entry.text.startswith(("F", "ADJ")) and len(entry.text) <= 40
            for line in entry.lines:
                if line["glCode"] == "9990":
                    continue  # the contra line
                ref = line["postingLineText"]
                held[ref] += Decimal(str(line["postingLineDebitTC"])) - Decimal(str(line["postingLineCreditTC"]))
                entries[ref] += 1
        wrong = []
        for (figure, account, centre, period), value in figures.items():
            keys = {"account": account, "cost_centre": centre, "sub_account": "", "project": ""}
            ref = reference("LQ-", line_id(figure, period, keys))
            # a line is posted once, plus once more if its figure changed after it was posted
            most = 2 if figure in CHANGED and int(period[5:]) % 3 == 0 else 1
            if held[ref].quantize(Decimal("0.01")) != value or not 1 <= entries[ref] <= most:
                wrong.append((figure, account, centre, period, value, held[ref], entries[ref]))
        assert wrong == [], wrong[:10]
        assert len(held) == len(figures)
        # the ledger: every figure line's latest row says delivered (or recovered by the lookup after a kill)
        with sqlite3.connect(tmp_path / ".ml-connector" / "store.db") as db:
            latest = dict(db.execute(
                "select source_id, status from record_ledger r where integration = 'looker-qad' and id = "
                "(select max(id) from record_ledger x where x.integration = r.integration and x.stream = r.stream "
                "and x.source_id = r.source_id)"
            ).fetchall())  # fmt: skip
        expected = {
            line_id(f, p, {"account": a, "cost_centre": c, "sub_account": "", "project": ""}) for f, a, c, p in figures
        }
        assert set(latest) == expected
        assert set(latest.values()) <= {"delivered", "recovered"}, sorted(set(latest.values()))
    finally:
        looker.stop()
        qad.stop()
