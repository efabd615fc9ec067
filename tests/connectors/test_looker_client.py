"""LookerClient against a fake Looker API 4.0 written here (httpx.MockTransport), independent of the emulator.

The fake checks what the spec demands of a client (form-body login, ``Authorization: token ...``) and
answers with the spec's shapes: AccessToken, Error, ValidationError, QueryTask, 202 for unfinished tasks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
import orjson
import pytest

from ml_connector.connectors.looker.auth import LookerLoginError
from ml_connector.connectors.looker.client import LookerClient
from ml_connector.connectors.looker.models import Query
from ml_connector.core.clock import FixedClock
from ml_connector.errors import (
    ConfigError,
    RateLimitedError,
    RemoteAuthError,
    RemoteRejectedError,
    RemoteUnavailableError,
)
from ml_connector.http.client import RetryPolicy
from ml_connector.secrets.secret import Secret

BASE = "https://acme.cloud.looker.com"
CLIENT_ID = "cid-7Hq2"
CLIENT_SECRET = "looker-secret-value-xyz"
DOCS = "https://cloud.google.com/looker/docs/"
NOW = datetime(2026, 11, 3, 12, 30, 15, 750000, tzinfo=UTC)


class FakeTime:
    """One clock for client and server: ``sleep`` advances it, nothing really waits."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def error(status: int, message: str, **extra: Any) -> httpx.Response:
    return httpx.Response(status, json={"message": message, "documentation_url": DOCS, **extra})


@dataclass
class FakeLooker:
    time: FakeTime
    expires_in: int = 3600
    tokens: dict[str, float] = field(default_factory=dict)  # token -> expiry (server clock)
    logins: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)
    unauthorized: int = 0
    reject_every_token: bool = False
    rate_limit_next: int = 0
    task_pending_polls: int = 2
    task_status: str | None = None  # forced status; otherwise "running" until the results are ready
    task_results_status: int = 200
    task_results_body: bytes = b'[{"gl.amount": 1.5}]'
    patched: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    queries: dict[str, dict[str, Any]] = field(default_factory=dict)
    datagroups: list[dict[str, Any]] = field(
        default_factory=lambda: [
            {"id": "7", "model_name": "erp", "name": "erp_default_datagroup", "stale_before": None},
            {"id": "8", "model_name": "other", "name": "nightly", "stale_before": None},
        ]
    )
    roles: list[dict[str, Any]] = field(
        default_factory=lambda: [
            {
                "id": "2",
                "name": "Viewer",
                "permission_set": {"id": "3", "all_access": False, "permissions": ["access_data", "see_looks"]},
            },
            {
                "id": "5",
                "name": "Explorer",
                "permission_set": {"id": "6", "all_access": False, "permissions": ["explore", "see_lookml"]},
            },
        ]
    )

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.calls.append((request.method, path))
        assert path.startswith("/api/4.0/"), path
        route = path.removeprefix("/api/4.0")
        if self.rate_limit_next:
            self.rate_limit_next -= 1
            return httpx.Response(
                429, json={"message": "Too Many Requests", "documentation_url": DOCS}, headers={"Retry-After": "3"}
            )
        if route == "/login" and request.method == "POST":
            return self._login(request)
        token = self._authorized_token(request)
        if token is None:
            self.unauthorized += 1
            return error(401, "Requires authentication.")
        return self._route(request, route, token)

    def _login(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"
        assert "client_secret" not in str(request.url), "credentials must travel in the body"
        assert "authorization" not in request.headers
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        self.logins.append(form)
        if form != {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}:
            return httpx.Response(404, json={"message": "Not found", "documentation_url": DOCS})
        token = f"tok-{len(self.logins)}"
        self.tokens[token] = self.time.now + self.expires_in
        return httpx.Response(
            200,
            json={"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in, "refresh_token": None},
        )

    def _authorized_token(self, request: httpx.Request) -> str | None:
        header = request.headers.get("authorization", "")
        match = re.fullmatch(r"token (\S+)", header)  # the spec's literal scheme
        if match is None or self.reject_every_token:
            return None
        token = match.group(1)
        expiry = self.tokens.get(token)
        return token if expiry is not None and self.time.now < expiry else None

    def revoke_all(self) -> None:
        self.tokens.clear()

    def _route(self, request: httpx.Request, route: str, token: str) -> httpx.Response:
        method = request.method
        body = orjson.loads(request.content) if request.content else None
        if method == "DELETE" and route == "/logout":
            del self.tokens[token]
            return httpx.Response(204)
        if method == "GET" and route == "/user":
            return httpx.Response(200, json={"id": "42", "display_name": "API user", "role_ids": ["2", "5"]})
        if method == "GET" and route == "/users/42/roles":
            return httpx.Response(200, json=self.roles)
        if method == "GET" and route == "/connections/warehouse":
            return httpx.Response(
                200,
                json={
                    "name": "warehouse",
                    "dialect_name": "duckdb",
                    "host": "db",
                    "schema": "analytics",
                    "dialect": {"connection_tests": ["connect"]},
                },
            )
        if method == "GET" and route.startswith("/connections/"):
            return error(404, "Not found")
        if method == "PUT" and route == "/connections/warehouse/test":
            tests = request.url.params.get("tests", "connect,query").split(",")
            results = {"connect": ("success", "Can connect"), "query": ("error", "Relation analytics.x missing")}
            return httpx.Response(
                200, json=[{"name": t, "status": results[t][0], "message": results[t][1]} for t in tests]
            )
        if method == "GET" and route == "/datagroups":
            return httpx.Response(200, json=self.datagroups)
        if method == "PATCH" and (m := re.fullmatch(r"/datagroups/(\w+)", route)):
            self.patched.append((m.group(1), body))
            group = next(g for g in self.datagroups if g["id"] == m.group(1))
            return httpx.Response(200, json={**group, **body})
        if method == "GET" and route == "/lookml_models":
            return httpx.Response(
                200,
                json=[
                    {
                        "name": "erp",
                        "project_name": "erp",
                        "explores": [{"name": "fct_gl_posting", "label": "GL postings"}],
                    }
                ],
            )
        if method == "GET" and route == "/lookml_models/erp/explores/fct_gl_posting":
            return httpx.Response(
                200,
                json={
                    "id": "erp::fct_gl_posting",
                    "name": "fct_gl_posting",
                    "connection_name": "warehouse",
                    "fields": {
                        "dimensions": [{"name": "fct_gl_posting.gl_code"}],
                        "measures": [{"name": "fct_gl_posting.total_amount", "measure": True}],
                    },
                },
            )
        if method == "POST" and route == "/queries":
            missing = [f for f in ("model", "view") if not body.get(f)]
            if missing:
                return httpx.Response(
                    422,
                    json={
                        "message": "Validation Failed",
                        "documentation_url": DOCS,
                        "errors": [
                            {
                                "field": f,
                                "code": "missing_field",
                                "message": "This field is required.",
                                "documentation_url": DOCS,
                            }
                            for f in missing
                        ],
                    },
                )
            query_id = str(100 + len(self.queries))
            self.queries[query_id] = body
            return httpx.Response(200, json={**body, "id": query_id, "slug": "aBc"})
        if method == "GET" and (m := re.fullmatch(r"/queries/(\w+)/run/(\w+)", route)):
            return self._rows(m.group(2), request.url.params.get("limit"))
        if method == "POST" and (m := re.fullmatch(r"/queries/run/(\w+)", route)):
            return self._rows(m.group(1), request.url.params.get("limit"))
        if method == "GET" and route == "/looks/9":
            return httpx.Response(
                200,
                json={
                    "id": 9,
                    "title": "AP aging",
                    "query_id": "101",
                    "query": {"model": "erp", "view": "fct_ap_invoice"},
                },
            )
        if method == "GET" and (m := re.fullmatch(r"/looks/(\w+)/run/(\w+)", route)):
            return (
                self._rows(m.group(2), request.url.params.get("limit"))
                if m.group(1) == "9"
                else error(404, "Not found")
            )
        if method == "POST" and route == "/query_tasks":
            assert set(body) >= {"query_id", "result_format"}
            self.task_request = (body, dict(request.url.params))
            return httpx.Response(
                200,
                json={
                    "id": "qt-1",
                    "query_id": body["query_id"],
                    "status": "added",
                    "result_format": body["result_format"],
                },
            )
        if method == "GET" and route == "/query_tasks/qt-1":
            status = self.task_status or ("complete" if self.task_pending_polls <= 0 else "running")
            return httpx.Response(200, json={"id": "qt-1", "query_id": "101", "status": status})
        if method == "GET" and route == "/query_tasks/qt-1/results":
            if self.task_pending_polls > 0:
                self.task_pending_polls -= 1
                return httpx.Response(202, text="")
            if self.task_results_status != 200:
                return error(self.task_results_status, "SQL error: column amount does not exist")
            return httpx.Response(200, content=self.task_results_body)
        return error(404, "Not found")

    @staticmethod
    def _rows(fmt: str, limit: str | None) -> httpx.Response:
        rows = [{"fct_gl_posting.gl_code": f"10-{i}", "fct_gl_posting.total_amount": i * 1.25} for i in range(3)]
        rows = rows[: int(limit)] if limit and int(limit) >= 0 else rows
        if fmt == "json":
            return httpx.Response(200, content=orjson.dumps(rows), headers={"Content-Type": "application/json"})
        if fmt == "csv":
            lines = [
                "Gl Code,Total Amount",
                *(f"{r['fct_gl_posting.gl_code']},{r['fct_gl_posting.total_amount']}" for r in rows),
            ]
            return httpx.Response(200, text="\n".join(lines) + "\n", headers={"Content-Type": "text/csv"})
        return error(400, f"Unsupported format {fmt}")


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime()


@pytest.fixture
def fake(clock: FakeTime) -> FakeLooker:
    return FakeLooker(clock)


def make_client(fake: FakeLooker, clock: FakeTime, *, secret: str = CLIENT_SECRET, base: str = BASE) -> LookerClient:
    return LookerClient(
        base,
        CLIENT_ID,
        Secret(secret),
        transport=httpx.MockTransport(fake.handler),
        retry=RetryPolicy(max_attempts=3, base_delay_s=0.01, max_delay_s=0.05),
        clock=FixedClock(NOW),
        sleep=clock.sleep,
        monotonic=clock.monotonic,
    )


@pytest.fixture
def looker(fake: FakeLooker, clock: FakeTime) -> LookerClient:
    return make_client(fake, clock)


# -- authentication --------------------------------------------------------------------------------


def test_login_posts_form_body_and_calls_with_token_scheme(looker: LookerClient, fake: FakeLooker) -> None:
    user = looker.me()
    assert user.id == "42"
    assert user.role_ids == ["2", "5"]
    assert fake.logins == [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}]
    assert fake.calls == [("POST", "/api/4.0/login"), ("GET", "/api/4.0/user")]


def test_token_is_cached_and_renewed_60_s_before_expiry(
    looker: LookerClient, fake: FakeLooker, clock: FakeTime
) -> None:
    looker.me()
    looker.me()
    assert len(fake.logins) == 1
    clock.now += 3600 - 61  # 61 s left: still inside the lifetime minus the 60 s margin
    looker.me()
    assert len(fake.logins) == 1
    clock.now += 2  # 59 s left: renew before the server would refuse it
    looker.me()
    assert len(fake.logins) == 2
    assert fake.unauthorized == 0


def test_token_revoked_server_side_is_renewed_once_on_401(looker: LookerClient, fake: FakeLooker) -> None:
    looker.me()
    fake.revoke_all()
    assert looker.me().id == "42"
    assert fake.unauthorized == 1
    assert len(fake.logins) == 2


def test_401_after_renewal_raises_auth_error_with_lookers_message(looker: LookerClient, fake: FakeLooker) -> None:
    fake.reject_every_token = True
    with pytest.raises(RemoteAuthError) as caught:
        looker.me()
    assert len(fake.logins) == 2  # the first login and exactly one renewal
    assert fake.unauthorized == 2
    assert "Requires authentication." in str(caught.value)
    assert "reading the API user" in str(caught.value)


def test_wrong_secret_gives_login_error_naming_the_key_not_the_secret(fake: FakeLooker, clock: FakeTime) -> None:
    looker = make_client(fake, clock, secret="wrong-secret-value")
    with pytest.raises(LookerLoginError) as caught:
        looker.me()
    message = str(caught.value)
    assert CLIENT_ID in message
    assert caught.value.status == 404
    assert "wrong-secret-value" not in message + caught.value.body + caught.value.request
    assert [c for c in fake.calls if c[1] != "/api/4.0/login"] == []


def test_logout_invalidates_the_token_and_the_next_call_logs_in(looker: LookerClient, fake: FakeLooker) -> None:
    looker.logout()  # nothing to log out yet: no call
    assert fake.calls == []
    looker.me()
    looker.logout()
    assert ("DELETE", "/api/4.0/logout") in fake.calls
    assert fake.tokens == {}
    looker.me()
    assert len(fake.logins) == 2
    assert fake.unauthorized == 0


def test_context_manager_logs_out(fake: FakeLooker, clock: FakeTime) -> None:
    with make_client(fake, clock) as looker:
        looker.me()
    assert fake.calls[-1] == ("DELETE", "/api/4.0/logout")


def test_base_url_may_include_the_api_prefix(fake: FakeLooker, clock: FakeTime) -> None:
    looker = make_client(fake, clock, base=BASE + "/api/4.0/")
    looker.me()
    assert fake.calls[-1] == ("GET", "/api/4.0/user")


def test_429_is_retried_after_retry_after(looker: LookerClient, fake: FakeLooker, clock: FakeTime) -> None:
    looker.me()
    fake.rate_limit_next = 1
    assert looker.me().id == "42"
    assert clock.sleeps == [3.0]


def test_429_that_persists_raises_rate_limited_with_lookers_message(looker: LookerClient, fake: FakeLooker) -> None:
    looker.me()
    fake.rate_limit_next = 10
    with pytest.raises(RateLimitedError) as caught:
        looker.datagroups()
    assert caught.value.retry_after == 3.0
    assert "Too Many Requests" in str(caught.value)


# -- users, permissions, connections -----------------------------------------------------------------


def test_check_permissions_returns_what_is_missing(looker: LookerClient) -> None:
    assert looker.check_permissions({"access_data", "explore"}) == set()
    missing = looker.check_permissions({"access_data", "download_without_limit", "see_schedules"})
    assert missing == {"download_without_limit", "see_schedules"}


def test_all_access_permission_set_grants_everything(looker: LookerClient, fake: FakeLooker) -> None:
    fake.roles.append({"id": "1", "name": "Admin", "permission_set": {"id": "1", "all_access": True}})
    assert looker.check_permissions({"download_without_limit"}) == set()


def test_connection_is_read_and_tested(looker: LookerClient, fake: FakeLooker) -> None:
    connection = looker.connection("warehouse")
    assert connection.dialect_name == "duckdb"
    assert connection.schema_ == "analytics"
    assert connection.dialect is not None
    assert connection.dialect.connection_tests == ["connect"]
    results = looker.require_connection_ok("warehouse", ["connect"])
    assert [(r.name, r.status) for r in results] == [("connect", "success")]


def test_failing_connection_test_is_named_in_the_error(looker: LookerClient) -> None:
    results = looker.test_connection("warehouse")
    assert [r.status for r in results] == ["success", "error"]
    with pytest.raises(RemoteRejectedError) as caught:
        looker.require_connection_ok("warehouse")
    message = str(caught.value)
    assert "test 'query' error: Relation analytics.x missing" in message
    assert "'connect'" not in message
    assert "warehouse" in message


def test_unknown_connection_error_carries_lookers_message(looker: LookerClient) -> None:
    with pytest.raises(RemoteRejectedError) as caught:
        looker.connection("no such/conn")
    message = str(caught.value)
    assert caught.value.status == 404
    assert "connection 'no such/conn'" in message
    assert "Not found" in message
    assert DOCS in message
    assert "/connections/no%20such%2Fconn" in caught.value.request


# -- datagroups ----------------------------------------------------------------------------------------


def test_reset_datagroup_by_id_sets_stale_before_to_now(looker: LookerClient, fake: FakeLooker) -> None:
    group = looker.reset_datagroup("7")
    now = int(NOW.timestamp())  # rounded down: Looker refuses a time in the future
    assert fake.patched == [("7", {"stale_before": now})]
    assert group.stale_before == now


def test_reset_datagroup_by_model_and_name(looker: LookerClient, fake: FakeLooker) -> None:
    looker.reset_datagroup(("other", "nightly"), mode="both")
    now = int(NOW.timestamp())
    assert fake.patched == [("8", {"stale_before": now, "triggered_at": now})]


def test_reset_unknown_datagroup_lists_the_known_ones(looker: LookerClient, fake: FakeLooker) -> None:
    with pytest.raises(ConfigError) as caught:
        looker.reset_datagroup(("erp", "hourly"))
    assert "erp::erp_default_datagroup" in str(caught.value)
    assert fake.patched == []


# -- metadata, queries, looks -------------------------------------------------------------------------


def test_models_and_explore_metadata(looker: LookerClient) -> None:
    models = looker.lookml_models()
    assert [m.name for m in models] == ["erp"]
    assert [e.name for e in models[0].explores] == ["fct_gl_posting"]
    explore = looker.explore("erp", "fct_gl_posting")
    assert explore.connection_name == "warehouse"
    assert explore.field_names() == {"fct_gl_posting.gl_code", "fct_gl_posting.total_amount"}


def test_create_query_returns_string_id_and_runs_it(looker: LookerClient, fake: FakeLooker) -> None:
    query = Query(model="erp", view="fct_gl_posting", fields=["fct_gl_posting.gl_code"], limit="500")
    query_id = looker.create_query(query)
    assert query_id == "100"
    assert fake.queries["100"] == {
        "model": "erp",
        "view": "fct_gl_posting",
        "fields": ["fct_gl_posting.gl_code"],
        "limit": "500",
    }
    rows = looker.run_query(query_id, "json", limit=2)
    assert rows == [
        {"fct_gl_posting.gl_code": "10-0", "fct_gl_posting.total_amount": 0.0},
        {"fct_gl_posting.gl_code": "10-1", "fct_gl_posting.total_amount": 1.25},
    ]
    csv = looker.run_query(query_id, "csv")
    assert csv.splitlines()[0] == "Gl Code,Total Amount"
    assert csv.count("\n") == 4


def test_invalid_query_reports_lookers_validation_errors(looker: LookerClient) -> None:
    with pytest.raises(RemoteRejectedError) as caught:
        looker.create_query({"model": "erp", "fields": ["x.y"]})
    message = str(caught.value)
    assert caught.value.status == 422
    assert "Validation Failed" in message
    assert "view missing_field: This field is required." in message


def test_inline_query_and_look(looker: LookerClient) -> None:
    rows = looker.run_inline_query({"model": "erp", "view": "fct_gl_posting", "fields": ["a"]}, "json", limit=1)
    assert len(rows) == 1
    look = looker.look("9")
    assert look.id == "9"  # numeric ids from older instances become strings
    assert look.query_id == "101"
    assert look.query is not None
    assert look.query.view == "fct_ap_invoice"
    assert len(looker.run_look("9", "json")) == 3
    with pytest.raises(RemoteRejectedError, match="Look 10"):
        looker.run_look("10", "json")


# -- async query tasks ----------------------------------------------------------------------------------


def test_async_query_polls_until_results_arrive(looker: LookerClient, fake: FakeLooker, clock: FakeTime) -> None:
    rows = looker.run_query_async("101", "json", poll_interval_s=0.5, timeout_s=30)
    assert rows == [{"gl.amount": 1.5}]
    assert fake.task_request == ({"query_id": "101", "result_format": "json"}, {"limit": "-1"})
    assert clock.sleeps == [0.5, 0.5]  # two 202 answers, then 200
    result_polls = [c for c in fake.calls if c == ("GET", "/api/4.0/query_tasks/qt-1/results")]
    assert len(result_polls) == 3


def test_async_query_returns_text_formats_as_text(looker: LookerClient, fake: FakeLooker) -> None:
    fake.task_pending_polls = 0
    fake.task_results_body = b"Gl Code,Total Amount\n10-1,1.25\n"
    assert looker.run_query_async("101", "csv", sleep=pytest.fail) == "Gl Code,Total Amount\n10-1,1.25\n"


def test_async_query_stops_when_the_task_fails(looker: LookerClient, fake: FakeLooker, clock: FakeTime) -> None:
    fake.task_pending_polls = 10**6  # results never arrive
    fake.task_status = "error"
    with pytest.raises(RemoteRejectedError) as caught:
        looker.run_query_async("101", "json", timeout_s=60)
    assert "query task qt-1 (query 101) ended with status 'error'" in str(caught.value)
    assert clock.sleeps == []  # a failed task ends the wait at once


def test_async_query_gives_up_after_the_timeout(looker: LookerClient, fake: FakeLooker, clock: FakeTime) -> None:
    fake.task_pending_polls = 10**6
    with pytest.raises(RemoteUnavailableError, match="did not finish within 10 s"):
        looker.run_query_async("101", "json", poll_interval_s=2, timeout_s=10)
    assert sum(clock.sleeps) <= 10
    assert len(clock.sleeps) == 5


def test_async_query_sql_error_is_reported_with_lookers_message(looker: LookerClient, fake: FakeLooker) -> None:
    fake.task_pending_polls = 0
    fake.task_results_status = 400
    with pytest.raises(RemoteRejectedError) as caught:
        looker.run_query_async("101", "json")
    assert "SQL error: column amount does not exist" in str(caught.value)
    assert "qt-1" in str(caught.value)


def test_json_detail_errors_with_200_are_raised(looker: LookerClient, fake: FakeLooker) -> None:
    fake.task_pending_polls = 0
    fake.task_results_body = orjson.dumps({"data": [], "errors": [{"message": "Division by zero"}]})
    with pytest.raises(RemoteRejectedError, match="Division by zero"):
        looker.run_query_async("101", "json_detail")


def test_query_task_rejects_formats_looker_cannot_produce(looker: LookerClient, fake: FakeLooker) -> None:
    with pytest.raises(ConfigError, match="png"):
        looker.create_query_task("101", "png")
    assert fake.calls == []
