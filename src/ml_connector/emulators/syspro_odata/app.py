"""FastAPI app of the SYSPRO OData v4 emulator: Basic auth, company-scoped entity sets, $metadata.

Read-only OData under ``{base_path}/{CompanyId}/`` or ``{base_path}/SysproCompany{CompanyId}/``;
the unauthenticated test/demo control API under ``/__emulator/`` (see README.md).
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from ml_connector.emulators.faults import FaultMiddleware, FaultPlan

from .control import add_control_routes
from .database import DEFAULT_AS_OF
from .errors import EmulatorError, NotFound
from .metadata import csdl
from .paths import company_matches, parse_key, parse_resource
from .query import QueryOptions, parse_options
from .responses import context_url, error_response, json_response, next_link_url, page_body
from .state import EmulatorState
from .tables import ALL_TABLES

DEMO_PASSWORD = "OData-Demo-2026"  # noqa: S105 - fixed demo credential of a local emulator
REALM = 'Basic realm="SYSPRO OData"'
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]


def create_app(
    seed: int = 0,
    faults: FaultPlan | None = None,
    *,
    company: str = "A",
    operator: str = "ADMIN",
    password: str = DEMO_PASSWORD,
    page_cap: int = 5000,
    scale: dict[str, int] | None = None,
    base_path: str = "/SYSPRO8OData/SYSPROOData",
    as_of: date = DEFAULT_AS_OF,
    date_type: str = "DateTimeOffset",
    next_links: bool = True,
    case_insensitive_filters: bool = False,
    timestamp_filters: bool = False,
    clock: Callable[[], datetime] | None = None,
) -> FastAPI:
    """Build the emulator. Options other than seed/faults are [I] behaviours; see README.md."""
    plan = faults if faults is not None else FaultPlan()
    state = EmulatorState(
        seed,
        company=company,
        scale=scale,
        as_of=as_of,
        date_type=date_type,
        page_cap=page_cap,
        next_links=next_links,
        case_insensitive_filters=case_insensitive_filters,
        timestamp_filters=timestamp_filters,
        clock=clock,
    )
    base_path = "/" + base_path.strip("/")
    app = FastAPI(title="SYSPRO OData emulator", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.emulator = state
    app.state.credentials = {"operator": operator, "password": password, "company": company}
    app.state.faults = plan
    app.state.base_path = base_path
    metadata_xml = csdl(ALL_TABLES, company, date_type)

    def authorised(request: Request) -> bool:
        if plan.fire(request.method, request.url.path, {"auth_failure"}) is not None:
            return False
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, given = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return user.upper() == operator.upper() and secrets.compare_digest(given.encode(), password.encode())

    def serve(request: Request, segment: str, resource_path: str) -> Response:
        if not authorised(request):
            return error_response(
                401, "Unauthorized", "Authorization has been denied for this request.", {"WWW-Authenticate": REALM}
            )
        try:
            if not company_matches(segment, company):
                raise NotFound(f"Company '{segment}' is not available through this OData service.")
            if request.method not in ("GET", "HEAD"):
                return error_response(
                    405, "MethodNotAllowed", "The SYSPRO OData service is read-only.", {"Allow": "GET"}
                )
            root = f"{base_path}/{segment}"
            if resource_path in ("", "/"):
                return service_document(request, root)
            if resource_path == "$metadata":
                return Response(metadata_xml, media_type="application/xml", headers={"OData-Version": "4.0"})
            return entity_set(request, root, resource_path)
        except EmulatorError as error:
            return error_response(error.status, error.code, error.message)

    def service_document(request: Request, root: str) -> Response:
        sets = [{"name": t.name, "kind": "EntitySet", "url": t.name} for t in ALL_TABLES]
        return json_response({"@odata.context": context_url(request, root, "").rstrip("#"), "value": sets})

    def entity_set(request: Request, root: str, resource_path: str) -> Response:
        resource = parse_resource(resource_path)
        table = state.table(resource.entity_set)
        if resource.key_text is not None:
            key = parse_key(table, resource.key_text)
            row = state.get(table.name, **key)
            if row is None:
                raise NotFound(f"No {table.name} entity with key ({resource.key_text}).")
            return json_response({"@odata.context": context_url(request, root, f"{table.name}/$entity"), **row})
        options = parse_options(table, request.query_params.multi_items())
        if resource.count:
            page = state.query(table.name, QueryOptions(filter_text=options.filter_text, top=0))
            return Response(str(page.total), media_type="text/plain", headers={"OData-Version": "4.0"})
        page = state.query(table.name, options)
        fragment = table.name + (f"({','.join(options.select)})" if options.select else "")
        link = None if page.next_skip is None else next_link_url(request, page.next_skip, page.next_top)
        body = page_body(table, page, options.select, context_url(request, root, fragment), options.count, link)
        return json_response(body)

    @app.api_route(base_path + "/{segment}", methods=METHODS)
    def company_root(request: Request, segment: str) -> Response:
        return serve(request, segment, "")

    @app.api_route(base_path + "/{segment}/{resource_path:path}", methods=METHODS)
    def odata(request: Request, segment: str, resource_path: str) -> Response:
        return serve(request, segment, resource_path)

    add_control_routes(app, state, plan)
    app.add_middleware(FaultMiddleware, plan=plan)
    return app


def credentials_header(app: Any) -> dict[str, str]:
    """Authorization header for the credentials an app accepts (handy in tests and demos)."""
    creds = app.state.credentials
    token = base64.b64encode(f"{creds['operator']}:{creds['password']}".encode()).decode()
    return {"Authorization": f"Basic {token}"}
