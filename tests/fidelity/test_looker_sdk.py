"""The official `looker_sdk` (an independent client) against the Looker emulator served by uvicorn,
with LookML and a DuckDB warehouse written here: real rows, real sums, real webhook deliveries."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import httpx
import looker_sdk
import pytest
import uvicorn
from looker_sdk import error as sdk_error
from looker_sdk.sdk.api40 import models as m
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ml_connector.emulators.looker import create_app
from ml_connector.emulators.looker.errors import DOC_URL

CLIENT_ID = "sdkFidelityClient"
CLIENT_SECRET = "sdk-fidelity-secret"
WEBHOOK_TOKEN = "sdk-fidelity-webhook-token"

POSTINGS = [  # posting_id, gl_code, cost centre, post_date, amount
    ("P1", "10-1000", "CC1", "2026-01-05", "100.50"),
    ("P2", "10-1000", "CC1", "2026-01-20", "200.25"),
    ("P3", "40-4000", "CC2", "2026-01-31", "-1500.00"),
    ("P4", "40-4000", "CC2", "2026-02-01", "-2500.00"),
    ("P5", "50-5000", "CC1", "2026-02-14", "900.00"),
    ("P6", "50-5000", "CC2", "2026-03-02", "450.75"),
    ("P7", "99-9999", "CC1", "2026-03-10", "10.00"),  # no such account: the left join keeps it
]
ACCOUNTS = [("10-1000", "Bank", "A"), ("40-4000", "Sales", "R"), ("50-5000", "Cost of sales", "E")]

MODEL = """
connection: "ml_warehouse"
include: "/views/*.view.lkml"

datagroup: finance_etl {
  sql_trigger: SELECT COUNT(*) FROM syspro.fct_gl_posting ;;
  max_cache_age: "4 hours"
}

explore: gl_posting {
  label: "GL postings"
  join: gl_account {
    sql_on: ${gl_posting.gl_code} = ${gl_account.gl_code} ;;
    relationship: many_to_one
    type: left_outer
  }
}
"""
ACCOUNT_VIEW = """
view: gl_account {
  sql_table_name: syspro.dim_gl_account ;;
  dimension: gl_code { primary_key: yes type: string sql: ${TABLE}.gl_code ;; }
  dimension: description { type: string sql: ${TABLE}.description ;; }
}
"""
POSTING_VIEW = """
view: gl_posting {
  sql_table_name: syspro.fct_gl_posting ;;
  dimension: posting_id { primary_key: yes type: string sql: ${TABLE}.posting_id ;; }
  dimension: gl_code { type: string sql: ${TABLE}.gl_code ;; }
  dimension: post_date { type: date sql: ${TABLE}.post_date ;; }
  measure: total_amount { type: sum sql: ${TABLE}.amount ;; }
  measure: count { type: count }
}
"""


def expected_by_account() -> dict[str | None, Decimal]:
    known = {a[0] for a in ACCOUNTS}
    totals: dict[str | None, Decimal] = {}
    for _, code, _, _, amount in POSTINGS:
        key = code if code in known else None
        totals[key] = totals.get(key, Decimal(0)) + Decimal(amount)
    return totals


class _Served:
    """An ASGI app on a real 127.0.0.1 socket, run by uvicorn in a background thread."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:  # wait for readiness, not for a behaviour
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@pytest.fixture(scope="module")
def received() -> Iterator[tuple[str, list[dict[str, Any]], threading.Event]]:
    """A webhook receiver that records each POST (headers and JSON body)."""
    calls: list[dict[str, Any]] = []
    arrived = threading.Event()

    async def hook(request: Request) -> Response:
        calls.append({"headers": dict(request.headers), "body": json.loads(await request.body())})
        arrived.set()
        return Response(status_code=200)

    served = _Served(Starlette(routes=[Route("/looker-hook/{secret}", hook, methods=["POST"])]))
    yield served.url + "/looker-hook/s3cret", calls, arrived
    served.stop()


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    root = tmp_path_factory.mktemp("looker")
    lookml = root / "lookml"
    (lookml / "views").mkdir(parents=True)
    (lookml / "finance.model.lkml").write_text(MODEL)
    (lookml / "views" / "gl_account.view.lkml").write_text(ACCOUNT_VIEW)
    (lookml / "views" / "gl_posting.view.lkml").write_text(POSTING_VIEW)
    db = root / "warehouse.duckdb"
    with duckdb.connect(str(db)) as conn:
        conn.execute("CREATE SCHEMA syspro")
        conn.execute("CREATE TABLE syspro.dim_gl_account (gl_code VARCHAR, description VARCHAR, kind VARCHAR)")
        conn.executemany("INSERT INTO syspro.dim_gl_account VALUES (?, ?, ?)", ACCOUNTS)
        conn.execute(
            "CREATE TABLE syspro.fct_gl_posting (posting_id VARCHAR, gl_code VARCHAR, cost_centre VARCHAR, "
            "post_date DATE, amount DECIMAL(14,2))"
        )
        conn.executemany("INSERT INTO syspro.fct_gl_posting VALUES (?, ?, ?, ?, ?)", POSTINGS)
    app = create_app(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        lookml_dir=str(lookml),
        warehouse={"type": "duckdb", "path": str(db), "schema": "syspro"},
        webhook_token=WEBHOOK_TOKEN,
        looks=[
            {
                "title": "Balance by account",
                "model": "finance",
                "view": "gl_posting",
                "fields": ["gl_account.gl_code", "gl_posting.total_amount"],
                "sorts": ["gl_account.gl_code"],
            }
        ],
    )
    served = _Served(app)
    yield served.url, app.state.emulator
    served.stop()


@pytest.fixture
def sdk(emulator: tuple[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> looker_sdk.methods40.Looker40SDK:
    monkeypatch.chdir(tmp_path)  # no stray looker.ini
    monkeypatch.setenv("LOOKERSDK_BASE_URL", emulator[0])
    monkeypatch.setenv("LOOKERSDK_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("LOOKERSDK_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("LOOKERSDK_VERIFY_SSL", "false")
    monkeypatch.setenv("LOOKERSDK_TIMEOUT", "30")
    return looker_sdk.init40()


def by_account_query() -> m.WriteQuery:
    return m.WriteQuery(
        model="finance",
        view="gl_posting",
        fields=["gl_account.gl_code", "gl_posting.total_amount", "gl_posting.count"],
        sorts=["gl_account.gl_code"],
        limit="500",
    )


def test_me_and_roles(sdk: looker_sdk.methods40.Looker40SDK) -> None:
    me = sdk.me()
    assert isinstance(me.id, str)
    assert me.id != "0"
    assert me.display_name == "ML Connector API"
    assert me.credentials_api3
    assert me.credentials_api3[0].client_id == CLIENT_ID
    roles = sdk.user_roles(me.id)
    assert [r.id for r in roles] == me.role_ids
    assert roles[0].permission_set
    assert "access_data" in (roles[0].permission_set.permissions or [])
    assert sdk.me(fields="id,email").display_name is None  # `fields` trims the response


def test_create_query_is_idempotent_and_runs_json_and_csv(sdk: looker_sdk.methods40.Looker40SDK) -> None:
    first = sdk.create_query(by_account_query())
    again = sdk.create_query(by_account_query())
    assert isinstance(first.id, str)
    assert first.id == again.id
    assert sdk.query(first.id).fields == ["gl_account.gl_code", "gl_posting.total_amount", "gl_posting.count"]

    rows = json.loads(sdk.run_query(first.id, "json"))
    expected = expected_by_account()
    assert [r["gl_account.gl_code"] for r in rows] == ["10-1000", "40-4000", "50-5000", None]
    for row in rows:
        assert Decimal(str(row["gl_posting.total_amount"])) == expected[row["gl_account.gl_code"]]
    assert sum(r["gl_posting.count"] for r in rows) == len(POSTINGS)

    text = sdk.run_query(first.id, "csv")
    assert isinstance(text, str)
    lines = text.split("\n")
    assert lines[0] == "Gl Account Gl Code,Gl Posting Total Amount,Gl Posting Count"
    assert text.count("\n") == len(rows) + 1
    assert text.endswith("\n")
    assert lines[1] == "10-1000,300.75,2"
    assert "SELECT" in sdk.run_query(first.id, "sql")


def test_run_inline_query_filters_and_limit(sdk: looker_sdk.methods40.Looker40SDK) -> None:
    body = m.WriteQuery(
        model="finance",
        view="gl_posting",
        fields=["gl_posting.posting_id", "gl_posting.post_date", "gl_posting.total_amount"],
        filters={"gl_posting.post_date": "2026/01/01 to 2026/02/01", "gl_posting.gl_code": "10-1000,40-4000"},
        sorts=["gl_posting.post_date desc"],
    )
    rows = json.loads(sdk.run_inline_query("json", body))
    assert [r["gl_posting.posting_id"] for r in rows] == ["P3", "P2", "P1"]
    assert rows[0]["gl_posting.post_date"] == "2026-01-31"
    limited = json.loads(sdk.run_inline_query("json", body, limit=2))
    assert len(limited) == 2


def test_run_look(sdk: looker_sdk.methods40.Looker40SDK) -> None:
    look = sdk.look("1")
    assert look.title == "Balance by account"
    assert look.query
    assert look.query.view == "gl_posting"
    rows = json.loads(sdk.run_look("1", "json"))
    assert {r["gl_account.gl_code"]: Decimal(str(r["gl_posting.total_amount"])) for r in rows} == (
        expected_by_account()
    )


def test_async_query_task(sdk: looker_sdk.methods40.Looker40SDK) -> None:
    query = sdk.create_query(by_account_query())
    task = sdk.create_query_task(m.WriteCreateQueryTask(query_id=query.id, result_format=m.ResultFormat.json), limit=2)
    assert isinstance(task.id, str)
    statuses = [sdk.query_task(task.id).status for _ in range(3)]
    assert statuses == ["running", "complete", "complete"]
    rows = json.loads(sdk.query_task_results(task.id))
    assert [r["gl_account.gl_code"] for r in rows] == ["10-1000", "40-4000"]  # limit=2 honoured
    multi = sdk.query_task_multi_results([task.id, "nope"])
    assert multi[task.id]["status"] == "complete"
    assert len(multi[task.id]["data"]) == 2
    assert multi["nope"]["status"] == "missing"


def test_lookml_metadata(sdk: looker_sdk.methods40.Looker40SDK) -> None:
    models = sdk.all_lookml_models()
    assert [mo.name for mo in models] == ["finance"]
    assert models[0].explores
    assert models[0].explores[0].name == "gl_posting"
    explore = sdk.lookml_model_explore("finance", "gl_posting")
    assert explore.connection_name == "ml_warehouse"
    assert explore.fields
    assert {f.name for f in explore.fields.measures or []} == {"gl_posting.total_amount", "gl_posting.count"}
    assert "gl_account.description" in {f.name for f in explore.fields.dimensions or []}
    assert explore.joins
    assert explore.joins[0].relationship == "many_to_one"


def test_connection_and_test(sdk: looker_sdk.methods40.Looker40SDK, emulator: tuple[str, Any]) -> None:
    conn = sdk.connection("ml_warehouse")
    assert conn.dialect_name == "duckdb"
    assert conn.schema == "syspro"
    assert conn.database
    assert conn.database.endswith("warehouse.duckdb")
    results = sdk.test_connection("ml_warehouse", tests=looker_sdk.models40.DelimSequence(["connect", "query"]))
    assert [(r.name, r.status) for r in results] == [("connect", "success"), ("query", "success")]
    with pytest.raises(sdk_error.SDKError) as caught:
        sdk.connection("other_connection")
    assert caught.value.documentation_url == DOC_URL


def test_datagroup_reset_is_recorded(sdk: looker_sdk.methods40.Looker40SDK, emulator: tuple[str, Any]) -> None:
    groups = sdk.all_datagroups()
    assert [(g.model_name, g.name) for g in groups] == [("finance", "finance_etl")]
    now = int(time.time())
    updated = sdk.update_datagroup(groups[0].id, m.WriteDatagroup(stale_before=now))
    assert updated.stale_before == now
    state = emulator[1]
    assert state.datagroups[groups[0].id].stale_before == now
    assert state.datagroup_updates[-1].name == "finance_etl"
    assert state.datagroup_updates[-1].stale_before == now


def test_scheduled_plan_run_once_posts_webhook(
    sdk: looker_sdk.methods40.Looker40SDK, received: tuple[str, list[dict[str, Any]], threading.Event]
) -> None:
    url, calls, arrived = received
    plan = sdk.scheduled_plan_run_once(
        m.WriteScheduledPlan(
            name="Balance to ml-connector",
            look_id="1",
            require_results=False,
            require_no_results=False,
            require_change=False,
            scheduled_plan_destination=[m.ScheduledPlanDestination(type="webhook", format="json", address=url)],
        )
    )
    assert isinstance(plan.id, str)
    assert plan.run_once
    assert arrived.wait(10), "the webhook never arrived"
    call = calls[-1]
    assert call["headers"]["x-looker-webhook-token"] == WEBHOOK_TOKEN
    assert call["headers"]["user-agent"].startswith("LookerOutgoingWebhook/")
    assert call["headers"]["content-type"] == "application/json"
    assert call["headers"].get("transfer-encoding") == "chunked"
    body = call["body"]
    assert body["type"] == "query"
    assert body["scheduled_plan"]["scheduled_plan_id"] == int(plan.id)
    assert body["scheduled_plan"]["type"] == "Look"
    assert body["scheduled_plan"]["title"] == "Balance by account"
    rows = body["attachment"]["data"]
    assert {r["gl_account.gl_code"]: Decimal(str(r["gl_posting.total_amount"])) for r in rows} == (
        expected_by_account()
    )


def test_logout_revokes_the_token(sdk: looker_sdk.methods40.Looker40SDK, emulator: tuple[str, Any]) -> None:
    sdk.me()
    token = sdk.auth.token.access_token
    sdk.auth.logout()  # AuthSession sends DELETE /api/logout and raises SDKError unless it is 2xx
    assert not sdk.auth.is_authenticated
    r = httpx.get(f"{emulator[0]}/api/4.0/user", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    assert r.json() == {"message": "Requires authentication.", "documentation_url": DOC_URL}
    assert sdk.me().id  # the SDK logs in again by itself


def test_generated_logout_method(sdk: looker_sdk.methods40.Looker40SDK, emulator: tuple[str, Any]) -> None:
    sdk.me()
    token = sdk.auth.token.access_token
    assert sdk.logout() == ""  # DELETE /api/4.0/logout -> 204, empty body
    assert httpx.get(f"{emulator[0]}/api/4.0/user", headers={"Authorization": f"token {token}"}).status_code == 401


def test_bad_credentials_raise_offline_sdk_error(emulator: tuple[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOOKERSDK_BASE_URL", emulator[0])
    monkeypatch.setenv("LOOKERSDK_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("LOOKERSDK_CLIENT_SECRET", "wrong")
    monkeypatch.setenv("LOOKERSDK_VERIFY_SSL", "false")
    with pytest.raises(sdk_error.SDKError) as caught:
        looker_sdk.init40().me()
    assert "Not found" in str(caught.value)
