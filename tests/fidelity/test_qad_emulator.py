"""The QAD emulator against the protocol facts ([F] items of the reference, copied to
tests/data/qad_reference.json): raw HTTP only, no ml-connector client, so a bug shared by client and
emulator cannot hide here."""

from __future__ import annotations

import base64
import json
import warnings
from pathlib import Path
from typing import Any

import pytest

from ml_connector.emulators.faults import FaultPlan, FaultRule
from ml_connector.emulators.qad.app import create_app

with warnings.catch_warnings():  # starlette 1.x warns at import that it would prefer `httpx2`
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

REF = json.loads((Path(__file__).parent.parent / "data" / "qad_reference.json").read_text())
BASE = "/clouderp"
VIEW = "urn:be:com.qad.financials.generalledger.journalentry.IJournalEntry"
BROWSE = "urn:browse:bebrowse:com.qad.erp.financials."


@pytest.fixture
def app() -> Any:
    return create_app(clock=lambda: 1_796_000_000.0)  # 2026-11-30: period 2026/08 is the closed one


@pytest.fixture
def http(app) -> TestClient:
    return TestClient(app)


def grant(http: TestClient, app: Any, *, as_query: bool = False, **over: str) -> Any:
    c = app.state.credentials
    form = {"grant_type": "password", "client_id": c["client_id"], "username": c["username"], "password": c["password"]}
    form.update(over)
    if as_query:
        return http.post(BASE + REF["token_path"], params=form)
    return http.post(BASE + REF["token_path"], data=form)


def headers(http: TestClient, app: Any) -> dict[str, str]:
    token = grant(http, app).json()["access_token"]
    c = app.state.credentials
    return {"Authorization": f"Bearer {token}", REF["workspace_header"]: f"{c['domain']}_{c['entity']}"}


def entry(**over: Any) -> dict[str, Any]:
    body = {
        "daybookCode": "RECON", "postingYear": 2026, "postingPeriod": 11, "postingDate": "2026-11-30",
        "postingText": "GL spend 2026/11", "postingSecondText": "LQ-1",
        "journalEntryLines": [
            {"glCode": "6100", "costCentreCode": "200", "postingLineDebitTC": 10, "postingLineCreditTC": 0},
            {"glCode": "9990", "postingLineDebitTC": 0, "postingLineCreditTC": 10},
        ],
    }  # fmt: skip
    return {"supplementaryMessages": [], "journalEntries": [{**body, **over}]}


def test_token_endpoint_form_or_query_errors_and_lock(http, app) -> None:
    ok = grant(http, app)
    assert ok.status_code == 200 and set(REF["token_fields"]) <= set(ok.json())
    assert grant(http, app, as_query=True).status_code == 200  # query parameters accepted too [T]
    refreshed = http.post(
        BASE + REF["token_path"], data={"grant_type": "refresh_token", "refresh_token": ok.json()["refresh_token"]}
    )
    assert refreshed.status_code == 200 and refreshed.json()["access_token"] != ok.json()["access_token"]
    wrong = grant(http, app, password="nope")
    assert wrong.status_code == REF["invalid_grant_status"] and wrong.json() == REF["invalid_grant_body"]
    for _ in range(REF["maximum_access_failures"] - 1):
        grant(http, app, password="nope")
    locked = grant(http, app)  # the right password, but the account is locked now
    assert locked.status_code == 400 and "locked" in locked.json()["error_description"]


def test_security_control_is_anonymous(http) -> None:
    answer = http.get(BASE + REF["security_control_path"])
    assert answer.status_code == 200
    assert set(REF["security_control_fields"]) <= set(answer.json()["data"]["securityControls"][0])


def test_bearer_required_and_basic_accepted(http, app) -> None:
    url = BASE + REF["browse_path"]
    params = {"browseId": BROWSE + "daybooks", "page": 1, "pageAction": "first"}
    assert http.get(url, params=params).status_code == 401
    c = app.state.credentials
    basic = base64.b64encode(f"{c['username']}:{c['password']}".encode()).decode()
    assert http.get(url, params=params, headers={"Authorization": f"Basic {basic}"}).status_code == 200


def test_browse_page_rules_keys_and_filters(http, app) -> None:
    h, url = headers(http, app), BASE + REF["browse_path"]
    for missing in REF["browse_required"]:
        params = {"browseId": BROWSE + "glAccounts", "page": 1, "pageAction": "first", "pageSize": 5}
        del params[missing]
        answer = http.get(url, params=params, headers=h)
        assert answer.status_code == 200 and answer.json() == {"data": []}  # silently nothing [F]
    first = http.get(url, params={"browseId": BROWSE + "glAccounts", "page": 1, "pageAction": "first",
                                  "pageSize": 5}, headers=h).json()["data"]  # fmt: skip
    second = http.get(url, params={"browseId": BROWSE + "glAccounts", "page": 2, "pageAction": "next",
                                   "pageSize": 5}, headers=h).json()["data"]  # fmt: skip
    assert len(first) == len(second) == 5 and first != second
    assert all(key.count(".") == 1 for key in first[0])  # table.field keys [F]
    filtered = http.get(url, params={"browseId": BROWSE + "costCentres", "page": 1, "pageAction": "first",
                                     "filter": "costcentre.CostCentreCode,eq,300,literal"}, headers=h)  # fmt: skip
    assert [r["costcentre.CostCentreCode"] for r in filtered.json()["data"]] == ["300"]


def test_journal_entry_create_read_update_and_errors(http, app) -> None:
    h, url = headers(http, app), f"{BASE}/api/erp/journalEntries"
    created = http.post(url, params={"viewUri": VIEW}, json=entry(), headers=h)
    assert created.status_code == 200 and created.json()["submitResult"]["success"] is True
    saved = created.json()["data"]["journalEntries"][0]
    assert saved["postingVoucher"] == 1  # numbered by QAD per entity + daybook + year [F]
    keys = {"companyCode": "10USACO", "postingYear": 2026, "daybookCode": "RECON", "voucher": 1, "viewUri": VIEW}
    read = http.get(url, params=keys, headers=h).json()["data"]["journalEntries"][0]
    assert read["concurrencyHash"] == saved["concurrencyHash"]
    updated = http.post(url, params=keys, json={"journalEntries": [{**read, "postingText": "x"}]}, headers=h).json()
    assert (
        updated["submitResult"]["success"]
        and updated["data"]["journalEntries"][0]["concurrencyHash"] != read["concurrencyHash"]
    )  # the hash rotates on each update [T]
    stale = http.post(url, params=keys, json={"journalEntries": [read]}, headers=h).json()
    assert stale["submitResult"]["success"] is False

    limit = REF["posting_text_limit"]
    for bad, field in [
        ({"postingText": "x" * (limit + 1)}, "postingText"),
        ({"postingSecondText": "y" * (limit + 1)}, "postingSecondText"),
        ({"postingPeriod": 8, "postingDate": "2026-08-31"}, "postingPeriod"),
        ({"daybookCode": "NOPE"}, "daybookCode"),
    ]:
        answer = http.post(url, params={"viewUri": VIEW}, json=entry(**bad), headers=h)
        assert answer.status_code == 200  # validation failures ride on HTTP 200 [F]
        errors = answer.json()["submitResult"]["errors"]
        assert set(REF["submit_error_fields"]) <= set(errors[0]) and errors[0]["fieldName"] == field
    unbalanced = entry()
    unbalanced["journalEntries"][0]["journalEntryLines"][1]["postingLineCreditTC"] = 9
    assert "not balanced" in http.post(url, params={"viewUri": VIEW}, json=unbalanced, headers=h).text
    assert (
        http.post(url, params={"viewUri": VIEW}, json=entry(), headers=h).json()["data"]["journalEntries"][0][
            "postingVoucher"
        ]
        == 2
    )


def test_403_bare_errors_body_and_faults(http, app) -> None:
    denied = create_app(journal_permission=False, clock=lambda: 1_796_000_000.0)
    client = TestClient(denied)
    answer = client.post(f"{BASE}/api/erp/journalEntries", params={"viewUri": VIEW}, json=entry(),
                         headers=headers(client, denied))  # fmt: skip
    assert answer.status_code == 403 and answer.json() == REF["access_denied_body"]
    plan = FaultPlan([FaultRule("token_expiry", path="browses", start=1, count=1),
                      FaultRule("status", path="browses", status=503, start=2, count=1)])  # fmt: skip
    faulty = create_app(faults=plan, clock=lambda: 1_796_000_000.0)
    client = TestClient(faulty)
    h = headers(client, faulty)
    params = {"browseId": BROWSE + "daybooks", "page": 1, "pageAction": "first"}
    assert client.get(f"{BASE}/api/qracore/browses", params=params, headers=h).status_code == 401
    assert client.get(f"{BASE}/api/qracore/browses", params=params, headers=h).status_code == 503
    assert client.get(f"{BASE}/api/qracore/browses", params=params, headers=headers(client, faulty)).status_code == 200
