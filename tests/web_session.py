"""Test helper: a TestClient signed in to the web console as a user of a given role.

The client talks to ``http://localhost`` (an allowed Host), sends ``Origin: http://localhost`` and the
session's CSRF token as ``X-CSRF-Token`` on every request, as the console's own pages do in a browser.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

from ml_connector.auth.accounts import add_user
from ml_connector.auth.passwords import set_hash_cost
from ml_connector.bootstrap import App

with warnings.catch_warnings():  # starlette's TestClient warns about httpx on import
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

# Cheap Argon2 for the many sign-ins of these tests; throttling and locking do not depend on the cost.
set_hash_cost(time_cost=1, memory_cost=1024)

BASE = "http://localhost"
PASSWORD = "correct horse battery staple"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def ensure_user(app: App, name: str, role: str) -> None:
    if app.store.users.get(name) is None:
        add_user(app.store, name, role, app.clock.now(), PASSWORD)


def sign_in(client: TestClient, name: str, password: str = PASSWORD, *, origin: str = BASE) -> Any:
    """Post the sign-in form the way the page does (its CSRF cookie and field); return the response."""
    form = client.get("/signin")
    token = CSRF_FIELD.search(form.text)
    assert token, form.text
    return client.post(
        "/signin",
        data={"username": name, "password": password, "csrf_token": token.group(1), "next": "/"},
        headers={"origin": origin},
        follow_redirects=False,
    )


def signed_in(web: Any, app: App, name: str = "admin", role: str = "admin", **options: Any) -> TestClient:
    """A client of ``web`` signed in as ``name`` (created with ``role`` when missing)."""
    ensure_user(app, name, role)
    client = TestClient(web, base_url=BASE, **options)
    answer = sign_in(client, name)
    assert answer.status_code == 303, answer.text
    page = client.get("/account/password" if "password" in answer.headers["location"] else "/")
    token = CSRF_FIELD.search(page.text)
    assert token, page.text
    client.headers.update({"origin": BASE, "x-csrf-token": token.group(1)})
    return client
