"""The query half of LookerClient: Looks, saved and inline queries, and async query tasks.

Mixed into :class:`~ml_connector.connectors.looker.client.LookerClient`, which supplies the calls.
Row limits and task states: docs/PROTOCOLS.md (Looker).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from ml_connector.connectors.looker.models import Look, Query, QueryTask
from ml_connector.connectors.looker.responses import decode_result, task_results
from ml_connector.errors import ConfigError, RemoteProtocolError, RemoteRejectedError, RemoteUnavailableError
from ml_connector.http.client import HttpResponse

SYSTEM = "Looker"
API_PREFIX = "/api/4.0"
# CreateQueryTask.result_format enum in the spec.
TASK_FORMATS = frozenset(
    {"inline_json", "json", "json_detail", "json_fe", "json_bi", "csv", "html", "md", "txt", "xlsx"}
    | {"gsxml", "sql", "odc"}
)
# Status values from the official examples and query_task_multi_results docs (looker-pipedrive.md §1.5).
TASK_FAILED = frozenset({"error", "failure", "expired", "missing"})
QueryBody = Query | Mapping[str, Any]


class LookerQueries:
    """Query, Look and query-task calls; the host class provides ``_call`` and the injected clocks."""

    _sleep: Callable[[float], None]
    _monotonic: Callable[[], float]

    def _call(self, method: str, path: str, what: str, **kwargs: Any) -> HttpResponse:
        raise NotImplementedError  # provided by LookerClient

    def _get_json(self, path: str, what: str) -> Any:
        return self._call("GET", path, what).json()

    def look(self, look_id: str) -> Look:
        """``GET /looks/{look_id}`` with its query."""
        return Look.model_validate(self._get_json(f"/looks/{segment(look_id)}", f"reading Look {look_id}"))

    # -- queries -------------------------------------------------------------------------------------

    def create_query(self, body: QueryBody) -> str:
        """Create (or find: queries are immutable and deduplicated) a query; return its id."""
        response = self._call("POST", "/queries", "creating a query", json=_query_body(body), retry_unsafe=True)
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
        path = f"/queries/{segment(query_id)}/run/{segment(fmt)}"
        response = self._call("GET", path, f"running query {query_id}", params=_limit(limit))
        return decode_result(response, fmt)

    def run_inline_query(self, body: QueryBody, fmt: str = "json", limit: int | None = None) -> Any:
        """Create and run a query in one call (``POST /queries/run/{fmt}``)."""
        response = self._call(
            "POST",
            f"/queries/run/{segment(fmt)}",
            "running an inline query",
            json=_query_body(body),
            params=_limit(limit),
            retry_unsafe=True,  # running a query reads only
        )
        return decode_result(response, fmt)

    def run_look(self, look_id: str, fmt: str = "json", limit: int | None = None) -> Any:
        """Run a Look's query (``GET /looks/{look_id}/run/{fmt}``)."""
        path = f"/looks/{segment(look_id)}/run/{segment(fmt)}"
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
        return QueryTask.model_validate(self._get_json(f"/query_tasks/{segment(task_id)}", f"query task {task_id}"))

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
                "GET", f"/query_tasks/{segment(task.id)}/results", f"reading results of {what}", ok={200, 202}
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


def _query_body(body: QueryBody) -> dict[str, Any]:
    return body.write_body() if isinstance(body, Query) else dict(body)


def _limit(limit: int | None) -> dict[str, int] | None:
    return None if limit is None else {"limit": limit}


def segment(value: str) -> str:
    """One URL path segment, percent-encoded (connection and model names may hold spaces or slashes)."""
    return quote(str(value), safe="")
