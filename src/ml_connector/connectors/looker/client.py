"""LookerClient: the Looker API 4.0 calls ml-connector makes (user and permission checks, connection
tests, datagroup resets, LookML metadata, queries, Looks and async query tasks).

Protocol facts: ../reference/looker-pipedrive.md PART 1; paths and shapes: specs/looker.4.0.oas.json.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal
from urllib.parse import quote

import orjson
import structlog

from ml_connector.connectors.looker.auth import LookerAuth, LookerLoginError
from ml_connector.connectors.looker.models import (
    Datagroup,
    DBConnection,
    DBConnectionTestResult,
    Look,
    LookerApiError,
    LookerUser,
    LookmlModel,
    LookmlModelExplore,
    Query,
    QueryTask,
    Role,
)
from ml_connector.core.clock import Clock, SystemClock
from ml_connector.errors import (
    ConfigError,
    RateLimitedError,
    RemoteError,
    RemoteRejectedError,
    RemoteUnavailableError,
)
from ml_connector.http.client import HttpClient, HttpResponse, RetryPolicy
from ml_connector.http.ratelimit import SlidingWindowBudget
from ml_connector.secrets.secret import Secret

log = structlog.get_logger("ml_connector.looker")

SYSTEM = "Looker"
API_PREFIX = "/api/4.0"
JSON_FORMATS = frozenset({"json", "json_bi", "json_detail", "json_label", "json_fe", "inline_json"})
BINARY_FORMATS = frozenset({"png", "jpg", "xlsx"})
# CreateQueryTask.result_format enum in the spec.
TASK_FORMATS = frozenset(
    {"inline_json", "json", "json_detail", "json_fe", "json_bi", "csv", "html", "md", "txt", "xlsx"}
    | {"gsxml", "sql", "odc"}
)
# Status values from the official examples and query_task_multi_results docs (reference 1.5).
TASK_FAILED = frozenset({"error", "failure", "expired", "missing"})
DatagroupReset = Literal["stale_before", "triggered_at", "both"]
QueryBody = Query | Mapping[str, Any]
_HINTS = {
    401: "Check the API key with `ml-connector check`.",
    403: "Give the API user a role with the needed permission (Admin > Roles).",
    404: "Check that it exists and that the API user's model set and roles let it see it.",
    409: "It already exists in Looker.",
    422: "Fix the request fields named above.",
    429: "Looker is rate-limiting this instance; run again later or lower the request rate.",
}


class LookerClient:
    """One Looker instance, reached with one API key (client id + secret)."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: Secret,
        *,
        timeout_s: float = 120.0,
        verify: bool = True,
        retry: RetryPolicy | None = None,
        budget: SlidingWindowBudget | None = None,
        transport: Any = None,
        clock: Clock | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """Args:
        base_url: the instance URL, e.g. ``https://acme.cloud.looker.com`` (a trailing ``/api/4.0``
            is accepted and ignored).
        transport: passed to the HTTP client (tests use an in-process fake).
        clock: gives "now" for datagroup resets; sleep/monotonic drive backoff and task polling.
        """
        self.base_url = _instance_root(base_url)
        self._clock = clock or SystemClock()
        self._sleep = sleep
        self._monotonic = monotonic
        self.http = HttpClient(
            system=SYSTEM,
            base_url=self.base_url + API_PREFIX,
            retry=retry,
            budget=budget,
            timeout_s=timeout_s,
            verify=verify,
            headers={"Accept": "application/json"},
            transport=transport,
            sleep=sleep,
        )
        self.auth = LookerAuth(self.http, client_id, client_secret, monotonic=monotonic)
        self.http.auth = self.auth

    # -- session -----------------------------------------------------------------------------------

    def logout(self) -> None:
        """Invalidate the API token on the server (``DELETE /logout``)."""
        self._guard(self.auth.logout, "logging out")

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> LookerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.logout()
        except RemoteError as error:  # the token expires by itself within the hour
            log.warning("looker.logout_failed", error=str(error))
        finally:
            self.close()

    # -- users and permissions ---------------------------------------------------------------------

    def me(self) -> LookerUser:
        """The API user (``GET /user``)."""
        return LookerUser.model_validate(self._get_json("/user", "reading the API user"))

    def user_roles(self, user_id: str) -> list[Role]:
        """Roles of a user, with their permission sets (``GET /users/{user_id}/roles``)."""
        data = self._get_json(f"/users/{_seg(user_id)}/roles", f"reading the roles of user {user_id}")
        return [Role.model_validate(item) for item in data]

    def check_permissions(self, required: Iterable[str]) -> set[str]:
        """Return the permissions in ``required`` that the API user lacks (empty set: all granted).

        Walks ``/user`` -> its roles -> each role's ``permission_set.permissions``; a permission set
        with ``all_access`` grants everything.
        """
        needed = set(required)
        user = self.me()
        granted: set[str] = set()
        for role in self.user_roles(user.id):
            if role.permission_set is None:
                continue
            if role.permission_set.all_access:
                return set()
            granted.update(role.permission_set.permissions)
        return needed - granted

    # -- connections and datagroups ----------------------------------------------------------------

    def connection(self, name: str) -> DBConnection:
        """``GET /connections/{name}``."""
        data = self._get_json(f"/connections/{_seg(name)}", f"reading connection '{name}'")
        return DBConnection.model_validate(data)

    def test_connection(self, name: str, tests: Iterable[str] | None = None) -> list[DBConnectionTestResult]:
        """Run the connection's tests (``PUT /connections/{name}/test``); return every result."""
        params = {"tests": ",".join(tests)} if tests is not None else None
        response = self._call(
            "PUT", f"/connections/{_seg(name)}/test", f"testing connection '{name}'", params=params
        )
        return [DBConnectionTestResult.model_validate(item) for item in response.json()]

    def require_connection_ok(
        self,
        name: str,
        tests: Iterable[str] | None = None,
        *,
        ok_statuses: frozenset[str] = frozenset({"success", "skipped"}),
    ) -> list[DBConnectionTestResult]:
        """Test a connection and raise :class:`RemoteRejectedError` naming each failing test."""
        results = self.test_connection(name, tests)
        failed = [r for r in results if (r.status or "").lower() not in ok_statuses]
        if failed:
            listed = "; ".join(f"test '{r.name}' {r.status}: {r.message or 'no message'}" for r in failed)
            raise RemoteRejectedError(
                f"Looker connection '{name}' failed {len(failed)} of {len(results)} tests: {listed}. "
                "Fix the connection under Admin > Connections in Looker, then run `ml-connector check`.",
                system=SYSTEM,
                request=f"PUT {API_PREFIX}/connections/{_seg(name)}/test",
            )
        return results

    def datagroups(self) -> list[Datagroup]:
        """Every datagroup of every model (``GET /datagroups``)."""
        return [Datagroup.model_validate(d) for d in self._get_json("/datagroups", "listing datagroups")]

    def reset_datagroup(
        self, datagroup: str | tuple[str, str], *, mode: DatagroupReset = "stale_before"
    ) -> Datagroup:
        """Mark a datagroup's cache stale as of now (``PATCH /datagroups/{id}``).

        Args:
            datagroup: its id, or ``(model_name, datagroup_name)`` to look the id up.
            mode: ``stale_before`` invalidates cached results; ``triggered_at`` also marks the datagroup
                triggered (PDT rebuilds, datagroup schedules); ``both`` sets both. Neither may be in
                the future, so "now" is rounded down to whole seconds.
        """
        found = datagroup if isinstance(datagroup, str) else self._find_datagroup(*datagroup).id
        now = int(self._clock.now().timestamp())
        fields = ("stale_before", "triggered_at") if mode == "both" else (mode,)
        response = self._call(
            "PATCH",
            f"/datagroups/{_seg(found)}",
            f"resetting datagroup {datagroup!r}",
            json=dict.fromkeys(fields, now),
            retry_unsafe=True,  # setting the same timestamp twice is harmless
        )
        return Datagroup.model_validate(response.json())

    def _find_datagroup(self, model_name: str, name: str) -> Datagroup:
        groups = self.datagroups()
        for group in groups:
            if group.model_name == model_name and group.name == name:
                return group
        known = ", ".join(sorted(f"{g.model_name}::{g.name}" for g in groups)) or "none"
        raise ConfigError(
            f"Looker has no datagroup '{name}' in model '{model_name}' (known: {known}). Define it in "
            "the model's LookML and deploy it, or fix the datagroup name in the integration config."
        )

    # -- LookML metadata and Looks -------------------------------------------------------------------

    def lookml_models(self) -> list[LookmlModel]:
        """``GET /lookml_models``."""
        return [LookmlModel.model_validate(m) for m in self._get_json("/lookml_models", "listing models")]

    def explore(self, model: str, explore: str) -> LookmlModelExplore:
        """``GET /lookml_models/{model}/explores/{explore}``: fields, joins, connection."""
        path = f"/lookml_models/{_seg(model)}/explores/{_seg(explore)}"
        return LookmlModelExplore.model_validate(self._get_json(path, f"reading explore {model}::{explore}"))

    def look(self, look_id: str) -> Look:
        """``GET /looks/{look_id}`` with its query."""
        return Look.model_validate(self._get_json(f"/looks/{_seg(look_id)}", f"reading Look {look_id}"))

    # -- queries -------------------------------------------------------------------------------------

    def create_query(self, body: QueryBody) -> str:
        """Create (or find: queries are immutable and deduplicated) a query; return its id."""
        response = self._call(
            "POST", "/queries", "creating a query", json=_query_body(body), retry_unsafe=True
        )
        query_id = Query.model_validate(response.json()).id
        if not query_id:
            raise RemoteProtocolError(
                "Looker created a query but returned no id. Check the Looker version (API 4.0 needed).",
                system=SYSTEM,
                status=response.status,
                request=f"POST {API_PREFIX}/queries",
            )
        return query_id

    def run_query(self, query_id: str, fmt: str = "json", limit: int | None = None) -> Any:
        """Run a saved query. JSON formats come back parsed, text as ``str``, images/xlsx as bytes.

        Without ``limit`` Looker applies the query's own limit (5,000 rows at most by default); use
        ``limit=-1`` or :meth:`run_query_async` for more.
        """
        path = f"/queries/{_seg(query_id)}/run/{_seg(fmt)}"
        response = self._call("GET", path, f"running query {query_id}", params=_limit(limit))
        return decode_result(response, fmt)

    def run_inline_query(self, body: QueryBody, fmt: str = "json", limit: int | None = None) -> Any:
        """Create and run a query in one call (``POST /queries/run/{fmt}``)."""
        response = self._call(
            "POST",
            f"/queries/run/{_seg(fmt)}",
            "running an inline query",
            json=_query_body(body),
            params=_limit(limit),
            retry_unsafe=True,  # running a query reads only
        )
        return decode_result(response, fmt)

    def run_look(self, look_id: str, fmt: str = "json", limit: int | None = None) -> Any:
        """Run a Look's query (``GET /looks/{look_id}/run/{fmt}``)."""
        path = f"/looks/{_seg(look_id)}/run/{_seg(fmt)}"
        return decode_result(self._call("GET", path, f"running Look {look_id}", params=_limit(limit)), fmt)

    def create_query_task(self, query_id: str, fmt: str = "json", limit: int | None = None) -> QueryTask:
        """Start an async query task (``POST /query_tasks``)."""
        if fmt not in TASK_FORMATS:
            raise ConfigError(f"Looker query tasks cannot produce '{fmt}'; use one of {sorted(TASK_FORMATS)}.")
        response = self._call(
            "POST",
            "/query_tasks",
            f"starting a query task for query {query_id}",
            json={"query_id": query_id, "result_format": fmt},
            params=_limit(limit),
            retry_unsafe=True,  # a duplicate task only costs a second run
        )
        return QueryTask.model_validate(response.json())

    def query_task(self, task_id: str) -> QueryTask:
        """``GET /query_tasks/{task_id}``: poll its status."""
        return QueryTask.model_validate(self._get_json(f"/query_tasks/{_seg(task_id)}", f"query task {task_id}"))

    def run_query_async(
        self,
        query_id: str,
        fmt: str = "json",
        *,
        limit: int | None = -1,
        poll_interval_s: float = 2.0,
        timeout_s: float = 600.0,
        sleep: Callable[[float], None] | None = None,
    ) -> Any:
        """Run a query as an async task and wait for its results (for results past 5,000 rows).

        Polls ``GET /query_tasks/{id}/results`` (202 = not finished) and, while unfinished, the task's
        status so a failed task stops the wait at once.
        """
        pause = sleep or self._sleep
        task = self.create_query_task(query_id, fmt, limit)
        deadline = self._monotonic() + timeout_s
        what = f"query task {task.id} (query {query_id})"
        while True:
            response = self._call(
                "GET", f"/query_tasks/{_seg(task.id)}/results", f"reading results of {what}", ok={200, 202}
            )
            if response.status == 200:
                return task_results(response, fmt, what)
            status = self.query_task(task.id).status or "unknown"
            if status.lower() in TASK_FAILED:
                raise RemoteRejectedError(
                    f"Looker {what} ended with status '{status}'. Run the query in Looker to see the "
                    "database error, fix the query or its LookML, then run again.",
                    system=SYSTEM,
                    request=f"GET {API_PREFIX}/query_tasks/{task.id}",
                )
            if self._monotonic() + poll_interval_s > deadline:
                raise RemoteUnavailableError(
                    f"Looker {what} did not finish within {timeout_s:g} s (last status '{status}'). "
                    "Raise the timeout or narrow the query; the run can be retried safely.",
                    system=SYSTEM,
                    request=f"GET {API_PREFIX}/query_tasks/{task.id}/results",
                )
            pause(poll_interval_s)

    # -- plumbing ------------------------------------------------------------------------------------

    def _get_json(self, path: str, what: str) -> Any:
        return self._call("GET", path, what).json()

    def _call(self, method: str, path: str, what: str, **kwargs: Any) -> HttpResponse:
        return self._guard(lambda: self.http.request(method, path, **kwargs), what)

    def _guard(self, call: Callable[[], _T], what: str) -> _T:
        try:
            return call()
        except LookerLoginError:
            raise  # already says which key was refused and what to do
        except RemoteError as exc:
            raise with_looker_message(exc, what) from exc


def _query_body(body: QueryBody) -> dict[str, Any]:
    return body.write_body() if isinstance(body, Query) else dict(body)


def _limit(limit: int | None) -> dict[str, int] | None:
    return None if limit is None else {"limit": limit}


def _seg(value: str) -> str:
    """One URL path segment, percent-encoded (connection and model names may hold spaces or slashes)."""
    return quote(str(value), safe="")


def _instance_root(base_url: str) -> str:
    root = base_url.strip().rstrip("/")
    for suffix in (API_PREFIX, "/api"):
        if root.endswith(suffix):
            root = root[: -len(suffix)]
    return root
