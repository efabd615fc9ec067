"""SYSPRO e.net Solutions REST emulator: ``GET /SYSPROWCFService/Rest/<Method>?...`` with every answer
HTTP 200 ``application/octet-stream`` (session ids, ``ERROR:`` texts, Windows-1252 XML), paths and
parameter names case-insensitive. Facts: docs/PROTOCOLS.md (SYSPRO e.net).

Fault kinds besides the generic ones: ``session_expiry`` (the caller's session dies on that call) and
``error_text`` (answer ``rule.body`` or a recorded ``ERROR:`` text). They match the request path
followed by ``?BusinessObject=<BO>``, e.g. ``path="Transaction/Post\\?BusinessObject=GENTJL"``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl
from xml.etree.ElementTree import Element

from fastapi import FastAPI, Request
from starlette.responses import Response

from ml_connector.emulators.faults import FaultMiddleware, FaultPlan
from ml_connector.emulators.syspro_enet import customers, journals, queries, sales_order_actions, suppliers
from ml_connector.emulators.syspro_enet.seed import seed_company
from ml_connector.emulators.syspro_enet.sessions import Clock
from ml_connector.emulators.syspro_enet.state import EnetOptions, EnetState
from ml_connector.emulators.syspro_enet.xmlio import XmlInError, read, serialize, sub
from ml_connector.emulators.syspro_odata.state import EmulatorState

BASE_PATH = "/sysprowcfservice/rest/"
EXPIRED = (
    "ERROR: The supplied UserID is invalid. Either you were not logged in; or your session has expired. "
    "You will need to logon again."
)
BAD_PASSWORD = "ERROR: Invalid operator password"  # noqa: S105 - the recorded error text
UNKNOWN_LOGOFF = "ERROR: Unable to read the SYSPRO base directory registry string BaseDir8"
HEADERS = {"Server": "Microsoft-HTTPAPI/2.0"}
IMPLIED_BO = {"query/fetch": "COMFCH", "query/browse": "COMBRW"}
SESSIONLESS = {"logon", "logoff", "getversion"}

Handler = Callable[[EnetState, dict[str, str], str, Element | None, Element], Element]
POSTS: dict[tuple[str, str], Handler] = {
    ("transaction/post", "SORTOI"): lambda s, p, op, xp, xi: sales_order_actions.sortoi(s, _params(xp), xi, op),
    ("transaction/post", "GENTJL"): lambda s, p, op, xp, xi: journals.gentjl(s, _params(xp), xi, op),
    ("setup/add", "ARSSCS"): lambda s, p, op, xp, xi: customers.arsscs(s, "add", _params(xp), xi),
    ("setup/update", "ARSSCS"): lambda s, p, op, xp, xi: customers.arsscs(s, "update", _params(xp), xi),
    ("setup/delete", "ARSSCS"): lambda s, p, op, xp, xi: customers.arsscs(s, "delete", _params(xp), xi),
    ("setup/add", "APSSSP"): lambda s, p, op, xp, xi: suppliers.apsssp(s, "add", _params(xp), xi),
    ("setup/update", "APSSSP"): lambda s, p, op, xp, xi: suppliers.apsssp(s, "update", _params(xp), xi),
    ("query/query", "COMFND"): lambda s, p, op, xp, xi: queries.comfnd(s, xi),
    ("query/fetch", "COMFCH"): lambda s, p, op, xp, xi: queries.comfch(s, xi),
    ("query/browse", "COMBRW"): lambda s, p, op, xp, xi: queries.combrw(s, xi),
}
NEEDS_PARAMETERS = {"transaction/post", "transaction/build", "setup/add", "setup/update", "setup/delete"}


def _params(xml_parameters: Element | None) -> Element:
    return xml_parameters if xml_parameters is not None else Element("Parameters")


def create_app(
    seed: int = 0,
    faults: FaultPlan | None = None,
    *,
    operator: str = "ADMIN",
    password: str = "enet-pass",  # noqa: S107 - the emulator's own test credential
    company_id: str = "L",
    company_password: str = "",
    session_ttl_s: float = 1200.0,
    clock: Clock | None = None,
    database: EmulatorState | None = None,
    **options: Any,
) -> FastAPI:
    """Build the emulator. ``options`` are :class:`EnetOptions` fields (overlong, sortoi_success, ...).

    ``database``: the OData emulator's state (``odata_app.state.emulator``) to share customers, sales
    orders and stock with (one SYSPRO company behind both faces; see shared.py). Without it the e.net
    emulator keeps its own small company."""
    settings = EnetOptions(session_ttl_s=session_ttl_s, **options)
    state = EnetState(seed=seed, clock=clock, options=settings, database=database)
    seed_company(state)
    plan = faults or FaultPlan()
    app = FastAPI(title="SYSPRO e.net emulator", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.emulator = state
    app.state.faults = plan
    app.state.credentials = {
        "operator": operator,
        "operator_password": password,
        "company_id": company_id,
        "company_password": company_password,
    }
    app.add_middleware(FaultMiddleware, plan=plan)

    @app.api_route("/{path:path}", methods=["GET", "POST"])
    async def enet(request: Request) -> Response:
        pairs = parse_qsl(
            request.scope["query_string"].decode("latin-1"),
            keep_blank_values=True,
            encoding=settings.query_encoding,
            errors="replace",
        )
        if request.method == "POST":
            if not settings.accept_post:
                return Response("Method not allowed.", status_code=405, headers=HEADERS)
            body = (await request.body()).decode("latin-1")
            pairs += parse_qsl(body, keep_blank_values=True, encoding=settings.query_encoding)
        params: dict[str, str] = {}
        for name, value in pairs:
            params.setdefault(name.lower(), value)
        with state.lock:
            answer = _answer(app, request.method, request.url.path, params)
        if isinstance(answer, Response):
            return answer
        content = answer.encode("cp1252", errors="replace") if isinstance(answer, str) else serialize(answer)
        return Response(content, media_type="application/octet-stream", headers=HEADERS)

    return app


def _answer(app: FastAPI, http_method: str, path: str, params: dict[str, str]) -> str | Element | Response:
    state: EnetState = app.state.emulator
    plan: FaultPlan = app.state.faults
    lowered = path.lower()
    if not lowered.startswith(BASE_PATH):
        return _not_found()
    method = lowered[len(BASE_PATH) :].strip("/")
    bo = (params.get("businessobject") or IMPLIED_BO.get(method, "")).strip().upper()
    label = bo or {"logon": "Logon", "logoff": "Logoff"}.get(method, method)
    state.calls[label] += 1
    where = f"{path}?BusinessObject={bo}"
    rule = plan.fire(http_method, where, {"error_text"})
    if rule is not None:
        return str(rule.body) if rule.body is not None else UNKNOWN_LOGOFF
    if method == "logon":
        return _logon(app, params)
    if method == "logoff":
        return "0" if state.sessions.logoff(params.get("userid", "")) else UNKNOWN_LOGOFF
    if method == "getversion":
        return state.options.version
    known = method in NEEDS_PARAMETERS or method in {"getlogonprofile", "query/query", "query/fetch", "query/browse"}
    if not known:
        return _not_found()
    if plan.fire(http_method, where, {"session_expiry"}) is not None:
        state.sessions.expire(params.get("userid", ""))
        return EXPIRED
    session = state.sessions.touch(params.get("userid", ""))
    if session is None:
        return EXPIRED
    if method == "getlogonprofile":
        return _profile(app, session.operator)
    handler = POSTS.get((method, bo))
    if handler is None:
        return state.options.unknown_bo_error
    try:
        xml_in = read(params.get("xmlin", ""))
        xml_parameters = read(params["xmlparameters"]) if params.get("xmlparameters", "").strip() else None
    except XmlInError as exc:
        return f"ERROR: The XML document could not be loaded: {exc}"
    if method in NEEDS_PARAMETERS and "xmlparameters" not in params:
        return "ERROR: XmlParameters is missing"
    return handler(state, params, session.operator, xml_parameters, xml_in)


def _logon(app: FastAPI, params: dict[str, str]) -> str | Response:
    expected: dict[str, str] = app.state.credentials
    names = ("operator", "operatorpassword", "companyid", "companypassword")
    if any(name not in params for name in names):
        # [I] WCF rejects a call whose query lacks a parameter with an HTML fault page.
        return Response(
            "<html><body>Request Error</body></html>", status_code=400, media_type="text/html", headers=HEADERS
        )
    if params["companyid"].strip().lower() != expected["company_id"].lower():
        return "ERROR: Invalid company"
    if params["companypassword"] != expected["company_password"]:
        return "ERROR: Invalid company password"
    if (
        params["operator"].strip().lower() != expected["operator"].lower()
        or params["operatorpassword"] != expected["operator_password"]
    ):
        return BAD_PASSWORD
    state: EnetState = app.state.emulator
    return state.sessions.logon(expected["operator"])


def _profile(app: FastAPI, operator: str) -> Element:
    state: EnetState = app.state.emulator
    root = Element("UserInfo")
    profile = {
        "CompanyName": "Emulated Manufacturing Co",
        "OperatorCode": operator,
        "OperatorGroup": "ADMIN",
        "CompanyDate": state.today().isoformat(),
        "DefaultArBranch": "01",
        "DefaultWarehouse": state.options.default_warehouse,
        "LocalCurrencyCode": "USD",
        "SysproVersion": state.options.version,
        "EnetVersion": state.options.version,
    }
    for tag, value in profile.items():
        sub(root, tag, value)
    return root


def _not_found() -> Response:
    return Response("Endpoint not found.", status_code=404, media_type="text/html", headers=HEADERS)
