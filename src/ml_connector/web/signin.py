"""Sign-in, sign-out and changing one's password (a one-time password must be changed at first sign-in).

Every sign-in, failed sign-in and sign-out is written to the action log with the user and address.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ml_connector.auth.passwords import hash_password, new_csrf_token, verify_password, weak_password
from ml_connector.auth.signin import check_password
from ml_connector.web.cookies import SIGNIN_COOKIE, is_https, read_cookie, set_cookie
from ml_connector.web.principal import CURRENT, client_address, requires
from ml_connector.web.sessions import end_session, start_session
from ml_connector.web.state import Web, WebState

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Only a path on this server: never ``//elsewhere`` or ``https://elsewhere`` (open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


def _form(
    web: WebState, request: Request, next_: str, *, message: str = "", username: str = "", status: int = 200
) -> Response:
    token = read_cookie(request.headers, SIGNIN_COOKIE) or new_csrf_token()
    page = web.page(
        "signin.html",
        "",
        status_code=status,
        message=message,
        next=safe_next(next_),
        username=username,
        signin_csrf=token,
        oidc=web.oidc is not None,
    )
    set_cookie(page, SIGNIN_COOKIE, token, secure=is_https(request.scope, web.config.secure_cookies), path="/signin")
    return page


@router.get("/signin", response_class=HTMLResponse)
def signin_page(web: Web, request: Request, next: str = "/") -> Response:
    if CURRENT.get() is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _form(web, request, next)


@router.post("/signin")
def signin(
    web: Web,
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    address, now = client_address(request.scope), web.app.clock.now()
    result = check_password(web.app.store, username, password, address, now)
    actions = web.app.store.actions
    if not result.ok:
        actions.record(username, "sign_in_failed", now, outcome="refused", address=address, detail=result.message)
        page = _form(web, request, next, message=result.message, username=username, status=result.status)
        if result.retry_after:
            page.headers["retry-after"] = str(result.retry_after)
        return page
    actions.record(username, "sign_in", now, address=address)
    user = result.user or {}
    response = RedirectResponse("/account/password" if user.get("must_change") else safe_next(next), status_code=303)
    start_session(web, username, request.scope, response)
    return response


@router.post("/signout")
@requires("viewer")
def signout(web: Web, request: Request) -> Response:
    me = CURRENT.get()
    response = RedirectResponse("/signin", status_code=303)
    end_session(web, request.headers, request.scope, response)
    if me is not None:
        web.app.store.actions.record(me.name, "sign_out", web.app.clock.now(), address=client_address(request.scope))
    return response


@router.get("/account/password", response_class=HTMLResponse)
@requires("viewer")
def password_page(web: Web) -> HTMLResponse:
    return web.page("password.html", "")


@router.post("/account/password")
@requires("viewer")
def change_password(
    web: Web, request: Request, current: Annotated[str, Form()], new: Annotated[str, Form()]
) -> Response:
    me = CURRENT.get()
    assert me is not None  # the guard let only a signed-in user through
    user = web.app.store.users.get(me.name)
    now = web.app.clock.now()
    if user is None or user["password_hash"] is None:
        return web.page("password.html", "", 400, message="This account signs in through single sign-on.")
    if not verify_password(user["password_hash"], current):
        return web.page("password.html", "", 400, message="The current password is wrong.")
    problem = weak_password(new) or ("Choose a password different from the current one." if new == current else None)
    if problem:
        return web.page("password.html", "", 400, message=problem)
    web.app.store.users.set_password(me.name, hash_password(new), now, must_change=False)  # ends every session
    web.app.store.actions.record(me.name, "password_changed", now, address=client_address(request.scope))
    response = RedirectResponse("/", status_code=303)
    start_session(web, me.name, request.scope, response)
    return response
