"""Looker emulator against the vendor's OpenAPI 4.0 spec (every JSON body it produces is validated by the
`jsonschema` validator against looker.4.0.oas.json: types, required and unknown fields, enums, formats),
plus auth edge cases, limits, async tasks, caching and faults."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import httpx
import jsonschema
import psycopg
import pytest

from ml_connector.emulators.faults import FaultPlan, FaultRule
from ml_connector.emulators.looker import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, create_app
from ml_connector.emulators.looker.errors import DOC_URL

with warnings.catch_warnings():  # starlette 1.x warns at import that it would prefer `httpx2`
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

SPEC_PATH = Path(__file__).parents[1] / "data" / "specs" / "looker.4.0.oas.json"
T0 = 1_790_000_000.0


@cache
def spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text())


OAS_ONLY = {"nullable", "example", "discriminator", "xml", "externalDocs", "deprecated", "readOnly", "writeOnly"}


def to_json_schema(node: Any) -> Any:
    """An OpenAPI 3.0 schema as JSON Schema (draft 4): ``nullable`` becomes a null type (and a null enum
    member), ``type: any`` no type, and an object with declared properties refuses others (the emulator
    must not invent fields). Property names are kept as they are, whatever they are called."""
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key.startswith("x-") or key in OAS_ONLY:
            continue
        if key == "properties":
            out[key] = {name: to_json_schema(schema) for name, schema in value.items()}
        else:
            out[key] = to_json_schema(value)
    if out.get("type") == "any":
        del out["type"]
    if out.get("type") == "array" and "enum" in out:  # Looker's generator puts an item enum on the array
        out["items"] = {**out.get("items", {}), "enum": out.pop("enum")}
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    if node.get("nullable"):
        if "$ref" in out:
            out = {"anyOf": [{"$ref": out.pop("$ref")}, {"type": "null"}], **out}
        elif "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


@cache
def json_schemas() -> dict[str, Any]:
    return {"schemas": to_json_schema(spec()["components"]["schemas"])}


def schema_errors(value: Any, schema: dict[str, Any]) -> list[str]:
    """Differences between ``value`` and a schema of the spec, found by the `jsonschema` validator: types,
    nullability, required and unknown properties, enums and formats (date-time, date)."""
    document = {**to_json_schema(schema), "components": json_schemas()}
    validator = jsonschema.Draft4Validator(document, format_checker=jsonschema.FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path)) or '$'}: {e.message:.200}" for e in validator.iter_errors(value)]


def test_the_validator_checks_enums_formats_and_unknown_fields() -> None:
    """The checks this file relies on are live: a wrong enum value, a bad date-time, an invented field."""
    field = {"$ref": "#/components/schemas/LookmlModelExploreField"}
    assert (
        schema_errors({"name": "a.b", "category": "dimension", "user_attribute_filter_types": ["string"]}, field) == []
    )
    assert schema_errors({"name": "a.b", "category": "column"}, field)  # not one of the spec's categories
    assert schema_errors({"name": "a.b", "user_attribute_filter_types": ["text"]}, field)
    plan = {"$ref": "#/components/schemas/ScheduledPlan"}
    assert schema_errors({"id": "1", "created_at": "2026-13-45T99:00:00Z"}, plan)
    assert schema_errors({"id": "1", "invented": True}, plan)


def response_schema(method: str, spec_path: str, status: int) -> dict[str, Any]:
    responses = spec()["paths"][spec_path][method.lower()]["responses"]
    entry = responses.get(str(status))
    if entry is None:  # e.g. 401 and 503: not documented, Looker sends its Error body
        return {"$ref": "#/components/schemas/Error"}
    return entry["content"]["application/json"]["schema"]


def assert_matches_spec(method: str, spec_path: str, response: httpx.Response) -> Any:
    body = response.json()
    problems = schema_errors(body, response_schema(method, spec_path, response.status_code))
    assert not problems, "\n".join(problems[:20])
    return body


class FakeClock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def hook_calls() -> list[httpx.Request]:
    return []


@pytest.fixture
def app(clock: FakeClock, hook_calls: list[httpx.Request]) -> Any:
    def receiver(request: httpx.Request) -> httpx.Response:
        request.read()
        hook_calls.append(request)
        return httpx.Response(200)

    return create_app(seed=3, clock=clock, webhook_transport=httpx.MockTransport(receiver))


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def login(client: TestClient, scheme: str = "token") -> dict[str, str]:
    r = client.post("/api/4.0/login", data={"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET})
    assert r.status_code == 200
    return {"Authorization": f"{scheme} {r.json()['access_token']}"}


@pytest.fixture
def auth(client: TestClient) -> dict[str, str]:
    return login(client)


BY_ACCOUNT = {
    "model": "syspro",
    "view": "gl_posting",
    "fields": ["gl_account.gl_code", "gl_posting.total_amount", "gl_posting.count"],
    "filters": {"gl_posting.post_date": "2026/01/01 to 2026/02/01"},
    "sorts": ["gl_account.gl_code"],
}


# -- spec conformance of every JSON body ---------------------------------------------------------------
def test_login_and_errors_match_spec(client: TestClient, auth: dict[str, str]) -> None:
    ok = client.post("/api/4.0/login", data={"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET})
    token = assert_matches_spec("post", "/login", ok)
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 3600
    bad = client.post("/api/4.0/login", data={"client_id": DEFAULT_CLIENT_ID, "client_secret": "nope"})
    assert bad.status_code == 404
    assert assert_matches_spec("post", "/login", bad) == {"message": "Not found", "documentation_url": DOC_URL}
    missing = client.get("/api/4.0/queries/999999", headers=auth)
    assert missing.status_code == 404
    assert assert_matches_spec("get", "/queries/{query_id}", missing)
    invalid = client.post("/api/4.0/queries", headers=auth, json={"view": "gl_posting"})
    assert invalid.status_code == 422
    body = assert_matches_spec("post", "/queries", invalid)
    assert body["errors"][0]["field"] == "model"
    assert "/r/err/" not in body["documentation_url"]  # keeps the official SDK offline


def test_user_roles_connection_datagroups_models_match_spec(client: TestClient, auth: dict[str, str]) -> None:
    me = assert_matches_spec("get", "/user", client.get("/api/4.0/user", headers=auth))
    roles = client.get(f"/api/4.0/users/{me['id']}/roles", headers=auth)
    assert assert_matches_spec("get", "/users/{user_id}/roles", roles)[0]["id"] in me["role_ids"]
    conn = assert_matches_spec(
        "get", "/connections/{connection_name}", client.get("/api/4.0/connections/ml_warehouse", headers=auth)
    )
    assert conn["name"] == "ml_warehouse"
    assert conn["password"] is None
    tested = client.put("/api/4.0/connections/ml_warehouse/test", headers=auth)
    assert {r["status"] for r in assert_matches_spec("put", "/connections/{connection_name}/test", tested)} == {
        "success"
    }
    groups = assert_matches_spec("get", "/datagroups", client.get("/api/4.0/datagroups", headers=auth))
    one = client.get(f"/api/4.0/datagroups/{groups[0]['id']}", headers=auth)
    assert assert_matches_spec("get", "/datagroups/{datagroup_id}", one)["name"] == "syspro_etl"
    patched = client.patch(f"/api/4.0/datagroups/{groups[0]['id']}", headers=auth, json={"triggered_at": int(T0)})
    assert assert_matches_spec("patch", "/datagroups/{datagroup_id}", patched)["triggered_at"] == int(T0)
    models = assert_matches_spec("get", "/lookml_models", client.get("/api/4.0/lookml_models", headers=auth))
    assert [m["name"] for m in models] == ["syspro"]
    model = client.get("/api/4.0/lookml_models/syspro", headers=auth)
    assert assert_matches_spec("get", "/lookml_models/{lookml_model_name}", model)["explores"]
    explore = client.get("/api/4.0/lookml_models/syspro/explores/gl_posting", headers=auth)
    body = assert_matches_spec("get", "/lookml_models/{lookml_model_name}/explores/{explore_name}", explore)
    assert "gl_posting.post_month" in {f["name"] for f in body["fields"]["dimensions"]}


def test_queries_looks_tasks_and_plans_match_spec(
    client: TestClient, auth: dict[str, str], app: Any, hook_calls: list[httpx.Request]
) -> None:
    query = assert_matches_spec("post", "/queries", client.post("/api/4.0/queries", headers=auth, json=BY_ACCOUNT))
    assert isinstance(query["id"], str)
    assert_matches_spec("get", "/queries/{query_id}", client.get(f"/api/4.0/queries/{query['id']}", headers=auth))
    look = assert_matches_spec("get", "/looks/{look_id}", client.get("/api/4.0/looks/1", headers=auth))
    assert look["query"]["id"] == look["query_id"]
    task_body = {"query_id": query["id"], "result_format": "json"}
    task = assert_matches_spec(
        "post", "/query_tasks", client.post("/api/4.0/query_tasks", headers=auth, json=task_body)
    )
    polled = client.get(f"/api/4.0/query_tasks/{task['id']}", headers=auth)
    assert assert_matches_spec("get", "/query_tasks/{query_task_id}", polled)["status"] == "running"
    multi = client.get("/api/4.0/query_tasks/multi_results", headers=auth, params={"query_task_ids": task["id"]})
    assert assert_matches_spec("get", "/query_tasks/multi_results", multi)[task["id"]]["status"] == "complete"
    bi = client.get(f"/api/4.0/queries/{query['id']}/run/json_bi", headers=auth).json()
    metadata = spec()["components"]["schemas"]["JsonBiMetadata"]
    assert not schema_errors(bi["metadata"], metadata)
    plan_body = {
        "name": "Balance",
        "look_id": "1",
        "crontab": "0 6 * * *",
        "require_results": False,
        "require_no_results": False,
        "require_change": False,
        "scheduled_plan_destination": [{"type": "webhook", "format": "csv", "address": "https://hooks.test/x"}],
    }
    plan = assert_matches_spec(
        "post", "/scheduled_plans", client.post("/api/4.0/scheduled_plans", headers=auth, json=plan_body)
    )
    listed = assert_matches_spec("get", "/scheduled_plans", client.get("/api/4.0/scheduled_plans", headers=auth))
    assert [p["id"] for p in listed] == [plan["id"]]
    once = client.post("/api/4.0/scheduled_plans/run_once", headers=auth, json={**plan_body, "crontab": None})
    assert assert_matches_spec("post", "/scheduled_plans/run_once", once)["run_once"] is True
    deliveries = app.state.emulator.wait_for_deliveries(1)
    assert deliveries[0].status_code == 200
    assert hook_calls[0].headers["x-looker-webhook-token"]
    sent = json.loads(hook_calls[0].content)
    assert sent["attachment"]["mimetype"] == "text/csv"
    assert sent["attachment"]["data"].startswith("Gl Account GL Code,")


# -- auth ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("scheme", ["token", "Bearer", "TOKEN", "bearer"])
def test_both_authorization_schemes_any_case(client: TestClient, scheme: str) -> None:
    assert client.get("/api/4.0/user", headers=login(client, scheme)).status_code == 200


@pytest.mark.parametrize("header", [None, "token", "token unknown-token", "Basic abc"])
def test_missing_or_unknown_token_is_401(client: TestClient, header: str | None) -> None:
    r = client.get("/api/4.0/user", headers={"Authorization": header} if header else {})
    assert r.status_code == 401
    assert r.json() == {"message": "Requires authentication.", "documentation_url": DOC_URL}


def test_login_with_query_params(client: TestClient) -> None:
    r = client.post("/api/4.0/login", params={"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET})
    assert r.status_code == 200
    assert r.json()["access_token"]


def test_token_expires_on_the_injected_clock(client: TestClient, auth: dict[str, str], clock: FakeClock) -> None:
    clock.now = T0 + 3599
    assert client.get("/api/4.0/user", headers=auth).status_code == 200
    clock.now = T0 + 3600
    assert client.get("/api/4.0/user", headers=auth).status_code == 401


@pytest.mark.parametrize("path", ["/api/4.0/logout", "/api/logout"])
def test_logout_invalidates_token(client: TestClient, auth: dict[str, str], path: str) -> None:
    r = client.delete(path, headers=auth)
    assert r.status_code == 204
    assert r.content == b""
    assert client.get("/api/4.0/user", headers=auth).status_code == 401


def test_token_expiry_fault_invalidates_the_presented_token(clock: FakeClock) -> None:
    plan = FaultPlan([FaultRule(kind="token_expiry", path="/queries", start=2, count=1)])
    with TestClient(create_app(faults=plan, clock=clock)) as client:
        auth = login(client)
        assert client.post("/api/4.0/queries", headers=auth, json=BY_ACCOUNT).status_code == 200
        assert client.post("/api/4.0/queries", headers=auth, json=BY_ACCOUNT).status_code == 401
        assert client.get("/api/4.0/user", headers=auth).status_code == 401  # that token stays dead
        assert client.post("/api/4.0/queries", headers=login(client), json=BY_ACCOUNT).status_code == 200


def test_injected_429_has_looker_body(clock: FakeClock) -> None:
    plan = FaultPlan([FaultRule(kind="rate_limit", path="/queries/run", retry_after=2)])
    with TestClient(create_app(faults=plan, clock=clock)) as client:
        r = client.post("/api/4.0/queries/run/json", headers=login(client), json=BY_ACCOUNT)
    assert r.status_code == 429
    assert r.headers["retry-after"] == "2"
    assert r.json() == {"message": "Too Many Requests", "documentation_url": DOC_URL}


def test_run_once_is_rate_limited_per_second(client: TestClient, auth: dict[str, str], clock: FakeClock) -> None:
    body = {
        "query_id": client.post("/api/4.0/queries", headers=auth, json=BY_ACCOUNT).json()["id"],
        "scheduled_plan_destination": [{"type": "webhook", "format": "json", "address": "https://h.test/"}],
    }
    codes = [client.post("/api/4.0/scheduled_plans/run_once", headers=auth, json=body).status_code for _ in range(11)]
    assert codes == [200] * 10 + [429]
    clock.now += 1.0
    assert client.post("/api/4.0/scheduled_plans/run_once", headers=auth, json=body).status_code == 200


# -- queries -------------------------------------------------------------------------------------------
def test_create_query_is_idempotent(client: TestClient, auth: dict[str, str]) -> None:
    first = client.post("/api/4.0/queries", headers=auth, json=BY_ACCOUNT).json()
    reordered = dict(reversed(list(BY_ACCOUNT.items())))
    assert client.post("/api/4.0/queries", headers=auth, json=reordered).json()["id"] == first["id"]
    changed = client.post("/api/4.0/queries", headers=auth, json={**BY_ACCOUNT, "limit": "10"}).json()
    assert changed["id"] != first["id"]
    assert changed["limit"] == "10"


def _expected_by_account(app: Any) -> dict[str, float]:
    rows = app.state.emulator.warehouse.run(
        "SELECT gl_code, SUM(amount) FROM syspro.fct_gl_posting "
        "WHERE post_date >= DATE '2026-01-01' AND post_date < DATE '2026-02-01' GROUP BY 1"
    )
    return {code: float(total) for code, total in rows}


def test_json_rows_are_real_sums(client: TestClient, auth: dict[str, str], app: Any) -> None:
    rows = client.post("/api/4.0/queries/run/json", headers=auth, json=BY_ACCOUNT).json()
    got = {r["gl_account.gl_code"]: r["gl_posting.total_amount"] for r in rows}
    assert got == pytest.approx(_expected_by_account(app))
    assert [r["gl_account.gl_code"] for r in rows] == sorted(got)


@pytest.mark.parametrize(
    ("query_limit", "param", "expected"),
    [(None, None, 5), ("2", None, 2), ("-1", None, 8), ("2", 6, 6), ("-1", 3, 3), ("100", None, 8)],
)
def test_limit_semantics(clock: FakeClock, query_limit: str | None, param: int | None, expected: int) -> None:
    with TestClient(create_app(clock=clock, default_row_limit=5)) as client:  # 8 accounts in the demo data
        body = {"model": "syspro", "view": "gl_account", "fields": ["gl_account.gl_code"]}
        if query_limit is not None:
            body["limit"] = query_limit
        params = {"limit": param} if param is not None else {}
        r = client.post("/api/4.0/queries/run/json", headers=login(client), json=body, params=params)
    assert len(r.json()) == expected


def test_invalid_limit_is_422(client: TestClient, auth: dict[str, str]) -> None:
    r = client.post("/api/4.0/queries/run/json", headers=auth, json={**BY_ACCOUNT, "limit": "lots"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "limit"


@pytest.mark.parametrize(
    ("field", "expression", "where"),
    [
        ("gl_posting.gl_code", "10-1000", "gl_code = '10-1000'"),
        ("gl_posting.gl_code", "10-1000,40-4000", "gl_code IN ('10-1000', '40-4000')"),
        ("gl_posting.gl_code", "-10-1000", "gl_code <> '10-1000'"),
        ("gl_posting.gl_code", "10-%", "gl_code LIKE '10-%'"),
        ("gl_posting.amount", ">=1000", "amount >= 1000"),
        ("gl_posting.amount", "[0,500]", "amount BETWEEN 0 AND 500"),
        ("gl_posting.amount", "(0,500)", "amount > 0 AND amount < 500"),
        ("gl_posting.amount", ">0 AND <100", "amount > 0 AND amount < 100"),
        ("gl_posting.post_date", "2026/02/01 to 2026/03/01", "post_date >= '2026-02-01' AND post_date < '2026-03-01'"),
        ("gl_posting.post_date", "2026/02", "post_date >= '2026-02-01' AND post_date < '2026-03-01'"),
        ("gl_posting.post_date", "after 2026/03/15", "post_date >= '2026-03-15'"),
        ("gl_posting.post_date", "before 2026/01/10", "post_date < '2026-01-10'"),
        ("gl_posting.post_month", "2026/01/01 to 2026/03/01", "post_date < '2026-03-01'"),
    ],
)
def test_filter_expressions(
    client: TestClient, auth: dict[str, str], app: Any, field: str, expression: str, where: str
) -> None:
    query = {"model": "syspro", "view": "gl_posting", "fields": ["gl_posting.count"], "filters": {field: expression}}
    got = client.post("/api/4.0/queries/run/json", headers=auth, json=query).json()[0]["gl_posting.count"]
    want = app.state.emulator.warehouse.run(f"SELECT COUNT(*) FROM syspro.fct_gl_posting WHERE {where}")[0][0]
    assert got == want
    assert 0 < got < 240


def test_measure_filter_goes_to_having(client: TestClient, auth: dict[str, str], app: Any) -> None:
    query = {**BY_ACCOUNT, "filters": {"gl_posting.total_amount": ">100000"}}
    sql = client.post("/api/4.0/queries/run/sql", headers=auth, json=query).text
    assert "HAVING" in sql
    assert "WHERE" not in sql
    rows = client.post("/api/4.0/queries/run/json", headers=auth, json=query).json()
    assert rows
    assert all(r["gl_posting.total_amount"] > 100000 for r in rows)


@pytest.mark.parametrize(
    ("fmt", "media"),
    [("json", "application/json"), ("json_detail", "application/json"), ("csv", "text/csv"),
     ("txt", "text/plain"), ("sql", "text/plain"), ("md", "text/plain")],
)  # fmt: skip
def test_result_formats_and_content_types(client: TestClient, auth: dict[str, str], fmt: str, media: str) -> None:
    r = client.post(f"/api/4.0/queries/run/{fmt}", headers=auth, json=BY_ACCOUNT)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(media)
    if fmt == "json_detail":
        body = r.json()
        assert [f["name"] for f in body["fields"]["measures"]] == ["gl_posting.total_amount", "gl_posting.count"]
        assert body["data"][0]["gl_account.gl_code"]["value"] == "10-1000"
    if fmt in ("csv", "txt"):
        sep = "," if fmt == "csv" else "\t"
        assert r.text.splitlines()[0] == sep.join(["Gl Account GL Code", "Gl Posting Total Amount", "Gl Posting Count"])
        assert r.text.endswith("\n")


def test_url_encoded_query(client: TestClient, auth: dict[str, str]) -> None:
    r = client.get(
        "/api/4.0/queries/models/syspro/views/gl_posting/run/json",
        headers=auth,
        params={"fields": "gl_posting.post_month,gl_posting.count", "f[gl_posting.post_date]": "2026/02", "limit": "5"},
    )
    assert [row["gl_posting.post_month"] for row in r.json()] == ["2026-02"]


def test_unknown_field_is_a_400_error(client: TestClient, auth: dict[str, str]) -> None:
    r = client.post("/api/4.0/queries/run/json", headers=auth, json={**BY_ACCOUNT, "fields": ["gl_posting.nope"]})
    assert r.status_code == 400
    assert "gl_posting.nope" in r.json()["message"]


# -- async tasks ---------------------------------------------------------------------------------------
def test_task_results_202_until_clock_passes_then_200_then_404(clock: FakeClock) -> None:
    with TestClient(create_app(clock=clock, task_pending_polls=0, task_runtime_s=5, task_result_ttl_s=60)) as client:
        auth = login(client)
        qid = client.post("/api/4.0/queries", headers=auth, json=BY_ACCOUNT).json()["id"]
        task = client.post("/api/4.0/query_tasks", headers=auth, json={"query_id": qid, "result_format": "csv"}).json()
        assert task["status"] == "added"
        first = client.get(f"/api/4.0/query_tasks/{task['id']}/results", headers=auth)
        assert first.status_code == 202
        clock.now += 5
        done = client.get(f"/api/4.0/query_tasks/{task['id']}/results", headers=auth)
        assert done.status_code == 200
        assert done.text.startswith("Gl Account GL Code,")
        clock.now += 61
        assert client.get(f"/api/4.0/query_tasks/{task['id']}/results", headers=auth).status_code == 404


def test_task_sql_error_is_400_or_in_band_for_json_detail(client: TestClient, auth: dict[str, str]) -> None:
    qid = client.post("/api/4.0/queries", headers=auth, json={**BY_ACCOUNT, "fields": ["gl_posting.nope"]}).json()["id"]
    for fmt, status in (("json", 400), ("json_detail", 200)):
        task = client.post("/api/4.0/query_tasks", headers=auth, json={"query_id": qid, "result_format": fmt}).json()
        client.get(f"/api/4.0/query_tasks/{task['id']}", headers=auth)
        r = client.get(f"/api/4.0/query_tasks/{task['id']}/results", headers=auth)
        assert r.status_code == status
        assert client.get(f"/api/4.0/query_tasks/{task['id']}", headers=auth).json()["status"] == "error"


# -- datagroups, cache, connection ---------------------------------------------------------------------
def test_datagroup_reset_invalidates_cached_results(
    client: TestClient, auth: dict[str, str], app: Any, clock: FakeClock
) -> None:
    state = app.state.emulator
    first = client.get("/api/4.0/looks/2/run/json", headers=auth).json()
    state.warehouse.execute("UPDATE syspro.fct_gl_posting SET amount = amount + 1")
    clock.now += 10
    assert client.get("/api/4.0/looks/2/run/json", headers=auth).json() == first  # Looker's cache
    assert state.query_runs == 1
    group = state.datagroup_by_name("syspro", "syspro_etl")
    r = client.patch(f"/api/4.0/datagroups/{group.id}", headers=auth, json={"stale_before": int(clock.now)})
    assert r.status_code == 200
    assert state.datagroup_updates[-1].stale_before == int(clock.now)
    fresh = client.get("/api/4.0/looks/2/run/json", headers=auth).json()
    assert fresh != first
    assert state.query_runs == 2
    future = client.patch(f"/api/4.0/datagroups/{group.id}", headers=auth, json={"stale_before": int(clock.now) + 60})
    assert future.status_code == 422


def test_sql_trigger_change_triggers_datagroup_after_check_interval(
    client: TestClient, auth: dict[str, str], app: Any, clock: FakeClock
) -> None:
    state = app.state.emulator
    client.get("/api/4.0/looks/2/run/json", headers=auth)
    state.warehouse.execute("INSERT INTO syspro.fct_gl_posting VALUES ('PX', '10-1000', 'CC100', DATE '2026-04-02', 5)")
    clock.now += 301
    rows = client.get("/api/4.0/looks/2/run/json", headers=auth).json()
    assert rows[-1]["gl_posting.post_month"] == "2026-04"
    assert state.datagroup_by_name("syspro", "syspro_etl").triggered_at == int(clock.now)


def test_connection_test_reports_missing_and_locked_duckdb(tmp_path: Path, clock: FakeClock) -> None:
    db = tmp_path / "wh.duckdb"
    app = create_app(clock=clock, warehouse={"type": "duckdb", "path": str(db), "schema": "syspro"})
    with TestClient(app) as client:
        auth = login(client)
        missing = client.put("/api/4.0/connections/ml_warehouse/test", headers=auth, params={"tests": "connect"}).json()
        assert [(r["name"], r["status"]) for r in missing] == [("connect", "error")]
        writer = duckdb.connect(str(db))  # a loader holding the file read-write
        try:
            writer.execute("CREATE SCHEMA syspro")
            r = client.post("/api/4.0/queries/run/json", headers=auth, json=BY_ACCOUNT)
            assert r.status_code == 503
            assert r.json()["documentation_url"] == DOC_URL
        finally:
            writer.close()
        tested = client.put("/api/4.0/connections/ml_warehouse/test", headers=auth).json()
        assert [(r["name"], r["status"]) for r in tested] == [("connect", "success"), ("query", "success")]
        r = client.post("/api/4.0/queries/run/json", headers=auth, json=BY_ACCOUNT)
        assert r.status_code == 400
        assert "fct_gl_posting" in r.json()["message"]


def test_default_looks_follow_a_custom_lookml_dir(tmp_path: Path, clock: FakeClock) -> None:
    (tmp_path / "shop.model.lkml").write_text(
        'connection: "ml_warehouse"\ninclude: "*.view.lkml"\nexplore: orders {}\n'
    )
    (tmp_path / "orders.view.lkml").write_text(
        "view: orders {\n  sql_table_name: shop.orders ;;\n  dimension: status { sql: ${TABLE}.status ;; }\n"
        "  measure: count { type: count }\n}\n"
    )
    db = tmp_path / "warehouse.duckdb"  # a file named shop.duckdb would clash with schema `shop`
    with duckdb.connect(str(db)) as conn:
        conn.execute(
            "CREATE SCHEMA shop; CREATE TABLE shop.orders AS "
            "SELECT * FROM (VALUES ('open'), ('open'), ('shipped')) t(status)"
        )
    app = create_app(clock=clock, lookml_dir=str(tmp_path), warehouse={"type": "duckdb", "path": str(db)})
    with TestClient(app) as client:
        auth = login(client)
        look = client.get("/api/4.0/looks/1", headers=auth).json()
        assert look["query"]["fields"] == ["orders.status", "orders.count"]
        rows = client.get("/api/4.0/looks/1/run/json", headers=auth).json()
    assert rows == [{"orders.status": "open", "orders.count": 2}, {"orders.status": "shipped", "orders.count": 1}]


@pytest.mark.postgres
def test_postgres_warehouse(clock: FakeClock, pg_database: str) -> None:
    dsn = pg_database.replace("postgresql+psycopg://", "postgresql://")
    conn = psycopg.connect(dsn, autocommit=True)
    with conn:
        conn.execute("DROP SCHEMA IF EXISTS syspro CASCADE")
        conn.execute("CREATE SCHEMA syspro")
        conn.execute("CREATE TABLE syspro.dim_gl_account (gl_code text, description text, account_type text)")
        conn.execute("CREATE TABLE syspro.dim_cost_centre (cost_centre_code text, name text)")
        conn.execute("CREATE TABLE syspro.fct_gl_posting (posting_id text, gl_code text, cost_centre_code text, "
                     "post_date date, amount numeric(14,2))")  # fmt: skip
        conn.execute("INSERT INTO syspro.dim_gl_account VALUES ('10-1000', 'Bank', 'A')")
        conn.execute("INSERT INTO syspro.fct_gl_posting VALUES ('P1', '10-1000', 'CC1', '2026-01-03', 10.5), "
                     "('P2', '10-1000', 'CC1', '2026-01-04', 4.25)")  # fmt: skip
        try:
            app = create_app(clock=clock, warehouse={"type": "postgres", "dsn": dsn, "schema": "syspro"})
            with TestClient(app) as client:
                auth = login(client)
                rows = client.post("/api/4.0/queries/run/json", headers=auth, json=BY_ACCOUNT).json()
                assert rows == [
                    {"gl_account.gl_code": "10-1000", "gl_posting.total_amount": 14.75, "gl_posting.count": 2}
                ]
                conn_json = client.get("/api/4.0/connections/ml_warehouse", headers=auth).json()
                assert conn_json["dialect_name"] == "postgres"
                assert conn_json["database"] == dsn.rsplit("/", 1)[1]
        finally:
            conn.execute("DROP SCHEMA syspro CASCADE")


SUBSET_MODEL = """
connection: "ml_warehouse"
include: "/views/*.view.lkml"  # a comment
datagroup: etl { sql_trigger: SELECT MAX(post_date) FROM syspro.fct_gl_posting ;; max_cache_age: "24 hours" }
explore: gl_posting {
  label: "GL postings"  description: "All postings"  hidden: no  persist_with: etl
  sql_always_where: ${gl_posting.amount} <> 0 ;;
  join: account {
    from: gl_account
    sql_on: ${gl_posting.gl_code} = ${account.gl_code} ;;
    relationship: many_to_one
    type: left_outer
    view_label: "Account"
  }
}
"""
SUBSET_VIEWS = {
    "gl_posting": """
view: gl_posting {
  sql_table_name: syspro.fct_gl_posting ;;
  dimension: posting_id { primary_key: yes type: string sql: ${TABLE}.posting_id ;; }
  dimension: gl_code { sql: ${TABLE}.gl_code ;; }
  dimension: amount { type: number sql: ${TABLE}.amount ;; label: "Amount" hidden: no }
  dimension: is_debit { type: yesno sql: ${amount} > 0 ;; }
  dimension: post_day { type: date sql: ${TABLE}.post_date ;; }
  dimension_group: post { type: time timeframes: [raw, date, month, year] sql: ${TABLE}.post_date ;; }
  measure: total_amount { type: sum sql: ${amount} ;; value_format_name: decimal_2 }
  measure: debit_total { type: sum sql: ${amount} ;; filters: [is_debit: "Yes"] }
  measure: count { type: count drill_fields: [posting_id] }
  measure: accounts { type: count_distinct sql: ${TABLE}.gl_code ;; }
  measure: avg_ticket { type: number sql: ${total_amount} / NULLIF(${count}, 0) ;; }
}
""",
    "gl_account": """
view: gl_account {
  derived_table: { sql: SELECT gl_code, UPPER(description) AS description FROM syspro.dim_gl_account ;; }
  dimension: gl_code { primary_key: yes sql: ${TABLE}.gl_code ;; }
  dimension: description { sql: ${TABLE}.description ;; }
}
""",
}


def test_readme_lookml_subset(tmp_path: Path, clock: FakeClock) -> None:
    (tmp_path / "views").mkdir()
    (tmp_path / "finance.model.lkml").write_text(SUBSET_MODEL)
    for name, text in SUBSET_VIEWS.items():
        (tmp_path / "views" / f"{name}.view.lkml").write_text(text)
    db = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(db)) as conn:
        conn.execute("CREATE SCHEMA syspro")
        conn.execute(
            "CREATE TABLE syspro.dim_gl_account AS "
            "SELECT * FROM (VALUES ('A', 'bank'), ('B', 'sales')) t(gl_code, description)"
        )
        conn.execute(
            "CREATE TABLE syspro.fct_gl_posting AS SELECT * FROM (VALUES ('1', 'A', DATE '2026-01-02', 10.0), "
            "('2', 'A', DATE '2026-01-03', -4.0), ('3', 'B', DATE '2026-02-01', 6.0), "
            "('4', 'B', DATE '2026-02-09', 0.0)) "
            "t(posting_id, gl_code, post_date, amount)"
        )
    app = create_app(clock=clock, lookml_dir=str(tmp_path), warehouse={"type": "duckdb", "path": str(db)})
    fields = ["account.description", "gl_posting.post_month", "gl_posting.total_amount", "gl_posting.debit_total",
              "gl_posting.count", "gl_posting.accounts", "gl_posting.avg_ticket"]  # fmt: skip
    with TestClient(app) as client:
        auth = login(client)
        query = {"model": "finance", "view": "gl_posting", "fields": fields, "sorts": ["account.description"]}
        rows = client.post("/api/4.0/queries/run/json", headers=auth, json=query).json()
        labels = client.post("/api/4.0/queries/run/csv", headers=auth, json=query).text.splitlines()[0]
        explore = client.get("/api/4.0/lookml_models/finance/explores/gl_posting", headers=auth).json()
    assert rows == [
        {
            "account.description": "BANK",
            "gl_posting.post_month": "2026-01",
            "gl_posting.total_amount": 6.0,
            "gl_posting.debit_total": 10.0,
            "gl_posting.count": 2,
            "gl_posting.accounts": 1,
            "gl_posting.avg_ticket": 3.0,
        },
        {
            "account.description": "SALES",
            "gl_posting.post_month": "2026-02",
            "gl_posting.total_amount": 6.0,
            "gl_posting.debit_total": 6.0,
            "gl_posting.count": 1,
            "gl_posting.accounts": 1,
            "gl_posting.avg_ticket": 6.0,
        },
    ]  # fmt: skip  (posting 4 has amount 0: sql_always_where drops it)
    assert labels.startswith("Account Description,Gl Posting Post Month,")
    assert explore["description"] == "All postings"
    assert explore["joins"][0]["from"] == "gl_account"
    assert {f["name"] for f in explore["fields"]["dimensions"]} >= {"gl_posting.post_raw", "gl_posting.is_debit"}
    assert app.state.emulator.datagroups["1"].name == "etl"
