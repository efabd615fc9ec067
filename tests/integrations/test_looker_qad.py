"""looker-qad end to end: SYSPRO -> warehouse -> Looker emulator -> QAD emulator, with the independent
check (QAD sums per account, cost centre and period equal plain SQL over the warehouse), parking and
automatic release (unknown account, closed period), the adjustment of a changed figure, the review
rule, reconcile, check, and the Looker-side fault plans."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import orjson
import pytest
from looker_qad_fixtures import build_chain, figure, months_back, posted_lines, qad_sums, warehouse_sums
from typer.testing import CliRunner

from ml_connector.cli import main
from ml_connector.emulators.faults import FaultPlan, FaultRule
from ml_connector.integrations.clients import looker_client
from ml_connector.integrations.looker_qad.reconcile import reconcile
from ml_connector.integrations.looker_qad.targets import QadFigureTarget
from ml_connector.runtime.service import check_integration, run_integration


@pytest.fixture
def chain(tmp_path):
    built = build_chain(tmp_path, figures=[figure(periods=[months_back(n) for n in range(4)])])
    yield built
    built.stop()


def write_config(tmp_path, chain) -> Path:
    """A config file over the same store, for the CLI (figures as the test's app has them)."""
    path = tmp_path / "ml-connector.toml"
    section = chain.app.settings.section("looker-qad")
    figures = "\n".join(
        f"[[looker-qad.figures]]\nname = {orjson.dumps(f['name']).decode()}\n"
        f"periods = {orjson.dumps(f['periods']).decode()}\n"
        f"query = {toml_inline(f['query'])}\ncolumns = {toml_inline(f['columns'])}"
        for f in section["figures"]
    )
    path.write_text(f'data_dir = "{chain.app.settings.data_dir}"\n{figures}\n')
    return path


def toml_inline(value: dict) -> str:
    parts = []
    for key, item in value.items():
        if isinstance(item, dict):
            parts.append(f'"{key}" = {toml_inline(item)}')
        else:
            parts.append(f'"{key}" = {orjson.dumps(item).decode()}')
    return "{ " + ", ".join(parts) + " }"


def test_chain_posts_figures_parks_unknown_keys_and_releases_them(chain, tmp_path) -> None:
    app = chain.app
    chain.tenant.accounts["6400"]["GLIsActive"] = False  # blocked in QAD for now
    report = run_integration(app, "looker-qad")
    assert report.status == "succeeded", report.error
    periods = [months_back(n).replace("-", "/") for n in range(4)]
    closed = months_back(3).replace("-", "/")
    parked = app.store.parked.open("looker-qad")
    reasons = {(p["reference"], p["ref_key"]) for p in parked}
    assert ("qad_gl_period", closed) in reasons  # the closed QAD period parks its lines
    assert ("qad_gl_account", "6400") in reasons  # inactive in QAD
    assert all("'6400' is inactive" in p["reason"] or f"{closed} is closed" in p["reason"] for p in parked)
    differing = [r for r in reconcile(app) if r.differs]
    assert {(r.account, r.period) for r in differing} == {
        (p["payload"]["account"], p["payload"]["period"]) for p in parked
    }
    config = write_config(tmp_path, chain)
    cli = CliRunner().invoke(main.app, ["reconcile", "looker-qad", "-c", str(config), "--period", months_back(3)])
    assert cli.exit_code == 1, cli.output

    # The missing key appears and the period opens: the next run posts them, nobody replays anything.
    chain.tenant.accounts["6400"]["GLIsActive"] = True
    year, month = int(closed[:4]), int(closed[5:])
    chain.tenant.set_period_closed(year, month, False)
    report = run_integration(app, "looker-qad")
    assert report.status == "succeeded", report.error
    assert app.store.parked.open("looker-qad") == []
    assert sum(t.released for t in report.streams) == len(parked)

    expected = warehouse_sums(app, periods)
    assert expected and qad_sums(chain) == expected  # the independent check
    cli = CliRunner().invoke(main.app, ["reconcile", "looker-qad", "-c", str(config), "--json"])
    assert cli.exit_code == 0, cli.output
    assert orjson.loads(cli.stdout)["differences"] == 0


def late_posting(chain, account: str, centre: str, amount: float) -> None:
    """A late posting as syspro-looker would load it: a copy of one of the line's rows, new id and amount
    (written straight into the warehouse: the full SYSPRO -> warehouse step is exercised by `make demo`)."""
    sql = f"""
        insert into syspro.fct_gl_posting
        select * replace ('LATE-' || posting_id as posting_id, {amount} as amount)
        from syspro.fct_gl_posting p
        where p.cost_center = '{centre}' and p.gl_code like '%-{account}-%'
          and p.gl_year = {int(months_back(0)[:4])} and p.gl_period = {int(months_back(0)[5:])}
        limit 1
    """
    with duckdb.connect(str(chain.app.settings.warehouse_path)) as db:
        assert db.execute(sql).fetchall()[0][0] == 1
    looker = looker_client(chain.app, "looker")
    try:
        looker.reset_datagroup(("syspro", "syspro_etl"))  # what syspro-looker does after each load
    finally:
        looker.close()


def test_changed_figure_posts_difference_then_review_rule_flags_it(chain) -> None:
    app = chain.app
    run_integration(app, "looker-qad")
    entries_before = len(chain.tenant.journals)
    now = months_back(0).replace("-", "/")
    touched = sorted(k for k in warehouse_sums(app, [months_back(0)]) if k[2] == now)[:2]
    for (account, centre, _), value in zip(touched, (1234.56, -100.0), strict=True):
        late_posting(chain, account, centre, value)
    report = run_integration(app, "looker-qad")
    assert report.status == "succeeded", report.error
    [new] = chain.tenant.journals[entries_before:]  # one entry for the figure's period, both differences
    assert " ADJ of RECON/" in new.second_text and new.text.startswith("GL spend by plant ")
    nets = {net for _, net, entry in posted_lines(chain) if entry is new}
    assert nets == {Decimal("1234.56"), Decimal("-100.00")}
    chain.tenant.set_period_closed(int(months_back(3)[:4]), int(months_back(3)[5:]), False)
    chain.tenant.accounts["6400"]["GLIsActive"] = True
    run_integration(app, "looker-qad")
    periods = [months_back(n) for n in range(4)]
    assert qad_sums(chain) == warehouse_sums(app, periods)  # QAD sums to the current figure
    count = len(chain.tenant.journals)
    run_integration(app, "looker-qad")
    assert len(chain.tenant.journals) == count  # nothing changed: nothing posted

    app.settings.section("looker-qad")["on_change"] = "review"
    late_posting(chain, touched[0][0], touched[0][1], 99.0)
    report = run_integration(app, "looker-qad")
    assert len(chain.tenant.journals) == count
    assert sum(t.changed_after_post for t in report.streams) == 1


def test_check_proves_each_step(chain) -> None:
    results = check_integration(chain.app, "looker-qad")
    by_what = {r.what: r for r in results}
    assert all(r.ok for r in results if "periods" not in r.what), [r for r in results if not r.ok]
    periods = next(r for w, r in by_what.items() if "periods" in w)
    assert not periods.ok and months_back(3).replace("-", "/") in periods.detail  # the closed one is named
    chain.qad.app.state.emulator.journal_permission = False
    denied = {r.what: r for r in check_integration(chain.app, "looker-qad")}
    assert not denied["API user may create journal entries"].ok


@pytest.mark.parametrize("lookup", [True, False])
def test_lost_response_is_adopted_not_posted_twice(tmp_path, monkeypatch, lookup) -> None:
    """QAD saves the 2nd entry (a figure's period) but its answer is lost (502) and the run stops there;
    the next run finds each of its lines by reference and adopts it. With the look-up disabled the same
    scenario double-posts, which the assertions catch (so this test can fail)."""
    chain = build_chain(tmp_path, qad_options={"faults": FaultPlan([FaultRule("lost_response", start=2, count=1)])})
    try:
        if not lookup:
            monkeypatch.setattr(QadFigureTarget, "lookup", lambda self, d: None)
        app = chain.app
        first = run_integration(app, "looker-qad")
        assert first.status != "succeeded" and len(chain.tenant.journals) == 2
        in_doubt = len(chain.tenant.journals[1].lines) - 1  # its lines, the contra line left out
        second = run_integration(app, "looker-qad")
        assert second.status == "succeeded", second.error
        refs = [ref for ref, _, _ in posted_lines(chain)]
        if lookup:
            assert sum(t.recovered for t in second.streams) == in_doubt
            assert len(refs) == len(set(refs))  # one entry per line reference: nothing posted twice
            assert qad_sums(chain) == warehouse_sums(app, [months_back(1), months_back(0)])
        else:
            assert len(refs) == len(set(refs)) + in_doubt  # without the look-up the lost lines are posted again
    finally:
        chain.stop()


def test_a_saved_look_as_figure_source(tmp_path) -> None:
    """A figure declared by Look id: run_look, periods picked from the rows (a Look takes no extra filter)."""
    query = figure()["query"]
    look = {"title": "Plant spend", "model": query["model"], "view": query["explore"], "fields": query["fields"],
            "filters": query["filters"], "limit": "5000"}  # fmt: skip
    periods = [months_back(1), months_back(0)]
    by_look = {k: v for k, v in figure(periods=periods).items() if k != "query"} | {"look_id": "1"}
    chain = build_chain(tmp_path, figures=[by_look], looker_options={"looks": [look]})
    try:
        report = run_integration(chain.app, "looker-qad")
        assert report.status == "succeeded", report.error
        assert qad_sums(chain) == warehouse_sums(chain.app, periods)
        assert len(chain.tenant.journals) == 2  # one entry per period
    finally:
        chain.stop()


def test_a_figure_changed_after_a_lost_response_posts_only_the_difference(tmp_path) -> None:
    """QAD saves the 2nd entry but its answer is lost; before the next run a late posting changes one of
    its lines. The look-up then finds QAD short of the new figure: the next run must post the difference
    (QAD held the old figure), not the whole new figure on top of it."""
    chain = build_chain(tmp_path, qad_options={"faults": FaultPlan([FaultRule("lost_response", start=2, count=1)])})
    try:
        app = chain.app
        first = run_integration(app, "looker-qad")
        assert first.status != "succeeded" and len(chain.tenant.journals) == 2
        lost = chain.tenant.journals[1]
        assert (lost.year, lost.period) == (int(months_back(0)[:4]), int(months_back(0)[5:]))
        line = next(x for x in lost.lines if x["costCentreCode"])
        late_posting(chain, line["glCode"], line["costCentreCode"], 1234.56)
        second = run_integration(app, "looker-qad")
        assert second.status == "succeeded", second.error
        assert qad_sums(chain) == warehouse_sums(app, [months_back(1), months_back(0)])
        nets = [net for ref, net, _ in posted_lines(chain) if ref == line["postingLineText"]]
        original = Decimal(str(line["postingLineDebitTC"])) - Decimal(str(line["postingLineCreditTC"]))
        assert nets == [original, Decimal("1234.56")]  # the lost posting, then only the difference
    finally:
        chain.stop()
