"""Scheduled plans: list, create, get, run_once (rate limited, 10/s by default) and run an existing
plan once; deliveries go out through ``webhooks.py``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from ml_connector.emulators.looker.auth import require_user, state_of
from ml_connector.emulators.looker.errors import LookerApiError, not_found, validation_error
from ml_connector.emulators.looker.routes_queries import json_body, json_response
from ml_connector.emulators.looker.shapes import API_USER_ID, iso
from ml_connector.emulators.looker.state import EmulatorState
from ml_connector.emulators.looker.webhooks import deliver_plan

router = APIRouter(prefix="/api/4.0", dependencies=[Depends(require_user)])

PLAN_DEFAULTS: dict[str, Any] = {
    "name": None, "user_id": API_USER_ID, "run_as_recipient": False, "enabled": True, "look_id": None,
    "dashboard_id": None, "lookml_dashboard_id": None, "filters_string": None, "dashboard_filters": None,
    "require_results": False, "require_no_results": False, "require_change": False, "send_all_results": False,
    "crontab": None, "datagroup": None, "timezone": None, "run_once": False, "include_links": False,
    "include_dashboard_summary": False, "custom_url_base": None, "custom_url_params": None,
    "custom_url_label": None, "show_custom_url": False, "pdf_paper_size": None, "pdf_landscape": False,
    "embed": False, "color_theme": None, "long_tables": False, "pdf_page_breaks": False, "tab_ids": None,
    "inline_table_width": None, "query_id": None,
}  # fmt: skip
DESTINATION_KEYS = ("format", "apply_formatting", "apply_vis", "address", "type", "parameters", "message")


def _plan(state: EmulatorState, body: Any, *, run_once: bool) -> dict[str, Any]:
    """Validate a ScheduledPlan body (422 naming the field) and store it."""
    if not isinstance(body, dict):
        raise LookerApiError(400, "The request body must be a JSON object (a ScheduledPlan).")
    targets = [k for k in ("look_id", "dashboard_id", "lookml_dashboard_id", "query_id") if body.get(k)]
    if len(targets) != 1:
        raise validation_error("look_id", "invalid", "Give exactly one of look_id, dashboard_id, "
                               "lookml_dashboard_id or query_id.")  # fmt: skip
    if targets[0] in ("dashboard_id", "lookml_dashboard_id"):
        raise validation_error(targets[0], "invalid", "Dashboards are not served by the Looker emulator.")
    destinations = body.get("scheduled_plan_destination")
    if not isinstance(destinations, list) or not destinations:
        raise validation_error("scheduled_plan_destination", "missing", "At least one destination is required.")
    if not run_once:
        if not body.get("name"):
            raise validation_error("name", "missing", "This field is required.")
        if not body.get("crontab") and not body.get("datagroup"):
            raise validation_error("crontab", "missing", "Give a crontab or a datagroup.")
        if body.get("look_id"):
            for key in ("require_results", "require_no_results", "require_change"):
                if key not in body or body[key] is None:
                    raise validation_error(key, "missing", "Required when look_id is set.")
    if body.get("look_id"):
        look = state.looks.get(str(body["look_id"]))
        if look is None:
            raise validation_error("look_id", "invalid", f"Look {body['look_id']} does not exist.")
        query_id, title = look["query_id"], look["title"]
    else:
        query_id = str(body["query_id"])
        if query_id not in state.queries:
            raise validation_error("query_id", "invalid", f"Query {query_id} does not exist.")
        title = body.get("name") or f"Query {query_id}"
    plan_id = state.next_id("scheduled_plan")
    now = iso(state.clock())
    plan = {**PLAN_DEFAULTS, **{k: body[k] for k in PLAN_DEFAULTS if k in body}}
    plan.update(
        id=plan_id,
        query_id=query_id,
        look_id=str(body["look_id"]) if body.get("look_id") else None,
        run_once=run_once or bool(body.get("run_once")),
        created_at=now,
        updated_at=now,
        title=title,
        user={
            "can": {},
            "id": API_USER_ID,
            "first_name": "ML Connector",
            "last_name": "API",
            "display_name": "ML Connector API",
            "avatar_url": "https://gravatar.lookercdn.com/avatar/0",
            "url": f"{state.options.instance_url}/api/4.0/users/{API_USER_ID}",
        },
        next_run_at=None,
        last_run_at=now if run_once else None,
        can={"show": True, "update": True, "destroy": True, "run_once": True},
        scheduled_plan_destination=[
            {
                "id": state.next_id("destination"),
                "scheduled_plan_id": plan_id,
                **{k: (d.get(k) if isinstance(d, dict) else None) for k in DESTINATION_KEYS},
                "apply_formatting": bool(d.get("apply_formatting")) if isinstance(d, dict) else False,
                "apply_vis": bool(d.get("apply_vis")) if isinstance(d, dict) else False,
                "looker_recipient": False,
                "secret_parameters": None,  # write-only
            }
            for d in destinations
        ],
    )
    state.scheduled_plans[plan_id] = plan
    return plan


def _rate_limit(state: EmulatorState) -> None:
    """scheduled_plan_run_once is limited to N calls per second (looker-pipedrive.md §1.7)."""
    now = state.clock()
    with state.lock:
        calls = state.run_once_calls
        while calls and calls[0] <= now - 1.0:
            calls.popleft()
        if len(calls) >= state.options.run_once_rate_per_s:
            raise LookerApiError(429, "Too Many Requests", headers={"Retry-After": "1"})
        calls.append(now)


@router.get("/scheduled_plans")
async def all_scheduled_plans(
    request: Request, user_id: str | None = None, fields: str | None = None, all_users: bool = False
) -> Response:
    state = state_of(request)
    owner = None if all_users else (user_id or API_USER_ID)
    plans = [p for p in state.scheduled_plans.values() if not p["run_once"] and owner in (None, p["user_id"])]
    return json_response(plans, fields)


@router.post("/scheduled_plans")
async def create_scheduled_plan(request: Request) -> Response:
    state = state_of(request)
    return json_response(_plan(state, await json_body(request), run_once=False))


@router.post("/scheduled_plans/run_once")
async def scheduled_plan_run_once(request: Request) -> Response:
    state = state_of(request)
    _rate_limit(state)
    plan = _plan(state, await json_body(request), run_once=True)
    deliver_plan(state, plan)
    return json_response(plan)


@router.get("/scheduled_plans/{scheduled_plan_id}")
async def scheduled_plan(request: Request, scheduled_plan_id: str, fields: str | None = None) -> Response:
    plan = state_of(request).scheduled_plans.get(scheduled_plan_id)
    if plan is None:
        raise not_found()
    return json_response(plan, fields)


@router.post("/scheduled_plans/{scheduled_plan_id}/run_once")
async def scheduled_plan_run_once_by_id(request: Request, scheduled_plan_id: str) -> Response:
    state = state_of(request)
    _rate_limit(state)
    plan = state.scheduled_plans.get(scheduled_plan_id)
    if plan is None:
        raise not_found()
    plan["last_run_at"] = iso(state.clock())
    deliver_plan(state, plan)
    return json_response(plan)
