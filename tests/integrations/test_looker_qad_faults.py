"""looker-qad under the fault plans the issue names: a Looker 429 storm with our 60-a-minute limiter,
the Looker token expiring mid-run, a 6,000-row result (async query task), the QAD token expiring
mid-run, a QAD 403 (failed, replayed), a 5xx burst on QAD reads. Every run ends with QAD summing to
the warehouse."""

from __future__ import annotations

from looker_qad_fixtures import build_chain, figure, months_back, qad_sums, warehouse_sums

from ml_connector.emulators.faults import FaultPlan, FaultRule
from ml_connector.engine.service import replay_parked, run_integration
from ml_connector.http.client import RetryPolicy

PERIODS = [months_back(1), months_back(0)]


class FakeTime:
    """Client-side clock: sleeping advances it, nothing really waits."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def run(chain, **options):
    return run_integration(chain.app, "looker-qad", **options)


def test_looker_429_storm_token_expiry_and_the_limiter(tmp_path) -> None:
    faults = FaultPlan(
        [
            FaultRule("rate_limit", path=r"/queries/run", start=2, count=4, retry_after=2),
            FaultRule("token_expiry", path=r"/queries/run", start=3, count=1),
        ]
    )
    figures = [figure(f"Spend {n}", periods=PERIODS) for n in range(5)]
    chain = build_chain(tmp_path, figures=figures, looker_options={"faults": faults}, looker_requests_per_minute=4)
    try:
        clock = FakeTime()
        report = run(chain, looker_http={"sleep": clock.sleep, "monotonic": clock.monotonic})
        assert report.status == "succeeded", report.error
        fired = [kind for kind, _ in faults.fired]
        assert fired.count("rate_limit") == 4 and "token_expiry" in fired
        assert clock.sleeps.count(2.0) >= 4  # Retry-After honoured on each 429
        assert any(s > 30 for s in clock.sleeps)  # the 4-a-minute budget made us wait before calling
        expected = warehouse_sums(chain.app, PERIODS)
        got = qad_sums(chain)
        assert got == {k: 5 * v for k, v in expected.items()}  # each of the 5 figures posted exactly once
    finally:
        chain.stop()


def test_result_past_5000_rows_goes_through_an_async_query_task(tmp_path) -> None:
    wide = figure(
        "Every posting",
        periods=PERIODS,
        query={
            "model": "syspro",
            "explore": "fct_gl_posting",
            "fields": [*figure()["query"]["fields"], "fct_gl_posting.posting_id"],
            "filters": {},
        },
    )
    chain = build_chain(tmp_path, figures=[wide], task_poll_s=0.05)  # 6,500 postings in the warehouse
    try:
        report = run(chain)
        assert report.status == "succeeded", report.error
        looker = chain.looker.app.state.emulator
        assert len(looker.tasks) == 1  # the capped run came back full: fetched again as a task
        expected = warehouse_sums(chain.app, PERIODS)
        assert {k: v for k, v in qad_sums(chain).items() if k[1] in ("200", "300", "400")} == expected
        parked = chain.app.store.parked.open("looker-qad")
        assert parked and all(p["reference"] == "qad_cost_centre" for p in parked)  # 100, 110, ... not in QAD
    finally:
        chain.stop()


def test_qad_token_expiry_5xx_burst_and_403(tmp_path) -> None:
    faults = FaultPlan(
        [
            FaultRule("token_expiry", path="journalEntries", method="POST", start=2, count=1),
            FaultRule("status", path="browses", status=503, start=2, count=3),
            FaultRule("forbidden", path="journalEntries", method="POST", start=4, count=1),
        ]
    )  # POST 2 dies with its token and is retried as POST 3; POST 4 (the third entry) is refused with 403
    periods = [months_back(n) for n in (0, 1, 2, 4)]  # four open periods: four entries
    chain = build_chain(tmp_path, qad_options={"faults": faults}, figures=[figure(periods=periods)])
    try:
        qad_http = {"retry": RetryPolicy(max_attempts=5, base_delay_s=0.01), "sleep": lambda s: None}
        report = run(chain, qad_http=qad_http)
        assert report.status != "succeeded"  # one line failed with 403 (one stream: the engine says failed)
        assert "failed in QAD" in (report.error or "")
        tokens = chain.qad.app.state.emulator.tokens
        assert tokens.refreshes >= 1 and tokens.logins == 1  # the dead token was refreshed, not re-entered
        failed = chain.app.store.parked.open("looker-qad")
        assert failed and all(p["status"] == "failed" and "HTTP 403 Access is denied" in p["reason"] for p in failed)
        assert len({p["payload"]["period"] for p in failed}) == 1  # the lines of one entry
        replayed = replay_parked(chain.app, "looker-qad", qad_http=qad_http)
        assert replayed.status == "succeeded", replayed.error
        assert chain.app.store.parked.open("looker-qad") == []
        assert qad_sums(chain) == warehouse_sums(chain.app, periods)
    finally:
        chain.stop()
