"""LookerClient: the Looker API 4.0 calls ml-connector makes (user and permission checks, connection
tests, datagroup resets, LookML metadata, queries, Looks and async query tasks).

Protocol facts: docs/PROTOCOLS.md (Looker); shapes: tests/data/specs/looker.4.0.oas.json.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any, Literal, TypeVar

import structlog

from ml_connector.connectors.looker.auth import LookerAuth, LookerLoginError
from ml_connector.connectors.looker.models import (
    Datagroup,
    DBConnection,
    DBConnectionTestResult,
    LookerUser,
    LookmlModel,
    LookmlModelExplore,
    Role,
)
from ml_connector.connectors.looker.queries import API_PREFIX, SYSTEM, LookerQueries, segment
from ml_connector.connectors.looker.responses import with_looker_message
from ml_connector.core.clock import Clock, SystemClock
from ml_connector.errors import (
    ConfigError,
    RemoteError,
    RemoteRejectedError,
)
from ml_connector.http.client import HttpClient, HttpResponse, RetryPolicy
from ml_connector.http.ratelimit import SlidingWindowBudget
from ml_connector.secrets.secret import Secret

log = structlog.get_logger("ml_connector.looker")

DatagroupReset = Literal["stale_before", "triggered_at", "both"]
_T = TypeVar("_T")


class LookerClient(LookerQueries):
    """One Looker instance, reached with one API key (client id + secret).

    Args:
        base_url: the instance URL, e.g. ``https://acme.cloud.looker.com`` (a trailing ``/api/4.0``
            is accepted and ignored).
        client_id: the API key's client id; client_secret: its secret.
        timeout_s, verify, retry, budget: HTTP options (see :class:`~ml_connector.http.client.HttpClient`).
        transport: passed to the HTTP client (tests use an in-process fake).
        clock: gives "now" for datagroup resets; sleep/monotonic drive backoff, token expiry and
            task polling.
    """

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
        data = self._get_json(f"/users/{segment(user_id)}/roles", f"reading the roles of user {user_id}")
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
        data = self._get_json(f"/connections/{segment(name)}", f"reading connection '{name}'")
        return DBConnection.model_validate(data)

    def test_connection(self, name: str, tests: Iterable[str] | None = None) -> list[DBConnectionTestResult]:
        """Run the connection's tests (``PUT /connections/{name}/test``); return every result."""
        params = {"tests": ",".join(tests)} if tests is not None else None
        response = self._call(
            "PUT", f"/connections/{segment(name)}/test", f"testing connection '{name}'", params=params
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
                request=f"PUT {API_PREFIX}/connections/{segment(name)}/test",
            )
        return results

    def datagroups(self) -> list[Datagroup]:
        """Every datagroup of every model (``GET /datagroups``)."""
        return [Datagroup.model_validate(d) for d in self._get_json("/datagroups", "listing datagroups")]

    def reset_datagroup(self, datagroup: str | tuple[str, str], *, mode: DatagroupReset = "stale_before") -> Datagroup:
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
            f"/datagroups/{segment(found)}",
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
        path = f"/lookml_models/{segment(model)}/explores/{segment(explore)}"
        return LookmlModelExplore.model_validate(self._get_json(path, f"reading explore {model}::{explore}"))

    # -- plumbing ------------------------------------------------------------------------------------

    def _call(self, method: str, path: str, what: str, **kwargs: Any) -> HttpResponse:
        return self._guard(lambda: self.http.request(method, path, **kwargs), what)

    def _guard(self, call: Callable[[], _T], what: str) -> _T:
        try:
            return call()
        except LookerLoginError:
            raise  # already says which key was refused and what to do
        except RemoteError as exc:
            raise with_looker_message(exc, what) from exc


def _instance_root(base_url: str) -> str:
    root = base_url.strip().rstrip("/")
    for suffix in (API_PREFIX, "/api"):
        if root.endswith(suffix):
            root = root[: -len(suffix)]
    return root
